"""Secrets stay secret: the whole guest and customer flows run against the live sandbox while
every log record and every response is kept; then each token, JWT and password used is looked
for in them. Also: markup in every upstream-provided string is shown as text."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.test import Client

from sandbox import services
from tests.helpers import upstream_data
from tests.helpers.html import csrf_token
from tests.helpers.sign_in import DEMO_EMAIL, DEMO_PASSWORD, sign_in, tokens_received
from tests.helpers.upstream import upstream_url
from upstream import endpoints


@dataclass
class Recorder:
    """Every response the browser saw: status line, headers, body, and its cookie jar."""

    portal: str
    browser: requests.Session = field(default_factory=requests.Session)
    seen: list[str] = field(default_factory=list)

    def get(self, path: str, **kwargs: object) -> requests.Response:
        url = path if path.startswith("http") else self.portal + path
        response = self.browser.get(url, timeout=30, **kwargs)  # type: ignore[arg-type]
        self._keep(response)
        return response

    def post(self, path: str, data: dict[str, str], referer: str) -> requests.Response:
        response = self.browser.post(
            self.portal + path, data=data, headers={"Referer": self.portal + referer}, timeout=30
        )
        self._keep(response)
        return response

    def _keep(self, response: requests.Response) -> None:
        for answer in [*response.history, response]:
            headers = "\n".join(f"{name}: {value}" for name, value in answer.headers.items())
            body = "" if answer.content.startswith(b"%PDF") else answer.text
            self.seen.append(f"{answer.status_code}\n{headers}\n{body}")
        self.seen.append(repr(self.browser.cookies.get_dict()))


def _query_values(url: str, name: str) -> list[str]:
    return parse_qs(urlsplit(url.replace("&amp;", "&")).query).get(name, [])


def test_no_token_jwt_or_password_in_logs_pages_headers_or_cookies(
    portal: str,
    demo_customer: object,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    bearer_tokens = tokens_received(monkeypatch)
    recorder = Recorder(portal)
    # The guest: a purchase, its completion page, its PDF.
    basket = services.purchase_create(gateway="stripe", email="guest@example.com")
    guid = str(basket.guid)
    completed = recorder.get(services.completion_url(basket=basket))
    assert "Thank you" in completed.text
    pdf_link = re.search(r'href="(http[^"]*pdfByToken[^"]*)"', completed.text)
    assert pdf_link is not None
    invoice_tokens = _query_values(pdf_link.group(1), "token")
    assert recorder.get(pdf_link.group(1).replace("&amp;", "&")).content.startswith(b"%PDF")

    # The customer: sign in, My Invoices, an invoice, a links refresh, PDFs, sign out. The
    # recorder signs in itself, to keep every answer on the way.
    form = recorder.get("/en/sign-in")
    recorder.post(
        "/en/sign-in",
        {
            "csrfmiddlewaretoken": csrf_token(form.text),
            "email": DEMO_EMAIL,
            "password": DEMO_PASSWORD,
        },
        referer="/en/sign-in",
    )
    listing = recorder.get("/en/invoices/")
    invoice_id = re.findall(r'href="/en/invoices/(\d+)/"', listing.text)[0]
    recorder.get(f"/en/invoices/{invoice_id}/")
    fragment = recorder.get(
        f"/en/invoices/links?ids={invoice_id}&statement=1", headers={"HX-Request": "true"}
    )
    redirect = recorder.get(f"/en/invoices/{invoice_id}/pdf", allow_redirects=False)
    media_jwts = {*_query_values(redirect.headers["Location"], "t")}
    for link in re.findall(r'href="([^"]*/pdf\?t=[^"]*)"', fragment.text):
        media_jwts.update(_query_values(link, "t"))
    assert recorder.get(redirect.headers["Location"]).content.startswith(b"%PDF")
    assert recorder.get("/en/invoices/statement/pdf").content.startswith(b"%PDF")
    recorder.post(
        "/en/sign-out", {"csrfmiddlewaretoken": csrf_token(listing.text)}, referer="/en/invoices/"
    )

    assert len(bearer_tokens) == 2  # the access and refresh tokens of the one sign-in
    server_side = [*bearer_tokens, DEMO_PASSWORD]
    secrets = [guid, *invoice_tokens, *media_jwts, *server_side]
    assert len(secrets) >= 6
    logs = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert "upstream GET /api/public/checkout/status" in logs  # the logs were captured
    for secret in secrets:
        assert secret not in logs
    # Bearer tokens and the password never leave the server; the basket GUID never comes back
    # in a page, a header or a cookie after the first redirect dropped it from the address.
    everything = "\n".join(recorder.seen)
    for secret in [*server_side, guid]:
        assert secret not in everything
    assert set(recorder.browser.cookies.get_dict()) <= {"sessionid", "csrftoken"}


# Markup from the upstream ------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# The strings of an invoice and of its lines that the pages show.
INVOICE_STRINGS = (
    "InvoiceNumber",
    "BillToName",
    "BillToEmail",
    "TotalFormated",
    "SubTotalFormated",
    "TaxFormated",
)
LINE_STRINGS = ("Description", "UnitPriceFormated", "TotalFormated")


@pytest.mark.django_db
def test_markup_in_every_upstream_string_is_shown_as_text(
    client: Client, upstream_http: responses.RequestsMock
) -> None:
    detail = upstream_data.invoice_detail(
        42,
        **dict.fromkeys(INVOICE_STRINGS, HOSTILE),
        Lines=[{"Quantity": 1, **dict.fromkeys(LINE_STRINGS, HOSTILE)}],
    )
    upstream_http.get(
        upstream_url(endpoints.BUSINESS_CURRENT),
        json={**upstream_data.business(), "Name": HOSTILE, "Address": HOSTILE},
    )
    upstream_http.get(upstream_url(endpoints.business_colors(1)), json={"primaryColor": HOSTILE})
    upstream_http.get(
        upstream_url(endpoints.CHECKOUT_STATUS),
        json={"Status": "Paid", "Email": HOSTILE, "Invoice": detail},
    )
    upstream_http.post(
        upstream_url(endpoints.register_by_token(42)),
        json={"Token": HOSTILE, "CustomerCreated": True},
    )
    upstream_http.post(
        upstream_url(endpoints.TOKEN),
        json={"access_token": "a", "refresh_token": "r", "expires_in": 3600},
    )
    upstream_http.get(
        upstream_url(endpoints.INVOICES_MY),
        json=upstream_data.invoice_page(detail),
    )
    upstream_http.get(upstream_url(endpoints.invoice(42)), json=detail)
    upstream_http.get(upstream_url(endpoints.MEDIA_TOKEN), json={"jwt": HOSTILE})

    client.get("/en/invoices/complete?stripe_session_id=5f0c7a0e-3b1d-4c2e-9a57-2f6f3e8d1c44")
    pages = [client.get("/en/invoices/complete").content.decode()]
    sign_in(client)
    pages.append(client.get("/en/invoices/").content.decode())
    pages.append(client.get("/en/invoices/42/").content.decode())
    pages.append(client.get("/en/invoices/links?ids=42", HTTP_HX_REQUEST="true").content.decode())
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[0]
