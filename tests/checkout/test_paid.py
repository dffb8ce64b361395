"""A paid purchase: the receipt and what happened to the buyer's account; the paid status is
asked once per purchase and language, unsettled ones every time."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from django.test import Client

from tests.helpers import upstream_data
from tests.helpers.checkout import (
    COMPLETE,
    GUID,
    OTHER_GUID,
    PDF_BY_TOKEN,
    PDF_TEXT,
    REGISTER,
    STATUS_URL,
    TOKEN,
    land,
    register,
    status,
)
from tests.helpers.html import Page, without_nonce
from tests.helpers.upstream import calls_to
from upstream import endpoints

pytestmark = pytest.mark.django_db


def test_paid_page_shows_the_purchase(client: Client, mocked: responses.RequestsMock) -> None:
    status(mocked)
    register(mocked)
    response = land(client)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Thank you, your payment is confirmed" in text
    for shown in [
        "Canal Street Coworking",
        "INV-2026-00042",
        "Hot desk day pass",
        "€25.00",
        "€75.00",
        "Meeting room, 2 hours",
        "€60.00",
        "€135.00",  # subtotal
        "€28.35",  # tax
        "€163.35",  # total
        "buyer@example.com",
    ]:
        assert shown in text, shown
    assert Page(response).links_named(PDF_TEXT) == [PDF_BY_TOKEN + TOKEN]


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ({"Token": TOKEN, "CustomerCreated": True}, "We created a customer account for"),
        ({"Token": TOKEN, "CustomerCreated": False}, "added to your existing account"),
        ({"Token": TOKEN}, "This purchase is saved to the account for"),
    ],
    ids=["created", "linked", "unknown"],
)
def test_paid_page_says_what_happened_to_the_account(
    client: Client, mocked: responses.RequestsMock, answer: dict[str, Any], says: str
) -> None:
    status(mocked)
    register(mocked, json=answer)
    text = land(client).content.decode()
    accounts = [
        "We created a customer account for",
        "added to your existing account",
        "This purchase is saved to the account for",
    ]
    assert [sentence for sentence in accounts if sentence in text] == [says]


def test_reloads_of_a_paid_page_read_the_status_from_the_cache(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked)
    register(mocked)
    first = land(client).content.decode()
    for _ in range(3):
        response = client.get(COMPLETE)
        assert response.status_code == 200
        # The same page, but for the CSP nonce that every answer draws anew.
        assert without_nonce(response.content.decode()) == without_nonce(first)
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == 1
    assert calls_to(mocked, "POST", REGISTER) == 1


def test_the_paid_status_is_kept_per_language(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked)
    register(mocked)
    land(client)
    for _ in range(2):
        # Amounts come formatted in the language asked for: each language asks once.
        assert client.get(COMPLETE.replace("/en/", "/es/")).status_code == 200
        assert client.get(COMPLETE).status_code == 200
    spanish = [
        call
        for call in mocked.calls
        if "/checkout/status" in (call.request.url or "")
        and call.request.headers["Accept-Language"] == "es"
    ]
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == 2
    assert len(spanish) == 1


def test_the_paid_status_is_kept_per_purchase(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked, guid=GUID)
    register(mocked, guid=GUID)
    status(mocked, guid=OTHER_GUID, invoice_id=43)
    register(mocked, invoice_id=43, guid=OTHER_GUID, json={"Token": "second-token"})
    assert "INV-2026-00042" in land(client, GUID).content.decode()
    assert "INV-2026-00043" in land(client, OTHER_GUID).content.decode()
    assert "INV-2026-00042" in land(client, GUID).content.decode()
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == 2


@pytest.mark.parametrize("state", ["Pending", "Failed"])
def test_unsettled_and_failed_statuses_are_asked_every_time(
    client: Client, mocked: responses.RequestsMock, state: str
) -> None:
    status(mocked, state)
    land(client)
    client.get(COMPLETE)
    client.get(COMPLETE)
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == 3


def test_a_paid_status_without_its_invoice_is_not_kept(
    client: Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(STATUS_URL, json=upstream_data.checkout_status("Paid") | {"Invoice": None})
    assert land(client).status_code == 502
    assert client.get(COMPLETE).status_code == 502
    assert calls_to(mocked, "GET", endpoints.CHECKOUT_STATUS) == 2
