"""Sign-in limits: how often one login, and one client address, may try a password.

Two Flask-Limiter limits on POST /login, from the configuration: LOGIN_LIMIT_PER_LOGIN (the
login typed, as sign-in reads it) and LOGIN_LIMIT_PER_ADDRESS (`request.remote_addr`; behind
a trusted proxy, the client's). Every attempt counts, atomically and before the password is
looked at, so a flood of parallel requests cannot slip past the limit between a check and a
count. A right password clears its login's count, so a person who mistyped a few times starts
afresh; it still counts for the address. Over a limit the form answers 429 with Retry-After.

Changing your own password (POST /profile/password) asks for the current one: it counts per
person against LOGIN_LIMIT_PER_LOGIN too.

Where the counts live (memory, or the Redis of MESSAGE_QUEUE) is set in config.py.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, request
from flask_limiter import RouteLimit
from flask_login import current_user

from wesup.extensions import limiter
from wesup.users import normalize_login


def login_key() -> str:
    """The typed login, hashed: bounded in size whatever is sent, and no login in the store."""
    login = normalize_login(request.form.get("login", ""))
    return "login:" + hashlib.sha256(login.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


per_login: RouteLimit = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_LOGIN"],
    key_func=login_key,
    methods=["POST"],
    scope="per-login",
)
per_address: RouteLimit = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    key_func=address_key,
    methods=["POST"],
    scope="per-address",
)


def person_key() -> str:
    """The signed-in person changing their own password (the current one is a password
    guess too, so it is limited like a sign-in)."""
    return "person:" + (current_user.get_id() or "").partition(":")[0]


per_person: RouteLimit = limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_LOGIN"],
    key_func=person_key,
    methods=["POST"],
    scope="per-person",
)


def forgive_login() -> None:
    """After a right password: this login's earlier attempts no longer count."""
    key = login_key()
    for applied in limiter.current_limits:
        if key in applied.request_args:
            applied.limiter.clear(applied.limit, *applied.request_args)


def retry_after() -> int:
    """Whole seconds until the limit this request broke lets an attempt through again."""
    broken = limiter.current_limit
    if broken is None:
        return 60
    return max(1, math.ceil(broken.window.reset_time - time.time()))
