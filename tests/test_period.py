"""Which tasks belong to a period: every team day they were open, in the team's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.builders import make_task, set_task_times, signed_in, status_named
from wesup.models import User, utcnow

NEW_YORK = {"TIMEZONE": "America/New_York"}


def task_at(app, agent: User, title: str, received: str, resolved: str | None = None) -> int:
    """A task received (and resolved) at moments given with their offset."""
    status = status_named(app, "Done" if resolved else "Accepted")
    task = make_task(app, agent, title, status_id=status.id)
    set_task_times(
        app,
        task.id,
        received_at=datetime.fromisoformat(received),
        resolved_at=datetime.fromisoformat(resolved) if resolved else None,
    )
    return task.id


def titles_on(auth, first: str, last: str | None = None) -> list[str]:
    """Titles on the All-tasks board for team days first..last."""
    response = auth.client.get(f"/api/tasks?from={first}&to={last or first}")
    assert response.status_code == 200, response.get_json()
    return [task["title"] for task in response.get_json()["tasks"]]


@pytest.fixture
def alice(app):
    return signed_in(app, "alice")


def test_a_task_open_across_midnight_shows_on_both_days(app, alice):
    task_at(app, alice.user, "Late call", "2024-03-10T23:30+03:00")
    task_at(
        app, alice.user, "Closed after midnight", "2024-03-10T23:40+03:00", "2024-03-11T00:20+03:00"
    )
    assert titles_on(alice, "2024-03-10") == ["Late call", "Closed after midnight"]
    assert titles_on(alice, "2024-03-11") == ["Late call", "Closed after midnight"]
    assert titles_on(alice, "2024-03-12") == ["Late call"]  # still open: still on the board
    assert titles_on(alice, "2024-03-09") == []


def test_a_task_resolved_yesterday_is_not_on_today(app, alice):
    task_at(app, alice.user, "Done yesterday", "2024-03-10T10:00+03:00", "2024-03-10T18:00+03:00")
    task_at(
        app,
        alice.user,
        "Done just before midnight",
        "2024-03-10T10:00+03:00",
        "2024-03-10T23:59:59+03:00",
    )
    assert titles_on(alice, "2024-03-10") == ["Done yesterday", "Done just before midnight"]
    assert titles_on(alice, "2024-03-11") == []


def test_a_task_received_tomorrow_is_not_on_today(app, alice):
    task_at(app, alice.user, "Tomorrow", "2024-03-12T09:00+03:00")
    task_at(app, alice.user, "At the stroke of midnight", "2024-03-12T00:00+03:00")
    assert titles_on(alice, "2024-03-11") == []
    assert titles_on(alice, "2024-03-12") == ["At the stroke of midnight", "Tomorrow"]


def test_a_period_of_several_days_lists_each_task_once(app, alice):
    task_at(app, alice.user, "Long one", "2024-03-08T09:00+03:00", "2024-03-12T09:00+03:00")
    task_at(app, alice.user, "Monday", "2024-03-11T09:00+03:00", "2024-03-11T10:00+03:00")
    task_at(app, alice.user, "Before", "2024-03-01T09:00+03:00", "2024-03-01T10:00+03:00")
    assert titles_on(alice, "2024-03-09", "2024-03-11") == ["Long one", "Monday"]


def test_the_summary_counts_the_tasks_of_the_period(app, alice):
    task_at(app, alice.user, "Open", "2024-03-10T09:00+03:00")
    task_at(app, alice.user, "Resolved", "2024-03-10T09:00+03:00", "2024-03-10T10:00+03:00")
    task_at(app, alice.user, "Other day", "2024-03-05T09:00+03:00", "2024-03-05T10:00+03:00")
    summary = alice.client.get("/api/tasks?from=2024-03-10&to=2024-03-10").get_json()["summary"]
    assert summary == {"open": 1, "postponed": 0, "resolved": 1}


def test_without_a_period_the_board_shows_today(app, alice):
    now = utcnow()
    task_at(app, alice.user, "Since yesterday", (now - timedelta(days=1)).isoformat())
    task_at(
        app,
        alice.user,
        "Closed two days ago",
        (now - timedelta(days=3)).isoformat(),
        (now - timedelta(days=2)).isoformat(),
    )
    make_task(app, alice.user, "Just now")
    titles = [task["title"] for task in alice.client.get("/api/tasks").get_json()["tasks"]]
    assert titles == ["Since yesterday", "Just now"]


def test_only_from_or_only_to_means_that_one_day(app, alice):
    task_at(app, alice.user, "Sunday", "2024-03-10T09:00+03:00", "2024-03-10T10:00+03:00")
    for query in ("from=2024-03-10", "to=2024-03-10"):
        body = alice.client.get(f"/api/tasks?{query}").get_json()
        assert (body["period"]["from"], body["period"]["to"]) == ("2024-03-10", "2024-03-10")
        assert [task["title"] for task in body["tasks"]] == ["Sunday"]


# --- the team's zone decides where a day ends -----------------------------------------------


@pytest.mark.parametrize(
    ("app_config", "on", "not_on"),
    [
        pytest.param(NEW_YORK, "2024-11-05", "2024-11-06", id="new-york"),
        pytest.param({"TIMEZONE": "Europe/Moscow"}, "2024-11-06", "2024-11-05", id="moscow"),
        pytest.param({"TIMEZONE": "UTC"}, "2024-11-06", "2024-11-05", id="utc"),
    ],
)
def test_the_same_moment_falls_on_the_team_day(app, alice, on, not_on):
    """04:30 UTC on 6 November is 23:30 on the 5th in New York and 07:30 on the 6th in Moscow."""
    task_at(app, alice.user, "Night call", "2024-11-06T04:30+00:00", "2024-11-06T04:50+00:00")
    assert titles_on(alice, on) == ["Night call"]
    assert titles_on(alice, not_on) == []


@pytest.mark.parametrize("app_config", [NEW_YORK])
@pytest.mark.parametrize(
    ("day", "received", "stored"),
    [
        ("2024-11-05", "2024-11-05T23:30", "2024-11-06T04:30:00+00:00"),  # EST, UTC-5
        ("2024-07-01", "2024-07-01T23:30", "2024-07-02T03:30:00+00:00"),  # EDT, UTC-4
        ("2024-03-10", "2024-03-10T23:30", "2024-03-11T03:30:00+00:00"),  # a 23-hour day
        ("2024-11-03", "2024-11-03T23:30", "2024-11-04T04:30:00+00:00"),  # a 25-hour day
    ],
)
def test_a_task_logged_at_half_past_eleven_local_stays_on_that_day(
    app, alice, day, received, stored
):
    """The quick-add form sends local time; the board of that local day shows the task."""
    response = alice.api("POST", "/api/tasks", {"title": "Late call", "received_at": received})
    assert response.status_code == 201, response.get_json()
    task = response.get_json()["task"]
    assert task["received_at"] == stored
    resolved = datetime.fromisoformat(stored) + timedelta(minutes=20)
    set_task_times(app, task["id"], resolved_at=resolved)

    next_day = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
    assert titles_on(alice, day) == ["Late call"]
    assert titles_on(alice, next_day) == []


@pytest.mark.parametrize("app_config", [NEW_YORK])
def test_today_is_the_team_zones_today(app, alice):
    expected = datetime.now(ZoneInfo("America/New_York")).date().isoformat()
    assert alice.client.get("/api/tasks").get_json()["period"]["from"] == expected
