"""PDF links that work without JavaScript: the portal mints a media JWT and redirects to the
upstream's PDF, for an invoice this customer may see, and for the statement."""

from __future__ import annotations

import pytest
import responses
from django.test import Client

from tests.helpers import upstream_data
from tests.helpers.html import assert_private
from tests.helpers.invoices import (
    BUSINESS_URL,
    JWT,
    LIST,
    STATEMENT,
    direct_link,
    mock_invoice,
    mock_media,
    mock_my_invoices,
    preview,
    statement_link,
)

pytestmark = pytest.mark.django_db


def test_pdf_of_a_listed_invoice_redirects_with_a_media_jwt(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_my_invoices(mocked, [preview(7)])
    media = mock_media(mocked)
    detail = mock_invoice(mocked, 7)
    assert customer.get(LIST).status_code == 200

    response = customer.get("/en/invoices/7/pdf")
    assert response.status_code == 302
    assert response["Location"] == direct_link(7, JWT)
    assert detail.call_count == 0
    assert media.call_count == 1
    assert_private(response)


def test_pdf_of_an_unlisted_invoice_asks_for_it_first(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_media(mocked)
    detail = mock_invoice(mocked, 8)
    response = customer.get("/en/invoices/8/pdf")
    assert response.status_code == 302
    assert response["Location"] == direct_link(8, JWT)
    assert detail.call_count == 1
    # Listed now: the next redirect needs no detail call.
    assert customer.get("/en/invoices/8/pdf")["Location"] == direct_link(8, JWT)
    assert detail.call_count == 1


def test_pdf_of_someone_elses_invoice_is_not_found(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_media(mocked)
    detail = mock_invoice(mocked, 9, status=404, json={"error": "not found"})
    response = customer.get("/en/invoices/9/pdf")
    assert response.status_code == 404
    assert detail.call_count == 1
    assert "We could not find this invoice" in response.content.decode()
    assert "Location" not in response


def test_pdf_when_the_upstream_answers_another_invoice_is_never_500(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    # An answer outside the contract (asked for 8, got 9) is the upstream's fault: an error
    # page (502, or 404), never a server error.
    mock_media(mocked)
    mock_invoice(mocked, 8, json=upstream_data.invoice_detail(9))
    response = customer.get("/en/invoices/8/pdf")
    assert response.status_code in (404, 502)
    assert "Location" not in response


def test_statement_pdf_redirects_with_a_media_jwt(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_media(mocked)
    response = customer.get(STATEMENT)
    assert response.status_code == 302
    assert response["Location"] == statement_link(JWT)
    assert_private(response)


def test_statement_without_a_business_address_is_unavailable(
    customer: Client, upstream_http: responses.RequestsMock
) -> None:
    # The upstream cannot name the business, so there is no web address for the link.
    upstream_http.remove(responses.GET, BUSINESS_URL)
    upstream_http.add(responses.GET, BUSINESS_URL, status=503)
    mock_media(upstream_http)
    response = customer.get(STATEMENT)
    assert response.status_code == 503
    assert "Location" not in response
