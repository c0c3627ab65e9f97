"""Bytes and characters: a query string that is not UTF-8, colors with a trailing newline,
names with invisible or look-alike characters, and digits that are not ASCII."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import assert_refused, db_state, make_chat, make_task, make_user, signed_in
from wesup import kiosk, names, users
from wesup.directories.service import create_chat
from wesup.enums import Role
from wesup.errors import ValidationFailed
from wesup.extensions import db
from wesup.models import Chat, Status, User


@pytest.fixture
def lead(app):
    return signed_in(app, "lena", role=Role.LEAD)


# --- bytes: a query string that is not UTF-8 --------------------------------------------------


def get_raw(client: FlaskClient, path: str, query: bytes, method: str = "GET", **kwargs: Any):
    """Send the query string's bytes as they are: a browser or a script can send any byte,
    and WSGI hands them over as latin-1 (the test client's URL parser would escape them)."""
    overrides = {"QUERY_STRING": query.decode("latin-1")}
    return client.open(path, method=method, environ_overrides=overrides, **kwargs)


RAW_QUERIES = [
    pytest.param("/login", b"next=/\xff", id="login-next"),
    pytest.param("/setup", b"token=\xff", id="setup-token"),
    pytest.param("/board", b"kiosk=\xff", id="board-kiosk"),
    pytest.param("/tasks", b"from=\xff", id="tasks-from"),
    pytest.param("/tasks", b"agent=\xed\xa0\x80", id="tasks-surrogate"),
    pytest.param("/tasks/mine", b"\xc3", id="mine-truncated"),
    pytest.param("/api/tasks", b"from=\xff", id="api-tasks-from"),
    pytest.param("/nowhere", b"x=\xff", id="unknown-page"),
]


@pytest.mark.parametrize("signed", [False, True], ids=["anonymous", "signed-in"])
@pytest.mark.parametrize(("path", "query"), RAW_QUERIES)
def test_a_query_string_that_is_not_utf8_is_a_400(app, path, query, signed):
    client = signed_in(app, "alice").client if signed else app.test_client()
    response = get_raw(client, path, query)
    assert response.status_code == 400, response.get_data(as_text=True)
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "bad_request"
    else:
        assert "UTF-8" in response.get_data(as_text=True)  # the error page says why


def test_a_write_with_such_a_query_string_is_refused_and_changes_nothing(app):
    alice = signed_in(app, "alice")
    assert_refused(
        app,
        lambda: get_raw(
            alice.client,
            "/api/tasks",
            b"x=\xff",
            "POST",
            json={"title": "VPN down"},
            headers=alice.headers(),
        ),
        400,
        "bad_request",
    )


def test_percent_escaped_bytes_that_are_not_utf8_are_ordinary_bad_values(app):
    """Werkzeug keeps them escaped: they reach the code as text, which refuses them as usual."""
    alice = signed_in(app, "alice")
    assert alice.client.get("/tasks?agent=%ff").status_code == 200  # ignored, with a message
    assert alice.client.get("/api/tasks?from=%ff").status_code == 422


# --- colors --------------------------------------------------------------------------------


@pytest.mark.parametrize("color", ["#123456\n", "#123456 ", " #123456", "#1234567", "#12345g"])
def test_a_color_is_exactly_seven_characters(app, lead, color):
    body = {"name": "Blocked", "color": color, "category": "active"}
    response = assert_refused(app, lambda: lead.api("POST", "/api/statuses", body), 422)
    assert set(response.get_json()["error"]["fields"]) == {"color"}
    status_id = lead.api("GET", "/api/statuses").get_json()["statuses"][0]["id"]
    response = assert_refused(
        app, lambda: lead.api("PATCH", f"/api/statuses/{status_id}", {"color": color}), 422
    )
    assert set(response.get_json()["error"]["fields"]) == {"color"}


def test_an_upper_case_color_is_kept_in_lower_case(app, lead):
    body = {"name": "Blocked", "color": "#ABCDEF", "category": "active"}
    response = lead.api("POST", "/api/statuses", body)
    assert response.status_code == 201
    assert response.get_json()["status"]["color"] == "#abcdef"


# --- names ---------------------------------------------------------------------------------

INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "left-to-right embedding": "\u202a",
    "right-to-left override": "\u202e",
    "right-to-left isolate": "\u2067",
    "pop directional isolate": "\u2069",
    "left-to-right mark": "\u200e",
    "right-to-left mark": "\u200f",
    "arabic letter mark": "\u061c",
    "soft hyphen": "\u00ad",
    "tab": "\t",
    "newline": "\n",
    "line separator": "\u2028",
    "escape": "\x1b",
    "hangul filler": "\u3164",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_name_with_an_invisible_or_control_character_is_refused(app, lead, char):
    bad = f"Acme{char}support"
    chat = make_chat(app, "Partners")
    status = {"color": "#123456", "category": "active"}
    for method, url, body in [
        ("POST", "/api/chats", {"name": bad}),
        ("PATCH", f"/api/chats/{chat.id}", {"name": bad}),
        ("POST", "/api/statuses", {"name": bad, **status}),
    ]:
        response = assert_refused(app, lambda: lead.api(method, url, body), 422)  # noqa: B023
        message = response.get_json()["error"]["fields"]["name"]
        assert f"U+{ord(char):04X}" in message  # says which character to remove


@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\x07"])
def test_people_and_kiosk_links_follow_the_same_name_rule(app, char):
    admin = make_user(app, "root", role=Role.ADMIN)
    alice = make_user(app, "alice")
    before = db_state(app)
    with app.app_context():
        actor = db.session.get(User, admin.id)
        person = {"login": "bob", "name": f"Bob{char}", "password": "long enough"}
        attempts = [
            lambda: users.create_user(actor, person),
            lambda: users.update_user(actor, alice.id, {"name": f"Alice{char}"}),
            lambda: kiosk.create_kiosk(actor, {"name": f"TV{char}"}),
        ]
        for attempt in attempts:
            with pytest.raises(ValidationFailed) as refused:
                attempt()
            assert set(refused.value.fields) == {"name"}
            db.session.rollback()
    assert db_state(app) == before


def test_a_name_is_stored_composed_nfc(app, lead):
    decomposed = "Cafe\u0301"  # e + combining acute: looks like "Café"
    response = lead.api("POST", "/api/chats", {"name": decomposed})
    assert response.status_code == 201
    assert response.get_json()["chat"]["name"] == "Caf\u00e9"
    assert_refused(app, lambda: lead.api("POST", "/api/chats", {"name": "Caf\u00e9"}), 422)


def test_emoji_and_accents_are_names_too(app, lead):
    for name in ("Клиенты 🔥", "Ünïcödé", "日本語", "Ёлка"):
        assert lead.api("POST", "/api/chats", {"name": name}).status_code == 201, name


@pytest.mark.parametrize("kind", ["chats", "statuses"])
@pytest.mark.parametrize(
    ("taken", "lookalike"),
    [
        pytest.param("Clients", "\u0421lients", id="cyrillic-es"),
        pytest.param("Clients", "\u0441lients", id="cyrillic-small-es"),
        pytest.param("Partners", "\u0420\u0430rtners", id="cyrillic-er-a"),
        pytest.param("Клиенты", "K\u043bиенты", id="latin-k-in-russian"),
        pytest.param("Ozon", "\u039f\u0396\u039f\u039d", id="greek-capitals"),
        pytest.param("VIP", "\uff36\uff29\uff30", id="fullwidth"),
        pytest.param("Acme support", "Acme  support", id="double-space"),
        pytest.param("Acme support", "Acme\u00a0support", id="no-break-space"),
        pytest.param("Чат 3", "Чат \u0417", id="cyrillic-ze-for-three"),
    ],
)
def test_names_that_look_alike_cannot_both_be_active(app, lead, kind, taken, lookalike):
    extra = {"color": "#123456", "category": "active"} if kind == "statuses" else {}
    assert lead.api("POST", f"/api/{kind}", {"name": taken, **extra}).status_code == 201
    response = assert_refused(
        app, lambda: lead.api("POST", f"/api/{kind}", {"name": lookalike, **extra}), 422
    )
    assert set(response.get_json()["error"]["fields"]) == {"name"}


def test_different_russian_names_stay_different(app, lead):
    """The look-alike key must not merge names a Russian team really uses."""
    for name in ("Клиенты", "Клиент", "Партнёры", "Партнеры ВИП", "Сбер", "Chat 1", "Chat 7"):
        assert lead.api("POST", "/api/chats", {"name": name}).status_code == 201, name


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("\u0421lients", "Clients", True),
        ("CLIENTS", "clients", True),
        ("Café", "Cafe\u0301", True),
        ("ﬁles", "files", True),  # the ligature is NFKC's business
        ("Клиенты", "Клиент", False),
        ("Ёлка", "Елка", False),  # a different letter to a Russian reader
    ],
)
def test_the_lookalike_key(one, other, same):
    assert (names.skeleton(one) == names.skeleton(other)) is same


