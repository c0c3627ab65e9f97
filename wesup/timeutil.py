"""Team time zone, day and shift boundaries, periods and durations: computed here and nowhere
else."""

from __future__ import annotations

import re
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


# --- shifts ----------------------------------------------------------------------------------

Window = tuple[time, time]
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _clock(hours: str, minutes: str) -> time:
    hour, minute = int(hours), int(minutes)
    if hour > 23 or minute > 59:
        raise ValueError(f"{hours}:{minutes} is not a time of day")
    return time(hour, minute)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def parse_shifts(raw: str | None) -> tuple[Window, ...]:
    """WESUP_SHIFTS: comma-separated HH:MM-HH:MM windows of the team's clock that follow one
    another around the whole day ("08:00-20:00,20:00-08:00"; a window may cross midnight;
    one window "08:00-08:00" is a day that starts at 08:00). Empty: one shift per calendar day.

    Raises ValueError saying what is wrong: the server refuses to start rather than cut the
    day into shifts that leave a gap or overlap.
    """
    if not raw or not raw.strip():
        return ()
    windows: list[Window] = []
    for part in raw.split(","):
        found = _WINDOW.match(part.strip())
        if not found:
            raise ValueError(f"{part.strip()!r} is not a window like 08:00-20:00")
        start, end = _clock(*found.group(1, 2)), _clock(*found.group(3, 4))
        windows.append((start, end))
    windows.sort(key=lambda window: _minutes(window[0]))
    if len(windows) == 1:
        start, end = windows[0]
        if start != end:
            raise ValueError(
                f"the shifts leave {end:%H:%M}-{start:%H:%M} uncovered: cover the whole day"
            )
        return tuple(windows)
    for index, (start, end) in enumerate(windows):
        following = windows[(index + 1) % len(windows)][0]
        if start == end:
            raise ValueError(f"{start:%H:%M}-{end:%H:%M} is empty")
        if end != following:
            problem = "leaves a gap" if _gap(end, following) else "overlaps the next shift"
            raise ValueError(
                f"the shift {start:%H:%M}-{end:%H:%M} {problem} (the next starts at"
                f" {following:%H:%M}): cover the whole day, each shift ending where the next"
                " begins"
            )
    return tuple(windows)


def _gap(end: time, following: time) -> bool:
    """Whether the next shift starts after this one ends (in the few hours after its end)."""
    return 0 < (_minutes(following) - _minutes(end)) % (24 * 60) < 12 * 60


@dataclass(frozen=True)
class Shift:
    """One working shift of the team, as the UTC half-open range [start, end)."""

    start: datetime
    end: datetime

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _on(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=team_zone()).astimezone(UTC)


def shift_at(moment: datetime) -> Shift:
    """The shift (WESUP_SHIFTS, in the team zone) that contains this moment: "closed this
    shift", the wall's "resolved this shift" and the handover banner follow it, so a night
    shift is not cut in two at midnight. Without WESUP_SHIFTS, the team's calendar day."""
    day = moment.astimezone(team_zone()).date()
    windows: tuple[Window, ...] = current_app.config.get("SHIFT_WINDOWS") or ()
    for candidate in (day - timedelta(days=1), day):  # a night shift began the day before
        for start, end in windows:
            began = _on(candidate, start)
            ends = _on(candidate + timedelta(days=1) if end <= start else candidate, end)
            if began <= moment < ends:
                return Shift(began, ends)
    return Shift(day_start(day), day_start(day + timedelta(days=1)))


def current_shift() -> Shift:
    """The shift the team is in now."""
    return shift_at(datetime.now(UTC))


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
