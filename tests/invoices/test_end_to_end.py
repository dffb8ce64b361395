"""My Invoices end to end: sign in as the demo customer against the live sandbox, list,
download through links taken from the page, and outlive a media JWT."""

from __future__ import annotations

import io
import re
import time

import pytest
import requests
from pypdf import PdfReader
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import conf as sandbox_conf
from sandbox import demo as sandbox_demo
from sandbox import services
from sandbox.models import Customer
from tests.helpers.harness import demo_sign_in
from tests.helpers.html import Page, csrf_token
from tests.helpers.sign_in import DEMO_EMAIL, tokens_received

LIST = "/en/invoices/"
# A PDF link's accessible name, before the invoice number it carries.
PDF_LINK_NAME = "View PDF "


@pytest.fixture(autouse=True)
def demo(portal: str) -> None:
    sandbox_demo.demo_seed()


def _is_pdf_of(response: requests.Response, number: str) -> bool:
    if response.headers.get("Content-Type") != "application/pdf":
        return False
    return number in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def _poll_url(portal: str, page_html: str) -> str:
    """The links poller's URL on the page, as htmx reads it."""
    [poller] = Page(page_html).having("data-media-links")
    return f"{portal}{poller['hx-get']}"


def _fragment(portal: str, browser: requests.Session, page_html: str) -> str:
    response = browser.get(_poll_url(portal, page_html), headers={"HX-Request": "true"}, timeout=10)
    assert response.status_code == 200
    return response.text


def _pdf_links(html: str, href: str) -> list[tuple[str, str]]:
    """The PDF links whose address matches `href`, with the invoice number each one names."""
    return [
        (url, name.removeprefix(PDF_LINK_NAME))
        for url, name in Page(html).links
        if name.startswith(PDF_LINK_NAME) and re.fullmatch(href, url)
    ]


def _direct_links(fragment: str) -> dict[str, str]:
    return {number: url for url, number in _pdf_links(fragment, r".+/pdf\?t=.+")}


def test_demo_customer_downloads_every_invoice(portal: str) -> None:
    with requests.Session() as browser:
        page = demo_sign_in(browser, portal)
        assert page.status_code == 200
        assert page.url == f"{portal}{LIST}"
        rows = _pdf_links(page.text, r"/en/invoices/\d+/pdf")
        assert len(rows) == 12
        # Without JavaScript: every link is a portal URL that redirects to a fresh PDF link.
        for path, number in rows:
            assert _is_pdf_of(browser.get(portal + path, timeout=10), number), number
        # With JavaScript: the fragment's direct upstream links.
        direct = _direct_links(_fragment(portal, browser, page.text))
        assert set(direct) == {number for _, number in rows}
        for number, url in direct.items():
            assert url.startswith(f"{portal}/sandbox/api/public/billing/invoices/")
            assert _is_pdf_of(requests.get(url, timeout=10), number), number
        statement = browser.get(f"{portal}/en/invoices/statement/pdf", timeout=10)
        assert statement.headers["Content-Type"] == "application/pdf"


def test_link_after_jwt_expiry_fails_and_refreshed_link_works(
    portal: str, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox_conf, "MEDIA_TOKEN_SECONDS", 2)
    settings.MEDIA_JWT_REUSE_SECONDS = 1
    with requests.Session() as browser:
        page = demo_sign_in(browser, portal)
        first = _direct_links(_fragment(portal, browser, page.text))
        number, stale_url = next(iter(first.items()))
        assert _is_pdf_of(requests.get(stale_url, timeout=10), number)
        time.sleep(3)
        expired = requests.get(stale_url, timeout=10)
        assert expired.status_code == 401
        fresh_url = _direct_links(_fragment(portal, browser, page.text))[number]
        assert fresh_url != stale_url
        assert _is_pdf_of(requests.get(fresh_url, timeout=10), number)


def test_filters_and_detail(portal: str) -> None:
    with requests.Session() as browser:
        demo_sign_in(browser, portal)
        unpaid = browser.get(f"{portal}{LIST}?show=unpaid", timeout=10).text
        # The demo's three unpaid invoices; the one due 33 days ago is overdue.
        assert unpaid.count('<td class="status"><span class="badge badge-unpaid">') == 2
        assert unpaid.count('<td class="status"><span class="badge badge-overdue">') == 1
        assert "badge-paid" not in unpaid
        credit = browser.get(f"{portal}{LIST}?show=credit-notes", timeout=10).text
        assert credit.count("CN-2026-") >= 1
        invoice_id = re.search(r'href="/en/invoices/(\d+)/"', unpaid)
        assert invoice_id
        detail = browser.get(f"{portal}/en/invoices/{invoice_id.group(1)}/", timeout=10)
        assert detail.status_code == 200
        assert "Subtotal" in detail.text
        someone_else = services.purchase_create(gateway="stripe", email="other@example.com")
        other = browser.get(f"{portal}/en/invoices/{someone_else.invoice_id}/pdf", timeout=10)
        assert other.status_code == 404


def test_signed_out_and_no_tokens_leak(portal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tokens_received(monkeypatch)
    with requests.Session() as browser:
        signed_out = browser.get(f"{portal}{LIST}", allow_redirects=False, timeout=10)
        assert signed_out.status_code == 302
        assert signed_out.headers["Location"] == "/en/sign-in?next=%2Fen%2Finvoices%2F"
        bodies = [demo_sign_in(browser, portal)]
        bodies.append(browser.get(f"{portal}{LIST}", timeout=10))
        assert len(secrets) == 2  # the access and refresh tokens of the sign-in
        bodies.append(browser.get(f"{portal}{LIST}?show=paid", timeout=10))
        for response in bodies:
            for secret in secrets:
                assert secret not in response.text
                assert all(secret not in value for value in browser.cookies.values())
        # The poll stops once the session has ended.
        html = bodies[-1].text
        out = browser.post(
            f"{portal}/en/sign-out",
            data={"csrfmiddlewaretoken": csrf_token(html)},
            headers={"Referer": f"{portal}{LIST}"},
            timeout=10,
        )
        assert out.url.endswith("/en/sign-in")
        ended = browser.get(_poll_url(portal, html), headers={"HX-Request": "true"}, timeout=10)
        assert ended.status_code == 286
        assert "Your session has ended" in ended.text


def test_checkout_page_of_a_signed_in_buyer_has_the_fresh_link(portal: str) -> None:
    basket = services.purchase_create(gateway="stripe", email=DEMO_EMAIL)
    with requests.Session() as browser:
        demo_sign_in(browser, portal)
        page = browser.get(services.completion_url(basket=basket), timeout=10)
        assert "Thank you" in page.text
        assert f'id="pdf-link-{basket.invoice_id}"' in page.text
        direct = _direct_links(_fragment(portal, browser, page.text))
        number = basket.invoice.invoice_number
        assert _is_pdf_of(requests.get(direct[number], timeout=10), number)
    assert Customer.objects.filter(email__iexact=DEMO_EMAIL).count() == 1
