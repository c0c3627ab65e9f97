"""Password hashing, kept off the event loop, and the same cost for logins that open nothing.

A check costs about 70 ms of CPU (werkzeug's scrypt). Under eventlet or gevent one OS thread
serves every page of the process, so a hash computed there stalls every live page for that
long: four loops of wrong passwords raised another person's page from 21 ms to 686 ms. The
hash runs in a real OS thread instead (eventlet's tpool, gevent's threadpool; hashlib lets go
of the GIL while it works) and the loop serves everybody else meanwhile. In threading mode
each request has its own thread already.

eventlet and gevent are imported only when the server runs on them (`serving_async_mode`), so
the CLI, the tests and threading mode never load them.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from wesup.config import serving_async_mode

T = TypeVar("T")


def _off_the_loop(work: Callable[..., T], *args: Any) -> T:
    """Run `work` in an OS thread when a green loop serves this process, else right here."""
    mode = serving_async_mode(current_app.config["ASYNC_MODE"]) if has_app_context() else ""
    if mode == "eventlet":
        from eventlet import tpool  # loaded already: the server runs on eventlet

        return tpool.execute(work, *args)
    if mode == "gevent":
        import gevent  # loaded already: the server runs on gevent

        return gevent.get_hub().threadpool.apply(work, args)
    return work(*args)


def make(password: str) -> str:
    """A new salted hash of `password` (werkzeug's default method and cost)."""
    return _off_the_loop(generate_password_hash, password)


def check(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`."""
    return _off_the_loop(check_password_hash, password_hash, password)


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password nobody knows, made once, with the cost of a real one."""
    return make(secrets.token_urlsafe(16))


def check_nobody(password: str) -> None:
    """The work of a real check for a login that opens no account (unknown or deactivated),
    so that how long a refusal takes does not tell whether the login exists."""
    check(dummy_hash(), password)
