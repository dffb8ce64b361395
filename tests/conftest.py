from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import responses
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection
from django.test.client import FakePayload
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer
from pytest_django.plugin import DjangoDbBlocker

from sandbox import conf as sandbox_conf
from sandbox import demo, services
from sandbox.models import Business, Customer
from tests.helpers import upstream_data
from tests.helpers.clock import Clock
from tests.helpers.upstream import pooled_sessions_closed, upstream_url
from upstream import endpoints


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """pytest-django's test databases, dropped only once no live server's thread holds a
    connection to them: such a thread serves one keep-alive client (a requests session, the
    portal's own pool) and closes its connection when that client goes."""
    yield
    pooled_sessions_closed()
    gc.collect()  # sessions of finished tests, left in reference cycles
    if connection.vendor != "postgresql":
        return
    others = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    give_up = time.monotonic() + 10
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        while time.monotonic() < give_up:
            cursor.execute(others)
            if cursor.fetchone() == (0,):
                return
            time.sleep(0.1)
        # The drop will fail: say who is still there, for whoever reads CI's log.
        cursor.execute(
            "SELECT application_name, state, left(query, 200) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        threads = [thread.name for thread in threading.enumerate()]
        sys.stderr.write(f"\nstill connected: {cursor.fetchall()}; threads: {threads}\n")


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
    customer, _ = demo.demo_seed()
    return customer


@pytest.fixture
def upstream_http() -> Iterator[responses.RequestsMock]:
    """The upstream mocked at the HTTP layer; see tests/helpers/upstream.py."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


class _InFlight:
    """The live server's requests being served (its threads), seen through Django's signals;
    the test client's requests, served in the test's own thread, are not counted."""

    def __init__(self) -> None:
        self.threads: set[int] = set()
        self.changed = threading.Condition()
        request_started.connect(self.started, weak=False)
        request_finished.connect(self.finished, weak=False)

    def started(self, environ: dict[str, object] | None = None, **_: object) -> None:
        if environ is not None and not isinstance(environ.get("wsgi.input"), FakePayload):
            with self.changed:
                self.threads.add(threading.get_ident())

    def finished(self, **_: object) -> None:
        with self.changed:
            self.threads.discard(threading.get_ident())
            self.changed.notify_all()

    def wait_idle(self, timeout: float = 30) -> None:
        with self.changed:
            self.changed.wait_for(lambda: not self.threads, timeout=timeout)


_IN_FLIGHT = _InFlight()


@pytest.fixture
def upstream(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    """What any page's layout asks of the upstream (the business and its colours), and a
    token for a sign-in. A module may define its own."""
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    upstream_http.get(upstream_url(endpoints.business_colors(1)), json={})
    upstream_http.post(
        upstream_url(endpoints.TOKEN),
        json={"access_token": "a", "refresh_token": "r", "expires_in": 3600},
    )
    return upstream_http


@pytest.fixture
def portal(
    live_server: LiveServer,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
    transactional_db: None,
) -> Iterator[str]:
    """The live server as the portal and, under /sandbox, as its upstream, over plain HTTP.

    Afterwards it waits until the live server has answered every request it began: a poll a
    browser sent as its test ended would otherwise run during the next test's set-up, with
    half of its settings, and leave what it cached (a business it could not reach) to it."""
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
    yield live_server.url
    _IN_FLIGHT.wait_idle()
    # The live server's threads serving the portal's keep-alive calls to /sandbox end with them.
    pooled_sessions_closed()


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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `long` first: in `make test`'s parallel run one worker starts each at once
    and the others share out the rest meanwhile (--dist worksteal)."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


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
