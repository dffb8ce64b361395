"""The checkout-complete page end to end: a browser-like HTTP client, the portal and the live
sandbox upstream over real HTTP (the portal calls the sandbox exactly as it would a tenant)."""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone
from pypdf import PdfReader
from pytest_django.fixtures import Settings as SettingsWrapper

import upstream
from sandbox import services
from sandbox.models import BasketSession, Customer
from tests.helpers.harness import free_port
from tests.helpers.html import Page
from tests.helpers.sign_in import DEMO_EMAIL

COMPLETE = "/en/invoices/complete"


@pytest.fixture
def register_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the portal's registerByToken calls (the client function, wrapped)."""
    calls: list[int] = []
    original = upstream.register_by_token
    lock = threading.Lock()

    def counting(*, invoice_id: int, token: str) -> upstream.RegisterByTokenAnswer:
        with lock:
            calls.append(invoice_id)
        return original(invoice_id=invoice_id, token=token)

    monkeypatch.setattr(upstream, "register_by_token", counting)
    return calls


Purchase = Callable[..., tuple[BasketSession, str]]


@pytest.fixture
def purchase(portal: str) -> Purchase:
    def make(**kwargs: Any) -> tuple[BasketSession, str]:
        kwargs.setdefault("gateway", "stripe")
        basket = services.purchase_create(**kwargs)
        return basket, services.completion_url(basket=basket)

    return make


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _pdf_link(html: str) -> str:
    links = [href for href, _ in Page(html).links if "/pdfByToken?token=" in href]
    assert links, "no PDF link on the page"
    return links[0]


def _pdf_text(url: str) -> str:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


@pytest.mark.parametrize("gateway", ["stripe", "spreedly", "paypal"])
def test_paid_purchase_ends_on_confirmation(
    purchase: Purchase, browser: requests.Session, register_calls: list[int], gateway: str
) -> None:
    basket, url = purchase(gateway=gateway, email="e2e@example.com")
    page = browser.get(url, timeout=10)
    assert page.status_code == 200
    assert [r.status_code for r in page.history] == [303]
    assert page.url.endswith(COMPLETE)
    assert str(basket.guid) not in page.url
    assert "Thank you, your payment is confirmed" in page.text
    assert basket.invoice.invoice_number in page.text
    assert "Canal Street Coworking" in page.text
    assert "We created a customer account for" in page.text
    assert basket.invoice.invoice_number in _pdf_text(_pdf_link(page.text))
    assert Customer.objects.filter(email="e2e@example.com", portal_access=True).count() == 1

    # Reloading, and opening the original link again, change nothing upstream.
    for again in (page.url, url, page.url):
        assert "Thank you" in browser.get(again, timeout=10).text
    assert register_calls == [basket.invoice_id]


def test_existing_customer_is_linked(
    purchase: Purchase, browser: requests.Session, demo_customer: Customer
) -> None:
    _, url = purchase(email=DEMO_EMAIL)
    page = browser.get(url, timeout=10)
    assert "added to your existing account" in page.text
    assert Customer.objects.filter(email__iexact=DEMO_EMAIL).count() == 1


def test_pending_then_paid_without_reload(purchase: Purchase, browser: requests.Session) -> None:
    basket, url = purchase(pending_seconds=60)
    page = browser.get(url, timeout=10)
    assert page.status_code == 200
    assert "Confirming your payment" in page.text
    [poller] = Page(page.text).having("hx-get")
    assert re.fullmatch(r"load delay:\d+s, poll-now", poller["hx-trigger"] or "")
    poll = f"{portal_url(page.url)}{poller['hx-get']}"
    htmx = {"HX-Request": "true"}
    still = browser.get(poll, headers=htmx, timeout=10)
    assert "Confirming your payment" in still.text
    assert "<html" not in still.text

    # The gateway's late webhook lands.
    BasketSession.objects.filter(pk=basket.pk).update(settles_at=timezone.now())
    done = browser.get(poll, headers=htmx, timeout=10)
    assert done.status_code == 200
    assert "Thank you, your payment is confirmed" in done.text
    assert "<html" not in done.text
    assert basket.invoice.invoice_number in _pdf_text(_pdf_link(done.text))


