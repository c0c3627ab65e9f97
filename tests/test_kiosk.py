"""Kiosk links: an admin makes, names and revokes them; a kiosk sees the wall board and
nothing else, never writes, and stops at once when its link is revoked."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import (
    NEW_KIOSK_LINK,
    cut,
    db_state,
    event_kinds,
    kiosk_form,
    make_chat,
    make_kiosk_link,
    make_task,
    make_user,
    settles,
    signed_in,
)
from wesup import kiosk as kiosks
from wesup import sockets
from wesup.enums import Role
from wesup.errors import Forbidden
from wesup.extensions import db, live_state
from wesup.models import KioskToken, TaskEvent, User, utcnow


def create_link(admin, name: str = "Support room TV") -> tuple[int, str]:
    """Make a kiosk link through the admin page; returns its id and the secret it showed."""
    secret = make_kiosk_link(admin, name)
    with admin.client.application.app_context():
        return kiosks.find_by_secret(secret).id, secret


def open_kiosk(app: Flask, secret: str) -> FlaskClient:
    """A TV's browser that opened the link."""
    tv = app.test_client()
    response = tv.get(f"/board?kiosk={secret}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/board"  # the secret leaves the address bar
    return tv


def kiosk_csrf(tv: FlaskClient) -> str:
    """The CSRF token of the kiosk's session (the refusal page carries one in its form)."""
    page = tv.get("/tasks").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def revoke(admin, kiosk_id: int) -> Any:
    return admin.client.post(
        f"/admin/kiosks/{kiosk_id}/revoke", data={"csrf_token": admin.csrf_token}
    )


@pytest.fixture
def admin(app):
    return signed_in(app, "root", role=Role.ADMIN)


def session_cookies(app: Flask, response) -> list[dict[str, Any]]:
    """Every session the answer's Set-Cookie headers hand the browser, decoded (it is signed,
    not encrypted: anybody holding the cookie can read it)."""
    serializer = app.session_interface.get_signing_serializer(app)
    found = []
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == app.config["SESSION_COOKIE_NAME"] and rest.split(";", 1)[0]:
            found.append(serializer.loads(rest.split(";", 1)[0]))
    return found


def test_admin_makes_a_link_whose_secret_is_shown_in_the_answer_and_stored_as_a_hash(app, admin):
    response = admin.client.post("/admin/kiosks", data=kiosk_form(admin, "Lobby TV"))
    assert response.status_code == 201
    secret = NEW_KIOSK_LINK.search(response.get_data(as_text=True)).group(1)
    kiosk_id = kiosks_made(app, response)
    with app.app_context():
        kiosk = db.session.get(KioskToken, kiosk_id)
        assert kiosk.name == "Lobby TV"
        assert kiosk.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in json.dumps([e.data for e in db.session.scalars(sa.select(TaskEvent))])
        assert secret not in json.dumps(db_state(app), default=str)
    listing = admin.client.get("/admin/kiosks").get_data(as_text=True)
    assert "Lobby TV" in listing
    assert secret not in listing


def test_the_new_secret_never_travels_in_the_session_cookie(app, admin):
    """Right after creation: no Set-Cookie carries it, and the session the browser holds
    does not either."""
    response = admin.client.post("/admin/kiosks", data=kiosk_form(admin, "Lobby TV"))
    assert response.status_code == 201
    secret = NEW_KIOSK_LINK.search(response.get_data(as_text=True)).group(1)
    for decoded in session_cookies(app, response):
        assert secret not in json.dumps(decoded)
    with admin.client.session_transaction() as session:
        assert secret not in json.dumps(dict(session))
    for decoded in session_cookies(app, admin.client.get("/admin/kiosks")):
        assert secret not in json.dumps(decoded)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_posting_the_form_again_shows_the_same_link_and_makes_no_other(app, admin):
    """F5 on the answer (the browser posts the same form again) or a double click: the same
    link, shown again, and still one link."""
    form = kiosk_form(admin, "Lobby TV")
    first = admin.client.post("/admin/kiosks", data=form)
    again = admin.client.post("/admin/kiosks", data=form, headers={"Accept-Language": "en"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(KioskToken.id))) == 1
    assert (first.status_code, again.status_code) == (201, 200)
    shown = [NEW_KIOSK_LINK.search(r.get_data(as_text=True)).group(1) for r in (first, again)]
    assert shown[0] == shown[1]
    assert "already" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(KioskToken.id))) == 1
        assert event_kinds(app).count("kiosk.created") == 1
    open_kiosk(app, shown[1])  # the link shown works
    # a new form from the page makes a new link
    _, other = create_link(admin, "Hall TV")
    assert other != shown[0]


