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
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import Server, free_port, production_environment

# A real upstream keeps idle connections open for a minute or more (nginx: 75 s); gunicorn's
# default of 2 s would close a worker's connection whenever it idled between two pages.
SANDBOX_KEEP_ALIVE_SECONDS = 75
SANDBOX_WORKERS = 2
SANDBOX_THREADS = 4


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


def _server(
    name: str, port: int, tmp: Path, gunicorn_args: tuple[str, ...] = (), **variables: str
) -> Server:
    """One of the two, with its own database and log in `tmp`; both serve the same collected
    static files."""
    database = tmp / f"{name}.sqlite3"
    return Server(
        name=name,
        port=port,
        env=production_environment(
            PORT=str(port),
            DATABASE_URL=f"sqlite:///{database}",
            STATIC_ROOT=str(tmp / "static"),
            **variables,
        ),
        log=tmp / f"{name}.log",
        gunicorn_args=gunicorn_args,
    )


@contextmanager
def running(tmp: Path) -> Iterator[Stack]:
    """Both servers migrated, seeded and answering; stopped afterwards."""
    portal_port, sandbox_port = free_port(), free_port()
    connection_log = tmp / "upstream-connections.log"
    # gunicorn's own default (2 x cores + 1) unless the caller sets WEB_CONCURRENCY.
    workers = os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))
    sandbox = _server(
        "sandbox",
        sandbox_port,
        tmp,
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
        DJANGO_SETTINGS_MODULE="portal.settings",
        SANDBOX_ENABLED="true",
        SANDBOX_PORTAL_URL=f"http://127.0.0.1:{portal_port}",
        # The load is the portal's: a tenant's rate limits (409s) would measure those.
        SANDBOX_RATE_LIMITS="off",
        SANDBOX_WRITE_RATE_LIMITS="off",
        WEB_CONCURRENCY=str(SANDBOX_WORKERS),
    )
    portal = _server(
        "portal",
        portal_port,
        tmp,
        DJANGO_SETTINGS_MODULE="bench.settings",
        SANDBOX_ENABLED="false",
        UPSTREAM_URL=f"http://127.0.0.1:{sandbox_port}/sandbox",
        UPSTREAM_PUBLIC_BASE_URL="/sandbox",
        BENCH_CONNECTION_LOG=str(connection_log),
        WEB_CONCURRENCY=workers,
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
