"""Fresh interpreters and free ports, for tests of what a process does from its environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Keeps a `.env` in the repo root out of the child: only the variables a test sets apply.
NO_DOTENV = "import environ\nenviron.Env.read_env = lambda *args, **kwargs: None\n"


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a fresh interpreter with PATH, HOME, portal.settings and `variables`."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        **variables,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", NO_DOTENV + code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    """A loopback port nobody listens on (a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


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