def test_a_double_click_racing_past_the_check_still_makes_one_link(app, admin, monkeypatch):
    """The second post looked before the first committed: the unique hash turns its insert
    into the first post's link."""
    form = kiosk_form(admin, "Lobby TV")
    first = admin.client.post("/admin/kiosks", data=form)
    real = kiosks._made_earlier
    looks = []

    def not_yet_committed(actor, secret):
        looks.append(secret)
        return None if len(looks) == 1 else real(actor, secret)

    monkeypatch.setattr(kiosks, "_made_earlier", not_yet_committed)
    second = admin.client.post("/admin/kiosks", data=form)
    assert len(looks) == 2
    assert second.status_code == 200
    shown = [NEW_KIOSK_LINK.search(r.get_data(as_text=True)).group(1) for r in (first, second)]
    assert shown[0] == shown[1]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(KioskToken.id))) == 1
    assert event_kinds(app).count("kiosk.created") == 1


def test_the_same_form_shows_its_link_again_for_a_few_minutes_only(app, admin):
    form = kiosk_form(admin, "Lobby TV")
    kiosk_id = kiosks_made(app, admin.client.post("/admin/kiosks", data=form))
    with app.app_context():
        db.session.get(KioskToken, kiosk_id).created_at = utcnow() - timedelta(
            minutes=kiosks.SHOW_AGAIN_MINUTES + 1
        )
        db.session.commit()
    late = admin.client.post("/admin/kiosks", data=form, headers={"Accept-Language": "en"})
    assert late.status_code == 200
    html = late.get_data(as_text=True)
    assert not NEW_KIOSK_LINK.search(html)
    assert "no longer shown" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(KioskToken.id))) == 1


def kiosks_made(app: Flask, response) -> int:
    """The id of the link an answer of the create form shows."""
    secret = NEW_KIOSK_LINK.search(response.get_data(as_text=True)).group(1)
    with app.app_context():
        return kiosks.find_by_secret(secret).id