def test_names_already_stored_before_the_rule_still_compare(app, lead):
    """A chat saved before this rule (with a Cyrillic С) still blocks its Latin twin."""
    with app.app_context():
        db.session.add(Chat(name="\u0421lients", note=""))
        db.session.commit()
    assert_refused(app, lambda: lead.api("POST", "/api/chats", {"name": "Clients"}), 422)


# --- integers: ASCII digits only ------------------------------------------------------------

NOT_ASCII_DIGITS = [
    pytest.param("\u0663", id="arabic-indic-three"),
    pytest.param("\uff13", id="fullwidth-three"),
    pytest.param("\u09e9", id="bengali-three"),
    pytest.param(" 3", id="leading-space"),
    pytest.param("3\n", id="trailing-newline"),
    pytest.param("+3", id="plus"),
    pytest.param("1_0", id="underscore"),
]


def _first_chat_id(app: Flask) -> int:
    """A chat whose id is 3 or 10 exists, so a wrongly parsed number would find a row."""
    with app.app_context():
        for number in range(10):
            db.session.add(Chat(name=f"Chat {number}", note=""))
        db.session.commit()
        return db.session.scalar(sa.select(sa.func.min(Chat.id)))


@pytest.mark.parametrize("raw", NOT_ASCII_DIGITS)
def test_a_number_in_json_or_a_form_is_ascii_digits_only(app, raw):
    _first_chat_id(app)
    alice = signed_in(app, "alice")
    response = assert_refused(
        app, lambda: alice.api("POST", "/api/tasks", {"title": "VPN", "chat_id": raw}), 422
    )
    assert set(response.get_json()["error"]["fields"]) == {"chat_id"}
    response = assert_refused(
        app,
        lambda: alice.client.post(
            "/tasks/mine",
            data={"title": "VPN", "chat_id": raw, "csrf_token": alice.csrf_token},
        ),
        422,
    )


