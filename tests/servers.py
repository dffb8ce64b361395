"""The portal under gunicorn as `make serve` runs it (gunicorn.conf.py, DEBUG off, the sandbox
mounted), with the sandbox as its upstream in a gunicorn of its own, as in production: a sync
worker calling its own server could wait on itself. Both share a SQLite file and Django's
database cache, so limits and sessions are shared by every worker.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.child import BASE_DIR, free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")


@dataclass(frozen=True)
class Served:
    url: str
    log: Path
    env: dict[str, str]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_after(self, start: int, *, until: str) -> str:
        """The log from `start` on, once `until` is in it: gunicorn writes its access line
        after the answer has gone."""
        deadline = time.monotonic() + 10
        while until not in (text := self.log_text()[start:]) and time.monotonic() < deadline:
            time.sleep(0.05)
        return text

    def manage(self, *args: str, **variables: str) -> None:
        _manage({**self.env, **variables}, *args)


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        timeout=120,
        check=True,
    )


def _healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"gunicorn stopped:\n{log.read_text()[-3000:]}"
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{url} did not start:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def served(tmp: Path, **variables: str) -> Iterator[Served]:
    """The portal (and its sandbox upstream) under gunicorn; `variables` override `make
    serve`'s environment for the portal."""
    port, upstream_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": "served-by-gunicorn-in-tests",
        # What `make serve` exports (Makefile).
        "DEBUG": "false",
        "SANDBOX_ENABLED": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "false",
        "SECURE_SSL_REDIRECT": "false",
        "PDF_LINK_SCHEME": "http",
        "UPSTREAM_URL": f"http://127.0.0.1:{upstream_port}/sandbox",
        "SANDBOX_PORTAL_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{tmp / 'served.sqlite3'}",
        "CACHE_URL": "dbcache://portal_cache",
        "STATIC_ROOT": str(tmp / "static"),
        "WEB_CONCURRENCY": "3",
    }
    for command in (["migrate", "--noinput"], ["createcachetable"], ["collectstatic", "--noinput"]):
        _manage(env, *command)
    _manage(env, "sandbox_seed")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, listen, extra in (
            ("upstream", upstream_port, {}),
            ("portal", port, variables),
        ):
            log = tmp / f"{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(  # noqa: S603
                    [str(GUNICORN), "portal.wsgi", "-c", "gunicorn.conf.py"],
                    env={**env, **extra, "PORT": str(listen)},
                    cwd=BASE_DIR,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            processes.append(process)
            _healthy(f"http://127.0.0.1:{listen}", process, log)
        yield Served(url=f"http://127.0.0.1:{port}", log=tmp / "portal.log", env=env)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