def portal_url(page_url: str) -> str:
    return page_url[: page_url.index("/en/")]


def test_failed_payment(
    purchase: Purchase, browser: requests.Session, register_calls: list[int]
) -> None:
    _, url = purchase(fail=True)
    page = browser.get(url, timeout=10)
    assert "Your payment did not go through" in page.text
    assert "Nothing was charged" in page.text
    assert register_calls == []


def test_reused_link_in_a_fresh_session(purchase: Purchase, browser: requests.Session) -> None:
    basket, url = purchase()
    assert "Thank you" in browser.get(url, timeout=10).text
    with requests.Session() as stranger:
        page = stranger.get(url, timeout=10)
    assert page.status_code == 200
    assert "already been used" in page.text
    assert "We created a customer account" not in page.text
    # The basket GUID still opens the PDF until its session expires.
    link = _pdf_link(page.text)
    assert f"token={basket.guid}" in link
    assert basket.invoice.invoice_number in _pdf_text(link)


def test_unknown_token(portal: str, browser: requests.Session) -> None:
    url = f"{portal}{COMPLETE}?stripe_session_id=5f0b8d0e-1c2a-4e57-9d3c-2b7a9e4f6a10"
    page = browser.get(url, timeout=10)
    assert page.status_code == 404
    assert "We could not find this purchase" in page.text


def test_expired_purchase(purchase: Purchase, browser: requests.Session) -> None:
    basket, url = purchase()
    BasketSession.objects.filter(pk=basket.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert browser.get(url, timeout=10).status_code == 404


@pytest.mark.parametrize("value", ["not-a-guid", "", "5f0b8d0e1c2a4e579d3c2b7a9e4f6a10"])
def test_malformed_token(portal: str, browser: requests.Session, value: str) -> None:
    page = browser.get(f"{portal}{COMPLETE}", params={"paypal_session_id": value}, timeout=10)
    assert page.status_code == 400
    assert "This link is incomplete" in page.text


def test_upstream_down(
    purchase: Purchase, browser: requests.Session, settings: SettingsWrapper
) -> None:
    _, url = purchase()
    settings.UPSTREAM_URL = f"http://127.0.0.1:{free_port()}/sandbox"
    page = browser.get(url, timeout=30)
    assert page.status_code == 503
    assert "Your payment is safe" in page.text
    assert page.headers["Retry-After"] == "10"
    # When it is back, the same session ends on the confirmation.
    settings.UPSTREAM_URL = f"{portal_url(page.url)}/sandbox"
    assert "Thank you" in browser.get(page.url, timeout=10).text


def test_parallel_loads_in_one_session_register_once(
    purchase: Purchase, browser: requests.Session, register_calls: list[int]
) -> None:
    basket, url = purchase()
    landing = browser.get(url, allow_redirects=False, timeout=10)
    assert landing.status_code == 303
    page_url = portal_url(url) + landing.headers["Location"]
    cookies = browser.cookies.get_dict()
    barrier = threading.Barrier(20)

    def load(_: int) -> tuple[int, bool]:
        with requests.Session() as tab:
            tab.cookies.update(cookies)
            barrier.wait()
            response = tab.get(page_url, timeout=30)
            return response.status_code, "Thank you" in response.text

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(load, range(20)))
    assert results == [(200, True)] * 20
    assert register_calls == [basket.invoice_id]


def test_no_token_in_any_log(
    purchase: Purchase, browser: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        basket, url = purchase()
        page = browser.get(url, timeout=10)
        with requests.Session() as stranger:
            stranger.get(url, timeout=10)
    token = _pdf_link(page.text).split("token=")[1]
    assert "upstream POST /api/public/billing/invoices/" in caplog.text
    assert str(basket.guid) not in caplog.text
    assert token not in caplog.text