def test_a_form_without_its_nonce_makes_nothing(app, admin):
    form = kiosk_form(admin, "Lobby TV")
    del form["nonce"]
    response = admin.client.post("/admin/kiosks", data=form, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "This form has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(KioskToken.id))) == 0


def test_the_new_link_comes_with_a_copy_button(app, admin):
    response = admin.client.post("/admin/kiosks", data=kiosk_form(admin, "Lobby <b>TV</b>"))
    html = response.get_data(as_text=True)
    assert response.status_code == 201 and NEW_KIOSK_LINK.search(html)
    assert 'data-copy="kiosk-new-link"' in html and 'id="kiosk-new-link"' in html
    assert "js/kiosks.js" in html
    assert "<b>TV</b>" not in html  # the name is escaped in the notice


def test_a_failed_rename_keeps_its_text_in_its_row_not_in_the_kiosk_form(app, admin):
    kiosk_id, _ = create_link(admin, "Lobby TV")
    too_long = "x" * (kiosks.NAME_MAX + 1)
    response = admin.client.post(
        f"/admin/kiosks/{kiosk_id}/name", data={"name": too_long, "csrf_token": admin.csrf_token}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    create_form = html.split('action="/admin/kiosks"', 1)[1].split("</form>", 1)[0]
    assert too_long not in create_form
    row = html.split(f'data-kiosk-id="{kiosk_id}"', 1)[1].split("</tr>", 1)[0]
    assert f'value="{too_long}"' in row
    assert re.search(rf'class="field-error" data-error-for="name-{kiosk_id}">[^<]+<', row)


def test_a_valid_link_opens_the_wall_board(app, admin):
    _, secret = create_link(admin)
    tv = open_kiosk(app, secret)
    page = tv.get("/board")
    assert page.status_code == 200
    assert 'id="wall-snapshot"' in page.get_data(as_text=True)
    data = tv.get("/board/data")
    assert data.status_code == 200
    assert {"seq", "lanes", "online"} <= set(data.get_json())


@pytest.mark.parametrize("secret", ["not-a-real-link", "", "x" * 500])
def test_an_unknown_link_is_refused(app, admin, secret):
    create_link(admin)
    tv = app.test_client()
    assert tv.get("/board", query_string={"kiosk": secret}).status_code == 404
    assert tv.get("/board/data").status_code == 401  # and the browser got nothing


def test_a_revoked_link_is_refused(app, admin):
    kiosk_id, secret = create_link(admin)
    assert revoke(admin, kiosk_id).status_code == 302
    tv = app.test_client()
    assert tv.get(f"/board?kiosk={secret}").status_code == 403
    assert tv.get("/board/data").status_code == 401


def test_a_revoked_link_stops_an_open_board_page(app, admin):
    kiosk_id, secret = create_link(admin)
    tv = open_kiosk(app, secret)
    revoke(admin, kiosk_id)
    assert tv.get("/board/data").status_code == 403
    assert tv.get("/board").status_code == 403
    assert tv.get("/board").status_code == 302  # the dead kiosk session is gone: sign in


PAGES = ["/", "/tasks", "/tasks/mine", "/directories", "/admin/users", "/admin/kiosks", "/login"]
API_READS = ["/api/session", "/api/tasks", "/api/tasks/mine", "/api/chats", "/api/statuses"]


@pytest.mark.parametrize("path", PAGES + API_READS)
def test_a_kiosk_sees_the_wall_board_and_nothing_else(app, admin, path):
    _, secret = create_link(admin)
    tv = open_kiosk(app, secret)
    response = tv.get(path)
    assert response.status_code == 403
    if path.startswith("/api"):
        assert response.get_json()["error"]["code"] == "forbidden"


def test_a_kiosk_cannot_write_through_the_api(app, admin):
    agent = make_user(app, "alice")
    task = make_task(app, agent, "VPN down")
    chat = make_chat(app, "Acme")
    _, secret = create_link(admin)
    tv = open_kiosk(app, secret)
    headers = {"X-CSRFToken": kiosk_csrf(tv)}
    before = db_state(app)
    writes = [
        ("POST", "/api/tasks", {"title": "From the TV"}),
        ("PATCH", f"/api/tasks/{task.id}", {"title": "Changed", "version": task.version}),
        ("DELETE", f"/api/tasks/{task.id}", None),
        ("POST", f"/api/tasks/{task.id}/comments", {"body": "hello"}),
        ("POST", f"/api/tasks/{task.id}/restore", None),
        ("POST", "/api/chats", {"name": "New"}),
        ("PATCH", f"/api/chats/{chat.id}", {"name": "Renamed"}),
        ("DELETE", f"/api/chats/{chat.id}", None),
        ("POST", "/api/statuses", {"name": "S", "color": "#123456", "category": "new"}),
    ]
    for method, url, body in writes:
        response = tv.open(url, method=method, json=body, headers=headers)
        assert response.status_code in (401, 403), (method, url, response.status_code)
        response = tv.open(url, method=method, json=body)  # without the token: refused too
        assert response.status_code in (400, 401, 403), (method, url, response.status_code)
    form = {"name": "Sneaky", "csrf_token": headers["X-CSRFToken"]}
    assert tv.post("/admin/kiosks", data=form).status_code == 403
    assert tv.post("/logout", data=form).status_code == 403
    assert db_state(app) == before


def test_a_kiosk_socket_reads_the_board_and_counts_as_nobody(app, admin, socket_client):
    _, secret = create_link(admin)
    tv = open_kiosk(app, secret)
    sio = socket_client(tv, view="wall")
    assert sio.is_connected()
    assert live_state.of(app).presence.online() == []
    agent = signed_in(app, "alice")
    assert agent.api("POST", "/api/tasks", {"title": "Seen on the TV"}).status_code == 201
    events = [item["args"][0] for item in sio.get_received() if item["name"] == "event"]
    assert [e["task"]["title"] for e in events if e["kind"] == "task.created"] == ["Seen on the TV"]


def test_a_kiosk_socket_cannot_write(app, admin, socket_client):
    agent = make_user(app, "alice")
    task = make_task(app, agent, "VPN down")
    _, secret = create_link(admin)
    sio = socket_client(open_kiosk(app, secret), view="wall")
    before = db_state(app)
    sio.emit("task.create", {"title": "From the TV"})
    sio.emit("task.update", {"id": task.id, "title": "Changed", "version": task.version})
    sio.emit("event", {"kind": "task.deleted", "task_id": task.id})
    sio.send("hello")
    assert db_state(app) == before
    assert sio.is_connected()  # a valid kiosk may talk; it just changes nothing


def test_revoking_disconnects_open_kiosk_sockets_at_once(app, admin, socket_client):
    kiosk_id, secret = create_link(admin)
    other_id, other_secret = create_link(admin, "Second TV")
    tv = open_kiosk(app, secret)
    first = socket_client(tv, view="wall")
    second_tab = socket_client(tv, view="wall")
    untouched = socket_client(open_kiosk(app, other_secret), view="wall")
    assert first.is_connected() and second_tab.is_connected()

    assert revoke(admin, kiosk_id).status_code == 302

    assert cut(first)
    assert cut(second_tab)
    assert untouched.is_connected()
    # The page is told why before the cut (get_received() refuses a closed client).
    told = [item["args"][0] for item in first.queue if item["name"] == "kiosk.revoked"]
    assert told == [{"kiosk_id": kiosk_id}]
    first.connect(auth={"view": "wall"})  # the page's automatic reconnect
    assert not first.is_connected()
    registry = live_state.of(app).kiosk_sockets
    assert settles(lambda: list(registry.snapshot().values()), [other_id]) == [other_id]


def revoke_elsewhere(app: Flask, kiosk_id: int) -> None:
    """What this process sees when another server process revoked the link: only the row."""
    with app.app_context():
        db.session.get(KioskToken, kiosk_id).revoked_at = utcnow()
        db.session.commit()


def test_a_socket_of_a_link_revoked_by_another_process_is_cut_by_its_next_message(
    app, admin, socket_client
):
    kiosk_id, secret = create_link(admin)
    sio = socket_client(open_kiosk(app, secret), view="wall")
    revoke_elsewhere(app, kiosk_id)
    assert sio.is_connected()
    sio.emit("anything", {})
    assert not sio.is_connected()


def test_the_kiosk_sweep_cuts_sockets_of_links_revoked_by_another_process(
    app, admin, socket_client
):
    kiosk_id, secret = create_link(admin)
    _, other_secret = create_link(admin, "Second TV")
    sio = socket_client(open_kiosk(app, secret), view="wall")
    other = socket_client(open_kiosk(app, other_secret), view="wall")
    revoke_elsewhere(app, kiosk_id)
    with app.app_context():
        assert sockets.sweep_kiosks(live_state.of(app)) == 1
    assert not sio.is_connected()
    assert other.is_connected()


@pytest.mark.parametrize("role", [Role.LEAD, Role.AGENT, Role.VIEWER])
def test_only_admins_manage_kiosk_links(app, admin, role):
    kiosk_id, _ = create_link(admin)
    person = signed_in(app, "someone", role=role)
    form = {"name": "Mine now", "csrf_token": person.csrf_token}
    assert person.client.get("/admin/kiosks").status_code == 403
    assert person.client.post("/admin/kiosks", data=form).status_code == 403
    assert person.client.post(f"/admin/kiosks/{kiosk_id}/name", data=form).status_code == 403
    assert person.client.post(f"/admin/kiosks/{kiosk_id}/revoke", data=form).status_code == 403
    with app.app_context():
        actor = db.session.get(User, person.user.id)
        with pytest.raises(Forbidden):
            kiosks.create_kiosk(actor, {"name": "Direct"})
        with pytest.raises(Forbidden):
            kiosks.revoke_kiosk(actor, kiosk_id)
        kiosk = db.session.get(KioskToken, kiosk_id)
        assert kiosk.is_active and kiosk.name == "Support room TV"
        assert db.session.scalar(sa.select(sa.func.count(KioskToken.id))) == 1


def test_anonymous_visitors_are_sent_to_sign_in(app):
    assert app.test_client().get("/admin/kiosks").status_code == 302


def test_a_link_needs_a_name(app, admin):
    response = admin.client.post(
        "/admin/kiosks", data={"name": "  ", "csrf_token": admin.csrf_token}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'class="field-error" data-error-for="name">[^<]+<', html)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(KioskToken.id))) == 0


