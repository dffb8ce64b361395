"""Prometheus metrics at /metrics (portal/metrics.py, upstream/metrics.py): off by default,
behind a token or an allowed address, counting upstream calls by endpoint and outcome, the
upstream's 409s and the budget's waits, and summed across gunicorn's workers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
import responses
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

import upstream
from tests.helpers import upstream_data
from tests.helpers.harness import free_port, portal_server
from tests.helpers.upstream import upstream_url
from upstream import endpoints

TOKEN = "a-long-random-metrics-token"


def _value(text: str, sample: str) -> float:
    """The value of one sample line, `name{labels}`, 0 when absent."""
    found = re.search(rf"^{re.escape(sample)} ([0-9.e+]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


@pytest.mark.django_db
def _calls(endpoint: str, outcome: str) -> str:
    return f'portal_upstream_calls_total{{endpoint="{endpoint}",outcome="{outcome}"}}'


@pytest.mark.django_db
def test_off_by_default(client: Client) -> None:
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.django_db
def test_only_with_the_token_or_from_an_allowed_address(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    answer = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    assert answer["Cache-Control"].startswith("max-age=0")
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.1"]
    assert client.get("/metrics").status_code == 200
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.9"]
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_upstream_calls_throttling_and_budget_waits_are_counted(
    client: Client, settings: SettingsWrapper, upstream_http: responses.RequestsMock
) -> None:
    settings.METRICS_TOKEN = TOKEN

    def scraped() -> str:
        return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()

    ok = 'portal_upstream_calls_total{endpoint="/api/public/billing/invoices/{id}",outcome="200"}'
    throttled_calls = (
        'portal_upstream_calls_total{endpoint="/api/public/billing/invoices/{id}",outcome="409"}'
    )
    before = scraped()
    upstream_http.get(upstream_url(endpoints.invoice(7)), json=upstream_data.invoice_detail(7))
    upstream_http.get(upstream_url(endpoints.invoice(8)), status=409, headers={"Retry-After": "30"})
    upstream.invoice_detail(bearer="b", invoice_id=7)
    with pytest.raises(upstream.Throttled):
        upstream.invoice_detail(bearer="b", invoice_id=8)
    after = scraped()
    assert _value(after, ok) - _value(before, ok) == 1
    assert _value(after, throttled_calls) - _value(before, throttled_calls) == 1
    throttled = "portal_upstream_throttled_total"
    assert _value(after, throttled) - _value(before, throttled) == 1
    waits = 'portal_upstream_budget_wait_seconds_count{priority="member"}'
    assert _value(after, waits) - _value(before, waits) == 2
    # The 409 closed the budget: the next call is not sent, and says why.
    spent = _calls("/api/public/businesses/current", "budget_spent")
    with pytest.raises(upstream.Throttled):
        upstream.business_current()
    assert _value(scraped(), spent) - _value(after, spent) == 1
    assert "portal_page_seconds_bucket" in after


def test_every_workers_figures_are_summed(tmp_path: Path) -> None:
    """Forty probes spread over gunicorn's workers: /metrics counts all forty, whichever
    worker answers it (prometheus-client's multiprocess mode)."""
    portal = portal_server(
        tmp_path,
        free_port(),
        upstream="http://127.0.0.1:9/nowhere",
        WEB_CONCURRENCY="3",
        METRICS_TOKEN=TOKEN,
    )
    portal.start()
    try:
        portal.wait_ready()
        sample = 'portal_page_seconds_count{status="2xx",view="healthz"}'
        scrape = {"Authorization": f"Bearer {TOKEN}"}
        before = _value(
            requests.get(f"{portal.url}/metrics", headers=scrape, timeout=10).text, sample
        )
        for _ in range(40):
            with requests.Session() as fresh:  # a new connection each, so workers share them
                assert fresh.get(f"{portal.url}/healthz", timeout=10).status_code == 200
        counts = {
            _value(requests.get(f"{portal.url}/metrics", headers=scrape, timeout=10).text, sample)
            for _ in range(6)
        }
        assert counts == {before + 40}
        pids = set(re.findall(r"Booting worker with pid: (\d+)", portal.log.read_text()))
        assert len(pids) == 3
        assert requests.get(f"{portal.url}/metrics", timeout=10).status_code == 404
    finally:
        portal.stop()
