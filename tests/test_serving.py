"""What run.py hands each async mode's web server (wesup/serving.py); the behaviour itself,
slow clients dropped and quiet WebSockets kept, is tested against real servers in
tests/test_transport.py."""

from __future__ import annotations

import socket

from werkzeug.serving import WSGIRequestHandler

from wesup.serving import server_options

CONFIG = {"HTTP_TIMEOUT": 30, "MAX_CONNECTIONS": 10_000}


def test_eventlet_gets_its_connection_cap_and_a_socket_timeout():
    assert server_options("eventlet", CONFIG) == {"max_size": 10_000, "socket_timeout": 30}


def test_gevent_sockets_start_with_the_timeout(monkeypatch):
    given = []
    monkeypatch.setattr(socket, "setdefaulttimeout", given.append)
    assert server_options("gevent", CONFIG) == {}
    assert given == [30]


def test_werkzeugs_handler_gets_the_timeout_and_says_nothing_of_silent_clients(monkeypatch):
    handler_class = server_options("threading", CONFIG)["request_handler"]
    assert issubclass(handler_class, WSGIRequestHandler)
    assert handler_class.timeout == 30
    logged: list[str] = []
    monkeypatch.setattr(
        WSGIRequestHandler, "log", lambda self, kind, message, *args: logged.append(message % args)
    )
    handler = handler_class.__new__(handler_class)  # no connection needed to log
    handler.log_error("Request timed out: %r", TimeoutError("timed out"))
    handler.log_error("code %d, message %s", 400, "Bad request syntax")
    assert logged == ["code 400, message Bad request syntax"]
