from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import responses
from django.core.cache import cache
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from sandbox import conf as sandbox_conf
from sandbox import services
from sandbox.models import Business, Customer
from tests.helpers.clock import Clock


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Every test starts and ends with an empty cache: sessions' registrations and media
    JWTs, rate-limit counters and the business all live there."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def business(db: None) -> Business:
    return services.demo_business_get_or_create()


@pytest.fixture
def demo_customer(db: None) -> Customer:
    customer, _ = services.demo_seed()
    return customer


@pytest.fixture
def upstream_http() -> Iterator[responses.RequestsMock]:
    """The upstream mocked at the HTTP layer; see tests/helpers/upstream.py."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def portal(
    live_server: LiveServer,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
    transactional_db: None,
) -> str:
    """The live server as the portal and, under /sandbox, as its upstream, over plain HTTP."""
    # pytest-django adds the live server's host to ALLOWED_HOSTS once per session; a settings
    # override taken before it would drop it again at its teardown: said again for this test.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, urlsplit(live_server.url).hostname or ""]
    settings.UPSTREAM_URL = f"{live_server.url}/sandbox"
    settings.UPSTREAM_PUBLIC_BASE_URL = "/sandbox"
    settings.PDF_LINK_SCHEME = "http"
    monkeypatch.setattr(sandbox_conf, "PORTAL_URL", live_server.url)
    # Plain HTTP: Secure cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return live_server.url


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper) -> Iterator[Clock]:
    """The time, moved on by the test: tokens and media JWTs expire without waiting."""
    controlled = Clock(time.time())
    monkeypatch.setattr(time, "time", controlled)
    # Only a cache in this process expires by this clock; Redis keeps its own time. Its store
    # outlives the test, so it is emptied on both sides.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clock"}
    }
    cache.clear()
    yield controlled
    cache.clear()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A line CI's log can be read for: how many browser tests ran, and how they ended."""
    outcomes: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "nodeid", "").startswith("tests/browser/") and (
                report.when == "call" or outcome != "passed"
            ):
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if outcomes:
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        terminalreporter.write_line(f"browser tests (Chromium): {summary}")
