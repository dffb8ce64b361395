"""What the tests and `make bench` share to run the project on this machine: its folder, free
ports, how Chromium runs here, Python in a given environment and the demo customer's sign-in.

tests/ and bench/ both import this and never each other (bench imports nothing from tests/).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent

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
    browser: requests.Session, portal: str, *, next_path: str = "", timeout: float = 30
) -> requests.Response:
    """Signs the demo customer (sandbox_seed) in through the portal's form, as a browser does,
    and on to `next_path` if given; answers the form's answer."""
    form = browser.get(f"{portal}/en/sign-in", timeout=timeout).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    fields = {
        "csrfmiddlewaretoken": token.group(1),
        "email": "demo@example.com",
        "password": "demo-password",
    }
    return browser.post(
        f"{portal}/en/sign-in",
        data={**fields, "next": next_path} if next_path else fields,
        headers={"Referer": f"{portal}/en/sign-in"},
        timeout=timeout,
    )
