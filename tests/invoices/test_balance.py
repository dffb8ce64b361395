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

import upstream
from invoices import services
from portal.invoice_status import invoice_status
from tests.helpers.invoices import MY_URL, my_page
from tests.helpers.invoices import preview as _preview
from tests.helpers.upstream_data import ACCESS
from upstream.parsing import parse_invoice_preview

TODAY = date(2026, 11, 29)


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
        # Nothing says whether it is paid: no status is shown.
        ({"Paid": None, "PaidOn": None, "DueAmount": None}, "unknown"),
    ],
)
def test_one_status_rule(changes: dict[str, Any], status: str) -> None:
    invoice = parse_invoice_preview(_preview(1, **changes))
    assert invoice_status(invoice, today=TODAY) == status


def _unpaid_pages(mock: responses.RequestsMock, *pages: list[dict[str, Any]]) -> None:
    for number, records in enumerate(pages, start=1):
        query = {"paid": "false", "creditNotes": "false", "page": str(number), "size": "100"}
        mock.get(
            MY_URL,
            json=my_page(records, page=number, has_next=number < len(pages)),
            match=[matchers.query_param_matcher(query)],
        )


def _asked() -> services.Balance | None:
    """The balance when the list shown does not hold every unpaid invoice (paid ones shown)."""
    listed = upstream.InvoicePage(records=(), page=1, has_next=False, has_previous=False)
    return services.balance_get(bearer=ACCESS, listed=listed, show="paid")


def test_the_balance_sums_every_unpaid_due_amount_over_pages(
    upstream_http: responses.RequestsMock,
) -> None:
    _unpaid_pages(
        upstream_http,
        [_unpaid(1, 100.10, "2000-01-01"), _unpaid(2, 20.05, "2099-01-01")],
        [_unpaid(3, 0.35, "2000-02-01"), _unpaid(4, 7, "2099-01-01", Currency={"Code": "GBP"})],
    )
    balance = _asked()
    assert balance is not None
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
    balance = _asked()
    assert balance is not None
    assert balance.due == (("EUR", Decimal("10")),)
    assert (balance.unpaid, balance.overdue) == (1, 1)


def test_nothing_owed(upstream_http: responses.RequestsMock) -> None:
    _unpaid_pages(upstream_http, [])
    assert _asked() == services.Balance(due=(), unpaid=0, overdue=0)


@pytest.mark.parametrize(
    "changes",
    [{"DueAmount": None, "TotalAmount": None}, {"Currency": None}],
    ids=["no-amount", "no-currency"],
)
def test_no_balance_when_an_unpaid_amount_is_not_given(
    upstream_http: responses.RequestsMock, changes: dict[str, Any]
) -> None:
    _unpaid_pages(upstream_http, [_unpaid(1, 10, "2000-01-01"), _unpaid(2, 5, "2000-01-01")])
    upstream_http.replace(
        responses.GET,
        MY_URL,
        json=my_page([_unpaid(1, 10, "2000-01-01"), {**_unpaid(2, 5, "2000-01-01"), **changes}]),
    )
    assert _asked() is None


def test_the_due_amount_falls_back_to_the_total(upstream_http: responses.RequestsMock) -> None:
    _unpaid_pages(upstream_http, [{**_unpaid(1, 0, "2099-01-01"), "DueAmount": None}])
    balance = _asked()
    assert balance is not None
    assert balance.due == (("EUR", Decimal("163.35")),)


@pytest.mark.parametrize(
    ("show", "page", "has_next"), [("all", 1, False), ("unpaid", 1, False)], ids=["all", "unpaid"]
)
def test_a_list_of_every_unpaid_invoice_needs_no_other_call(
    upstream_http: responses.RequestsMock, show: str, page: int, has_next: bool
) -> None:
    records = [_unpaid(1, 100.10, "2000-01-01"), _preview(2), _unpaid(3, 5, "2099-01-01")]
    listed = upstream.InvoicePage(
        records=tuple(parse_invoice_preview(record) for record in records),
        page=page,
        has_next=has_next,
        has_previous=False,
    )
    balance = services.balance_get(bearer=ACCESS, listed=listed, show=show)
    assert balance == services.Balance(due=(("EUR", Decimal("105.10")),), unpaid=2, overdue=1)
    assert len(upstream_http.calls) == 0


@pytest.mark.parametrize(("show", "page"), [("all", 2), ("paid", 1), ("credit-notes", 1)])
@pytest.mark.django_db
def test_the_list_shows_the_balance_and_the_overdue_count(
    customer: Client, upstream_http: responses.RequestsMock, show: str, page: int
) -> None:
    # A page that does not hold every unpaid invoice: the balance asks for them.
    listed = [_unpaid(1, 100.10, "2000-01-01"), _preview(2)]
    upstream_http.get(MY_URL, json=my_page(listed, page=page), match=[_query(show=show, page=page)])
    _unpaid_pages(upstream_http, [_unpaid(1, 100.10, "2000-01-01"), _unpaid(3, 5, "2000-01-01")])
    html = customer.get(f"/en/invoices/?show={show}&page={page}").content.decode()
    assert "Balance due" in html
    assert "€105.10" in html
    assert "2 invoices overdue" in html
    if show != "credit-notes":
        assert '<td class="status"><span class="badge badge-overdue">Overdue</span>' in html


def _query(*, show: str, page: int) -> Any:
    filters = {
        "all": {},
        "paid": {"paid": "true", "creditNotes": "false"},
        "credit-notes": {"creditNotes": "true"},
    }[show]
    return matchers.query_param_matcher({"page": str(page), "size": "25", **filters})


@pytest.mark.django_db
def test_the_list_without_a_balance_when_the_upstream_cannot_tell(
    customer: Client, upstream_http: responses.RequestsMock
) -> None:
    upstream_http.get(
        MY_URL,
        json=my_page([_preview(1)]),
        match=[_query(show="paid", page=1)],
    )
    upstream_http.get(MY_URL, body=requests.ConnectionError("down"))
    response = customer.get("/en/invoices/", {"show": "paid"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "INV-2026-00001" in html
    assert "Balance due" not in html