def test_admin_renames_and_revokes_and_the_log_keeps_no_secret(app, admin):
    kiosk_id, secret = create_link(admin)
    form = {"name": "Hall TV", "csrf_token": admin.csrf_token}
    assert admin.client.post(f"/admin/kiosks/{kiosk_id}/name", data=form).status_code == 302
    assert revoke(admin, kiosk_id).status_code == 302
    assert revoke(admin, kiosk_id).status_code == 302  # twice: a message, nothing breaks
    with app.app_context():
        kiosk = db.session.get(KioskToken, kiosk_id)
        assert kiosk.name == "Hall TV" and kiosk.revoked_at is not None
        logged = db.session.scalars(
            sa.select(TaskEvent).where(TaskEvent.kind.like("kiosk.%")).order_by(TaskEvent.seq)
        ).all()
        assert [e.kind for e in logged] == ["kiosk.created", "kiosk.renamed", "kiosk.revoked"]
        assert logged[-1].data == {"kiosk": {"id": kiosk_id, "name": "Hall TV"}}
        assert logged[-1].actor_id == admin.user.id
        dumped = json.dumps([e.data for e in logged])
        assert secret not in dumped and kiosk.token_hash not in dumped


def test_kiosk_link_changes_reach_no_page_live_or_on_replay(app, admin, socket_client):
    agent = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    lead.api("POST", "/api/chats", {"name": "Acme"})
    with app.app_context():
        seen = db.session.scalar(sa.select(sa.func.max(TaskEvent.seq)))
    _, tv_secret = create_link(admin, "Hall TV")
    tv = socket_client(open_kiosk(app, tv_secret), view="wall")
    mine = socket_client(agent.client, view="mine")
    board = socket_client(agent.client, view="board")
    for sio in (tv, mine, board):
        sio.get_received()

    other_id, _ = create_link(admin, "Boardroom TV")
    form = {"name": "CEO office TV", "csrf_token": admin.csrf_token}
    assert admin.client.post(f"/admin/kiosks/{other_id}/name", data=form).status_code == 302
    assert revoke(admin, other_id).status_code == 302
    lead.api("POST", "/api/chats", {"name": "Globex"})

    catching_up = socket_client(agent.client, view="mine", since=seen)
    for sio in (tv, mine, board, catching_up):
        messages = [item["args"][0] for item in sio.get_received()]
        kinds = [e["kind"] for m in messages for e in m.get("events", [m]) if "kind" in e]
        assert kinds == ["chat.created"]  # the chat after them, live or replayed: no kiosk.*
        assert "TV" not in json.dumps(messages)


