"""What the tests and `make bench` share to run the project on this machine: its folder, free
ports, how Chromium runs here, Python in a given environment, the demo customer's sign-in, and
starting, awaiting and stopping servers.

The tests' helpers, and the one module of tests/ that bench/ imports: the benchmark runs the
project exactly as the production-shape tests do.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")

# How Debian's Chromium runs on these machines (the browser tests and `make bench`): without the
# background-networking flags it keeps calling hosts that this network refuses.
CHROMIUM_ARGUMENTS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A loopback port nobody listens on (a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def repository_copy(target: Path) -> None:
    """The repository's files as a clone of this checkout would have them, the uncommitted
    changes included (git's own list: tracked files and new ones it does not ignore), copied
    into `target`: no .env, no database, no venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (BASE_DIR / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(BASE_DIR / name, target / name)


def python_in(env: dict[str, str], *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Runs `python *args` in the project's folder with exactly the variables `env`, and
    answers how it ended; the caller decides what a failure means."""
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def demo_sign_in(
    browser: requests.Session,
    portal: str,
    *,
    next_path: str = "",
    email: str = "demo@example.com",
    password: str = "demo-password",
    language: str = "en",
    timeout: float = 30,
) -> requests.Response:
    """Signs a customer (by default the demo customer of sandbox_seed) in through the portal's
    form as a browser does: with its CSRF token and the Referer that Django's CSRF check wants
    over HTTPS, on to `next_path` if given. Answers the page it ends on, after redirects."""
    form_url = f"{portal}/{language}/sign-in"
    form = browser.get(form_url, timeout=timeout).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    fields = {"csrfmiddlewaretoken": token.group(1), "email": email, "password": password}
    return browser.post(
        form_url,
        data={**fields, "next": next_path} if next_path else fields,
        headers={"Referer": form_url},
        timeout=timeout,
    )


def wait_answering(
    name: str,
    url: str,
    process: subprocess.Popen[bytes] | None,
    *,
    log: Path,
    timeout: float,
    verify: bool | str = True,
) -> None:
    """Waits until `url` answers 200. Fails as soon as `process` has ended, or after `timeout`
    seconds, with the end of `log` (CI keeps no temporary folder); `verify` is requests' (a
    certificate file, for instance)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} stopped at start-up; {log}:\n{_tail(log)}")
        try:
            if requests.get(url, verify=verify, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not start within {timeout} s; {log}:\n{_tail(log)}")


def _tail(log: Path, lines: int = 20) -> str:
    text = log.read_text(errors="replace") if log.exists() else "(no log written)"
    return "\n".join(text.splitlines()[-lines:])


def process_stop(process: subprocess.Popen[bytes] | None, *, timeout: float) -> None:
    """Ends `process` if it still runs: asked to (SIGTERM), then, after `timeout` seconds,
    killed."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class Server:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    gunicorn_args: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    # The portal as `make serve` runs it; the sandbox alone is `sandbox_server`'s.
    app: str = "portal.wsgi"
    gunicorn_config: tuple[str, ...] = ("-c", "gunicorn.conf.py")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def python(self, *args: str) -> str:
        """Runs `python *args` in this server's environment; answers its output."""
        result = python_in(self.env, *args, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"{self.name}: {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def manage(self, *args: str) -> str:
        return self.python("manage.py", *args)

    def start(self) -> None:
        """gunicorn as `make serve` starts it (gunicorn.conf.py), with any extra arguments."""
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603
                [str(GUNICORN), self.app, *self.gunicorn_config, *self.gunicorn_args],
                env=self.env,
                cwd=BASE_DIR,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        wait_answering(
            self.name, f"{self.url}/healthz", self.process, log=self.log, timeout=timeout
        )

    def stop(self) -> None:
        process_stop(self.process, timeout=30)


def sandbox_server(
    port: int,
    log: Path,
    *,
    portal_url: str,
    database: Path,
    gunicorn_args: tuple[str, ...] = (),
    **variables: str,
) -> Server:
    """The sandbox alone (sandbox.settings), as the separate upstream it stands for, with its
    own database (`manage("migrate")` and `manage("sandbox_seed")` prepare it) and its
    documented rate limits unless `variables` say otherwise."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{database}",
        "SANDBOX_PORTAL_URL": portal_url,
        "PORT": str(port),
        **variables,
    }
    return Server(
        "sandbox",
        port,
        env,
        log,
        gunicorn_args=gunicorn_args,
        app="sandbox.wsgi",
        gunicorn_config=("-c", "sandbox/gunicorn.conf.py"),
    )


def production_environment(**variables: str) -> dict[str, str]:
    """`make serve`'s environment on this machine, and `variables`: every variable a server
    depends on is set, so that a developer's `.env` (read by portal.settings, but overridden
    by the environment) changes nothing measured or tested."""
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
        "SESSION_STORE": "db",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "plain",
        "HOST": "127.0.0.1",
        **variables,
    }


def portal_server(tmp: Path, port: int, *, upstream: str, **variables: str) -> Server:
    """The portal alone as `make serve` runs it, against `upstream`, with its database, static
    files and log in `tmp`, migrated and its static files collected; `variables` added."""
    portal = Server(
        name="portal",
        port=port,
        env=production_environment(
            PORT=str(port),
            SANDBOX_ENABLED="false",
            UPSTREAM_URL=upstream,
            UPSTREAM_PUBLIC_BASE_URL="/sandbox",
            DATABASE_URL=f"sqlite:///{tmp / 'portal.sqlite3'}",
            STATIC_ROOT=str(tmp / "static"),
            **variables,
        ),
        log=tmp / "portal.log",
    )
    portal.manage("migrate", "--noinput")
    portal.manage("collectstatic", "--noinput", "--verbosity", "0")
    return portal
