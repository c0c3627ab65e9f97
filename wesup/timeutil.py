"""Team time zone, day boundaries, periods and durations: computed here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import gettext as _

from wesup.errors import ValidationFailed


def team_zone() -> ZoneInfo:
    """The zone that decides where a working day starts and ends."""
    try:
        return ZoneInfo(current_app.config["TIMEZONE"])
    except ZoneInfoNotFoundError as exc:
        raise RuntimeError(f"unknown WESUP_TIMEZONE {current_app.config['TIMEZONE']!r}") from exc


def today() -> date:
    return datetime.now(team_zone()).date()


def day_start(day: date) -> datetime:
    """Midnight of a team day, in UTC."""
    return datetime.combine(day, time.min, tzinfo=team_zone()).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """Team days first..last inclusive, as the UTC half-open range [start, end)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return day_start(self.first)

    @property
    def end(self) -> datetime:
        return day_start(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def shifted(self, days: int) -> Period:
        """The period of the same length moved by whole days (previous / next buttons)."""
        step = timedelta(days=days)
        return Period(self.first + step, self.last + step)


MAX_PERIOD_DAYS = 366
# Midnight of a day, and of the day after, must exist in UTC whatever the team's zone.
FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9999, 12, 30)


def parse_period(first: str | None, last: str | None) -> Period:
    """Parse ?from=&to= (YYYY-MM-DD, team days); both missing means today."""
    errors: dict[str, str] = {}
    parsed: dict[str, date | None] = {}
    for name, raw in (("from", first), ("to", last)):
        if not raw:
            parsed[name] = None
            continue
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("Use the date format YYYY-MM-DD.")
            continue
        parsed[name] = day
        if not FIRST_DAY <= day <= LAST_DAY:
            errors[name] = _("Use a date between years 1 and 9999.")
    if errors:
        raise ValidationFailed(_("The period is not valid."), errors)
    start = parsed["from"] or parsed["to"] or today()
    end = parsed["to"] or start
    if end < start:
        raise ValidationFailed(_("The period ends before it starts."), {"to": _("Before 'from'.")})
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationFailed(
            _("The period is longer than a year."), {"to": _("Too far from 'from'.")}
        )
    return Period(start, end)


def parse_local_datetime(raw: str) -> datetime:
    """Accept ISO 8601 with an offset, or a naive datetime-local value in the team zone."""
    try:
        value = datetime.fromisoformat(raw.strip())
        if value.tzinfo is None:
            value = value.replace(tzinfo=team_zone())
        value = value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # overflow: year 1 shifted before year 1
        raise ValueError("not a date and time") from exc
    if value < day_start(FIRST_DAY):  # earlier ones cannot be shown in a zone west of UTC
        raise ValueError("before the first day the team's calendar can show")
    return value


def to_team_time(value: datetime | None) -> datetime | None:
    return value.astimezone(team_zone()) if value else None


def duration_seconds(received_at: datetime, resolved_at: datetime | None, now: datetime) -> int:
    """Time to resolve, or time open so far."""
    return max(0, int(((resolved_at or now) - received_at).total_seconds()))


def format_duration(
    seconds: float, *, days: str = "d", hours: str = "h", minutes: str = "min"
) -> str:
    """'1 h 12 min': the same wording as the live timers (static/js/rules.js formatDuration,
    both checked against tests/rules/format_duration.json). No time is shorter than none."""
    total_minutes = max(0, int(seconds)) // 60
    total_hours, mins = divmod(total_minutes, 60)
    day_count, hour_count = divmod(total_hours, 24)
    if day_count:
        return f"{day_count} {days} {hour_count} {hours}"
    if hour_count:
        return f"{hour_count} {hours} {mins} {minutes}"
    return f"{mins} {minutes}"
