"""Behind a reverse proxy: whose X-Forwarded-* headers the app believes (WESUP_TRUSTED_PROXIES).

The sign-in log line shows what the app took for the client's address and scheme. The same
through a real nginx is in tests/test_nginx.py.
"""

from __future__ import annotations

import logging
import re

import pytest

from tests.builders import PASSWORD, make_user

PROXY = "10.0.0.2"  # where the requests come from: the proxy


def sign_in_through_proxy(app, forwarded_for: str, proto: str = "https") -> None:
    """Sign in with the headers the proxies add (one value per proxy, the nearest last); the
    Referer is what the browser sends, on the scheme the first proxy saw."""
    make_user(app, "alice")
    client = app.test_client()
    hops = proto.count(",") + 1
    headers = {
        "X-Forwarded-For": forwarded_for,
        "X-Forwarded-Proto": proto,
        "X-Forwarded-Host": ", ".join(["wesup.example.com"] * hops),
    }
    page = client.get("/login", headers=headers, environ_base={"REMOTE_ADDR": PROXY})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    response = client.post(
        "/login",
        data={"login": "alice", "password": PASSWORD, "csrf_token": token.group(1)},
        headers={**headers, "Referer": f"{proto.split(',')[0]}://wesup.example.com/login"},
        environ_base={"REMOTE_ADDR": PROXY},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_without_trusted_proxies_the_headers_are_not_believed(app, caplog):
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        sign_in_through_proxy(app, "203.0.113.7", proto="http")
    assert f"alice signed in from {PROXY} over http" in caplog.text


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1}])
def test_one_trusted_proxy_gives_the_clients_address_and_scheme(app, caplog):
    """Only the last hop is believed: what the client itself put in the header is not."""
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        sign_in_through_proxy(app, "198.51.100.1, 203.0.113.7")
    assert "alice signed in from 203.0.113.7 over https" in caplog.text


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 2}])
def test_two_trusted_proxies_reach_one_hop_further(app, caplog):
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        sign_in_through_proxy(app, "198.51.100.1, 203.0.113.7", proto="https, http")
    assert "alice signed in from 198.51.100.1 over https" in caplog.text
