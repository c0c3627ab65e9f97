"""docs/DEPLOY.md shows the deployment files as they are in docs/deploy/, which
tests/test_nginx.py runs (nginx.conf) and the units start: the page and the files cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
FILES = sorted((DOCS / "deploy").iterdir())


def test_every_deployment_file_is_documented():
    assert {path.name for path in FILES} == {
        "nginx.conf",
        "wesup.env",
        "wesup@.service",
        "wesup-migrate.service",
    }


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_the_page_shows_the_file_as_it_is(path: Path):
    page = (DOCS / "DEPLOY.md").read_text()
    assert f"\n{path.read_text().strip()}\n```" in page, f"docs/DEPLOY.md differs from {path}"
