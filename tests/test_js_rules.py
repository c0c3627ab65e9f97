"""The browser's rules: `node --test tests/js/` checks static/js/rules.js against the same case
tables as tests/test_rules.py, so `make test` covers both sides."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent


def test_the_javascript_rules_pass_their_tables():
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("CI=true but node is missing: the JavaScript rules went untested")
        pytest.skip("node is missing: the JavaScript rules are not tested (install Node.js)")
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout[-20_000:] + result.stderr[-5_000:]
    assert result.returncode == 0, output
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) > 0, output  # a run that found no test proves nothing
