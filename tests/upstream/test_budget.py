"""The tenant's API budget (upstream/budget.py): counted per upstream in fixed windows, each
priority within its share, a 409's Retry-After closing it for every caller, and shared by
processes through the cache."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from django.core.cache import cache
from pytest_django.fixtures import Settings as SettingsWrapper

import upstream
from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from upstream import endpoints
from upstream.budget import Priority, budget_close, budget_of, budget_parse, budget_take

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def budget(settings: SettingsWrapper) -> Iterator[SettingsWrapper]:
    """A day's windows, so that no test crosses into a new one while it counts."""
    settings.UPSTREAM_BUDGET, settings.UPSTREAM_WRITE_BUDGET = "10/d", "4/d"
    settings.UPSTREAM_BUDGETS = {}
    budget_of.cache_clear()
    yield settings
    budget_of.cache_clear()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """time.sleep recorded, not slept: both clocks move on by as much instead."""
    slept: list[float] = []
    real_time, real_monotonic = time.time, time.monotonic
    monkeypatch.setattr(time, "sleep", slept.append)
    monkeypatch.setattr(time, "time", lambda: real_time() + sum(slept))
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + sum(slept))
    return slept


def _taken(priority: Priority, *, write: bool = False, tries: int = 20) -> int:
    """How many calls of `priority` fit now, none waiting."""
    taken = 0
    for _ in range(tries):
        try:
            budget_take(priority=priority, write=write, deadline=time.monotonic())
        except upstream.Throttled:
            break
        taken += 1
    return taken


