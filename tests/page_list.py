"""Which HTML pages the app has, read from its url_map, so a new page is covered by the
accessibility checks (tests/test_accessibility.py, tests/test_browser_a11y.py) the day it lands."""

from __future__ import annotations

from flask import Flask

# Rules that never render a page of their own: JSON, files, the language and sign-out posts,
# and the part of the report page that the page fetches again on live events.
NOT_PAGES = ("api.", "static", "vendor.", "reports.report_part")


def page_paths(app: Flask) -> list[str]:
    """Every GET rule without arguments outside the API and the static files; whether it
    renders HTML (and for whom) is for the caller to find out by opening it."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.arguments
        and not rule.endpoint.startswith(NOT_PAGES)
    )
