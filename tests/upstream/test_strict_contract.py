"""The portal against a strict fake upstream built only from CONTRACT.md's [docs] facts
(tests/helpers/strict_upstream.py), over real HTTP: every page renders, nothing is a 5xx.

The live server serves a brand whose upstream is the fake; the tests browse it with requests.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from brands.models import Brand, BrandHost
from tests.helpers import strict_upstream as fake
from tests.helpers.strict_upstream import StrictState, strict_upstream

PDF_HOST = f"https://{fake.SLUG}.spaces.nexudus.com"


@dataclass
class Strict:
    url: str
    state: StrictState

    def browser(self) -> requests.Session:
        return requests.Session()

    def sign_in(self, browser: requests.Session, email: str) -> requests.Response:
        form = browser.get(f"{self.url}/en/sign-in", timeout=10)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert csrf
        return browser.post(
            f"{self.url}/en/sign-in",
            data={"csrfmiddlewaretoken": csrf.group(1), "email": email, "password": fake.PASSWORD},
            timeout=15,
        )

    def token_forms(self, grant: str) -> list[dict[str, list[str]]]:
        return [
            form
            for method, path, _headers, form in self.state.calls
            if path == "/api/token" and form.get("grant_type") == [grant]
        ]


@pytest.fixture
def strict(
    live_server: LiveServer, settings: SettingsWrapper, transactional_db: None
) -> Iterator[Strict]:
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    with strict_upstream() as (url, state):
        # The brand's own settings: the upstream and its PDF links (https, no prefix).
        brand = Brand.objects.create(slug="strict", upstream_url=url, languages="en,es,fr,de")
        BrandHost.objects.create(brand=brand, host="localhost")
        yield Strict(url=live_server.url, state=state)


def _complete(strict: Strict, guid: str) -> requests.Response:
    url = f"{strict.url}/en/invoices/complete?stripe_session_id={guid}"
    return strict.browser().get(url, timeout=15)


def test_completion_paid_links_the_slug_tenants_pdf(strict: Strict) -> None:
    page = _complete(strict, fake.PAID)
    assert page.status_code == 200, page.text
    assert "Thank you, your payment is confirmed" in page.text
    assert "S-0001" in page.text
    # registerByToken answered Token alone: no word on whether the account is new.
    link = f"{PDF_HOST}/api/public/billing/invoices/1/pdfByToken?token=strict-invoice-token-1"
    assert link in page.text


def test_completion_pending_and_used(strict: Strict) -> None:
    pending = _complete(strict, fake.PENDING)
    assert pending.status_code == 200
    assert "Confirming your payment" in pending.text
    used = _complete(strict, fake.USED)
    assert used.status_code == 200
    assert "already been used" in used.text
    assert f"{PDF_HOST}/api/public/billing/invoices/1/pdfByToken?token={fake.USED}" in used.text


def test_my_invoices_detail_pdf_and_links(strict: Strict) -> None:
    browser = strict.browser()
    signed_in = strict.sign_in(browser, fake.PLAIN)
    assert signed_in.url == f"{strict.url}/en/invoices/"
    assert signed_in.status_code == 200
    assert "S-0001" in signed_in.text
    assert "S-0002" in signed_in.text
    # The detail of invoice 1 has none of InvoiceDetail's own names; 2 has the older ones.
    first = browser.get(f"{strict.url}/en/invoices/1/", timeout=10)
    assert first.status_code == 200
    assert "€121.00" in first.text
    second = browser.get(f"{strict.url}/en/invoices/2/", timeout=10)
    assert second.status_code == 200
    assert "Dedicated desk" in second.text
    assert "€21.00" in second.text  # TaxAmountFormated
    pdf = browser.get(f"{strict.url}/en/invoices/2/pdf", allow_redirects=False, timeout=10)
    assert pdf.status_code == 302
    assert pdf.headers["Location"].startswith(f"{PDF_HOST}/api/public/billing/invoices/2/pdf?t=")
    fragment = browser.get(
        f"{strict.url}/en/invoices/links?ids=1,2&statement=1",
        headers={"HX-Request": "true"},
        timeout=10,
    )
    assert fragment.status_code == 200
    assert f"{PDF_HOST}/api/public/billing/invoices/1/pdf?t=" in fragment.text
    assert f"{PDF_HOST}/api/public/billing/invoices/statements/pdf?t=" in fragment.text


def test_every_call_asks_for_json_in_local_time(strict: Strict) -> None:
    browser = strict.browser()
    strict.sign_in(browser, fake.PLAIN)
    _complete(strict, fake.PAID)
    assert len(strict.state.calls) > 5
    for _method, path, headers, _form in strict.state.calls:
        assert headers.get("Accept") == "application/json", path
        assert headers.get("X-Use-Timezone") == "true", path


def test_dates_are_the_spaces_local_time(strict: Strict, settings: SettingsWrapper) -> None:
    # 23:30 in the space: a portal in Tokyo would show the next day if it read UTC.
    settings.TIME_ZONE = "Asia/Tokyo"
    browser = strict.browser()
    strict.sign_in(browser, fake.PLAIN)
    detail = browser.get(f"{strict.url}/en/invoices/1/", timeout=10)
    assert "Nov 20, 2026" in detail.text  # CLDR medium, as every page writes dates


def test_refresh_sends_the_sign_ins_client_id_and_keeps_the_rotated_token(strict: Strict) -> None:
    # Access tokens fresh for a second (the portal refreshes 30 s before expiry).
    strict.state.expires_in = 31
    browser = strict.browser()
    assert strict.sign_in(browser, fake.PLAIN).status_code == 200
    [login] = strict.token_forms("password")
    client_id = login["client_id"][0]
    assert client_id.startswith("portal-")
    for round_ in (1, 2):
        time.sleep(1.2)
        page = browser.get(f"{strict.url}/en/invoices/", timeout=10)
        assert page.status_code == 200
        assert page.url == f"{strict.url}/en/invoices/"
        refreshes = strict.token_forms("refresh_token")
        assert len(refreshes) == round_
        assert refreshes[-1]["client_id"] == [client_id]
    # The second refresh used the first one's rotated token (the fake accepts no other).
    assert refreshes[0]["refresh_token"] != refreshes[1]["refresh_token"]


def test_two_factor_sign_in(strict: Strict) -> None:
    browser = strict.browser()
    asked = strict.sign_in(browser, fake.TWO_FACTOR)
    assert asked.url.startswith(f"{strict.url}/en/sign-in/code")
    assert 'autocomplete="one-time-code"' in asked.text

    def send(code: str) -> requests.Response:
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', asked.text)
        assert csrf
        return browser.post(
            asked.url, data={"csrfmiddlewaretoken": csrf.group(1), "code": code}, timeout=10
        )

    wrong = send("000000")
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.text
    right = send(fake.TOTP_CODE)
    assert right.url == f"{strict.url}/en/invoices/"
    assert right.status_code == 200
    forms = strict.token_forms("password")
    # Every step of one sign-in names the same client_id; the code went as `totp`.
    assert len({form["client_id"][0] for form in forms}) == 1
    assert forms[-1]["totp"] == [fake.TOTP_CODE]


def test_forced_reset_says_so_and_never_shows_the_token(
    strict: Strict, caplog: pytest.LogCaptureFixture
) -> None:
    page = strict.sign_in(strict.browser(), fake.MUST_RESET)
    assert page.status_code == 403
    assert "Your password must be reset" in page.text
    assert fake.RESET_TOKEN not in page.text
    assert fake.RESET_TOKEN not in caplog.text


def test_colours_need_a_customer(strict: Strict) -> None:
    anonymous = strict.browser().get(f"{strict.url}/en/", timeout=10)
    assert anonymous.status_code == 200
    assert not [call for call in strict.state.calls if call[1].endswith("/colors")]
    browser = strict.browser()
    page = strict.sign_in(browser, fake.PLAIN)
    assert "--color-primary:#0b5394" in page.text
    [colors] = [call for call in strict.state.calls if call[1].endswith("/colors")]
    assert colors[2]["Authorization"].startswith("Bearer ")


def test_a_409_burst_gives_no_5xx(strict: Strict) -> None:
    browser = strict.browser()
    strict.sign_in(browser, fake.PLAIN)
    pages = ["/en/invoices/", "/en/invoices/1/", "/en/invoices/2/", "/en/"] * 3
    strict.state.throttle_next, strict.state.throttle_seconds = 6, 1

    def load(path: str) -> int:
        return browser.get(f"{strict.url}{path}", timeout=20).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(load, pages))
    assert strict.state.throttle_next == 0  # the burst was met
    # Each 409 closes the budget for every page (upstream/budget.py): a page waits within its
    # time, then says "busy" with the wait, never an error.
    assert all(status in (200, 429) for status in statuses), statuses
    assert 200 in statuses
    time.sleep(1.1)
    assert [load(path) for path in pages[:4]] == [200] * 4


def test_a_long_throttle_is_a_busy_page_with_retry_after(strict: Strict) -> None:
    browser = strict.browser()
    strict.sign_in(browser, fake.PLAIN)
    strict.state.throttle_next, strict.state.throttle_seconds = 1000, 30
    listing = browser.get(f"{strict.url}/en/invoices/", timeout=10)
    assert listing.status_code == 429
    assert listing.headers["Retry-After"] == "30"
    assert "Our billing system is busy" in listing.text
    # A buyer sees their payment being confirmed, never an error headline; the page asks
    # again when the upstream said it may.
    completion = _complete(strict, fake.PAID)
    assert completion.status_code == 200
    assert completion.headers["Retry-After"] == "30"
    assert "Confirming your payment" in completion.text
    assert 'hx-trigger="load delay:30s"' in completion.text
    assert "cannot confirm" not in completion.text
