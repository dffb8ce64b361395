"""`make serve` as docs/deploy.md writes it, with SECRET_KEY and no other choice made: the portal
alone, never the sandbox (whose outbox shows every password link it sends); and a server that
is told to mount it says so when it starts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.urls import URLPattern, URLResolver

from sandbox import urls as sandbox_urls
from tests.helpers.harness import BASE_DIR, free_port, wait_answering
from tests.helpers.servers import served


def _sandbox_paths() -> list[str]:
    """Every route of the sandbox, with an example for each parameter."""
    paths = []
    for pattern in sandbox_urls.urlpatterns:
        assert isinstance(pattern, URLPattern | URLResolver)
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        route = re.sub(r"<str:[a-z_]+>", "42", route).replace("(?P<rest>.*)", "anything")
        paths.append(f"/sandbox/{route}")
    return paths


@pytest.fixture(scope="module")
def make_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("make-serve")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "SECRET_KEY": "make-serve-test-key",
        # Where this test's server writes, instead of the checkout's db.sqlite3 and
        # staticfiles/; and a port of its own.
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp / 'portal.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
    }
    log = tmp / "make-serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve"],  # noqa: S607
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_answering("make serve", f"{url}/healthz", process, log=log, timeout=120)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_the_sandbox_routes_are_known(make_serve: str) -> None:
    assert "/sandbox/outbox" in _sandbox_paths()
    assert "/sandbox/api/token" in _sandbox_paths()
    assert len(_sandbox_paths()) >= 15


@pytest.mark.parametrize("path", _sandbox_paths())
def test_make_serve_answers_404_on_every_sandbox_url(make_serve: str, path: str) -> None:
    for method in ("GET", "POST"):
        answer = requests.request(method, f"{make_serve}{path}", timeout=10)
        assert answer.status_code == 404, method
        assert "Outbox" not in answer.text


def test_a_server_told_to_mount_the_sandbox_says_so_at_start(tmp_path: Path) -> None:
    with served(tmp_path) as server:
        log = server.log_text()
    [notice] = [line for line in log.splitlines() if "SANDBOX_ENABLED" in line]
    assert "[WARNING]" in notice
    assert "never production" in notice
