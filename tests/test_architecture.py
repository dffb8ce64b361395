"""The layout's rules (docs/architecture.md), checked so that a later change cannot quietly
break them: imports between the parts, module sizes, and the URL map."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "architecture.md"


def _modules(folder: str) -> list[Path]:
    return sorted(path for path in (ROOT / folder).rglob("*.py") if "migrations" not in path.parts)


def _imported(path: Path) -> set[str]:
    """Every module a file imports, absolute names, including imports inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _reaching(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(folder)
        for name in sorted(_imported(path))
        if name.startswith(forbidden)
    ]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("checkout", ("invoices",)),
        ("invoices", ("checkout",)),
        ("portal/upstream", ("portal.", "checkout", "invoices", "sandbox", "bench", "tests")),
        ("portal", ("sandbox", "checkout", "invoices", "bench", "tests")),
        ("checkout", ("sandbox", "bench", "tests")),
        ("invoices", ("sandbox", "bench", "tests")),
        ("sandbox", ("portal", "checkout", "invoices", "bench", "tests")),
        ("bench", ("tests",)),
    ],
)
def test_parts_import_only_what_the_rules_allow(folder: str, forbidden: tuple[str, ...]) -> None:
    found = _reaching(folder, forbidden)
    if folder == "portal/upstream":
        # Its own modules are `portal.upstream.*`.
        found = [line for line in found if " imports portal.upstream" not in line]
    assert found == []


def test_the_import_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from invoices import services\n")
    assert "invoices.services" in _imported(module)


def test_no_module_over_300_lines() -> None:
    long = [
        f"{path.relative_to(ROOT)}: {lines}"
        for folder in ("portal", "checkout", "invoices", "sandbox", "bench")
        for path in _modules(folder)
        if (lines := len(path.read_text().splitlines())) > 300
    ]
    assert long == []


def _mapped_urls() -> list[tuple[str, str]]:
    rows = re.findall(r"^\| `(/[^`]*)` \| `([a-z_.]+)` \|", MAP.read_text(), re.MULTILINE)
    assert len(rows) >= 12, "the URL table of docs/architecture.md was not found"
    return rows


@pytest.mark.parametrize(("url", "view"), _mapped_urls())
def test_every_mapped_url_resolves_to_its_view(url: str, view: str) -> None:
    concrete = url.replace("{lang}", "en").replace("<id>", "42").replace("<version>", "abc123")
    # The language prefix is the active language's: a page test may have left another active.
    with translation.override("en"):
        match = resolve(concrete)
    assert f"{match.func.__module__}.{match.func.__name__}" == view


def _customer_patterns(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("admin/", "sandbox/")):
                continue
            found += _customer_patterns(pattern.url_patterns, route)
        else:
            found.append(route)
    return found


def test_the_map_names_every_customer_url() -> None:
    mapped = {url for url, _view in _mapped_urls()}
    with translation.override("en"):
        routes = _customer_patterns(get_resolver().url_patterns)
    # Django's route syntax to the map's: "en/" prefix, converters named <id> or <version>.
    shown = {
        "/"
        + re.sub(r"<[a-z_]+:([a-z_]+)>", r"<\1>", route)
        .replace("invoice_id", "id")
        .replace("en/", "{lang}/", 1)
        for route in routes
    }
    assert shown - mapped == set()
