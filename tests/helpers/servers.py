"""The portal under gunicorn as `make serve` runs it (harness.Server: gunicorn.conf.py, DEBUG
off, the sandbox mounted, the default shared cache), with the sandbox alone (sandbox.settings)
as its upstream in a gunicorn of its own, as in production. Both share one SQLite file, so
limits and sessions are shared by every worker.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.helpers.harness import (
    Server,
    free_port,
    production_environment,
    python_in,
    sandbox_server,
)


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A test's own HTTP server on loopback. Clients that hang up mid-answer (the portal's
    deadline, a browser moving on) are what these tests provoke: no traceback for those on
    stderr, where parallel workers would print it between other tests' results."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass(frozen=True)
class Served:
    server: Server

    @property
    def url(self) -> str:
        return self.server.url

    def log_text(self) -> str:
        return self.server.log.read_text(errors="replace")

    def log_after(self, start: int, *, until: str) -> str:
        """The log from `start` on, once `until` is in it: gunicorn writes its access line
        after the answer has gone."""
        deadline = time.monotonic() + 10
        while until not in (text := self.log_text()[start:]) and time.monotonic() < deadline:
            time.sleep(0.05)
        return text

    def manage(self, *args: str, **variables: str) -> None:
        result = python_in({**self.server.env, **variables}, "manage.py", *args, timeout=120)
        assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def served(tmp: Path, **variables: str) -> Iterator[Served]:
    """The portal (and its sandbox upstream) under gunicorn; `variables` override `make
    serve`'s environment for the portal."""
    port, upstream_port = free_port(), free_port()
    env = production_environment(
        SANDBOX_ENABLED="true",
        UPSTREAM_URL=f"http://127.0.0.1:{upstream_port}/sandbox",
        SANDBOX_PORTAL_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{tmp / 'served.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        WEB_CONCURRENCY="3",
    )
    upstream = sandbox_server(
        upstream_port,
        tmp / "upstream.log",
        portal_url=f"http://127.0.0.1:{port}",
        database=tmp / "served.sqlite3",
    )
    portal = Server("portal", port, {**env, **variables, "PORT": str(port)}, tmp / "portal.log")
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["sandbox_seed"]):
        portal.manage(*command)
    try:
        for server in (upstream, portal):
            server.start()
            server.wait_ready()
        yield Served(server=portal)
    finally:
        for server in (upstream, portal):
            server.stop()