@pytest.mark.parametrize("raw", NOT_ASCII_DIGITS)
def test_a_number_in_a_query_is_ascii_digits_only(app, raw):
    _first_chat_id(app)
    alice = signed_in(app, "alice")
    response = alice.client.get("/api/tasks", query_string={"chat": raw})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"chat"}
    make_task(app, alice.user, "Not in chat 3")
    page = alice.client.get("/tasks", query_string={"chat": raw}).get_data(as_text=True)
    assert 'class="form-error"' in page  # the filter is ignored, with a message
    assert "Not in chat 3" in page


@pytest.mark.parametrize("raw", ["\u0663", "\uff13", "\u0661\u0660"])
def test_an_id_in_the_path_is_ascii_digits_only(app, raw):
    alice = signed_in(app, "alice")
    for _ in range(10):
        make_task(app, alice.user)
    assert alice.client.get("/api/tasks/3").status_code == 200
    assert alice.client.get(f"/api/tasks/{raw}").status_code == 404


def test_ascii_numbers_still_work_everywhere(app):
    chat_id = _first_chat_id(app)
    alice = signed_in(app, "alice")
    created = alice.api("POST", "/api/tasks", {"title": "VPN", "chat_id": str(chat_id)})
    assert created.get_json()["task"]["chat"]["id"] == chat_id
    listed = alice.client.get(f"/api/tasks?chat={chat_id}").get_json()["tasks"]
    assert [task["title"] for task in listed] == ["VPN"]


def test_a_negative_position_is_still_a_number(app, lead):
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Status.id))) == 4
    body = {"name": "Top", "color": "#123456", "category": "active", "position": "-1"}
    response = lead.api("POST", "/api/statuses", body)
    assert response.status_code == 201
    assert response.get_json()["status"]["position"] == -1


def test_creating_a_chat_through_the_service_normalizes_the_name(app):
    lead = make_user(app, "lena", role=Role.LEAD)
    with app.app_context():
        chat = create_chat(db.session.get(User, lead.id), {"name": "  Cafe\u0301  "})
        assert chat.name == "Caf\u00e9"
