"""The checkout-complete page's upstream mocked (checkout/status, registerByToken), and a buyer
coming back from the payment gateway."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import responses
from django.conf import settings
from django.test import Client
from responses import matchers

from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from upstream import endpoints

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

COMPLETE = "/en/invoices/complete"
GUID = "5f0b8d0e-1c2a-4e57-9d3c-2b7a9e4f6a10"
OTHER_GUID = "9a4c2e71-3b5d-4f60-8e1a-7c9d0b2f4e83"
TOKEN = "reg-tok-7Qx2Lm9Vb4"
STATUS_URL = upstream_url(endpoints.CHECKOUT_STATUS)
REGISTER = endpoints.register_by_token(42)
PDF_BY_TOKEN = (
    f"{settings.PDF_LINK_SCHEME}://spaces.example.com{settings.UPSTREAM_PUBLIC_BASE_URL}"
    "/api/public/billing/invoices/42/pdfByToken?token="
)
PDF_TEXT = "View invoice (PDF)"


def status(
    mock: responses.RequestsMock, state: str = "Paid", guid: str = GUID, **changes: Any
) -> None:
    """checkout/status for `guid` only: `state`, with invoice 42 (or as `changes` say)."""
    mock.get(
        STATUS_URL,
        json=upstream_data.checkout_status(state, **changes),
        match=[matchers.query_param_matcher({"token": guid})],
    )


def register(
    mock: responses.RequestsMock, invoice_id: int = 42, guid: str = GUID, **answer: Any
) -> None:
    """registerByToken for `guid` only; answers `answer` (responses' keywords) or the Token."""
    answer = answer or {"json": {"Token": TOKEN, "CustomerCreated": True}}
    mock.post(
        upstream_url(endpoints.register_by_token(invoice_id)),
        match=[matchers.query_param_matcher({"token": guid})],
        **answer,
    )


def land(
    client: Client,
    guid: str = GUID,
    param: str = "stripe_session_id",
    *,
    language: str = "en",
    query: str = "",
) -> Response:
    """Opens the gateway's return URL and follows its redirect to the page (`query` added)."""
    page = f"/{language}/invoices/complete"
    redirect = client.get(f"{page}?{urlencode({param: guid})}")
    assert redirect.status_code == 303
    assert redirect["Location"] == page
    return client.get(f"{page}{query}")


def htmx(client: Client, query: str = "") -> Response:
    """The page's poll, as htmx sends it."""
    return client.get(f"{COMPLETE}{query}", headers={"HX-Request": "true"})
