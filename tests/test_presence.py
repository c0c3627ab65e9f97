"""Who is online: the people who work tasks with WeSup open, several tabs counted once;
viewers and kiosks are watchers, not counted."""

from __future__ import annotations

import time
from typing import Any

from tests.builders import make_kiosk_link, signed_in
from wesup.enums import Role
from wesup.extensions import live_state
from wesup.presence import Presence, SharedPresence


def presence_messages(sio: Any) -> list[list[dict[str, Any]]]:
    return [item["args"][0]["online"] for item in sio.get_received() if item["name"] == "presence"]


def names(online: list[dict[str, Any]]) -> list[str]:
    return [person["name"] for person in online]


def online(app: Any) -> list[dict[str, Any]]:
    """Who the app's process counts as online now."""
    return live_state.of(app).presence.online()


def test_two_tabs_of_one_person_count_once_and_leave_when_both_close(app, socket_client):
    board = socket_client(signed_in(app, "vera", role=Role.LEAD).client, view="board")
    assert names(presence_messages(board)[-1]) == ["Vera"]
    alice = signed_in(app, "alice")

    first_tab = socket_client(alice.client, view="mine")
    second_tab = socket_client(alice.client, view="board")
    assert names(online(app)) == ["Alice", "Vera"]
    # The board heard Alice arrive once, not once per tab.
    assert [names(online) for online in presence_messages(board)] == [["Alice", "Vera"]]

    first_tab.disconnect()
    assert names(online(app)) == ["Alice", "Vera"]
    assert presence_messages(board) == []  # still there: no news

    second_tab.disconnect()
    assert names(online(app)) == ["Vera"]
    assert [names(online) for online in presence_messages(board)] == [["Vera"]]


def test_a_board_page_learns_who_is_online_when_it_connects(app, socket_client):
    socket_client(signed_in(app, "alice").client, view="mine")
    board = socket_client(signed_in(app, "vera", role=Role.LEAD).client, view="wall")
    assert names(presence_messages(board)[-1]) == ["Alice", "Vera"]


def test_a_kiosk_is_not_a_person(app, socket_client):
    board = socket_client(signed_in(app, "vera", role=Role.LEAD).client, view="board")
    board.get_received()
    admin = signed_in(app, "root", role=Role.ADMIN)
    secret = make_kiosk_link(admin, "TV")
    tv = app.test_client()
    tv.get(f"/board?kiosk={secret}")

    kiosk = socket_client(tv, view="wall")
    assert kiosk.is_connected()
    assert names(presence_messages(kiosk)[-1]) == ["Vera"]  # the TV shows who is online
    assert names(online(app)) == ["Vera"]
    assert presence_messages(board) == []
    kiosk.disconnect()
    assert names(online(app)) == ["Vera"]
    assert tv.get("/board/data").get_json()["online"] == [
        {"id": person["id"], "name": "Vera"} for person in online(app)
    ]


def test_a_refused_socket_leaves_no_trace(app, socket_client):
    sio = socket_client(app.test_client(), view="board")
    assert not sio.is_connected()
    assert online(app) == []


def test_presence_counts_sockets_not_calls():
    people = Presence()
    assert people.join("s1", 1, "Alice") is True
    assert people.join("s1", 1, "Alice") is False  # the same socket twice is one
    assert people.join("s2", 1, "Alice") is False
    assert people.leave("s1") is False
    assert people.leave("s1") is False  # a repeated disconnect changes nothing
    assert people.online() == [{"id": 1, "name": "Alice"}]
    assert people.leave("s2") is True
    assert people.leave("unknown") is False
    assert people.online() == []
    assert people.online_ids() == set()


def test_viewers_watch_without_being_counted(app, socket_client):
    """Managers and developers watching the board are not agents at work."""
    board = socket_client(signed_in(app, "dev", role=Role.VIEWER).client, view="board")
    assert board.is_connected()
    assert names(presence_messages(board)[-1]) == []
    socket_client(signed_in(app, "alice").client, view="mine")
    assert names(online(app)) == ["Alice"]
    assert [names(online) for online in presence_messages(board)] == [["Alice"]]


def test_a_process_that_stops_refreshing_drops_out_of_the_shared_list(monkeypatch):
    """With several processes, a crashed one's people leave the boards when its key expires."""
    import os

    import pytest
    import redis

    url = os.environ.get("WESUP_TEST_MESSAGE_QUEUE", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"Redis is not reachable at {url}")
        pytest.skip(f"Redis is not reachable at {url}")
    monkeypatch.setattr(SharedPresence, "EXPIRE_SECONDS", 1)
    shared_here, shared_there = SharedPresence(url), SharedPresence(url)
    here, there = Presence(shared_here), Presence(shared_there)
    try:
        assert there.join("sid-1", 7, "Alice") is True
        assert names(here.online()) == ["Alice"]
        assert here.join("sid-2", 7, "Alice") is False  # her second tab, on another process
        assert there.leave("sid-1") is False  # still open here
        assert names(there.online()) == ["Alice"]
        there.join("sid-3", 8, "Bob")
        assert names(here.online()) == ["Alice", "Bob"]
        time.sleep(1.5)  # `there` crashed: no more refreshes
        here.refresh()
        assert names(here.online()) == ["Alice"]
    finally:
        shared_here.publish({})
        shared_there.publish({})


def test_a_person_opening_a_board_hears_the_list_once(app, socket_client):
    """Their own arrival is announced to the board room, which already holds their socket."""
    board = socket_client(signed_in(app, "lena", role=Role.LEAD).client, view="board")
    assert [names(online) for online in presence_messages(board)] == [["Lena"]]