@pytest.mark.parametrize("kiosk_id", [999, 2**63])
def test_an_unknown_kiosk_id_is_404(app, admin, kiosk_id):
    form = {"name": "X", "csrf_token": admin.csrf_token}
    assert admin.client.post(f"/admin/kiosks/{kiosk_id}/revoke", data=form).status_code == 404
    assert admin.client.post(f"/admin/kiosks/{kiosk_id}/name", data=form).status_code == 404


def test_a_kiosk_screen_can_leave_kiosk_mode(app, admin):
    _, secret = create_link(admin)
    tv = open_kiosk(app, secret)
    response = tv.post("/board/leave", data={"csrf_token": kiosk_csrf(tv)})
    assert response.status_code == 302
    assert tv.get("/login").status_code == 200
    assert tv.get("/board").status_code == 302  # an ordinary anonymous browser again


def who(client: FlaskClient) -> str | None:
    response = client.get("/api/session")
    return response.get_json()["user"]["login"] if response.status_code == 200 else None


def test_a_signed_in_person_opening_a_link_is_asked_first(app, admin):
    """A GET (a link or an image on another site) signs nobody out: it asks."""
    _, secret = create_link(admin, "Lobby TV")
    agent = signed_in(app, "alice")
    page = agent.client.get(f"/board?kiosk={secret}&theme=light", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "turns this browser into a wall screen and signs you out" in html
    assert "Lobby TV" in html
    assert re.search(r'<form method="post" action="/board/kiosk"', html)
    assert 'name="csrf_token"' in html and f'name="kiosk" value="{secret}"' in html
    assert 'href="/tasks/mine"' in html  # cancel: stay signed in
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert who(agent.client) == "alice"
    assert agent.client.get("/tasks/mine").status_code == 200


def test_saying_yes_signs_the_person_out_and_opens_the_board(app, admin):
    _, secret = create_link(admin)
    agent = signed_in(app, "alice")
    response = agent.client.post(
        "/board/kiosk", data={"kiosk": secret, "theme": "light", "csrf_token": agent.csrf_token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/board?theme=light"
    assert response.headers["Cache-Control"] == "no-store"
    assert agent.client.get("/board").status_code == 200
    assert agent.client.get("/tasks/mine").status_code == 403
    assert agent.client.get("/api/session").status_code == 403


def test_the_yes_needs_the_persons_csrf_token(app, admin):
    """Another site cannot post the yes either."""
    _, secret = create_link(admin)
    agent = signed_in(app, "alice")
    assert agent.client.post("/board/kiosk", data={"kiosk": secret}).status_code == 400
    assert who(agent.client) == "alice"


@pytest.mark.parametrize(("revoked", "status"), [(False, 404), (True, 403)])
def test_a_dead_link_signs_nobody_out(app, admin, revoked, status):
    kiosk_id, secret = create_link(admin)
    if revoked:
        revoke(admin, kiosk_id)
    agent = signed_in(app, "alice")
    link = secret if revoked else "not-a-real-link"
    assert agent.client.get(f"/board?kiosk={link}").status_code == status
    response = agent.client.post(
        "/board/kiosk", data={"kiosk": link, "csrf_token": agent.csrf_token}
    )
    assert response.status_code == status
    assert who(agent.client) == "alice"


def test_a_browser_nobody_is_signed_in_on_opens_the_link_at_once(app, admin):
    _, secret = create_link(admin)
    tv = open_kiosk(app, secret)  # no question: nobody to sign out
    assert tv.get("/board").status_code == 200
