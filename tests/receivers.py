"""A chat service on 127.0.0.1 for the notification tests and the benchmark: an HTTP server in
a thread that records what Apprise's json:// and form:// send, and that can be told to fail
(500), to rate-limit (429 with Retry-After, and Telegram's retry_after in the body or no
body at all) or to hang. Nothing leaves the machine."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

OK, FAIL, RATE_LIMITED, HANG = "ok", "fail", "rate_limited", "hang"
RATE_LIMITED_BARE = "rate_limited_bare"  # 429 with a Retry-After header and no body


class Receiver:
    """One local webhook. `mode` says how it answers; `received` is what reached it."""

    def __init__(self, mode: str = OK, retry_after: int | str = 120) -> None:
        self.mode = mode
        self.retry_after = retry_after
        self.received: list[dict[str, Any]] = []
        self.attempts = 0
        self.release = threading.Event()  # ends the hangs
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                receiver.attempts += 1
                if receiver.mode == HANG:
                    receiver.release.wait(60)
                    return  # no answer at all
                if receiver.mode == FAIL:
                    self._answer(500, b'{"error": "down"}')
                    return
                if receiver.mode == RATE_LIMITED_BARE:
                    self._answer(429, b"", {"Retry-After": str(receiver.retry_after)})
                    return
                if receiver.mode == RATE_LIMITED:
                    body = json.dumps(
                        {
                            "ok": False,
                            "error_code": 429,
                            "parameters": {"retry_after": receiver.retry_after},
                        }
                    ).encode()
                    self._answer(429, body, {"Retry-After": str(receiver.retry_after)})
                    return
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    message = json.loads(raw)
                else:
                    message = {key: values[0] for key, values in parse_qs(raw).items()}
                receiver.received.append({**message, "path": self.path, "content_type": kind})
                self._answer(200, b"{}")

            def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass  # quiet

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, schema: str = "json", path: str = "/hook") -> str:
        return f"{schema}://127.0.0.1:{self.port}{path}"

    @property
    def messages(self) -> list[str]:
        return [item.get("message", "") for item in self.received]

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 15) -> bool:
        """Whether `count` messages arrived within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.received) >= count
