"""What the web server of each async mode gets from the configuration (run.py hands it to
socketio.run): how many connections one process accepts, and how long a connection may stay
silent before it is dropped.

HTTP_TIMEOUT bounds each wait for the client: an idle keep-alive connection, a request line or
headers sent halfway, and a WebSocket that stopped answering pings alike. A live WebSocket
answers a ping every PING_INTERVAL seconds, so a timeout longer than PING_INTERVAL +
PING_TIMEOUT (wesup/config.py insists) never cuts one.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

from werkzeug.serving import WSGIRequestHandler


def server_options(mode: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for socketio.run in this async mode.

    eventlet: eventlet.wsgi.server's `socket_timeout` (every read and write of a client
    socket) and `max_size` (its pool of connections; its own default of 1024, idle
    keep-alives included, would cap the board's audience well below a floor of open tabs).
    gevent: its WSGIServer takes no timeout, but the sockets it accepts start with Python's
    default timeout, so that is set; it has no connection cap of its own.
    threading: Werkzeug's request handler applies its `timeout` to each connection; one
    thread per connection, no cap.
    """
    timeout = config["HTTP_TIMEOUT"]
    if mode == "eventlet":
        return {"max_size": config["MAX_CONNECTIONS"], "socket_timeout": timeout}
    if mode == "gevent":
        socket.setdefaulttimeout(timeout)
        return {}
    return {"request_handler": _timed_handler(timeout)}


class TimedRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with a timeout, and without a log line for each silent client."""

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            return  # a client that said nothing: dropped, as intended
        super().log_error(format, *args)


def _timed_handler(timeout: float) -> type[TimedRequestHandler]:
    return type("TimedRequestHandler", (TimedRequestHandler,), {"timeout": timeout})
