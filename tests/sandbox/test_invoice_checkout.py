"""Paying an invoice (CONTRACT.md, "Paying an invoice" [ours]): the checkout call, its
refusals and its idempotence. The gateway page and what follows it: test_invoice_gateway.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from sandbox import conf, services
from sandbox.models import BasketSession, Customer, Invoice
from tests.sandbox.conftest import INVOICES, RETURN_URL, bearer, checkout, open_invoice

LINES = [("Dedicated desk, monthly", 1, Decimal("320.00"))]


def test_checkout_answers_the_gateway_page_and_the_session(
    client: Client, demo_customer: Customer
) -> None:
    invoice = open_invoice(demo_customer)
    response = checkout(client, demo_customer, invoice.pk, gateway="spreedly")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"CheckoutUrl", "SessionId"}
    basket = BasketSession.objects.get(guid=body["SessionId"])
    assert body["CheckoutUrl"] == f"http://testserver/sandbox/pay/{basket.guid}"
    assert basket.kind == BasketSession.Kind.INVOICE
    assert basket.invoice == invoice
    assert basket.gateway == "spreedly"
    assert basket.status == BasketSession.Status.PENDING
    assert basket.buyer_email == demo_customer.email
    assert basket.return_url == RETURN_URL


def test_asking_again_returns_the_open_basket(client: Client, demo_customer: Customer) -> None:
    invoice = open_invoice(demo_customer)
    first = checkout(client, demo_customer, invoice.pk).json()
    # A second tab, even one that picked another gateway, pays through the same basket.
    again = checkout(client, demo_customer, invoice.pk).json()
    other_gateway = checkout(client, demo_customer, invoice.pk, gateway="paypal").json()
    assert first == again == other_gateway
    assert BasketSession.objects.filter(invoice=invoice).count() == 1
    # Another unpaid invoice gets a basket of its own.
    second_invoice = open_invoice(demo_customer, index=1)
    assert checkout(client, demo_customer, second_invoice.pk).json() != first


def test_an_expired_basket_is_not_reused(client: Client, demo_customer: Customer) -> None:
    invoice = open_invoice(demo_customer)
    first = checkout(client, demo_customer, invoice.pk).json()
    BasketSession.objects.filter(guid=first["SessionId"]).update(expires_at="2020-01-01T00:00Z")
    assert checkout(client, demo_customer, invoice.pk).json() != first


def test_without_a_valid_bearer_it_is_401(client: Client, demo_customer: Customer) -> None:
    invoice = open_invoice(demo_customer)
    url = f"{INVOICES}/{invoice.pk}/checkout"
    form = {"gateway": "stripe", "returnUrl": RETURN_URL}
    assert client.post(url, form).status_code == 401
    garbage = {"Authorization": "Bearer not-a-token"}
    assert client.post(url, form, headers=garbage).status_code == 401
    assert not BasketSession.objects.exists()


def test_another_customers_invoice_is_404(client: Client, demo_customer: Customer) -> None:
    other, _ = services.customer_get_or_create(
        business=demo_customer.business, email="other@example.com"
    )
    theirs = services.invoice_create(
        business=other.business, customer=other, email=other.email, lines=LINES
    )
    response = checkout(client, demo_customer, theirs.pk)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert checkout(client, demo_customer, 99_999_999).status_code == 404
    # Their own bearer opens it.
    assert checkout(client, other, theirs.pk).status_code == 200


def test_a_paid_invoice_is_409_without_retry_after(client: Client, demo_customer: Customer) -> None:
    paid = Invoice.objects.filter(
        customer=demo_customer, paid_on__isnull=False, credit_note=False
    ).first()
    assert paid is not None
    response = checkout(client, demo_customer, paid.pk)
    assert response.status_code == 409
    assert "Retry-After" not in response
    assert response.json()["error"] == "already_paid"
    assert response.json()["message"]
    assert not BasketSession.objects.filter(invoice=paid).exists()


def test_the_call_counts_as_a_write_and_its_throttle_carries_retry_after(
    client: Client, demo_customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conf, "WRITE_RATE_LIMITS", ((60, 2),))
    invoice = open_invoice(demo_customer)
    statuses = [checkout(client, demo_customer, invoice.pk) for _ in range(3)]
    assert [response.status_code for response in statuses] == [200, 200, 409]
    assert int(statuses[2]["Retry-After"]) >= 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"draft": True}, "draft_invoice"),
        ({"credit_note": True}, "credit_note"),
        ({"void": True}, "void_invoice"),
    ],
)
def test_an_invoice_that_cannot_be_paid_is_400(
    client: Client, demo_customer: Customer, change: dict[str, bool], code: str
) -> None:
    invoice = open_invoice(demo_customer)
    Invoice.objects.filter(pk=invoice.pk).update(**change)
    response = checkout(client, demo_customer, invoice.pk)
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert not BasketSession.objects.filter(invoice=invoice).exists()


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"gateway": "bitcoin", "returnUrl": RETURN_URL}, "invalid_gateway"),
        ({"returnUrl": RETURN_URL}, "invalid_gateway"),
        ({"gateway": "stripe"}, "invalid_return_url"),
        ({"gateway": "stripe", "returnUrl": "/en/invoices/complete"}, "invalid_return_url"),
        ({"gateway": "stripe", "returnUrl": "javascript:alert(1)"}, "invalid_return_url"),
        ({"gateway": "stripe", "returnUrl": "ftp://portal.example/x"}, "invalid_return_url"),
        ({"gateway": "stripe", "returnUrl": "https://"}, "invalid_return_url"),
        ({"gateway": "stripe", "returnUrl": "https://portal.example:99999/"}, "invalid_return_url"),
        ({"gateway": "stripe", "returnUrl": "https://portal.example/a b"}, "invalid_return_url"),
    ],
)
def test_a_bad_gateway_or_return_url_is_400(
    client: Client, demo_customer: Customer, form: dict[str, str], code: str
) -> None:
    invoice = open_invoice(demo_customer)
    response = client.post(f"{INVOICES}/{invoice.pk}/checkout", form, headers=bearer(demo_customer))
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert not BasketSession.objects.exists()


def test_a_json_body_is_not_read(client: Client, demo_customer: Customer) -> None:
    # CONTRACT.md: the form is form-encoded, as the token call's is.
    invoice = open_invoice(demo_customer)
    response = client.post(
        f"{INVOICES}/{invoice.pk}/checkout",
        {"gateway": "stripe", "returnUrl": RETURN_URL},
        content_type="application/json",
        headers=bearer(demo_customer),
    )
    assert response.status_code == 400
