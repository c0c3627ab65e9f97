"""Every page has exactly one h1 (a screen reader's "jump to the heading" lands on what the page
is), in both languages: the pages an admin opens, taken from the url_map so a new page is
checked too, the sign-in page and the error page. The colors and the rest are axe-core's job in
tests/test_browser_a11y.py."""

from __future__ import annotations

import re

import pytest

from tests.builders import make_task, make_user, signed_in
from tests.page_list import page_paths
from wesup.enums import Role

H1 = re.compile(r"<h1[\s>]")


def headings(html: str) -> int:
    return len(H1.findall(html))


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_page_an_admin_opens_has_one_h1(app, language):
    admin = signed_in(app, "root", role=Role.ADMIN)
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    make_task(app, make_user(app, "anna"), "A task so the lists are not empty")
    paths = [*page_paths(app), f"/admin/users/{admin.user.id}", "/no-such-page"]
    opened = 0
    for path in paths:
        response = admin.client.get(path)
        if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
            continue
        opened += 1
        assert headings(response.get_data(as_text=True)) == 1, path
    assert opened >= 8, "the url_map lost its pages"


@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/setup?token=wrong"])
def test_the_pages_of_a_stranger_have_one_h1(app, client, path):
    make_user(app, "anna")
    assert headings(client.get(path).get_data(as_text=True)) == 1, path
