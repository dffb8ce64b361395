"""The tables of docs/architecture.md, every column checked against the code: each URL
resolves to the view named beside it and the map lacks no customer URL; the view calls each
service named; the upstream calls are exactly those the view and its services make; and each
client call sends the method and path named in the table of client calls."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import translation

import upstream
from tests.helpers.harness import BASE_DIR
from upstream import endpoints

MAP = (BASE_DIR / "docs" / "architecture.md").read_text()
URL_ROWS = re.findall(
    r"^\| `(/[^`]*)` \| `([a-z_.]+)` \| ([^|]+) \| ([^|]+) \|$", MAP, re.MULTILINE
)
CALL_ROWS = re.findall(r"^\| `upstream\.([a-z_]+)` \| `([A-Z]+) (/[^`]+)` \|$", MAP, re.MULTILINE)
# Followed into (the client is where the search stops).
PROJECT = ("portal.", "brands.", "accounts.", "checkout.", "invoices.")
# Called (`name(`), a decorator (`@name`), or handed on last (`(name, check)`, `f(name)`).
CALLED = re.compile(r"(?:@|\b)([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?(?=\(|\)|\n)")
# A call of the client, in source: `upstream.name(`, of a function that sends a request (or
# reads an upstream token), not of the context's accessors.
CLIENT_CALL = re.compile(r"\bupstream\.([a-z_]+)\(")
# The modules of the client's calls: one per call, or a few for one concern (paying).
CALL_MODULES = (upstream.calls, upstream.paying)
CLIENT_CALLS = {
    name
    for module in CALL_MODULES
    for name, value in vars(module).items()
    if inspect.isfunction(value) and value.__module__ == module.__name__ and name[0] != "_"
} | {"read_reset_token"}


def _names(cell: str) -> list[str]:
    """The dotted names of a cell: `a.b`, `c.d` (none for a dash)."""
    return re.findall(r"`([a-z_.]+)`", cell)


def _function(dotted: str) -> Callable[..., Any]:
    module, _, name = dotted.rpartition(".")
    found: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return found


def _source(
    function: Callable[..., Any], within: tuple[str, ...] = PROJECT, seen: set[str] | None = None
) -> str:
    """A function's source and, recursively, that of every function of the modules `within` it
    calls or decorates with (`name(`, `module.name(`, `@name`): what runs when it is called."""
    seen = set() if seen is None else seen
    function = inspect.unwrap(function)
    key = f"{function.__module__}.{function.__qualname__}"
    if key in seen:
        return ""
    seen.add(key)
    text = inspect.getsource(function)
    # cached_once(compute=f) calls f: named, not called, where it is written.
    computed = [(name, "") for name in re.findall(r"\bcompute=([A-Za-z_]\w*)", text)]
    for first, second in CALLED.findall(text) + computed:
        named = function.__globals__.get(first)
        if second and inspect.ismodule(named):
            named = getattr(named, second, None)
        if inspect.isfunction(named) and named.__module__.startswith(within):
            text += _source(named, within, seen)
    return text


@pytest.mark.parametrize(("url", "view"), [(url, view) for url, view, _s, _u in URL_ROWS])
def test_every_mapped_url_resolves_to_its_view(url: str, view: str) -> None:
    concrete = url.replace("{lang}", "en").replace("<id>", "42").replace("<version>", "abc123")
    # The language prefix is the active language's: a page test may have left another active.
    with translation.override("en"):
        match = resolve(concrete)
    assert f"{match.func.__module__}.{match.func.__name__}" == view


def test_the_tables_were_found() -> None:
    assert len(URL_ROWS) >= 16
    assert len(CALL_ROWS) >= 12


@pytest.mark.parametrize(("url", "view", "services"), [row[:3] for row in URL_ROWS])
def test_the_view_calls_each_service_named(url: str, view: str, services: str) -> None:
    source = _source(_function(view))
    for service in _names(services):
        assert callable(_function(service)), service
        assert re.search(rf"\b{service.rpartition('.')[2]}\(", source), f"{view} calls {service}"


@pytest.mark.parametrize(("url", "view", "services", "calls"), URL_ROWS)
def test_the_upstream_calls_are_those_the_view_and_its_services_make(
    url: str, view: str, services: str, calls: str
) -> None:
    source = "".join(_source(_function(name)) for name in [view, *_names(services)])
    made = set(CLIENT_CALL.findall(source)) & CLIENT_CALLS
    assert made == {name.removeprefix("upstream.") for name in _names(calls)}


@pytest.mark.parametrize(("name", "method", "path"), CALL_ROWS)
def test_each_client_call_sends_its_method_and_path(name: str, method: str, path: str) -> None:
    within = tuple(module.__name__ for module in CALL_MODULES)
    source = " ".join(_source(getattr(upstream, name), within=within).split())
    sent = re.findall(r"\bsend\( ?\"([A-Z]+)\"", source)
    assert sent or "get_json(" in source
    assert set(sent or ["GET"]) == {method}
    # The endpoint the source names, with 42 for an id: the table writes it {id}.
    used = set(re.findall(r"\bendpoints\.([A-Za-z_]+)", source))
    paths = {
        value(42) if callable(value) else value
        for value in (getattr(endpoints, endpoint) for endpoint in used)
    }
    assert paths == {path.replace("{id}", "42")}


def test_every_call_a_page_makes_is_in_the_table_of_client_calls() -> None:
    made = {name for _u, _v, _s, calls in URL_ROWS for name in _names(calls)}
    listed = {f"upstream.{name}" for name, _m, _p in CALL_ROWS}
    # Reads the emailed token itself: no request.
    assert made - listed == {"upstream.read_reset_token"}


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
    mapped = {url for url, _view, _s, _u in URL_ROWS}
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
