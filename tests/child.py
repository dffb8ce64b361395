"""Fresh interpreters, for tests of what a process does from its environment."""

from __future__ import annotations

import os
import subprocess

from tests.helpers.harness import python_in

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
    return python_in(env, "-c", NO_DOTENV + code, timeout=120)
