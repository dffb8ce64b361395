"""The layout's rules (docs/architecture.md), checked so that a later change cannot quietly
break them: the import contracts (lint-imports, [tool.importlinter] in pyproject.toml) and
module sizes. tests/test_map.py checks the tables of docs/architecture.md."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _modules(folder: str) -> list[Path]:
    return sorted(path for path in (ROOT / folder).rglob("*.py") if "migrations" not in path.parts)


APPS = ("upstream", "portal", "brands", "accounts", "checkout", "invoices", "sandbox", "bench")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "refusal"),
    [
        (
            "invoices/services.py",
            "from checkout import services",
            "invoices is not allowed to import checkout",
        ),
        ("upstream/errors.py", "import portal.caching", "upstream is not allowed to import portal"),
        ("portal/http.py", "from brands import hosts", "portal is not allowed to import brands"),
        (
            "brands/look.py",
            "from accounts import services",
            "brands is not allowed to import accounts",
        ),
        ("sandbox/conf.py", "import upstream", "sandbox is not allowed to import upstream"),
        ("portal/caching.py", "import sandbox.conf", "portal is not allowed to import sandbox"),
    ],
)
def test_a_broken_rule_fails_the_check(
    tmp_path: Path, module: str, line: str, refusal: str
) -> None:
    """A copy of the project with one forbidden import added: lint-imports names the rule."""
    for part in (*APPS, "pyproject.toml"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / part)
    broken = tmp_path / module
    broken.write_text(f"{broken.read_text()}\n{line}  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert "0 broken" not in result.stdout
    assert refusal in result.stdout


def test_no_module_over_300_lines() -> None:
    long = [
        f"{path.relative_to(ROOT)}: {lines}"
        for folder in APPS
        for path in _modules(folder)
        if (lines := len(path.read_text().splitlines())) > 300
    ]
    assert long == []
