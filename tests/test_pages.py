"""The HTML pages: who may open them, the no-JavaScript quick add, escaping, periods, filters,
languages, and the rule that page scripts insert text, never markup."""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.builders import (
    NO_ADDRESS,
    assert_refused,
    db_state,
    make_chat,
    make_task,
    make_user,
    set_task_times,
    signed_in,
    status_named,
    task_json,
)
from wesup.directories.service import create_status
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import Task, User, utcnow
from wesup.tasks import service

TEAM_ZONE = ZoneInfo("Europe/Moscow")  # the TIMEZONE of the test app
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
JS_DIR = Path(__file__).resolve().parent.parent / "wesup" / "static" / "js"


def person(app, login: str, role: str = Role.AGENT):
    """Somebody signed in whose browser asks for English (the app's default is Russian)."""
    auth = signed_in(app, login, role=role)
    auth.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return auth


def team_today():
    return datetime.now(TEAM_ZONE).date()


def team_moment(day, hour: int, minute: int = 0) -> datetime:
    """A moment of a team day, as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=TEAM_ZONE)


def page_data(html: str) -> dict:
    """The JSON the template hands to the page script."""
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert found, "the page carries no data for its script"
    return json.loads(found.group(1))


def board_titles(html: str) -> list[str]:
    """Titles of the rows the server rendered on All tasks, in order."""
    body = html.split('id="board"', 1)[1].split("</tbody>", 1)[0]
    return [unescape(t) for t in re.findall(r'<span class="title-link">(.*?)</span>', body)]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# --- who opens what ---------------------------------------------------------------------------

PAGES = ["/tasks/mine", "/tasks", "/directories", "/admin/users", "/admin/users/{id}"]
ALLOWED = {
    Role.ADMIN: set(PAGES),
    Role.LEAD: {"/tasks/mine", "/tasks", "/directories"},
    Role.AGENT: {"/tasks/mine", "/tasks"},
    Role.VIEWER: {"/tasks"},
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_opens_its_pages_and_is_refused_the_others(app, role):
    someone = person(app, "someone", role=role)
    for path in PAGES:
        response = someone.client.get(path.format(id=someone.user.id))
        if path in ALLOWED[role]:
            assert response.status_code == 200, path
            assert response.mimetype == "text/html"
        elif path == "/tasks/mine":
            # viewers own no tasks: their home is the board
            assert response.status_code == 302
            assert urlsplit(response.headers["Location"]).path == "/tasks"
        else:
            assert response.status_code == 403, path
            assert "WeSup" in response.get_data(as_text=True)  # the error page, not a traceback


@pytest.mark.parametrize("path", PAGES)
def test_strangers_are_sent_to_sign_in(app, client, path):
    alice = make_user(app, "alice")
    response = client.get(path.format(id=alice.id))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


@pytest.mark.parametrize(("path", "status"), [("/login", 200), ("/setup?token=wrong", 404)])
def test_sign_in_and_setup_pages_render(app, client, path, status):
    make_user(app, "alice")
    response = client.get(path)
    assert response.status_code == status
    assert 'class="brand big"' in response.get_data(as_text=True)


def test_the_nav_shows_each_role_only_its_pages(app):
    viewer = person(app, "vera", role=Role.VIEWER)
    html = viewer.client.get("/tasks").get_data(as_text=True)
    nav = html.split("</nav>", 1)[0]
    assert 'href="/tasks"' in nav
    assert 'href="/tasks/mine">' not in nav
    assert 'href="/directories"' not in nav
    admin = person(app, "root", role=Role.ADMIN)
    nav = admin.client.get("/tasks").get_data(as_text=True).split("</nav>", 1)[0]
    for path in ("/tasks/mine", "/tasks", "/directories", "/admin/users"):
        assert f'href="{path}"' in nav


# --- My tasks -------------------------------------------------------------------------------


def test_my_tasks_lists_open_oldest_first_then_closed_this_shift(app):
    alice = person(app, "alice")
    bob = make_user(app, "bob")
    newer = make_task(app, alice.user, "Newer request")
    older = make_task(app, alice.user, "Older request")
    set_task_times(app, older.id, received_at=utcnow() - timedelta(hours=2))
    closed = make_task(app, alice.user, "Closed one", status_id=status_named(app, "Done").id)
    make_task(app, bob, "Bob's own request")
    html = alice.client.get("/tasks/mine").get_data(as_text=True)
    open_part, closed_part = html.split('id="closed-tasks"', 1)
    assert open_part.index("Older request") < open_part.index("Newer request")
    assert "Closed one" in closed_part and "Closed one" not in open_part
    assert "Bob&#39;s own request" not in html and "Bob's own request" not in html
    data = page_data(html)
    assert [task["id"] for task in data["open"]] == [older.id, newer.id]
    assert [task["id"] for task in data["closed_this_shift"]] == [closed.id]
    assert data["me"]["id"] == alice.user.id
    # each open task has a live timer the script ticks
    assert f'data-since="{task_json(app, older.id)["received_at"]}"' in html


def test_the_quick_add_form_has_the_agreed_fields_and_defaults(app):
    alice = person(app, "alice")
    make_chat(app, "Acme support")
    html = alice.client.get("/tasks/mine").get_data(as_text=True)
    form = html.split('id="quick-add"', 1)[1].split("</form>", 1)[0]
    for name in ("title", "chat_id", "status_id", "description", "received_at"):
        assert f'name="{name}"' in form
    accepted = status_named(app, "Accepted")
    assert f'<option value="{accepted.id}" selected>Accepted</option>' in form
    assert 'action="/tasks/mine"' in form and 'method="post"' in form
    assert ">Acme support</option>" in form


def quick_add(auth, **fields):
    """Post the quick-add form as a browser without JavaScript does."""
    html = auth.client.get("/tasks/mine").get_data(as_text=True)
    default = re.search(r'name="received_at_default" value="([^"]*)"', html).group(1)
    data = {
        "csrf_token": csrf_of(html),
        "title": "",
        "chat_id": "",
        "status_id": "",
        "description": "",
        "received_at": default,
        "received_at_default": default,
    } | fields
    return auth.client.post("/tasks/mine", data=data)


def test_the_quick_add_form_works_without_javascript(app):
    alice = person(app, "alice")
    chat = make_chat(app, "Acme support")
    in_progress = status_named(app, "In progress")
    received = datetime.now(TEAM_ZONE).replace(second=0, microsecond=0) - timedelta(minutes=20)
    response = quick_add(
        alice,
        title="VPN is down",
        chat_id=str(chat.id),
        status_id=str(in_progress.id),
        description="Whole office",
        received_at=received.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/tasks/mine"
    with app.app_context():
        task = db.session.execute(sa.select(Task)).scalar_one()
        assert (task.title, task.description) == ("VPN is down", "Whole office")
        assert (task.chat_id, task.status_id, task.agent_id) == (
            chat.id,
            in_progress.id,
            alice.user.id,
        )
        assert task.received_at == received
    page = alice.client.get("/tasks/mine").get_data(as_text=True)
    assert "Task saved: VPN is down" in page
    assert page_data(page)["open"][0]["title"] == "VPN is down"


def test_an_untouched_received_at_means_now_not_when_the_form_was_shown(app):
    alice = person(app, "alice")
    an_hour_ago = (datetime.now(TEAM_ZONE) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = quick_add(
        alice, title="Logged late", received_at=an_hour_ago, received_at_default=an_hour_ago
    )
    assert response.status_code == 303
    with app.app_context():
        task = db.session.execute(sa.select(Task)).scalar_one()
        assert utcnow() - task.received_at < timedelta(minutes=1)
        assert task.status.name == "Accepted"  # the first status of category new


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "   "}, "title", "This field is required."),
        ({"title": "x", "chat_id": "999"}, "chat_id", "Choose a chat from the list."),
        ({"title": "x", "received_at": "yesterday"}, "received_at", "Use a date and time."),
        ({"title": "x" * 301}, "title", "At most 300 characters."),
    ],
)
def test_a_bad_quick_add_shows_the_error_by_its_field_and_saves_nothing(
    app, fields, field, message
):
    alice = person(app, "alice")
    response = assert_refused(
        app, lambda: quick_add(alice, description="kept <b>as typed</b>", **fields), 422
    )
    html = response.get_data(as_text=True)
    assert f'<span class="field-error" data-error-for="{field}">{message}</span>' in html
    assert "The task was not saved." in html
    assert ">kept &lt;b&gt;as typed&lt;/b&gt;</textarea>" in html  # the typing is not lost


def test_a_viewer_cannot_add_through_the_form(app):
    vera = person(app, "vera", role=Role.VIEWER)
    before = db_state(app)
    html = vera.client.get("/tasks").get_data(as_text=True)
    response = vera.client.post("/tasks/mine", data={"title": "x", "csrf_token": csrf_of(html)})
    assert response.status_code == 403
    assert db_state(app) == before


def test_the_quick_add_form_needs_its_csrf_token(app):
    alice = person(app, "alice")
    assert_refused(app, lambda: alice.client.post("/tasks/mine", data={"title": "x"}), 400)


# --- escaping -------------------------------------------------------------------------------


def test_user_text_comes_back_escaped_on_every_page(app):
    lead = person(app, "lena", role=Role.LEAD)
    chat = make_chat(app, f"Chat {SCRIPT}")
    task = make_task(app, lead.user, f"Title {SCRIPT}", chat_id=chat.id, description=SCRIPT)
    response = lead.api("POST", f"/api/tasks/{task.id}/comments", {"body": f"Note {SCRIPT}"})
    assert response.status_code == 201
    with app.app_context():
        create_status(
            db.session.get(User, lead.user.id),
            {"name": f"Status {SCRIPT}", "color": "#123456", "category": "active"},
        )
    for path in ("/tasks/mine", "/tasks", "/directories"):
        html = lead.client.get(path).get_data(as_text=True)
        assert SCRIPT not in html, path
        assert "alert(1)" in html, path  # the text is there, as text
        assert f"Chat {ESCAPED}" in html, path
        if path != "/directories":
            assert f"Title {ESCAPED}" in html, path
            assert f"Note {ESCAPED}" in html, path
        else:
            assert f"Status {ESCAPED}" in html, path
    # the data handed to the scripts holds the same text, still never raw markup
    assert page_data(lead.client.get("/tasks").get_data(as_text=True))["tasks"][0]["title"] == (
        f"Title {SCRIPT}"
    )


def test_a_person_name_is_escaped_on_the_admin_pages(app):
    admin = person(app, "root", role=Role.ADMIN)
    evil = make_user(app, "evil", name=f"Eve {SCRIPT}")
    for path in ("/admin/users", f"/admin/users/{evil.id}"):
        html = admin.client.get(path).get_data(as_text=True)
        assert SCRIPT not in html
        assert f"Eve {ESCAPED}" in html


def test_page_scripts_never_insert_markup():
    """Text reaches the page through textContent / createElement only."""
    forbidden = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write")
    scripts = sorted(JS_DIR.glob("*.js"))
    assert scripts, "no page scripts found"
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in scripts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if forbidden.search(line)
    ]
    assert offenders == []


# --- All tasks: periods ---------------------------------------------------------------------


def test_a_task_open_across_midnight_shows_on_both_days(app):
    viewer = person(app, "vera", role=Role.VIEWER)
    alice = make_user(app, "alice")
    today = team_today()
    yesterday = today - timedelta(days=1)
    late = team_moment(yesterday, 23, 30)
    make_task(app, alice, "Open since last night", received_at=late.isoformat())
    overnight = make_task(app, alice, "Closed after midnight", received_at=late.isoformat())
    done_yesterday = make_task(app, alice, "Closed last night", received_at=late.isoformat())
    set_task_times(app, overnight.id, resolved_at=team_moment(today, 0, 20))
    set_task_times(app, done_yesterday.id, resolved_at=team_moment(yesterday, 23, 50))
    make_task(app, alice, "Logged today")

    def titles(day) -> list[str]:
        html = viewer.client.get(f"/tasks?from={day}&to={day}").get_data(as_text=True)
        return board_titles(html)

    assert titles(yesterday) == [
        "Open since last night",
        "Closed after midnight",
        "Closed last night",
    ]
    assert titles(today) == ["Open since last night", "Closed after midnight", "Logged today"]
    # without a period the board is today, in the team's zone
    assert board_titles(viewer.client.get("/tasks").get_data(as_text=True)) == titles(today)


def test_times_show_in_the_team_zone(app):
    viewer = person(app, "vera", role=Role.VIEWER)
    alice = make_user(app, "alice")
    day = team_today() - timedelta(days=3)
    make_task(app, alice, "Evening request", received_at=team_moment(day, 21, 5).isoformat())
    html = viewer.client.get(f"/tasks?from={day}&to={day}").get_data(as_text=True)
    shown = f"{day:%d.%m}" if day.year == team_today().year else f"{day:%d.%m.%Y}"
    assert f"{shown} 21:05" in html


def test_a_time_of_another_year_shows_its_year(app):
    """ "01.01 10:00" would read as this year's: a past year's date says which year."""
    viewer = person(app, "vera", role=Role.VIEWER)
    alice = make_user(app, "alice")
    old = team_moment(datetime(1999, 1, 1).date(), 10, 0)
    task = make_task(app, alice, "Ancient task", received_at=old.isoformat())
    this_year = team_moment(team_today(), 0, 5)
    set_task_times(app, task.id, resolved_at=this_year)
    html = viewer.client.get("/tasks?from=1999-01-01&to=1999-01-01").get_data(as_text=True)
    row = html.split(f'data-task-id="{task.id}"', 1)[1].split("</tr>", 1)[0]
    assert "01.01.1999 10:00" in row
    assert f"{this_year:%d.%m} 00:05" in row and f"{this_year:%d.%m.%Y}" not in row


def test_period_links_carry_from_to_and_the_filters(app):
    viewer = person(app, "vera", role=Role.VIEWER)
    alice = make_user(app, "alice")
    html = viewer.client.get(f"/tasks?from=2026-01-10&to=2026-01-12&agent={alice.id}").get_data(
        as_text=True
    )

    def link(name: str) -> dict[str, list[str]]:
        href = re.search(rf'href="([^"]+)"[^>]*data-period="{name}"', html).group(1)
        parts = urlsplit(unescape(href))
        assert parts.path == "/tasks"
        return parse_qs(parts.query)

    assert link("previous") == {
        "from": ["2026-01-07"],
        "to": ["2026-01-09"],
        "agent": [str(alice.id)],
    }
    assert link("next") == {"from": ["2026-01-13"], "to": ["2026-01-15"], "agent": [str(alice.id)]}
    today = team_today().isoformat()
    assert link("today") == {"from": [today], "to": [today], "agent": [str(alice.id)]}
    # the date form shows the period, and the script gets it too
    assert 'name="from" value="2026-01-10"' in html and 'name="to" value="2026-01-12"' in html
    assert page_data(html)["period"] == {
        "from": "2026-01-10",
        "to": "2026-01-12",
        "start": "2026-01-09T21:00:00+00:00",  # the team's midnights, for rules.js inPeriod
        "end": "2026-01-12T21:00:00+00:00",
    }


def test_a_period_at_the_start_of_the_calendar_keeps_its_link_instead_of_failing(app):
    viewer = person(app, "vera", role=Role.VIEWER)
    query = "from=0001-01-02&to=0001-12-31"
    response = viewer.client.get(f"/tasks?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    href = re.search(r'href="([^"]+)"[^>]*data-period="previous"', html).group(1)
    assert parse_qs(urlsplit(unescape(href)).query) == parse_qs(query)


@pytest.mark.parametrize("query", ["", "from=9999-01-01&to=9999-12-30"])
def test_next_is_disabled_from_today_on(app, query):
    """Tomorrow holds no tasks yet: Next says so instead of leading to an empty page (and
    at the end of the calendar it cannot fail)."""
    viewer = person(app, "vera", role=Role.VIEWER)
    response = viewer.client.get(f"/tasks?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    link = re.search(r'<a [^>]*data-period="next"[^>]*>', html).group(0)
    assert 'aria-disabled="true"' in link and "href" not in link
    assert "There are no tasks from the future yet." in link


@pytest.mark.parametrize("query", ["from=yesterday", "from=2026-02-10&to=2026-02-01", "agent=abc"])
def test_a_bad_period_or_filter_in_the_link_is_a_message_not_an_error(app, query):
    viewer = person(app, "vera", role=Role.VIEWER)
    response = viewer.client.get(f"/tasks?{query}")
    assert response.status_code == 200
    assert 'class="form-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("start", "end", "message", "field"),
    [
        ("2026-02-10", "2026-02-01", "The period ends before it starts.", "Before &#39;from&#39;."),
        (
            "2024-01-01",
            "2026-01-01",
            "The period is longer than a year.",
            "Too far from &#39;from&#39;.",
        ),
    ],
)
def test_a_period_the_form_cannot_show_says_why_and_keeps_the_dates(
    app, start, end, message, field
):
    """The person sees what is wrong with the dates they typed, not a generic "not valid"."""
    viewer = person(app, "vera", role=Role.VIEWER)
    html = viewer.client.get(f"/tasks?from={start}&to={end}").get_data(as_text=True)
    alert = re.search(r'<p class="form-error" role="alert">(.*?)</p>', html, re.S).group(1)
    assert message in alert
    assert f"{team_today():%d.%m.%Y}" in alert  # and that the board shows today meanwhile
    assert f'name="from" value="{start}"' in html and f'name="to" value="{end}"' in html
    assert re.search(rf'data-error-for="to">{re.escape(field)}</span>', html)
    shown = page_data(html)["period"]
    assert (shown["from"], shown["to"]) == (str(team_today()), str(team_today()))


# --- All tasks: filters and the summary -----------------------------------------------------


def test_filters_by_agent_status_and_chat(app):
    viewer = person(app, "vera", role=Role.VIEWER)
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    acme, bistro = make_chat(app, "Acme"), make_chat(app, "Bistro")
    done = status_named(app, "Done")
    make_task(app, alice, "Alice at Acme", chat_id=acme.id)
    make_task(app, bob, "Bob at Bistro", chat_id=bistro.id, status_id=done.id)
    make_task(app, bob, "Bob at Acme", chat_id=acme.id)

    def titles(query: str) -> set[str]:
        html = viewer.client.get(f"/tasks?{query}").get_data(as_text=True)
        data = page_data(html)
        assert {task["title"] for task in data["tasks"]} == set(board_titles(html))
        return set(board_titles(html))

    assert titles("") == {"Alice at Acme", "Bob at Bistro", "Bob at Acme"}
    assert titles(f"agent={bob.id}") == {"Bob at Bistro", "Bob at Acme"}
    assert titles(f"status={done.id}") == {"Bob at Bistro"}
    assert titles(f"chat={acme.id}") == {"Alice at Acme", "Bob at Acme"}
    assert titles(f"agent={bob.id}&chat={acme.id}") == {"Bob at Acme"}
    html = viewer.client.get(f"/tasks?agent={bob.id}&chat={acme.id}").get_data(as_text=True)
    assert f'<option value="{bob.id}" selected>' in html
    assert f'<option value="{acme.id}" selected>' in html
    assert page_data(html)["filters"] == {
        "agent": bob.id,
        "status": None,
        "chat": acme.id,
        "group": None,
        "unassigned": None,
    }


def test_the_summary_counts_open_postponed_and_resolved(app):
    viewer = person(app, "vera", role=Role.VIEWER)
    alice = make_user(app, "alice")
    make_task(app, alice, "Open one")
    make_task(app, alice, "Open two", status_id=status_named(app, "In progress").id)
    make_task(app, alice, "Waiting", status_id=status_named(app, "Postponed").id)
    make_task(app, alice, "Solved", status_id=status_named(app, "Done").id)
    html = viewer.client.get("/tasks").get_data(as_text=True)
    counts = dict(re.findall(r'data-summary="(\w+)">(\d+)<', html))
    assert counts == {"open": "2", "postponed": "1", "resolved": "1"}


def test_leads_see_deleted_tasks_to_restore_and_agents_do_not(app):
    lead = person(app, "lena", role=Role.LEAD)
    alice = person(app, "alice")
    gone = make_task(app, alice.user, "Deleted by mistake")
    make_task(app, alice.user, "Still here")
    with app.app_context():
        service.delete_task(db.session.get(User, alice.user.id), gone.id)
    html = lead.client.get("/tasks?deleted=1").get_data(as_text=True)
    assert board_titles(html) == ["Deleted by mistake"]
    assert page_data(html)["deleted"] is True
    assert "Deleted tasks" in html
    assert "deleted=1" in filters_form(lead.client.get("/tasks").get_data(as_text=True))
    # an agent asking for the deleted list gets the ordinary board, without the switch
    html = alice.client.get("/tasks?deleted=1").get_data(as_text=True)
    assert board_titles(html) == ["Still here"]
    assert page_data(html)["deleted"] is False
    assert "deleted=1" not in filters_form(html)


def filters_form(html: str) -> str:
    return html.split('class="card filters"', 1)[1].split("</form>", 1)[0]


# --- directories and people -----------------------------------------------------------------


def test_directories_show_archived_entries_greyed_with_a_label(app):
    lead = person(app, "lena", role=Role.LEAD)
    acme = make_chat(app, "Acme")
    make_task(app, lead.user, "Uses Acme", chat_id=acme.id)
    assert lead.api("DELETE", f"/api/chats/{acme.id}").status_code == 200
    html = lead.client.get("/directories").get_data(as_text=True)
    row = re.search(rf'<tr data-id="{acme.id}" class="archived">(.*?)</tr>', html, re.S)
    assert row and "archived" in row.group(1)
    data = page_data(html)
    assert data["chats"] == [
        {"id": acme.id, "name": "Acme", "note": "", "archived": True, **NO_ADDRESS}
    ]
    assert [status["name"] for status in data["statuses"]] == [
        "Accepted",
        "In progress",
        "Postponed",
        "Done",
    ]
    assert data["categories"] == ["new", "active", "postponed", "done"]


def test_a_bad_new_person_shows_errors_next_to_the_fields(app):
    admin = person(app, "root", role=Role.ADMIN)
    data = {
        "login": "root",
        "name": "Second <b>Root</b>",
        "role": "agent",
        "password": "short",
        "csrf_token": admin.csrf_token,
    }
    response = assert_refused(app, lambda: admin.client.post("/admin/users", data=data), 422)
    html = response.get_data(as_text=True)
    assert 'data-error-for="login">This login is taken.</span>' in html
    assert 'data-error-for="password">At least 8 characters.</span>' in html
    assert 'value="Second &lt;b&gt;Root&lt;/b&gt;"' in html  # what was typed stays


def test_a_bad_edit_of_a_person_keeps_what_was_typed(app):
    admin = person(app, "root", role=Role.ADMIN)
    alice = make_user(app, "alice")
    response = admin.client.post(
        f"/admin/users/{alice.id}",
        data={"login": "root", "name": "Alice Renamed", "role": "lead", "active": "on"}
        | {"csrf_token": admin.csrf_token},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-error-for="login">This login is taken.</span>' in html
    assert 'value="Alice Renamed"' in html
    assert '<option value="lead" selected>' in html


# --- languages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Мои задачи", "Все задачи", "Название", "Сохранить", "Закрыто за смену"]),
        ("en", ["My tasks", "All tasks", "Title", "Save", "Closed this shift"]),
    ],
)
def test_pages_speak_the_browsers_language(app, language, words):
    alice = person(app, "alice")
    html = alice.client.get("/tasks/mine", headers={"Accept-Language": language}).get_data(
        as_text=True
    )
    assert f'<html lang="{language}"' in html
    for word in words:
        assert word in html
    # the scripts get their words in the same language
    blob = re.search(r'id="wesup-words">(.*?)</script>', html, re.S).group(1)
    assert json.loads(blob)["title"] == words[2]


def test_russian_board_and_directories(app):
    lead = person(app, "lena", role=Role.LEAD)
    ru = {"Accept-Language": "ru-RU,ru;q=0.9"}
    board = lead.client.get("/tasks", headers=ru).get_data(as_text=True)
    assert "Все задачи" in board and "Сегодня" in board and "Отложено" in board
    directories = lead.client.get("/directories", headers=ru).get_data(as_text=True)
    assert "Справочники" in directories and "Чаты" in directories and "Статусы" in directories
    refused = lead.client.get("/admin/users", headers=ru)
    assert refused.status_code == 403
    assert "Нет доступа" in refused.get_data(as_text=True)
