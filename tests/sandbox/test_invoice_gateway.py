"""The simulated gateway's page of an invoice basket (CheckoutUrl): Pay, Leave pending and
Fail, the redirect back to the portal, and what the invoice, status, registerByToken and
pdfByToken then answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from sandbox.models import BasketSession, Customer, Invoice, OutboxEmail, Payment
from tests.sandbox.conftest import (
    API,
    INVOICES,
    RETURN_URL,
    Purchase,
    bearer,
    checkout,
    open_invoice,
)

STATUS = f"{API}/public/checkout/status"


def _start(client: Client, customer: Customer, **kwargs: Any) -> tuple[Invoice, str, str]:
    """Starts paying the customer's first unpaid invoice: it, the page's path and the GUID."""
    invoice = open_invoice(customer)
    body = checkout(client, customer, invoice.pk, **kwargs).json()
    return invoice, body["CheckoutUrl"].removeprefix("http://testserver"), body["SessionId"]


def _detail(client: Client, customer: Customer, invoice: Invoice) -> Any:
    return client.get(f"{INVOICES}/{invoice.pk}", headers=bearer(customer)).json()


def test_the_page_shows_the_invoice_and_three_choices(
    client: Client, demo_customer: Customer
) -> None:
    invoice, page, _guid = _start(client, demo_customer)
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Canal Street Coworking" in html
    assert invoice.invoice_number in html
    assert invoice.business.format_money(invoice.total) in html
    choices = re.findall(r'<button type="submit" name="outcome" value="(\w+)"', html)
    assert choices == ["pay", "pending", "fail"]
    assert 'name="csrfmiddlewaretoken"' in html
    assert "<script" not in html
    assert "sandbox/sandbox.css" in html
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_page_lets_the_form_return_to_the_portal(
    client: Client, demo_customer: Customer
) -> None:
    # Mounted in the portal, whose policy allows forms to post to 'self' only: a browser would
    # hold the redirect to the portal's own origin after the post.
    _invoice, page, _guid = _start(client, demo_customer)
    policy = client.get(page)["Content-Security-Policy"]
    form_action = re.search(r"form-action ([^;]*)", policy)
    assert form_action is not None
    assert form_action.group(1).split() == ["'self'", "http://portal.example"]


def test_pay_marks_the_invoice_paid_and_returns_to_the_portal(
    client: Client, demo_customer: Customer
) -> None:
    invoice, page, guid = _start(client, demo_customer)
    response = client.post(page, {"outcome": "pay"})
    assert response.status_code == 303
    assert response["Location"] == f"{RETURN_URL}?stripe_session_id={guid}"

    detail = _detail(client, demo_customer, invoice)
    assert detail["Paid"] is True
    assert detail["PaidOn"] is not None
    assert detail["DueAmount"] == 0
    [payment] = detail["Payments"]
    assert payment["CardBrand"] == "Visa"
    assert payment["CardLastFour"] == "4242"
    assert payment["Amount"] == pytest.approx(float(invoice.total))
    assert payment["AmountFormated"] == detail["TotalFormated"]
    assert payment["PaidOn"] == detail["PaidOn"]
    # My Invoices shows it paid at once.
    mine = client.get(f"{INVOICES}/my", {"paid": "true"}, headers=bearer(demo_customer)).json()
    assert invoice.pk in [record["Id"] for record in mine["Records"]]

    [receipt] = OutboxEmail.objects.all()
    assert receipt.to == demo_customer.email
    assert invoice.invoice_number in receipt.subject
    assert "4242" in receipt.body
    assert detail["TotalFormated"] in receipt.body


def test_the_session_id_joins_the_return_urls_own_query(
    client: Client, demo_customer: Customer
) -> None:
    return_url = "https://portal.example/fr/invoices/complete?from=pay#receipt"
    _invoice, page, guid = _start(client, demo_customer, gateway="paypal", return_url=return_url)
    location = client.post(page, {"outcome": "fail"})["Location"]
    assert location == (
        f"https://portal.example/fr/invoices/complete?from=pay&paypal_session_id={guid}#receipt"
    )


def test_paying_again_pays_once(client: Client, demo_customer: Customer) -> None:
    invoice, page, guid = _start(client, demo_customer)
    client.post(page, {"outcome": "pay"})
    paid_on = Invoice.objects.get(pk=invoice.pk).paid_on
    again = client.post(page, {"outcome": "pay"})
    assert again.status_code == 303
    assert again["Location"] == f"{RETURN_URL}?stripe_session_id={guid}"
    # Nor does a later Fail undo it.
    client.post(page, {"outcome": "fail"})
    assert Payment.objects.count() == 1
    assert OutboxEmail.objects.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).paid_on == paid_on
    assert BasketSession.objects.get(guid=guid).status == "Paid"
    # The page now says so, with the way back instead of the choices.
    html = client.get(page).content.decode()
    assert 'name="outcome"' not in html
    assert f"stripe_session_id={guid}" in html


def test_leave_pending_leaves_it_pending(client: Client, demo_customer: Customer) -> None:
    invoice, page, guid = _start(client, demo_customer)
    response = client.post(page, {"outcome": "pending"})
    assert response.status_code == 303
    assert response["Location"] == f"{RETURN_URL}?stripe_session_id={guid}"
    assert client.get(STATUS, {"token": guid}).json()["Status"] == "Pending"
    assert _detail(client, demo_customer, invoice)["Paid"] is False
    # Paying later goes through the same basket.
    assert checkout(client, demo_customer, invoice.pk).json()["SessionId"] == guid
    client.post(page, {"outcome": "pay"})
    assert client.get(STATUS, {"token": guid}).json()["Status"] == "Paid"


def test_fail_leaves_the_invoice_unpaid_and_a_new_checkout_starts_a_new_basket(
    client: Client, demo_customer: Customer
) -> None:
    invoice, page, guid = _start(client, demo_customer)
    assert client.post(page, {"outcome": "fail"}).status_code == 303
    body = client.get(STATUS, {"token": guid}).json()
    assert body["Status"] == "Failed"
    assert body["Invoice"]["Paid"] is False
    assert not Payment.objects.exists()
    assert not OutboxEmail.objects.exists()
    again = checkout(client, demo_customer, invoice.pk)
    assert again.status_code == 200
    assert again.json()["SessionId"] != guid


def test_status_register_and_pdf_of_a_paid_invoice_basket(
    client: Client, demo_customer: Customer
) -> None:
    invoice, page, guid = _start(client, demo_customer)
    # Before the choice, as a purchase still being confirmed.
    register = f"{INVOICES}/{invoice.pk}/registerByToken?token={guid}"
    assert client.post(register).status_code == 409
    client.post(page, {"outcome": "pay"})
    status = client.get(STATUS, {"token": guid}).json()
    assert status["Status"] == "Paid"
    assert status["Email"] == demo_customer.email
    assert status["Invoice"]["Id"] == invoice.pk
    assert status["Invoice"]["Paid"] is True
    assert status["Invoice"]["Payments"][0]["CardLastFour"] == "4242"

    registered = client.post(register)
    assert registered.status_code == 200
    assert registered.json()["CustomerCreated"] is False
    assert Customer.objects.filter(email__iexact=demo_customer.email).count() == 1
    assert BasketSession.objects.get(guid=guid).registered_customer == demo_customer
    assert client.post(register).status_code == 401  # once per basket, as for a purchase

    pdf = client.get(f"{INVOICES}/{invoice.pk}/pdfByToken", {"token": guid})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_the_page_and_receipt_speak_the_portals_language(
    client: Client, demo_customer: Customer
) -> None:
    invoice, page, _guid = _start(client, demo_customer, language="de")
    # The page's language is the portal page's, whatever the browser sends.
    html = client.get(page, headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="de">' in html
    assert ">Bezahlen</button>" in html
    client.post(page, {"outcome": "pay"})
    receipt = OutboxEmail.objects.get()
    assert invoice.invoice_number in receipt.subject
    assert receipt.subject.startswith("Beleg")


def test_the_form_needs_its_csrf_token(demo_customer: Customer) -> None:
    browser = Client(enforce_csrf_checks=True)
    _invoice, page, guid = _start(browser, demo_customer)
    assert browser.post(page, {"outcome": "pay"}).status_code == 403
    html = browser.get(page).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    answer = browser.post(page, {"outcome": "pay", "csrfmiddlewaretoken": token.group(1)})
    assert answer.status_code == 303
    assert BasketSession.objects.get(guid=guid).status == "Paid"


@pytest.mark.parametrize("outcome", ["", "refund"])
def test_an_unknown_choice_is_400_and_changes_nothing(
    client: Client, demo_customer: Customer, outcome: str
) -> None:
    _invoice, page, guid = _start(client, demo_customer)
    assert client.post(page, {"outcome": outcome}).status_code == 400
    assert client.post(page).status_code == 400
    assert BasketSession.objects.get(guid=guid).status == "Pending"


def test_no_page_for_an_unknown_expired_or_purchase_basket(
    client: Client, demo_customer: Customer, purchase: Purchase
) -> None:
    _invoice, page, guid = _start(client, demo_customer)
    BasketSession.objects.filter(guid=guid).update(expires_at="2020-01-01T00:00Z")
    assert client.get(page).status_code == 404
    assert client.post(page, {"outcome": "pay"}).status_code == 404
    assert not Payment.objects.exists()
    assert client.get("/sandbox/pay/not-a-guid").status_code == 404
    assert client.get(f"/sandbox/pay/{purchase().guid}").status_code == 404


def test_a_paid_purchase_records_its_payment_and_emails_a_receipt(
    client: Client, purchase: Purchase
) -> None:
    basket = purchase(email="buyer@example.com")
    invoice = client.get(STATUS, {"token": str(basket.guid)}).json()["Invoice"]
    assert [payment["CardBrand"] for payment in invoice["Payments"]] == ["Visa"]
    # As a tenant does: the receipt page's "a receipt is on its way" is then true.
    [receipt] = OutboxEmail.objects.all()
    assert receipt.to == "buyer@example.com"
    assert invoice["InvoiceNumber"] in receipt.subject
