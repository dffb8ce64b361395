"""The portal and the sandbox as two gunicorn servers, each with its own SQLite database.

The portal runs exactly as `make serve` runs it (gunicorn.conf.py, DEBUG off, collected static
files), with `bench.settings` adding the baseline view and the connection count. The sandbox
is its upstream in a process of its own, as a real upstream would be: a sync worker that called
its own server could wait on itself, and the sandbox's own work must not be counted in the
portal's. It runs threaded workers (gthread) so that it keeps connections alive between calls
as a real upstream does; gunicorn's sync workers close every connection, which would make
pooling impossible to see.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.child import BASE_DIR, free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")
# A real upstream keeps idle connections open for a minute or more (nginx: 75 s); gunicorn's
# default of 2 s would close a worker's connection whenever it idled between two pages.
SANDBOX_KEEP_ALIVE_SECONDS = 75
SANDBOX_WORKERS = 2
SANDBOX_THREADS = 4


@dataclass
class Server:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    gunicorn_args: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def python(self, *args: str) -> str:
        """Runs `python *args` in this server's environment; answers its output."""
        result = subprocess.run(  # noqa: S603
            [sys.executable, *args],
            env=self.env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{self.name}: {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def manage(self, *args: str) -> str:
        return self.python("manage.py", *args)

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603
                [str(GUNICORN), "portal.wsgi", "-c", "gunicorn.conf.py", *self.gunicorn_args],
                env=self.env,
                cwd=BASE_DIR,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped at start-up; see {self.log}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start within {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Stack:
    portal: Server
    sandbox: Server
    connection_log: Path
    workers: str

    def connections_opened(self) -> int:
        """Upstream connections the portal's workers have opened so far (bench.settings)."""
        if not self.connection_log.exists():
            return 0
        with self.connection_log.open("rb") as log:
            return sum(1 for _ in log)


def _environment(**variables: str) -> dict[str, str]:
    # Every variable either process depends on is set here, so that a developer's `.env`
    # (read by portal.settings, but overridden by the environment) changes nothing measured.
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "LANG": "C.UTF-8",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "false",
        # Plain HTTP on loopback, as `make serve` on this machine.
        "SECURE_SSL_REDIRECT": "false",
        "PDF_LINK_SCHEME": "http",
        "CACHE_URL": "locmemcache://",
        "SESSION_STORE": "db",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "plain",
        "HOST": "127.0.0.1",
        **variables,
    }


@contextmanager
def running(tmp: Path) -> Iterator[Stack]:
    """Both servers migrated, seeded and answering; stopped afterwards."""
    portal_port, sandbox_port = free_port(), free_port()
    static_root = str(tmp / "static")
    connection_log = tmp / "upstream-connections.log"
    # gunicorn's own default (2 x cores + 1) unless the caller sets WEB_CONCURRENCY.
    workers = os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))
    sandbox = Server(
        name="sandbox",
        port=sandbox_port,
        env=_environment(
            DJANGO_SETTINGS_MODULE="portal.settings",
            SANDBOX_ENABLED="true",
            PORT=str(sandbox_port),
            DATABASE_URL=f"sqlite:///{tmp / 'sandbox.sqlite3'}",
            SANDBOX_PORTAL_URL=f"http://127.0.0.1:{portal_port}",
            # The load is the portal's: a tenant's rate limits (409s) would measure those.
            SANDBOX_RATE_LIMITS="off",
            SANDBOX_WRITE_RATE_LIMITS="off",
            STATIC_ROOT=static_root,
            WEB_CONCURRENCY=str(SANDBOX_WORKERS),
        ),
        log=tmp / "sandbox.log",
        # BENCH_SANDBOX_SYNC=1, the control: sync workers, which close every connection.
        gunicorn_args=()
        if os.environ.get("BENCH_SANDBOX_SYNC") == "1"
        else (
            "--worker-class",
            "gthread",
            "--threads",
            str(SANDBOX_THREADS),
            "--keep-alive",
            str(SANDBOX_KEEP_ALIVE_SECONDS),
        ),
    )
    portal = Server(
        name="portal",
        port=portal_port,
        env=_environment(
            DJANGO_SETTINGS_MODULE="bench.settings",
            SANDBOX_ENABLED="false",
            PORT=str(portal_port),
            DATABASE_URL=f"sqlite:///{tmp / 'portal.sqlite3'}",
            UPSTREAM_URL=f"http://127.0.0.1:{sandbox_port}/sandbox",
            UPSTREAM_PUBLIC_BASE_URL="/sandbox",
            STATIC_ROOT=static_root,
            BENCH_CONNECTION_LOG=str(connection_log),
            WEB_CONCURRENCY=workers,
        ),
        log=tmp / "portal.log",
    )
    portal.manage("migrate", "--noinput")
    portal.manage("collectstatic", "--noinput", "--verbosity", "0")
    sandbox.manage("migrate", "--noinput")
    sandbox.manage("sandbox_seed")
    with ExitStack() as stop:
        for server in (sandbox, portal):
            stop.callback(server.stop)
            server.start()
        for server in (sandbox, portal):
            server.wait_ready()
        yield Stack(portal=portal, sandbox=sandbox, connection_log=connection_log, workers=workers)
