"""The portal and the sandbox as two gunicorn servers, each with its own SQLite database.

The portal runs exactly as `make serve` runs it (gunicorn.conf.py, DEBUG off, collected static
files), with `bench.settings` adding the baseline view and the connection count. The sandbox
is its upstream in a process of its own, as a real upstream would be: a sync worker that called
its own server could wait on itself, and the sandbox's own work must not be counted in the
portal's. It runs threaded workers (gthread) so that it keeps connections alive between calls
as a real upstream does; gunicorn's sync workers close every connection, which would make
pooling impossible to see.

Between the two runs a delay proxy (bench/delay.py): the portal calls the sandbox through it,
with no delay added unless the benchmark sets a round trip, as a tenant's upstream across a
network would have.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import connections
from bench.delay import DelayProxy
from tests.helpers.harness import Server, free_port, production_environment, sandbox_server

# A real upstream keeps idle connections open for a minute or more (nginx: 75 s); gunicorn's
# default of 2 s would close a worker's connection whenever it idled between two pages.
SANDBOX_KEEP_ALIVE_SECONDS = 75
SANDBOX_WORKERS = int(os.environ.get("BENCH_SANDBOX_WORKERS", 2))
SANDBOX_THREADS = int(os.environ.get("BENCH_SANDBOX_THREADS", 16))
# gunicorn.conf.py's threads would make gunicorn switch sync workers to gthread.
SYNC_ARGUMENTS = ("--worker-class", "sync", "--threads", "1")


# What gunicorn reads from gunicorn.conf.py in the portal's environment, and the upstream limit.
WORKER_MODEL = """
import runpy
from django.conf import settings
conf = runpy.run_path("gunicorn.conf.py")
print(conf["worker_class"], conf["workers"], conf["threads"], settings.UPSTREAM_CONCURRENCY)
"""


@dataclass(frozen=True)
class WorkerModel:
    worker_class: str
    workers: int
    threads: int
    upstream_concurrency: int

    def __str__(self) -> str:
        if self.threads == 1:
            return f"{self.workers} {self.worker_class} workers, one request at a time each"
        return (
            f"{self.workers} {self.worker_class} workers x {self.threads} threads, at most "
            f"{self.upstream_concurrency} of a worker's threads waiting on the upstream"
        )


def worker_model(server: Server) -> WorkerModel:
    kind, workers, threads, limit = server.python("-c", WORKER_MODEL).split()
    if server.gunicorn_args == SYNC_ARGUMENTS:
        return WorkerModel("sync", int(workers), 1, 1)
    return WorkerModel(kind, int(workers), int(threads), int(limit))


@dataclass
class Stack:
    portal: Server
    sandbox: Server
    connection_log: Path
    # Between the portal and the sandbox; `round_trip_ms` is 0 unless the benchmark sets it.
    proxy: DelayProxy
    model: WorkerModel

    def connections_opened(self) -> int:
        """Upstream connections the portal's workers have opened so far (bench.settings)."""
        return connections.opened(self.connection_log)

    def connections_reopened(self) -> int:
        """Of those, pooled ones opened again after the sandbox closed them idle."""
        return connections.reopened(self.connection_log)


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
    """Both servers migrated, seeded and answering, the proxy between them; all stopped
    afterwards."""
    with ExitStack() as stop_later:
        yield from _running(tmp, stop_later)


def _running(tmp: Path, stop_later: ExitStack) -> Iterator[Stack]:
    portal_port, sandbox_port = free_port(), free_port()
    connection_log = tmp / "upstream-connections.log"
    # The sandbox alone (sandbox.settings), as a tenant's API is a server of its own.
    sandbox = sandbox_server(
        sandbox_port,
        tmp / "sandbox.log",
        portal_url=f"http://127.0.0.1:{portal_port}",
        database=tmp / "sandbox.sqlite3",
        # BENCH_SANDBOX_SYNC=1, the control: sync workers, which close every connection.
        gunicorn_args=SYNC_ARGUMENTS
        if os.environ.get("BENCH_SANDBOX_SYNC") == "1"
        else (
            "--threads",
            str(SANDBOX_THREADS),
            "--keep-alive",
            str(SANDBOX_KEEP_ALIVE_SECONDS),
        ),
        WEB_CONCURRENCY=str(SANDBOX_WORKERS),
        # The load is the portal's: a tenant's rate limits (409s) would measure those.
        SANDBOX_RATE_LIMITS="off",
        SANDBOX_WRITE_RATE_LIMITS="off",
    )
    proxy = stop_later.enter_context(DelayProxy(target_port=sandbox_port))
    portal = _server(
        "portal",
        portal_port,
        tmp,
        DJANGO_SETTINGS_MODULE="bench.settings",
        SANDBOX_ENABLED="false",
        UPSTREAM_URL=f"http://127.0.0.1:{proxy.port}/sandbox",
        UPSTREAM_PUBLIC_BASE_URL="/sandbox",
        BENCH_CONNECTION_LOG=str(connection_log),
        # Nor the portal's own budget of them: the payday scenario measures that (payday.py).
        UPSTREAM_BUDGET="off",
        UPSTREAM_WRITE_BUDGET="off",
    )
    # gunicorn.conf.py's worker count unless the caller sets one, as with `make serve`.
    if "WEB_CONCURRENCY" in os.environ:
        portal.env["WEB_CONCURRENCY"] = os.environ["WEB_CONCURRENCY"]
    if os.environ.get("BENCH_PORTAL_SYNC") == "1":
        # The control: the deployment before threads, gunicorn's sync workers (2 x cores + 1).
        portal.env.setdefault("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))
        portal.gunicorn_args = SYNC_ARGUMENTS
    portal.manage("migrate", "--noinput")
    portal.manage("collectstatic", "--noinput", "--verbosity", "0")
    sandbox.manage("migrate", "--noinput")
    sandbox.manage("sandbox_seed")
    for server in (sandbox, portal):
        stop_later.callback(server.stop)
        server.start()
    for server in (sandbox, portal):
        server.wait_ready()
    yield Stack(
        portal=portal,
        sandbox=sandbox,
        connection_log=connection_log,
        proxy=proxy,
        model=worker_model(portal),
    )
