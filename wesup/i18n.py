"""Languages: Russian and English, from Accept-Language unless the person chose one."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from wesup.extensions import babel
from wesup.timeutil import format_duration, to_team_time, today


def select_locale() -> str | None:
    """The person's choice, else the browser's; the default outside a request (CLI, jobs)."""
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LOCALE"]


def team_time(value: datetime | None) -> str:
    """A UTC datetime in the team's zone, "26.11 14:03", with the year when it is not the team's
    current one ("01.01.1999 10:00"): the same wording as static/js/teamtime.js stamp()."""
    local = to_team_time(value)
    if not local:
        return ""
    year = "" if local.year == today().year else f".{local.year:04d}"
    return f"{local:%d.%m}{year} {local:%H:%M}"


def day_label(day: date) -> str:
    """A team day with its weekday, «вт, 1 декабря» / "Tue, 1 December", with the year when
    it is not the current one: people think of "Tuesday", not of "01.12"."""
    pattern = "EEE, d MMMM" if day.year == today().year else "EEE, d MMMM y"
    return format_date(day, pattern)


def duration(seconds: int) -> str:
    """'1 h 12 min' in the reader's language."""
    return format_duration(seconds, hours=_("h"), minutes=_("min"), days=_("d"))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["team_time"] = team_time
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["day_label"] = day_label
