"""The balance at the top of My Invoices and the one status rule every page uses: unit tests
with the upstream mocked (responses), and the page through Django's test client."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses
from django.test import Client
from responses import matchers

from invoices import services
from portal.invoice_status import invoice_status
from portal.upstream import endpoints
from portal.upstream.parsing import parse_invoice_preview
from tests import upstream_data
from tests.conftest import upstream_url
from tests.upstream_data import ACCESS, EMAIL, PASSWORD, REFRESH

MY_URL = upstream_url(endpoints.INVOICES_MY)
TODAY = date(2026, 11, 29)


def _preview(invoice_id: int, **changes: Any) -> dict[str, Any]:
    data = upstream_data.invoice_detail(invoice_id, **changes)
    for key in ("BillToName", "BillToEmail", "Lines", "SubTotalFormated", "TaxFormated"):
        del data[key]
    return data


def _unpaid(invoice_id: int, due: float, due_on: str, **changes: Any) -> dict[str, Any]:
    return _preview(
        invoice_id, Paid=False, PaidOn=None, DueAmount=due, DueDate=f"{due_on}T10:00:00Z", **changes
    )


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "paid"),
        ({"CreditNote": True}, "credit_note"),
        ({"CreditNote": True, "Paid": False, "PaidOn": None}, "credit_note"),
        ({"Paid": False, "PaidOn": None, "DueDate": "2026-11-29T23:00:00Z"}, "unpaid"),
        ({"Paid": False, "PaidOn": None, "DueDate": "2026-11-28T23:59:59Z"}, "overdue"),
        ({"Paid": False, "PaidOn": None, "DueDate": None}, "unpaid"),
    ],
)
def test_one_status_rule(changes: dict[str, Any], status: str) -> None:
    invoice = parse_invoice_preview(_preview(1, **changes))
    assert invoice_status(invoice, today=TODAY) == status


def _page(records: list[dict[str, Any]], page: int, has_next: bool) -> dict[str, Any]:
    return {
        **upstream_data.invoice_page(*records),
        "CurrentPage": page,
        "HasNextPage": has_next,
        "TotalPages": page + 1 if has_next else page,
    }


def _unpaid_pages(mock: responses.RequestsMock, *pages: list[dict[str, Any]]) -> None:
    for number, records in enumerate(pages, start=1):
        query = {"paid": "false", "creditNotes": "false", "page": str(number), "size": "100"}
        mock.get(
            MY_URL,
            json=_page(records, number, has_next=number < len(pages)),
            match=[matchers.query_param_matcher(query)],
        )


def test_the_balance_sums_every_unpaid_due_amount_over_pages(
    upstream_http: responses.RequestsMock,
) -> None:
    _unpaid_pages(
        upstream_http,
        [_unpaid(1, 100.10, "2000-01-01"), _unpaid(2, 20.05, "2099-01-01")],
        [_unpaid(3, 0.35, "2000-02-01"), _unpaid(4, 7, "2099-01-01", Currency={"Code": "GBP"})],
    )
    balance = services.balance_get(bearer=ACCESS)
    assert balance.due == (("EUR", Decimal("120.50")), ("GBP", Decimal("7")))
    assert balance.unpaid == 4
    assert balance.overdue == 2


def test_what_the_upstream_should_have_filtered_is_not_owed(
    upstream_http: responses.RequestsMock,
) -> None:
    _unpaid_pages(
        upstream_http,
        [
            _unpaid(1, 10, "2000-01-01"),
            _unpaid(2, 99, "2000-01-01", CreditNote=True),
            _preview(3, DueAmount=50),
        ],
    )
    balance = services.balance_get(bearer=ACCESS)
    assert balance.due == (("EUR", Decimal("10")),)
    assert (balance.unpaid, balance.overdue) == (1, 1)


def test_nothing_owed(upstream_http: responses.RequestsMock) -> None:
    _unpaid_pages(upstream_http, [])
    assert services.balance_get(bearer=ACCESS) == services.Balance(due=(), unpaid=0, overdue=0)


@pytest.fixture
def customer(client: Client, upstream_http: responses.RequestsMock) -> Client:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    upstream_http.post(
        upstream_url(endpoints.TOKEN),
        json={"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600},
    )
    assert client.post("/en/sign-in", {"email": EMAIL, "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.django_db
def test_the_list_shows_the_balance_and_the_overdue_count(
    customer: Client, upstream_http: responses.RequestsMock
) -> None:
    listed = [_unpaid(1, 100.10, "2000-01-01"), _preview(2)]
    upstream_http.get(
        MY_URL,
        json=upstream_data.invoice_page(*listed),
        match=[matchers.query_param_matcher({"page": "1", "size": "25"})],
    )
    _unpaid_pages(upstream_http, [_unpaid(1, 100.10, "2000-01-01"), _unpaid(3, 5, "2000-01-01")])
    html = customer.get("/en/invoices/").content.decode()
    assert "Balance due" in html
    assert "€105.10" in html
    assert "2 invoices overdue" in html
    assert '<td class="status"><span class="badge badge-overdue">Overdue</span>' in html


@pytest.mark.django_db
def test_the_list_without_a_balance_when_the_upstream_cannot_tell(
    customer: Client, upstream_http: responses.RequestsMock
) -> None:
    upstream_http.get(
        MY_URL,
        json=upstream_data.invoice_page(_preview(1)),
        match=[matchers.query_param_matcher({"page": "1", "size": "25"})],
    )
    upstream_http.get(MY_URL, body=requests.ConnectionError("down"))
    response = customer.get("/en/invoices/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "INV-2026-00001" in html
    assert "Balance due" not in html
