"""docs/operators.md runs as written on a fresh clone: every shell block of the page, in a
copy of the repository's files (no `.env`, no database), beside the demo server that `make run`
starts. The one change: `createsuperuser`'s prompts are answered from the environment."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.harness import (
    BASE_DIR,
    free_port,
    process_stop,
    repository_copy,
    wait_answering,
)

DOC = BASE_DIR / "docs" / "operators.md"
COMMANDS = [
    " ".join(block.replace("\\\n", " ").split())
    for block in re.findall(r"```sh\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
]
# Answers to the prompts a person types, and the same flag Django offers to take them so.
SUPERUSER = {
    "DJANGO_SUPERUSER_USERNAME": "operator",
    "DJANGO_SUPERUSER_EMAIL": "operator@example.com",
    "DJANGO_SUPERUSER_PASSWORD": "operator-password-1",
}


def _fresh_clone(target: Path) -> None:
    """The files a clone has, and the venv."""
    repository_copy(target)
    # The venv `make` would make; never `make` itself here, which would reinstall the
    # project from this copy into the shared venv.
    (target / ".venv").symlink_to(Path(sys.executable).parent.parent)


def _environment(port: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "PORT": str(port),
    }


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """A fresh clone with the demo serving, as `make run` starts it (migrate, seed, serve)."""
    folder = tmp_path_factory.mktemp("operators") / "portal"
    _fresh_clone(folder)
    port = free_port()
    env = {**_environment(port), "DEBUG": "true"}
    python = str(folder / ".venv" / "bin" / "python")
    for step in (["migrate", "--noinput"], ["sandbox_seed"]):
        subprocess.run([python, "manage.py", *step], cwd=folder, env=env, check=True, timeout=120)  # noqa: S603
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603
            [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_answering("demo", f"http://127.0.0.1:{port}/healthz", server, log=log, timeout=60)
        yield folder, port
    finally:
        process_stop(server, timeout=10)


def test_the_page_has_commands_and_names_the_sandboxs_portal_setting() -> None:
    assert len(COMMANDS) >= 3
    assert "SANDBOX_PORTAL_URL" in DOC.read_text()


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_runs_as_written(clone: tuple[Path, int], command: str) -> None:
    folder, port = clone
    words = shlex.split(command)
    assignments = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=.*", word))
    argv = [word for word in words if not re.fullmatch(r"[A-Z_]+=.*", word)]
    env = {**_environment(port), **assignments}
    if argv[-1] == "createsuperuser":
        argv, env = [*argv, "--noinput"], {**env, **SUPERUSER}
    done = subprocess.run(  # noqa: S603
        argv, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "SECRET_KEY is not set" not in output
    if "upstream_check" in argv:
        assert "The portal will work with this upstream." in output
    if "sandbox_tenant" in argv:
        assert "Tenant localhost:8000: Harbour Works" in output
