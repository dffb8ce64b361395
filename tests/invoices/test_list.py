"""The list of My Invoices: filters and paging as the upstream is asked, its rows and links,
and a failing upstream."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.conf import settings
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.helpers.html import Page, assert_private
from tests.helpers.invoices import (
    LINKS,
    LIST,
    MY_URL,
    STATEMENT,
    mock_my_invoices,
    preview,
)
from tests.helpers.sign_in import signed_in
from tests.helpers.upstream_data import ACCESS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("show", "filters"),
    [
        ("unpaid", {"paid": "false", "creditNotes": "false"}),
        ("paid", {"paid": "true", "creditNotes": "false"}),
        ("credit-notes", {"creditNotes": "true"}),
        ("all", {}),
        ("junk", {}),
        ("", {}),
        (None, {}),
    ],
)
def test_list_filters(
    customer: Client,
    mocked: responses.RequestsMock,
    show: str | None,
    filters: dict[str, str],
) -> None:
    params = {"page": "1", "size": str(settings.INVOICES_PAGE_SIZE), **filters}
    mine = mock_my_invoices(mocked, [preview(1)], params=params)
    response = customer.get(LIST, {"show": show} if show is not None else {})
    assert response.status_code == 200
    assert mine.call_count == 1
    request = mine.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {ACCESS}"


@pytest.mark.parametrize("size", [10, 50])
def test_list_asks_for_the_configured_page_size(
    customer: Client, mocked: responses.RequestsMock, settings: SettingsWrapper, size: int
) -> None:
    settings.INVOICES_PAGE_SIZE = size
    mine = mock_my_invoices(mocked, [preview(1)], params={"page": "1", "size": str(size)})
    assert customer.get(LIST).status_code == 200
    assert mine.call_count == 1


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        ("abc", "1"),
        ("0", "1"),
        ("-1", "1"),
        ("²", "1"),
        ("٣", "1"),
        ("1" * 50, "1"),
        ("", "1"),
        ("1.5", "1"),
        ("2", "2"),
        ("12345", "12345"),
    ],
)
def test_list_paging_values(
    customer: Client, mocked: responses.RequestsMock, raw: str, page: str
) -> None:
    size = str(settings.INVOICES_PAGE_SIZE)
    mine = mock_my_invoices(
        mocked,
        [preview(1)],
        params={"page": page, "size": size, "paid": "true", "creditNotes": "false"},
    )
    response = customer.get(LIST, {"page": raw, "show": "paid"})
    assert response.status_code == 200
    assert mine.call_count == 1


def test_list_rows(customer: Client, mocked: responses.RequestsMock) -> None:
    mock_my_invoices(
        mocked,
        [
            preview(1, TotalFormated="€10.00"),
            preview(
                2,
                Paid=False,
                PaidOn=None,
                TotalFormated="€20.50",
                DueAmount=20.5,
                DueDate="2099-12-05T10:00:00Z",
            ),
            preview(3, CreditNote=True, TotalFormated="-€5.00"),
        ],
    )
    response = customer.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], flags=re.DOTALL)
    assert len(rows) == 3
    paid, unpaid, credit = rows
    assert "INV-2026-00001" in paid
    assert "€10.00" in paid
    assert '<span class="badge badge-paid">Paid</span>' in paid
    assert "INV-2026-00002" in unpaid
    assert "€20.50" in unpaid
    assert '<span class="badge badge-unpaid">Unpaid</span>' in unpaid
    assert "Dec 5, 2099" in unpaid  # the due date, for what is still to pay
    assert "Dec 5, 2099" not in paid
    assert "INV-2026-00003" in credit
    assert "-€5.00" in credit
    assert '<span class="badge badge-credit">Credit note</span>' in credit
    assert "badge-paid" not in credit

    page = Page(response)
    for invoice_id in (1, 2, 3):
        anchor = page.by_id[f"pdf-link-{invoice_id}"]
        # Without JavaScript the link still works: a portal URL that mints a JWT.
        assert anchor["href"] == f"/en/invoices/{invoice_id}/pdf"
        assert "hx-swap-oob" not in anchor
    assert page.by_id["statement-link"]["href"] == STATEMENT
    assert "?t=" not in html

    assert len(page.having("data-media-links")) == 1
    poll = page.having("data-media-links")[0]["hx-get"]
    assert poll
    assert urlsplit(poll).path == LINKS
    query = parse_qs(urlsplit(poll).query)
    assert query["ids"] == ["1,2,3"]
    assert query["statement"] == ["1"]
    assert_private(response)


@pytest.mark.parametrize(
    ("has_previous", "has_next"),
    [(False, False), (True, False), (False, True), (True, True)],
)
def test_list_paging_links(
    customer: Client, mocked: responses.RequestsMock, has_previous: bool, has_next: bool
) -> None:
    mock_my_invoices(mocked, [preview(1)], page=3, has_next=has_next, has_previous=has_previous)
    html = customer.get(LIST, {"page": "3", "show": "unpaid"}).content.decode()
    assert ('rel="prev" href="?show=unpaid&amp;page=2"' in html) is has_previous
    assert ('rel="next" href="?show=unpaid&amp;page=4"' in html) is has_next


def test_one_page_says_nothing_about_pages(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_my_invoices(mocked, [preview(1)], has_next=False, has_previous=False)
    page = Page(customer.get(LIST))
    assert "Page 1" not in page.text
    assert not [e for e in page.elements if e.get("class") == "paging"]


def test_the_balance_says_credit_notes_are_not_deducted(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    unpaid = {"Paid": False, "PaidOn": None, "DueAmount": 10.0, "DueDate": "2099-01-01T00:00:00"}
    mock_my_invoices(mocked, [preview(1, **unpaid), preview(2, CreditNote=True)])
    assert "Credit notes are not deducted from this balance." in Page(customer.get(LIST)).text


def test_empty_list(customer: Client, mocked: responses.RequestsMock) -> None:
    mock_my_invoices(mocked, [])
    response = customer.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No invoices here." in html
    assert "pdf-link-" not in html


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"body": requests.ConnectionError("connection refused")}, 503),
        ({"body": requests.ReadTimeout("read timed out")}, 503),
        ({"status": 500, "json": {"error": "boom"}}, 503),
        ({"status": 503, "json": {"error": "down"}}, 503),
        ({"status": 200, "body": "{not json", "content_type": "application/json"}, 502),
        ({"status": 200, "body": "<html></html>", "content_type": "text/html"}, 502),
        ({"status": 200, "json": {"Records": "nope"}}, 502),
        ({"status": 200, "json": [1, 2]}, 502),
        ({"status": 403, "json": {"error": "forbidden"}}, 502),
    ],
)
def test_upstream_failures_on_the_list(
    customer: Client, mocked: responses.RequestsMock, answer: dict[str, Any], status: int
) -> None:
    mocked.add(responses.GET, MY_URL, **answer)
    response = customer.get(LIST)
    assert response.status_code == status
    assert "Your invoices are not available just now" in response.content.decode()
    assert_private(response)
    # Still signed in: a failing upstream is not a refused token.
    assert signed_in(customer)
