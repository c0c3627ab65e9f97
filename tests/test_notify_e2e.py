"""The outbox in a real server process (run.py on eventlet): messages queued before a restart
go out after it, once; a dead chat is retried and delivered once it is back; a chat that
hangs never holds a page. The chats are HTTP servers on 127.0.0.1 (tests/receivers.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.builders import settles
from tests.receivers import FAIL, HANG, OK, Receiver
from tests.server_process import Browser, ServerProcess, create_first_admin

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path,
        env={
            "WESUP_NOTIFY_PRIVATE_HOSTS": "127.0.0.1",
            "WESUP_NOTIFY_TIMEOUT": "2",
            "WESUP_NOTIFY_WORKER": "false",  # the first run only queues
        },
    )
    yield process
    process.stop()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.stop()


def chat(admin: Browser, name: str, receiver: Receiver) -> int:
    made = admin.api("POST", "/api/chats", {"name": name})["chat"]
    admin.api("PATCH", f"/api/chats/{made['id']}", {"notify_url": receiver.url()})
    return made["id"]


def statuses(admin: Browser, announcement_id: int) -> list[str]:
    found = admin.api("GET", f"/api/announcements/{announcement_id}")["announcement"]
    return [delivery["status"] for delivery in found["deliveries"]]


def wait_until(check: Any, timeout: float = 30) -> bool:
    """Whether `check()` came true within `timeout`, asking the server five times a second."""
    return settles(check, True, timeout, every=0.2) is True


def test_messages_queued_before_a_restart_go_out_after_it_once(server, receivers):
    targets = [Receiver().start() for _ in range(3)]
    receivers.extend(targets)
    server.start()
    admin = create_first_admin(server)
    chat_ids = [chat(admin, f"Chat {n}", target) for n, target in enumerate(targets)]
    made = admin.api("POST", "/api/announcements", {"text": "Mail is down", "chat_ids": "all"})
    announcement_id = made["announcement"]["id"]
    assert [d["chat_id"] for d in made["announcement"]["deliveries"]] == chat_ids
    time.sleep(1)
    assert statuses(admin, announcement_id) == ["queued"] * 3  # no sender in this run
    server.stop()

    server.env["WESUP_NOTIFY_WORKER"] = "true"
    server.start()
    admin = Browser(server.url).login("root")
    assert wait_until(lambda: statuses(admin, announcement_id) == ["sent"] * 3)
    time.sleep(3)  # a few more rounds of the sender: nothing goes twice
    assert [target.messages for target in targets] == [["Mail is down"]] * 3
    server.stop()
    server.start()  # and a restart after they went sends nothing again
    time.sleep(3)
    assert [len(target.received) for target in targets] == [1, 1, 1]


def test_a_dead_chat_is_retried_and_gets_the_message_once_when_back(server, receivers):
    target = Receiver(FAIL).start()
    receivers.append(target)
    server.env["WESUP_NOTIFY_WORKER"] = "true"
    server.start()
    admin = create_first_admin(server)
    chat(admin, "Flaky", target)
    made = admin.api("POST", "/api/announcements", {"text": "Hello", "chat_ids": "all"})
    announcement_id = made["announcement"]["id"]

    def delivery() -> dict[str, Any]:
        found = admin.api("GET", f"/api/announcements/{announcement_id}")["announcement"]
        return found["deliveries"][0]

    assert wait_until(lambda: delivery()["status"] == "failed")
    failed = delivery()
    assert failed["retrying"] is True and "500" in failed["error"]
    target.mode = OK
    assert wait_until(lambda: delivery()["status"] == "sent")  # its 5 s backoff, then sent
    time.sleep(2)
    assert target.messages == ["Hello"]


def test_a_hanging_chat_holds_no_page_and_no_task_write(server, receivers):
    """The sender waits up to 10 s on the stuck chat; meanwhile pages and writes answer, each
    within 5 s (a sender that blocked the loop would hold them for the whole 10 s)."""
    stuck = Receiver(HANG).start()
    receivers.append(stuck)
    server.env.update(WESUP_NOTIFY_WORKER="true", WESUP_NOTIFY_TIMEOUT="10")
    server.start()
    admin = create_first_admin(server)
    stuck_chat = chat(admin, "Stuck", stuck)
    admin.api("POST", "/api/announcements", {"text": "Hello", "chat_ids": "all"})
    assert wait_until(lambda: stuck.attempts >= 1, 10)  # the sender now waits on the stuck chat
    headers = {"X-CSRFToken": admin.csrf_token}
    created = admin.post(
        "/api/tasks", json={"title": "Works", "chat_id": stuck_chat}, headers=headers, timeout=5
    )
    assert created.status_code == 201
    assert admin.get("/api/tasks", timeout=5).status_code == 200
    assert admin.get("/announcements", timeout=5).status_code == 200
