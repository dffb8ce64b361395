"""Guest checkout calls: status, registerByToken and pdfByToken (CONTRACT.md)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sandbox.models import BasketSession, Customer
from sandbox.services import basket_settle
from sandbox.tokens import Audience, token_issue
from tests.sandbox.conftest import API, INVOICES, Purchase, expire, pdf_text

STATUS = f"{API}/public/checkout/status"
# A well-formed token no basket has. Fixed, not random: parallel workers (pytest-xdist) must
# collect the same test ids.
UNKNOWN_TOKEN = "6b1f3c2e-8d4a-4f5b-9c7e-2a1d0e9f8b7c"


def _register(client: Client, invoice_id: object, token: object) -> Any:
    return client.post(f"{INVOICES}/{invoice_id}/registerByToken?token={token}")


# status ------------------------------------------------------------------------------------


def test_status_of_paid_purchase_has_invoice_detail(client: Client, purchase: Purchase) -> None:
    basket = purchase(email="buyer@example.com")
    body = client.get(STATUS, {"token": str(basket.guid)}).json()
    assert body["Status"] == "Paid"
    assert body["Email"] == "buyer@example.com"
    invoice = body["Invoice"]
    assert invoice["Id"] == basket.invoice_id
    assert invoice["InvoiceNumber"] == basket.invoice.invoice_number
    assert invoice["Paid"] is True
    assert invoice["BillToEmail"] == "buyer@example.com"
    assert [line["Description"] for line in invoice["Lines"]] == [
        "Hot desk day pass",
        "Meeting room, 2 hours",
    ]
    # 3 x 25 + 60 = 135, plus 21% tax = 163.35
    assert invoice["SubTotalFormated"] == "€135.00"
    assert invoice["TaxFormated"] == "€28.35"
    assert invoice["TotalFormated"] == "€163.35"
    assert invoice["TotalAmount"] == pytest.approx(163.35)
    assert invoice["Currency"] == {"Code": "EUR", "Name": "Euro", "Format": "€{amount}"}
    assert invoice["BusinessWebAddress"] == "testserver"


def test_pending_purchase_turns_paid_when_its_time_comes(
    client: Client, purchase: Purchase
) -> None:
    basket = purchase(pending_seconds=30)
    assert client.get(STATUS, {"token": str(basket.guid)}).json()["Status"] == "Pending"
    BasketSession.objects.filter(pk=basket.pk).update(settles_at=timezone.now())
    body = client.get(STATUS, {"token": str(basket.guid)}).json()
    assert body["Status"] == "Paid"
    assert body["Invoice"]["Paid"] is True


def test_failed_purchase(client: Client, purchase: Purchase) -> None:
    basket = purchase(fail=True)
    body = client.get(STATUS, {"token": str(basket.guid)}).json()
    assert body["Status"] == "Failed"
    assert body["Invoice"]["Paid"] is False


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({}, 400),
        ({"token": ""}, 400),
        ({"token": "not-a-guid"}, 401),
        ({"token": UNKNOWN_TOKEN}, 401),
    ],
)
def test_status_rejects_bad_tokens(
    client: Client, db: None, query: dict[str, str], status: int
) -> None:
    response = client.get(STATUS, query)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


def test_status_of_expired_session_is_401(client: Client, purchase: Purchase) -> None:
    basket = purchase()
    expire(basket)
    assert client.get(STATUS, {"token": str(basket.guid)}).status_code == 401


# registerByToken ---------------------------------------------------------------------------


def test_register_creates_customer_with_portal_access(client: Client, purchase: Purchase) -> None:
    basket = purchase(email="New.Buyer@example.com")
    response = _register(client, basket.invoice_id, basket.guid)
    assert response.status_code == 200
    body = response.json()
    assert body["Token"].count(".") == 2
    assert body["CustomerCreated"] is True
    customer = Customer.objects.get(email__iexact="new.buyer@example.com")
    assert customer.portal_access
    basket.refresh_from_db()
    assert basket.registered_at is not None
    assert basket.registered_customer == customer
    assert basket.invoice.customer == customer


def test_register_links_existing_email_whatever_its_case(
    client: Client, demo_customer: Customer, purchase: Purchase
) -> None:
    basket = purchase(email="DEMO@Example.COM")
    body = _register(client, basket.invoice_id, basket.guid).json()
    assert body["CustomerCreated"] is False
    assert Customer.objects.filter(email__iexact="demo@example.com").count() == 1
    basket.invoice.refresh_from_db()
    assert basket.invoice.customer == demo_customer


def test_register_succeeds_once(client: Client, purchase: Purchase) -> None:
    basket = purchase()
    assert _register(client, basket.invoice_id, basket.guid).status_code == 200
    again = _register(client, basket.invoice_id, basket.guid)
    assert again.status_code == 401
    # [docs] A write call's refusal: the ActionConfirmation envelope.
    assert again.json() == {
        "WasSuccessful": False,
        "Value": None,
        "Status": 401,
        "Message": "The token has already been used.",
        "Errors": None,
    }
    assert Customer.objects.count() == 1


def test_register_with_another_invoices_token_is_404(client: Client, purchase: Purchase) -> None:
    first, second = purchase(), purchase()
    assert _register(client, second.invoice_id, first.guid).status_code == 404
    assert _register(client, 999999, first.guid).status_code == 404
    # Nothing was used up by the refusals.
    assert _register(client, first.invoice_id, first.guid).status_code == 200


@pytest.mark.parametrize("token", ["not-a-guid", UNKNOWN_TOKEN, "%00", "' OR 1=1 --"])
def test_register_with_invalid_token_is_401(client: Client, purchase: Purchase, token: str) -> None:
    basket = purchase()
    assert _register(client, basket.invoice_id, token).status_code == 401


def test_register_expired_token_is_401(client: Client, purchase: Purchase) -> None:
    basket = purchase()
    expire(basket)
    response = _register(client, basket.invoice_id, basket.guid)
    assert response.status_code == 401
    assert response.json()["Message"] == "The token has expired."
    assert Customer.objects.count() == 0


def test_register_failed_payment_is_401(client: Client, purchase: Purchase) -> None:
    basket = purchase(fail=True)
    assert _register(client, basket.invoice_id, basket.guid).status_code == 401
    assert Customer.objects.count() == 0


def test_register_pending_payment_is_409(client: Client, purchase: Purchase) -> None:
    basket = purchase(pending_seconds=60)
    response = _register(client, basket.invoice_id, basket.guid)
    assert response.status_code == 409
    assert response.json()["Message"] == "The payment is not confirmed yet."
    assert "Retry-After" not in response  # a conflict, not throttling
    basket.refresh_from_db()
    assert basket.registered_at is None


def test_register_malformed_requests(client: Client, purchase: Purchase) -> None:
    basket = purchase()
    assert _register(client, "abc", basket.guid).status_code == 400
    assert _register(client, "-1", basket.guid).status_code == 400
    assert client.post(f"{INVOICES}/{basket.invoice_id}/registerByToken").status_code == 400
    wrong_method = client.get(f"{INVOICES}/{basket.invoice_id}/registerByToken?token={basket.guid}")
    assert wrong_method.status_code == 405
    assert wrong_method["Allow"] == "POST"
    assert wrong_method.json()["error"] == "method_not_allowed"


def test_a_bad_invoice_id_is_answered_before_a_missing_token(client: Client, db: None) -> None:
    register = client.post(f"{INVOICES}/x1/registerByToken")
    pdf = client.get(f"{INVOICES}/x1/pdfByToken", headers={"Accept-Language": "fr"})
    for response in (register, pdf):
        assert (response.status_code, response.json()["error"]) == (400, "invalid_invoice_id")
        # Refusals are API answers like any other: never cached, in the caller's language.
        assert "no-store" in response["Cache-Control"]
    assert pdf["Content-Language"] == "fr"
    assert pdf.json()["message"] != register.json()["message"]


# pdfByToken --------------------------------------------------------------------------------


def test_pdf_by_basket_guid_before_and_after_registration(
    client: Client, purchase: Purchase
) -> None:
    basket = purchase()
    url = f"{INVOICES}/{basket.invoice_id}/pdfByToken"
    before = client.get(url, {"token": str(basket.guid)})
    assert before.status_code == 200
    assert before["Content-Type"] == "application/pdf"
    assert basket.invoice.invoice_number in pdf_text(before.content)
    _register(client, basket.invoice_id, basket.guid)
    assert client.get(url, {"token": str(basket.guid)}).content == before.content


def test_pdf_by_register_token(client: Client, purchase: Purchase) -> None:
    basket, other = purchase(), purchase()
    token = _register(client, basket.invoice_id, basket.guid).json()["Token"]
    response = client.get(f"{INVOICES}/{basket.invoice_id}/pdfByToken", {"token": token})
    assert response.status_code == 200
    assert basket.invoice.invoice_number in pdf_text(response.content)
    # The Token is scoped to its invoice.
    other_url = f"{INVOICES}/{other.invoice_id}/pdfByToken"
    assert client.get(other_url, {"token": token}).status_code == 404


def test_pdf_by_token_refusals(client: Client, purchase: Purchase) -> None:
    basket, other = purchase(), purchase()
    url = f"{INVOICES}/{basket.invoice_id}/pdfByToken"
    assert client.get(url).status_code == 400
    assert client.get(url, {"token": "garbage"}).status_code == 401
    assert client.get(url, {"token": str(uuid.uuid4())}).status_code == 401
    assert client.get(url, {"token": "eyJhbGciOiJIUzI1NiJ9.e30.x"}).status_code == 401
    other_url = f"{INVOICES}/{other.invoice_id}/pdfByToken"
    assert client.get(other_url, {"token": str(basket.guid)}).status_code == 404
    assert client.get(f"{INVOICES}/x1/pdfByToken", {"token": str(basket.guid)}).status_code == 400
    expire(basket)
    assert client.get(url, {"token": str(basket.guid)}).status_code == 401


def test_expired_register_token_is_401(client: Client, purchase: Purchase) -> None:
    basket = purchase()
    stale = token_issue(audience=Audience.INVOICE, subject=str(basket.invoice_id), seconds=-5)
    url = f"{INVOICES}/{basket.invoice_id}/pdfByToken"
    assert client.get(url, {"token": stale}).status_code == 401


def test_settlement_happens_once(purchase: Purchase) -> None:
    basket = purchase(pending_seconds=30)
    settle_at = timezone.now() - timedelta(seconds=1)
    BasketSession.objects.filter(pk=basket.pk).update(settles_at=settle_at)
    basket.refresh_from_db()
    settled = basket_settle(basket=basket)
    assert settled.status == "Paid"
    assert settled.invoice.paid_on == settle_at
