"""The shape of the code that the rest relies on: imports without hidden cycles, one list of
event kinds shared with the browser, and run.py following the configuration order."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import run
from tests.builders import signed_in
from tests.server_process import ServerProcess
from wesup import events
from wesup.enums import EventKind, Role, js_enums

REPO = Path(__file__).resolve().parent.parent
WESUP = REPO / "wesup"


@pytest.mark.parametrize(
    "module", ["wesup.events", "wesup.kiosk", "wesup.realtime", "wesup.sockets"]
)
def test_each_module_imports_first_without_a_cycle(module):
    """A circle of imports would make the first import of one of them fail."""
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_no_module_imports_wesup_inside_a_function():
    """Imports inside functions are how a cycle hides; the package has none."""
    found = []
    for path in sorted(WESUP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                names = []
                if isinstance(inner, ast.ImportFrom):
                    names = [inner.module or ""]
                elif isinstance(inner, ast.Import):
                    names = [alias.name for alias in inner.names]
                if any(name == "wesup" or name.startswith("wesup.") for name in names):
                    found.append(f"{path.relative_to(REPO)}:{inner.lineno}")
    assert found == []


# --- one list of event kinds -----------------------------------------------------------------


def enums_in(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="wesup-enums">(.*?)</script>', html)
    assert match, "the page carries no enums"
    return json.loads(match.group(1))


@pytest.mark.parametrize(
    "path", ["/tasks/mine", "/tasks", "/directories", "/board", "/admin/users"]
)
def test_every_page_gets_the_enums_from_the_server(app, path):
    admin = signed_in(app, "root", role=Role.ADMIN)
    html = admin.client.get(path).get_data(as_text=True)
    assert enums_in(html) == js_enums()
    assert enums_in(html)["EventKind"]["TASK_CREATED"] == "task.created"
    assert set(enums_in(html)["StatusCategory"].values()) == {"new", "active", "postponed", "done"}


def test_no_script_keeps_its_own_list_of_event_kinds():
    """Scripts take the kinds from the page (static/js/enums.js); a literal kind in a script is
    a twin list in the making, and a kind the server adds would be dropped there. (Socket
    control messages such as `kiosk.revoked`, listened to with socket.on, are not events.)"""
    kinds = {kind.value for kind in EventKind}
    found = []
    for path in sorted((WESUP / "static" / "js").glob("*.js")):
        code = "\n".join(
            line
            for line in path.read_text().splitlines()
            if not line.lstrip().startswith("//") and "socket.on(" not in line
        )
        for literal in re.findall(r"""["'`]([a-z]+\.[a-z_]+)["'`]""", code):
            if literal in kinds:
                found.append(f"{path.name}: {literal}")
    assert found == []


def test_an_unknown_event_kind_is_refused_before_it_is_written(app):
    with app.app_context(), pytest.raises(ValueError):
        events.record("task.teleported", None)  # type: ignore[arg-type]


def test_task_kinds_are_published_and_kiosk_session_token_and_shift_kinds_are_not():
    assert all(kind.is_published for kind in EventKind if kind.is_task)
    assert {kind for kind in EventKind if not kind.is_published} == {
        EventKind.KIOSK_CREATED,
        EventKind.KIOSK_RENAMED,
        EventKind.KIOSK_REVOKED,
        EventKind.SESSION_ENDED,
        EventKind.TOKEN_CREATED,
        EventKind.TOKEN_REVOKED,
        EventKind.SHIFT_POSTED,
    }


# --- run.py and the configuration order ------------------------------------------------------


def test_run_passes_on_only_the_flags_given(monkeypatch):
    monkeypatch.delenv("WESUP_ASYNC_MODE", raising=False)
    assert run.overrides(run.parse_args([])) == {"ASYNC_MODE": "eventlet"}
    given = run.parse_args(["--port", "8123", "--host", "0.0.0.0", "--async-mode", "gevent"])  # noqa: S104
    assert run.overrides(given) == {"ASYNC_MODE": "gevent", "HOST": "0.0.0.0", "PORT": 8123}  # noqa: S104
    monkeypatch.setenv("WESUP_ASYNC_MODE", "threading")
    assert run.overrides(run.parse_args([])) == {"ASYNC_MODE": "threading"}


def test_run_refuses_an_unknown_async_mode_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("WESUP_ASYNC_MODE", "tornado")
    with pytest.raises(SystemExit):
        run.parse_args([])
    assert "WESUP_ASYNC_MODE" in capsys.readouterr().err


class ConfiguredServer(ServerProcess):
    """run.py started with no --port: it must listen where instance/config.py says."""

    def command(self) -> list[str]:
        return [sys.executable, str(REPO / "run.py"), "--async-mode", self.async_mode]


@pytest.mark.e2e
def test_run_listens_on_the_port_of_instance_config(tmp_path):
    server = ConfiguredServer(tmp_path, async_mode="threading")
    (tmp_path / "instance" / "config.py").write_text(f"HOST = '127.0.0.1'\nPORT = {server.port}\n")
    server.start()
    try:
        assert f"WeSup on http://127.0.0.1:{server.port} " in server.output()
    finally:
        server.stop()
