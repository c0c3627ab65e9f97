"""Run WeSup as a real process (run.py) for end-to-end tests and the benchmark.

Nothing here imports eventlet or gevent: the server monkey-patches itself in its own process.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import redis
import requests
import socketio
from requests.adapters import HTTPAdapter

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
SETUP_URL = re.compile(r"http://\S+/setup\?token=\S+")
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reset_schema(database_url: str) -> None:
    """An empty public schema in a PostgreSQL database: run.py's migrations build it."""
    connection = psycopg2.connect(database_url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    finally:
        connection.close()


class ServerProcess:
    """One run.py process with its own instance folder and database; restartable on one port."""

    ready_path = "/login"  # answers 200 once the server is up

    def __init__(
        self,
        workdir: Path,
        *,
        async_mode: str = "eventlet",
        database_url: str | None = None,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.async_mode = async_mode
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        instance = self.workdir / "instance"
        instance.mkdir(parents=True, exist_ok=True)
        # A clean environment: no WESUP_* of the developer's leaks in, and nothing is written
        # to the checkout's instance/ folder.
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("WESUP_")}
        self.env.update(
            WESUP_INSTANCE_PATH=str(instance),
            WESUP_DATABASE_URL=database_url or f"sqlite:///{instance / 'wesup.sqlite3'}",
            WESUP_SECRET_KEY="e2e-secret-" + self.workdir.name,
            WESUP_DEFAULT_LOCALE="en",
            PYTHONUNBUFFERED="1",
        )
        self.env.update(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self._runs = 0
        self.log_path = self.workdir / "server-0.log"

    def start(self, timeout: float = 60) -> ServerProcess:
        """Start run.py and wait until it answers HTTP."""
        self._runs += 1
        self.log_path = self.workdir / f"server-{self._runs}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_ready(timeout)
        return self

    def command(self) -> list[str]:
        """The server's command line (subclasses start other servers the same way)."""
        return [
            sys.executable,
            str(REPO / "run.py"),
            "--port",
            str(self.port),
            "--async-mode",
            self.async_mode,
        ]

    def _wait_ready(self, timeout: float) -> None:
        """Poll until the server answers; fail with its output if it dies or hangs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.command()} exited early:\n{self.output()}")
            try:
                if requests.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.command()} did not answer in {timeout} s:\n{self.output()}")

    def output(self) -> str:
        """What the current (or last) run printed on stdout and stderr."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def setup_url(self) -> str | None:
        """The one-time first-admin link printed at start-up, if any."""
        found = SETUP_URL.search(self.output())
        return found.group(0) if found else None

    @property
    def pid(self) -> int:
        """The running server's process id."""
        assert self.process is not None
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident memory of the server process, from /proc."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server process has used so far, from /proc."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        """Die as a crash would: SIGKILL, no goodbye to clients."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (SIGINT would wait for idle keep-alive connections), then SIGKILL; idempotent."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def flask(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """`flask --app wesup ...` against the same instance folder and database."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wesup", *args],
            cwd=REPO,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

    def create_user(self, login: str, role: str, name: str | None = None) -> None:
        """The scripted way: the CLI reads the password from stdin."""
        self.flask(
            "user",
            "create",
            login,
            "--name",
            name or login.title(),
            "--role",
            role,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )


class SourceAddressAdapter(HTTPAdapter):
    """Connections that leave from a given loopback address (127.0.0.0/8 is all local), so that
    a load balancer in a test sees several clients."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class Browser(requests.Session):
    """A signed-in person: form posts with the page's CSRF token, API calls with X-CSRFToken.

    source: the loopback address its connections leave from (default: the kernel's choice).
    """

    def __init__(self, base_url: str, *, source: str | None = None) -> None:
        super().__init__()
        self.base_url = base_url
        self.source = source
        self.csrf_token = ""
        if source:
            self.mount("http://", SourceAddressAdapter(source))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        """Every request goes to this server (paths only) and never waits forever."""
        kwargs.setdefault("timeout", 15)
        return super().request(method, self.base_url + url, *args, **kwargs)

    def post_form(self, url: str, data: dict[str, str], *, page: str | None = None) -> Any:
        """GET the page, take its CSRF token (form field or meta tag), POST the form."""
        html = self.get(page or url).text
        found = CSRF_FIELD.search(html) or CSRF_META.search(html)
        assert found, f"no CSRF token on {page or url}"
        return self.post(url, data={**data, "csrf_token": found.group(1)}, allow_redirects=False)

    def login(self, login: str, password: str = PASSWORD) -> Browser:
        """Sign in through the real /login form."""
        response = self.post_form("/login", {"login": login, "password": password})
        assert response.status_code == 302, response.text
        self.refresh_csrf()
        return self

    def refresh_csrf(self) -> dict[str, Any]:
        """GET /api/session: who I am, the CSRF token for API calls, the current seq."""
        info = self.get("/api/session").json()
        self.csrf_token = info["csrf_token"]
        return info

    def api(self, method: str, url: str, json: Any = None) -> Any:
        """A JSON API call; fails loudly on anything but 2xx."""
        response = self.request(method, url, json=json, headers={"X-CSRFToken": self.csrf_token})
        assert response.ok, f"{method} {url}: {response.status_code} {response.text}"
        return response.json()

    def cookie_header(self) -> str:
        """The session cookie as a Cookie header, so a socket client shares this login."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


def create_first_admin(server: ServerProcess, login: str = "root") -> Browser:
    """Open the printed setup link and create the first admin with the real form."""
    url = server.setup_url()
    assert url, f"no setup URL printed:\n{server.output()}"
    admin = Browser(server.url)
    path = url.removeprefix(server.url)
    token = path.split("token=", 1)[1]
    response = admin.post_form(
        "/setup",
        {"token": token, "login": login, "name": "Root Admin", "password": PASSWORD},
        page=path,
    )
    assert response.status_code == 302, response.text
    admin.refresh_csrf()
    return admin


def add_person(admin: Browser, login: str, role: str, name: str | None = None) -> None:
    """An admin adds a person through the People page (quicker than the CLI's process)."""
    response = admin.post_form(
        "/admin/users",
        {"login": login, "name": name or login.title(), "role": role, "password": PASSWORD},
    )
    assert response.status_code == 302, response.text


class LiveSocket:
    """A python-socketio client that records what the server sends it.

    Over WebSocket alone by default; `transports=["polling", "websocket"]` starts with long
    polling and upgrades, as a browser does. It never acts on what it receives: a page that
    ignores `session.ended` is what a tampered-with client looks like. With a browser that has
    a source address, its connections leave from that address too.
    """

    def __init__(
        self,
        server: ServerProcess,
        browser: Browser | None,
        *,
        transports: list[str] | None = None,
        **auth: Any,
    ) -> None:
        self.server = server
        self.browser = browser
        self.auth = auth
        self.transports = transports or ["websocket"]
        options: dict[str, Any] = {}
        if browser is not None and browser.source:
            polling = requests.Session()  # long polling leaves from the browser's address too
            polling.mount("http://", SourceAddressAdapter(browser.source))
            options["http_session"] = polling
        self.client = socketio.Client(reconnection=False, handle_sigint=False, **options)
        self.received: dict[str, list[Any]] = {
            "event": [],
            "replay": [],
            "reload": [],
            "presence": [],
            "session.ended": [],
            "disconnect": [],
        }
        self._changed = threading.Condition()
        for name in self.received:
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[[Any], None]:
        """A handler that stores one kind of message and wakes the waiters."""

        def record(payload: Any = None, *_: Any) -> None:
            with self._changed:
                self.received[name].append(payload)
                self._changed.notify_all()

        return record

    def connect(self) -> LiveSocket:
        """Connect with the login's cookie; fails unless the socket ends up on WebSocket."""
        headers = {"Cookie": self.browser.cookie_header()} if self.browser else {}
        if self.browser is not None and self.browser.source:
            self.client.eio.websocket_extra_options = {"socket": self._bound_socket()}
        self.client.connect(
            self.server.url,
            headers=headers,
            auth=self.auth,
            transports=self.transports,
            wait_timeout=10,
        )
        self._wait_upgraded()
        return self

    def _bound_socket(self) -> socket.socket:
        """A TCP connection to the server from the browser's source address, for the
        WebSocket (websocket-client takes a connected socket instead of making one)."""
        assert self.browser is not None and self.browser.source
        where = urlsplit(self.server.url)
        return socket.create_connection(
            (where.hostname, where.port or 80), timeout=10, source_address=(self.browser.source, 0)
        )

    def _wait_upgraded(self, timeout: float = 10) -> None:
        """A polling start upgrades to WebSocket in the background: wait for it."""
        deadline = time.monotonic() + timeout
        while self.client.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.client.transport() == "websocket", self.client.transport()

    @property
    def events(self) -> list[dict[str, Any]]:
        """The live `event` messages so far."""
        return self.received["event"]

    def wait_for(self, name: str, count: int, timeout: float = 15) -> list[Any]:
        """Block until `count` messages named `name` arrived; fail with what did arrive."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.received[name]) >= count, timeout)
            assert arrived, f"waited for {count} {name!r}, got {self.received[name]}"
            return list(self.received[name])

    def wait_cut(self, timeout: float) -> float:
        """Block until the server disconnects this socket; returns how long it took."""
        started = time.monotonic()
        self.wait_for("disconnect", 1, timeout)
        return time.monotonic() - started

    def close(self) -> None:
        """Disconnect if still connected; safe to call twice."""
        if self.client.connected:
            self.client.disconnect()


class RedisServer:
    """A private redis-server on a free port that a test may stop, restart, freeze and thaw
    (the shared one on 6379 must never go down under other people's tests)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        """Whether redis-server is installed."""
        return shutil.which("redis-server") is not None

    def start(self, timeout: float = 15) -> RedisServer:
        """Start (or restart, on the same port) and wait until it answers PING."""
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                try:
                    if client.ping():
                        return self
                except redis.RedisError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError(f"redis-server on port {self.port} did not answer in {timeout} s")

    def stop(self) -> None:
        """Stop it as a crash or a restart would (connections drop); idempotent."""
        if self.process and self.process.poll() is None:
            self.thaw()
            self.process.kill()
            self.process.wait(timeout=10)

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and nothing answers, as with a hung server."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after freeze()."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)


class NginxProcess(ServerProcess):
    """nginx in front of run.py processes, configured with docs/deploy/nginx.conf (the file
    docs/DEPLOY.md installs), its addresses replaced; pid, logs and temp files stay in workdir."""

    SITE = REPO / "docs" / "deploy" / "nginx.conf"
    DOCUMENTED_BACKENDS = ("server 127.0.0.1:8001;", "server 127.0.0.1:8002;")
    DOCUMENTED_LISTEN = "listen 80;"

    def __init__(self, workdir: Path, backends: list[ServerProcess]) -> None:
        super().__init__(workdir)
        self.conf = self.workdir / "nginx.conf"
        (self.workdir / "temp").mkdir(exist_ok=True)
        (self.workdir / "site.conf").write_text(self.site(backends))
        self.conf.write_text(self.main_config())

    @staticmethod
    def binary() -> str | None:
        """nginx's path (Debian puts it in /usr/sbin, often missing from a user's PATH)."""
        return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")

    def site(self, backends: list[ServerProcess]) -> str:
        """The documented site with this test's ports; fails if the document changed shape."""
        text = self.SITE.read_text()
        replacements = [(self.DOCUMENTED_LISTEN, f"listen 127.0.0.1:{self.port};")]
        for documented, backend in zip(self.DOCUMENTED_BACKENDS, backends, strict=True):
            replacements.append((documented, f"server 127.0.0.1:{backend.port};"))
        for documented, here in replacements:
            assert text.count(documented) == 1, f"{self.SITE} no longer has {documented!r}"
            text = text.replace(documented, here)
        return text

    def main_config(self) -> str:
        """What /etc/nginx/nginx.conf does on a server, kept inside workdir."""
        temp = self.workdir / "temp"
        user = "user root;" if os.geteuid() == 0 else ""  # workers must reach workdir
        return f"""
{user}
daemon off;
worker_processes 1;
pid {self.workdir / "nginx.pid"};
error_log {self.workdir / "error.log"} info;
events {{ worker_connections 512; }}
http {{
    access_log {self.workdir / "access.log"};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {self.workdir / "site.conf"};
}}
"""

    def command(self) -> list[str]:
        """nginx in the foreground with this configuration, its prefix in workdir."""
        binary = self.binary()
        assert binary, "nginx is not installed"
        return [
            binary,
            "-c",
            str(self.conf),
            "-p",
            str(self.workdir),
            "-e",
            str(self.workdir / "error.log"),
        ]

    def output(self) -> str:
        """nginx's error log after what it printed."""
        log = self.workdir / "error.log"
        return super().output() + (log.read_text(errors="replace") if log.exists() else "")
