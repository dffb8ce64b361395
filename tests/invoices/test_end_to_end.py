"""My Invoices end to end: sign in as the demo customer against the live sandbox, list,
download through links taken from the page, and outlive a media JWT."""

from __future__ import annotations

import io
import re
import time

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from pypdf import PdfReader
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import services
from sandbox.models import Customer

LIST = "/en/invoices/"
# A PDF link and the invoice number its accessible name carries.
LINK = r'href="({url})"[^>]*>[^<]*<span class="visually-hidden"> ([^<]+)</span>'


@pytest.fixture(autouse=True)
def demo(portal: str) -> None:
    services.demo_seed()


def _sign_in(portal: str, browser: requests.Session, next_path: str = LIST) -> requests.Response:
    form = browser.get(f"{portal}/en/sign-in", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert csrf
    return browser.post(
        f"{portal}/en/sign-in",
        data={
            "csrfmiddlewaretoken": csrf.group(1),
            "email": "demo@example.com",
            "password": "demo-password",
            "next": next_path,
        },
        headers={"Referer": f"{portal}/en/sign-in"},
        timeout=10,
    )


def _is_pdf_of(response: requests.Response, number: str) -> bool:
    if response.headers.get("Content-Type") != "application/pdf":
        return False
    return number in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def _fragment(portal: str, browser: requests.Session, page_html: str) -> str:
    poll = re.search(r'data-media-links[^>]*hx-get="([^"]+)"', page_html)
    assert poll, "no links poller on the page"
    url = portal + poll.group(1).replace("&amp;", "&")
    response = browser.get(url, headers={"HX-Request": "true"}, timeout=10)
    assert response.status_code == 200
    return response.text


def _direct_links(fragment: str) -> dict[str, str]:
    return {
        number: href.replace("&amp;", "&")
        for href, number in re.findall(LINK.format(url=r'[^"]+/pdf\?t=[^"]+'), fragment)
    }


def test_demo_customer_downloads_every_invoice(portal: str) -> None:
    with requests.Session() as browser:
        page = _sign_in(portal, browser)
        assert page.status_code == 200
        assert page.url == f"{portal}{LIST}"
        rows = re.findall(LINK.format(url=r"/en/invoices/\d+/pdf"), page.text)
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
    portal: str, settings: SettingsWrapper
) -> None:
    settings.SANDBOX_MEDIA_TOKEN_SECONDS = 2
    settings.MEDIA_JWT_REUSE_SECONDS = 1
    with requests.Session() as browser:
        page = _sign_in(portal, browser)
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
        _sign_in(portal, browser)
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


def test_signed_out_and_no_tokens_leak(portal: str) -> None:
    with requests.Session() as browser:
        signed_out = browser.get(f"{portal}{LIST}", allow_redirects=False, timeout=10)
        assert signed_out.status_code == 302
        assert signed_out.headers["Location"] == "/en/sign-in?next=%2Fen%2Finvoices%2F"
        bodies = [_sign_in(portal, browser)]
        bodies.append(browser.get(f"{portal}{LIST}", timeout=10))
        session = SessionStore(session_key=browser.cookies["sessionid"]).load()
        secrets = [session["customer"]["access_token"], session["customer"]["refresh_token"]]
        bodies.append(browser.get(f"{portal}{LIST}?show=paid", timeout=10))
        for response in bodies:
            for secret in secrets:
                assert secret not in response.text
                assert all(secret not in value for value in browser.cookies.values())
        # The poll stops once the session has ended.
        html = bodies[-1].text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert csrf
        out = browser.post(
            f"{portal}/en/sign-out",
            data={"csrfmiddlewaretoken": csrf.group(1)},
            headers={"Referer": f"{portal}{LIST}"},
            timeout=10,
        )
        assert out.url.endswith("/en/sign-in")
        poll = re.search(r'data-media-links[^>]*hx-get="([^"]+)"', html)
        assert poll
        ended = browser.get(
            portal + poll.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}, timeout=10
        )
        assert ended.status_code == 286
        assert "Your session has ended" in ended.text


def test_checkout_page_of_a_signed_in_buyer_has_the_fresh_link(portal: str) -> None:
    basket = services.purchase_create(gateway="stripe", email="demo@example.com")
    with requests.Session() as browser:
        _sign_in(portal, browser)
        page = browser.get(services.completion_url(basket=basket), timeout=10)
        assert "Thank you" in page.text
        assert f'id="pdf-link-{basket.invoice_id}"' in page.text
        direct = _direct_links(_fragment(portal, browser, page.text))
        number = basket.invoice.invoice_number
        assert _is_pdf_of(requests.get(direct[number], timeout=10), number)
    assert Customer.objects.filter(email__iexact="demo@example.com").count() == 1
