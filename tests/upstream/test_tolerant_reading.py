"""Tolerant reading (CONTRACT.md, "Shapes"): a page requires only the fields it shows; every
other field may be missing, mistyped or named otherwise, and unknown fields are ignored."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import responses

import upstream
from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from upstream import endpoints

MINIMAL = {"Id": 42, "InvoiceNumber": "INV-42", "TotalFormated": "€1.00"}


def test_an_invoice_needs_only_id_number_and_total() -> None:
    invoice = upstream.parse_invoice_detail(MINIMAL)
    assert (invoice.id, invoice.number, invoice.total_formatted) == (42, "INV-42", "€1.00")
    assert invoice.paid is None
    assert invoice.lines == ()
    assert invoice.created_on is None
    assert invoice.business_web_address == ""
    assert invoice.sub_total_formatted == invoice.tax_formatted == ""


@pytest.mark.parametrize(
    "change",
    [
        {"Paid": "yes"},
        {"TotalAmount": "lots"},
        {"CreatedOn": "yesterday"},
        {"Lines": None},
        {"Lines": [{"Description": 1}]},
        {"Currency": None},
        {"UniqueId": None, "PaidOn": None, "Draft": None, "DueAmount": None},
        {"BusinessWebAddress": "evil.com/x?"},
        {"BusinessWebAddress": "a@evil.com"},
        {"Brand": {"Anything": ["new"]}, "SomethingElse": 1},
    ],
)
def test_other_fields_may_be_missing_mistyped_or_new(change: dict[str, Any]) -> None:
    invoice = upstream.parse_invoice_detail({**upstream_data.invoice_detail(), **change})
    assert invoice.number == "INV-2026-00042"
    # Nothing that is not a host reaches a link.
    assert invoice.business_web_address in ("", "spaces.example.com")


def test_older_names_are_read() -> None:
    data = {
        **MINIMAL,
        "TaxAmountFormated": "€0.21",
        "DiscountAmountFormated": "€0.10",
        "Lines": [{"Description": "Desk", "Quantity": 1.5, "UnitPriceFormated": "€2"}],
        "Payments": [{"Amount": 1}],
    }
    invoice = upstream.parse_invoice_detail(data)
    assert invoice.tax_formatted == "€0.21"
    assert invoice.discount_formatted == "€0.10"
    assert invoice.lines[0].quantity == Decimal("1.5")
    assert upstream.parse_invoice_detail({**data, "Lines": [{"Quantity": 3.0}]}).lines[
        0
    ].quantity == Decimal(3)


@pytest.mark.parametrize(
    ("given", "host"),
    [
        ("myspace", "myspace.spaces.nexudus.com"),
        ("MySpace", "myspace.spaces.nexudus.com"),
        ("myspace.spaces.nexudus.com", "myspace.spaces.nexudus.com"),
        ("127.0.0.1:8000", "127.0.0.1:8000"),
        ("billing.example.com", "billing.example.com"),
        ("https://x.example", ""),
        ("x.example/path", ""),
        (None, ""),
        (7, ""),
    ],
)
def test_a_bare_slug_is_a_tenants_host(given: Any, host: str) -> None:
    assert upstream.web_address_host(given) == host
    assert (
        upstream.parse_invoice_preview(
            {**MINIMAL, "BusinessWebAddress": given}
        ).business_web_address
        == host
    )


def test_dates_are_the_spaces_wall_clock_even_with_a_z() -> None:
    invoice = upstream.parse_invoice_preview({**MINIMAL, "CreatedOn": "2026-11-20T23:30:00Z"})
    assert invoice.created_on == datetime(2026, 11, 20, 23, 30)  # naive: the space's time
    offset = upstream.parse_invoice_preview({**MINIMAL, "DueDate": "2026-11-20T23:30:00+01:00"})
    assert offset.due_date == datetime(2026, 11, 20, 23, 30)


def test_paid_is_read_from_paidon_or_the_amount_due() -> None:
    assert upstream.parse_invoice_preview({**MINIMAL, "PaidOn": "2026-11-20T10:00:00Z"}).paid
    assert upstream.parse_invoice_preview({**MINIMAL, "DueAmount": 0}).paid is True
    assert upstream.parse_invoice_preview({**MINIMAL, "DueAmount": 5.5}).paid is False


def test_a_page_without_paging_fields(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(
        upstream_url(endpoints.INVOICES_MY),
        json={"Records": [MINIMAL] * 3, "PageNumber": 2, "PageSize": 3, "Unknown": True},
    )
    page = upstream.invoices_my(bearer="b", page=2, size=3)
    assert page.page == 2
    assert page.page_size == 3
    assert page.total_pages is None
    assert page.has_previous is True
    assert page.has_next is True  # a full page: there may be more


def test_business_with_a_slug_and_nothing_else(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json={"WebAddress": "myspace"})
    business = upstream.business_current()
    assert business == upstream.Business(
        id=None, name="", web_address="myspace.spaces.nexudus.com", address=""
    )


def test_colours_are_an_open_map(upstream_http: responses.RequestsMock) -> None:
    upstream_http.get(
        upstream_url(endpoints.business_colors(1)),
        json={"primaryColor": "#123456", "accentColor": "#fff", "textColor": 5},
    )
    colors = upstream.business_colors(business_id=1, bearer="b")
    assert colors == upstream.BusinessColors(
        primary="#123456", secondary="", background="", text=""
    )
    assert upstream_http.calls[0].request.headers["Authorization"] == "Bearer b"


def test_register_answer_in_an_action_confirmation(upstream_http: responses.RequestsMock) -> None:
    url = upstream_url(endpoints.register_by_token(42))
    upstream_http.post(url, json={"WasSuccessful": True, "Value": {"Token": "t"}, "Status": 200})
    answer = upstream.register_by_token(invoice_id=42, token="g")
    assert answer == upstream.RegisterByTokenAnswer(token="t", customer_created=None)
    # The official portal posts {}.
    assert upstream_http.calls[0].request.body == b"{}"
