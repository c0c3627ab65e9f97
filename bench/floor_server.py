"""The floor for WeSup's fan-out: a bare python-socketio server under eventlet that only broadcasts.

POST /emit {"title": "..."} sends one "event" shaped like a WeSup task event to every connected
client, so that the trigger path (an HTTP request that leads to a broadcast) matches WeSup's
JSON API. Same async mode, WSGI server, ping interval and timeout as run.py.

python bench/floor_server.py --port 5100
"""

from __future__ import annotations

import argparse
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet warns that it is in bug-fix-only mode
    import eventlet

eventlet.monkey_patch()

import json  # noqa: E402 - after monkey-patching, as in run.py
from datetime import UTC, datetime  # noqa: E402

import eventlet.wsgi  # noqa: E402
import socketio  # noqa: E402

sio = socketio.Server(async_mode="eventlet", ping_interval=10, ping_timeout=5)
state = {"seq": 0}


def task_event(title: str) -> dict:
    """The same fields and about the same size as WeSup's task.created message."""
    state["seq"] += 1
    now = datetime.now(UTC).isoformat()
    person = {"id": 2, "name": "Bench Agent"}
    return {
        "seq": state["seq"],
        "kind": "task.created",
        "task_id": state["seq"],
        "actor": person,
        "at": now,
        "task": {
            "id": state["seq"],
            "title": title,
            "description": "",
            "chat": None,
            "status": {"id": 1, "name": "Accepted", "color": "#1e88e5", "category": "new"},
            "agent": person,
            "received_at": now,
            "resolved_at": None,
            "created_at": now,
            "updated_at": now,
            "deleted": False,
            "version": 1,
            "last_comment": None,
        },
    }


def http_app(environ: dict, start_response) -> list[bytes]:
    """GET /health answers; POST /emit broadcasts; anything else is a 404."""
    path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
    if path == "/emit" and method == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size) or b"{}")
        message = task_event(str(body.get("title", "")))
        sio.emit("event", message)
        status, answer = "200 OK", {"seq": message["seq"]}
    elif path == "/health":
        status, answer = "200 OK", {"ok": True}
    else:
        status, answer = "404 Not Found", {"error": "not found"}
    payload = json.dumps(answer).encode()
    start_response(status, [("Content-Type", "application/json")])
    return [payload]


def main() -> None:
    """Serve Socket.IO and the /emit endpoint until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5100)
    args = parser.parse_args()
    app = socketio.WSGIApp(sio, http_app)
    print(f"floor on http://{args.host}:{args.port}", flush=True)
    eventlet.wsgi.server(eventlet.listen((args.host, args.port)), app, log_output=False)


if __name__ == "__main__":
    main()
