"""The optional fields the receipt and the dates read from the upstream, mocked with responses:
an invoice's TaxRate and a business's LanguageCulture. Missing or odd values leave them empty;
a page never fails for them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import responses

import upstream
from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from upstream import endpoints

GUID = "5f0b8d0e-1c2a-4e57-9d3c-2b7a9e4f6a10"


def _invoice(upstream_http: responses.RequestsMock, **changes: Any) -> upstream.InvoiceDetail:
    upstream_http.get(
        upstream_url(endpoints.CHECKOUT_STATUS), json=upstream_data.checkout_status(**changes)
    )
    invoice = upstream.checkout_status(token=GUID).invoice
    assert invoice is not None
    return invoice


@pytest.mark.parametrize(
    ("given", "parsed"),
    [(21.0, Decimal("21.0")), (5.5, Decimal("5.5")), ("9", Decimal("9")), (0, Decimal("0"))],
)
def test_a_tax_rate_is_read(
    upstream_http: responses.RequestsMock, given: object, parsed: Decimal
) -> None:
    assert _invoice(upstream_http, TaxRate=given).tax_rate == parsed


@pytest.mark.parametrize("given", [None, "many", "NaN", "Infinity", -1, 101, True, [21]])
def test_a_missing_or_odd_tax_rate_is_none(
    upstream_http: responses.RequestsMock, given: object
) -> None:
    assert _invoice(upstream_http, TaxRate=given).tax_rate is None


def test_an_invoice_without_a_tax_rate(upstream_http: responses.RequestsMock) -> None:
    assert "TaxRate" not in upstream_data.invoice_detail()
    assert _invoice(upstream_http).tax_rate is None


def _business(upstream_http: responses.RequestsMock, **changes: Any) -> upstream.Business:
    upstream_http.get(
        upstream_url(endpoints.BUSINESS_CURRENT), json={**upstream_data.business(), **changes}
    )
    return upstream.business_current()


@pytest.mark.parametrize(
    ("given", "parsed"),
    [("en-GB", "en-GB"), ("de", "de"), ("es-419", "es-419"), ("en GB", ""), ("", ""), (7, "")],
)
def test_the_business_culture(
    upstream_http: responses.RequestsMock, given: object, parsed: str
) -> None:
    assert _business(upstream_http, LanguageCulture=given).language_culture == parsed
