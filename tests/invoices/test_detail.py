"""One invoice: its page reuses the invoice summary; another customer's invoice, an impossible
id and a failing upstream are pages of their own."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.test import Client

from tests.helpers.html import Page, assert_private
from tests.helpers.invoices import MEDIA_URL, STATEMENT, mock_invoice
from tests.helpers.upstream import api_calls

pytestmark = pytest.mark.django_db


def test_detail_reuses_the_invoice_summary(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    detail = mock_invoice(mocked, 42)
    response = customer.get("/en/invoices/42/")
    assert response.status_code == 200
    assert detail.call_count == 1
    assert "components/invoice_summary.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'class="invoice-summary"' in html
    assert "Invoice INV-2026-00042" in html
    for text in ("Hot desk day pass", "Meeting room, 2 hours", "€75.00", "€60.00"):
        assert text in html
    for total in ("€135.00", "€28.35", "€163.35"):
        assert total in html
    page = Page(response)
    assert page.by_id["pdf-link-42"]["href"] == "/en/invoices/42/pdf"
    assert len(page.having("data-media-links")) == 1
    poll = page.having("data-media-links")[0]["hx-get"]
    assert poll
    assert parse_qs(urlsplit(poll).query)["ids"] == ["42"]
    assert_private(response)


def test_detail_of_someone_elses_invoice_is_not_found(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    detail = mock_invoice(mocked, 43, status=404, json={"error": "not found"})
    response = customer.get("/en/invoices/43/")
    assert response.status_code == 404
    assert detail.call_count == 1
    assert "We could not find this invoice" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/en/invoices/123456789012345/",
        "/en/invoices/123456789012345/pdf",
        "/en/invoices/-1/",
        "/en/invoices/abc/",
        "/en/invoices/²/",
    ],
)
def test_impossible_invoice_ids_are_not_found(
    customer: Client, mocked: responses.RequestsMock, path: str
) -> None:
    calls = len(api_calls(mocked))
    response = customer.get(path)
    assert response.status_code == 404
    assert len(api_calls(mocked)) == calls


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"body": requests.ConnectionError("connection refused")}, 503),
        ({"status": 200, "body": "{not json", "content_type": "application/json"}, 502),
    ],
)
def test_upstream_failures_on_the_detail_and_pdf(
    customer: Client, mocked: responses.RequestsMock, answer: dict[str, Any], status: int
) -> None:
    mock_invoice(mocked, 42, **answer)
    mocked.add(responses.GET, MEDIA_URL, **answer)
    assert customer.get("/en/invoices/42/").status_code == status
    assert customer.get("/en/invoices/42/pdf").status_code == status
    assert customer.get(STATEMENT).status_code == status