def _settings_read(**variables: str) -> subprocess.CompletedProcess[str]:
    """portal.settings loaded in a clean environment; prints both budgets."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.UPSTREAM_BUDGET, s.UPSTREAM_WRITE_BUDGET)"
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "SECRET_KEY": "x",
            "UPSTREAM_URL": "http://x",
            **variables,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_documented_limits_by_default() -> None:
    calls, writes = _settings_read().stdout.split()
    assert [(w.seconds, w.most) for w in budget_parse(calls)] == [
        (1, 10),
        (60, 120),
        (3600, 5000),
        (86400, 200_000),
    ]
    assert [(w.seconds, w.most) for w in budget_parse(writes)] == [(60, 60), (86400, 2500)]


@pytest.mark.parametrize(
    ("priority", "share"),
    [(Priority.OTHER, 5), (Priority.MEMBER, 7), (Priority.PDF, 8), (Priority.BUYER, 9)],
)
def test_each_priority_fills_its_share(
    budget: SettingsWrapper, priority: Priority, share: int
) -> None:
    assert _taken(priority) == share


def test_what_the_lower_priorities_leave_is_the_buyers(budget: SettingsWrapper) -> None:
    assert _taken(Priority.OTHER) == 5
    assert _taken(Priority.MEMBER) == 2
    assert _taken(Priority.OTHER) == 0
    # A tenth of the window is never filled (budget.SHARES).
    assert _taken(Priority.BUYER) == 2


def test_writes_count_in_both_budgets(budget: SettingsWrapper) -> None:
    assert _taken(Priority.BUYER, write=True) == 3
    assert _taken(Priority.BUYER) == 6


def test_a_call_that_does_not_fit_waits_for_the_next_window(
    settings: SettingsWrapper, sleeps: list[float]
) -> None:
    settings.UPSTREAM_BUDGET = "2/s"
    budget_of.cache_clear()
    # Both calls early in one second: one taken at a window's very end would let the next
    # fit the next window at once (a clean clone's run found exactly that: waited 0).
    sleeps.append(1 - time.time() % 1 + 0.001)
    assert _taken(Priority.BUYER) == 1
    waited = budget_take(priority=Priority.BUYER, write=False, deadline=time.monotonic() + 5)
    assert 0 < waited <= 1.06
    assert len(sleeps) > 1
    budget_of.cache_clear()


def test_a_wait_past_the_deadline_is_throttled_with_the_wait(budget: SettingsWrapper) -> None:
    assert _taken(Priority.BUYER) == 9
    with pytest.raises(upstream.Throttled) as raised:
        budget_take(priority=Priority.BUYER, write=False, deadline=time.monotonic() + 3)
    # Until the day's window ends (midnight UTC, as the tenant's fixed windows).
    until_midnight = math.ceil(86400 - time.time() % 86400)
    assert abs(raised.value.retry_after - until_midnight) <= 1


def test_a_409_closes_the_budget_for_every_caller(
    budget: SettingsWrapper, upstream_http: responses.RequestsMock
) -> None:
    url = upstream_url(endpoints.INVOICES_MY)
    upstream_http.get(url, status=409, headers={"Retry-After": "30"}, json={})
    with pytest.raises(upstream.Throttled) as raised:
        upstream.invoices_my(bearer="b")
    assert raised.value.retry_after == 30
    # Another page (any priority) is refused without asking while it is closed.
    with pytest.raises(upstream.Throttled) as raised:
        upstream.business_current()
    assert 29 <= raised.value.retry_after <= 30
    assert len(upstream_http.calls) == 1


def test_a_shorter_retry_after_never_reopens_a_closed_budget(budget: SettingsWrapper) -> None:
    budget_close(seconds=30)
    budget_close(seconds=2)
    with pytest.raises(upstream.Throttled) as raised:
        budget_take(priority=Priority.BUYER, write=False, deadline=time.monotonic() + 10)
    assert raised.value.retry_after >= 29


def test_each_upstream_has_its_own_budget(
    budget: SettingsWrapper, upstream_http: responses.RequestsMock
) -> None:
    budget.UPSTREAM_BUDGETS = {"https://other.example": "1/d|1/d"}
    budget_of.cache_clear()
    with upstream.upstream_bound(base_url="https://other.example"):
        assert _taken(Priority.BUYER) == 1
    assert _taken(Priority.BUYER) == 9


def test_off_counts_nothing(settings: SettingsWrapper) -> None:
    settings.UPSTREAM_BUDGET = settings.UPSTREAM_WRITE_BUDGET = "off"
    budget_of.cache_clear()
    assert _taken(Priority.OTHER, tries=50) == 50
    assert cache.get_many([]) == {}
    budget_of.cache_clear()


def test_every_retry_is_counted(
    budget: SettingsWrapper, upstream_http: responses.RequestsMock
) -> None:
    url = upstream_url(endpoints.BUSINESS_CURRENT)
    upstream_http.get(url, status=503)
    upstream_http.get(url, status=503)
    upstream_http.get(url, json=upstream_data.business())
    upstream.business_current()
    assert len(upstream_http.calls) == 3
    # Three of OTHER's five.
    assert _taken(Priority.OTHER) == 2


@pytest.mark.parametrize(
    "variables",
    [
        {"UPSTREAM_BUDGET": "10 a second"},
        {"UPSTREAM_WRITE_BUDGET": "0/m"},
        {"UPSTREAM_BUDGETS": "https://a.example=10/s|60/fortnight"},
    ],
)
def test_an_unknown_budget_stops_start_up(variables: dict[str, str]) -> None:
    result = _settings_read(**variables)
    assert result.returncode != 0
    assert "An upstream budget is N/s" in result.stderr


WORKER = textwrap.dedent(
    """
    import time
    import django
    django.setup()
    import upstream
    from upstream.budget import Priority, budget_take
    taken = 0
    for _ in range(15):
        try:
            budget_take(priority=Priority.BUYER, write=False, deadline=time.monotonic())
        except upstream.Throttled:
            continue
        taken += 1
    print(taken)
    """
)


def test_processes_share_one_budget(tmp_path: Path) -> None:
    """Four processes, fifteen calls each, on the production default (the database cache):
    eighteen in all, the buyers' share of the budget's twenty."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": "tests-only",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "UPSTREAM_URL": "http://127.0.0.1:9/never",
        "UPSTREAM_BUDGET": "20/d",
    }
    manage = [sys.executable, "manage.py", "createcachetable"]
    subprocess.run(manage, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)  # noqa: S603
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    counts = [int(worker.communicate(timeout=120)[0].strip()) for worker in workers]
    assert sum(counts) == 18, counts
