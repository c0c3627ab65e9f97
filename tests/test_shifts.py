"""WESUP_SHIFTS: the team's shift boundaries. A night shift is not cut in two at midnight;
daylight saving in the team zone moves the instants, not the clock times; a setting that
leaves a gap or an overlap refuses to start."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

import pytest
from flask import Flask

from tests.builders import make_task, make_user, set_task_times, signed_in, status_named
from tests.server_process import REPO
from wesup import create_app
from wesup.tasks import service
from wesup.timeutil import Shift, parse_shifts, shift_at

NIGHT_AND_DAY = "08:00-20:00,20:00-08:00"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def zone_app(zone: str, shifts: str) -> Flask:
    """Enough of an app for the shift rule: its zone and its parsed windows."""
    app = Flask(__name__)
    app.config["TIMEZONE"] = zone
    app.config["SHIFT_WINDOWS"] = parse_shifts(shifts)
    return app


@pytest.mark.parametrize(
    ("raw", "windows"),
    [
        ("", ()),
        ("  ", ()),
        (NIGHT_AND_DAY, ((time(8), time(20)), (time(20), time(8)))),
        ("20:00-08:00, 08:00-20:00", ((time(8), time(20)), (time(20), time(8)))),
        ("8:30-8:30", ((time(8, 30), time(8, 30)),)),
        (
            "00:00-08:00,08:00-16:00,16:00-00:00",
            ((time(0), time(8)), (time(8), time(16)), (time(16), time(0))),
        ),
    ],
)
def test_valid_shifts(raw, windows):
    assert parse_shifts(raw) == windows


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("08:00-20:00", "uncovered"),
        ("08:00-20:00,21:00-08:00", "gap"),
        ("08:00-20:00,19:00-08:00", "overlaps"),
        ("08:00-20:00,20:00-09:00", "overlaps"),
        ("08:00-20:00,20:00-20:00,20:00-08:00", "empty"),
        ("8-20,20-8", "not a window"),
        ("08:00-24:00,24:00-08:00", "not a time of day"),
        ("08:00-20:00;20:00-08:00", "not a window"),
    ],
)
def test_shifts_that_do_not_cover_the_day_are_refused_with_a_reason(raw, says):
    with pytest.raises(ValueError, match=says):
        parse_shifts(raw)


def test_the_app_refuses_a_bad_setting_naming_it(monkeypatch, tmp_path):
    monkeypatch.setenv("WESUP_SHIFTS", "08:00-20:00")
    monkeypatch.setenv("WESUP_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ValueError, match="WESUP_SHIFTS '08:00-20:00': the shifts leave"):
        create_app({"SECRET_KEY": "x", "ASYNC_MODE": "threading"})


def test_the_server_refuses_to_start_with_a_clear_message(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "WESUP_INSTANCE_PATH": str(tmp_path),
        "WESUP_SHIFTS": "08:00-20:00,21:00-08:00",
        "WESUP_SECRET_KEY": "x",
    }
    result = subprocess.run(
        [sys.executable, str(REPO / "run.py"), "--async-mode", "threading", "--port", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "WeSup cannot start: WESUP_SHIFTS" in result.stderr
    assert "leaves a gap" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("moment", "start", "end"),
    [
        # Moscow is UTC+3 all year
        ("2024-03-10T07:59:59+03:00", "2024-03-09T20:00:00+03:00", "2024-03-10T08:00:00+03:00"),
        ("2024-03-10T08:00:00+03:00", "2024-03-10T08:00:00+03:00", "2024-03-10T20:00:00+03:00"),
        ("2024-03-10T19:59:00+03:00", "2024-03-10T08:00:00+03:00", "2024-03-10T20:00:00+03:00"),
        ("2024-03-10T20:00:00+03:00", "2024-03-10T20:00:00+03:00", "2024-03-11T08:00:00+03:00"),
        ("2024-03-10T23:59:59+03:00", "2024-03-10T20:00:00+03:00", "2024-03-11T08:00:00+03:00"),
        ("2024-03-11T00:00:00+03:00", "2024-03-10T20:00:00+03:00", "2024-03-11T08:00:00+03:00"),
        ("2024-03-11T03:00:00+03:00", "2024-03-10T20:00:00+03:00", "2024-03-11T08:00:00+03:00"),
    ],
)
def test_a_night_shift_is_one_shift_across_midnight(moment, start, end):
    with zone_app("Europe/Moscow", NIGHT_AND_DAY).app_context():
        assert shift_at(utc(moment)) == Shift(utc(start), utc(end))


@pytest.mark.parametrize(
    ("moment", "start", "end", "hours"),
    [
        # Berlin springs forward at 02:00 on 2024-03-31: that night shift is an hour shorter
        ("2024-03-31T03:30:00+02:00", "2024-03-30T20:00:00+01:00", "2024-03-31T08:00:00+02:00", 11),
        # and falls back at 03:00 on 2024-10-27: that night shift is an hour longer
        ("2024-10-27T02:30:00+01:00", "2024-10-26T20:00:00+02:00", "2024-10-27T08:00:00+01:00", 13),
        ("2024-10-27T12:00:00+01:00", "2024-10-27T08:00:00+01:00", "2024-10-27T20:00:00+01:00", 12),
    ],
)
def test_daylight_saving_moves_the_instants_not_the_clock_times(moment, start, end, hours):
    with zone_app("Europe/Berlin", NIGHT_AND_DAY).app_context():
        shift = shift_at(utc(moment))
    assert shift == Shift(utc(start), utc(end))
    assert shift.end - shift.start == timedelta(hours=hours)


def test_without_shifts_a_shift_is_the_calendar_day_even_across_daylight_saving():
    with zone_app("Europe/Berlin", "").app_context():
        shift = shift_at(utc("2024-03-31T12:00:00+02:00"))
    assert shift == Shift(utc("2024-03-31T00:00:00+01:00"), utc("2024-04-01T00:00:00+02:00"))
    assert shift.end - shift.start == timedelta(hours=23)


def test_one_window_is_a_day_that_starts_at_that_time():
    with zone_app("Europe/Moscow", "08:00-08:00").app_context():
        early = shift_at(utc("2024-03-10T07:00:00+03:00"))
    assert early == Shift(utc("2024-03-09T08:00:00+03:00"), utc("2024-03-10T08:00:00+03:00"))


@pytest.mark.parametrize("app_config", [{"SHIFTS": NIGHT_AND_DAY}])
def test_closed_this_shift_keeps_the_night_shift_together(app, monkeypatch):
    """At 02:00 a task closed at 22:00 is "closed this shift"; at 09:00 it no longer is."""
    alice = signed_in(app, "alice")
    done = status_named(app, "Done").id
    before_midnight = make_task(app, alice.user, "Closed at 22:00", status_id=done)
    earlier = make_task(app, alice.user, "Closed at 19:00", status_id=done)
    set_task_times(
        app,
        before_midnight.id,
        received_at=utc("2024-03-10T21:00:00+03:00"),
        resolved_at=utc("2024-03-10T22:00:00+03:00"),
    )
    set_task_times(
        app,
        earlier.id,
        received_at=utc("2024-03-10T18:00:00+03:00"),
        resolved_at=utc("2024-03-10T19:00:00+03:00"),
    )
    make_user(app, "bob")

    def at(moment: str) -> list[str]:
        monkeypatch.setattr(service, "current_shift", lambda: shift_at(utc(moment)))
        body = alice.client.get("/api/tasks/mine").get_json()
        assert body["shift"] == shift_at_in(app, moment).to_dict()
        return [task["title"] for task in body["closed_this_shift"]]

    assert at("2024-03-11T02:00:00+03:00") == ["Closed at 22:00"]
    assert at("2024-03-10T19:30:00+03:00") == ["Closed at 19:00"]
    assert at("2024-03-11T09:00:00+03:00") == []


def shift_at_in(app: Flask, moment: str) -> Shift:
    with app.app_context():
        return shift_at(utc(moment))
