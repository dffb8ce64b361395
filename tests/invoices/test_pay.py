"""Pay from My Invoices (invoices.views.invoice_pay), with a mocked upstream: who is offered
Pay, what one press sends, and the answers that are not a gateway (already paid, the
operator's own payment page, Pay turned off)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from django.conf import settings
from django.test import Client

from brands.models import Brand, BrandHost
from tests.helpers import upstream_data
from tests.helpers.html import Element, Page, csrf_token
from tests.helpers.invoices import bearer, mock_invoice, mock_my_invoices
from tests.helpers.sign_in import sign_in
from tests.helpers.upstream import upstream_url
from upstream import endpoints

pytestmark = pytest.mark.django_db

UNPAID = {"Paid": False, "PaidOn": None, "DueAmount": 163.35, "DueDate": "2099-01-01T00:00:00"}
GATEWAY = "https://pay.example.com/checkout/s_1"
SESSION = "5f0b8d0e-1c2a-4e57-9d3c-2b7a9e4f6a10"


def _sent_to(response: Any) -> str:
    """Where the page after Pay sends the browser: a refresh, and a link for the same place
    (a redirect after the POST would meet the page's form-action 'self' in Chromium)."""
    assert response.status_code == 200
    page = Page(response)
    [refresh] = [e for e in page.elements if e.get("http-equiv") == "refresh"]
    url = str(refresh["content"]).removeprefix("0;url=")
    assert page.links_named("Continue to the payment page") == [url]
    return url


def _pay_forms(page: Page) -> list[Element]:
    return [e for e in page.elements if e["tag"] == "form" and e.get("class") == "pay"]


def _checkout(mocked: responses.RequestsMock, invoice_id: int = 42, **answer: Any) -> Any:
    answer = answer or {"json": {"CheckoutUrl": GATEWAY, "SessionId": SESSION}}
    url = upstream_url(endpoints.invoice_checkout(invoice_id))
    return mocked.add(responses.POST, url, match=[bearer()], **answer)


def test_pay_starts_one_checkout_and_sends_the_member_to_the_gateway(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    checkout = _checkout(mocked)
    response = customer.post("/en/invoices/42/pay")
    assert _sent_to(response) == GATEWAY
    form = parse_qs(str(checkout.calls[0].request.body))
    assert form == {
        "gateway": ["stripe"],
        "returnUrl": ["http://testserver/en/invoices/complete"],
    }
    # A double click, or a second tab: the same checkout, no second call, one charge.
    again = customer.post("/en/invoices/42/pay")
    assert _sent_to(again) == GATEWAY
    assert checkout.call_count == 1


def test_pay_is_offered_on_unpaid_invoices_only(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    records = [
        upstream_data.invoice_detail(1, **UNPAID),
        upstream_data.invoice_detail(2),  # paid
        upstream_data.invoice_detail(3, CreditNote=True, Paid=False, PaidOn=None),
        upstream_data.invoice_detail(4, Draft=True, **UNPAID),
        upstream_data.invoice_detail(5, **{**UNPAID, "DueDate": "2020-01-01T00:00:00"}),
    ]
    mock_my_invoices(mocked, records)
    page = Page(customer.get("/en/invoices/"))
    actions = {form["action"] for form in _pay_forms(page)}
    assert actions == {"/en/invoices/1/pay", "/en/invoices/5/pay"}
    # Each row has one quiet PDF action, not a filled button.
    assert {page.by_id[f"pdf-link-{i}"]["class"] for i in range(1, 6)} == {"pdf-link"}


def test_the_invoice_page_offers_pay_while_unpaid(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    response = customer.get("/en/invoices/42/")
    [form] = _pay_forms(Page(response))
    assert form["action"] == "/en/invoices/42/pay"
    assert csrf_token(response)


def test_an_invoice_paid_meanwhile_says_so_with_its_receipt(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_invoice(mocked, 42)  # paid
    response = customer.post("/en/invoices/42/pay")
    assert response.status_code == 303
    assert response["Location"] == "/en/invoices/42/?notice=paid"
    page = customer.get(response["Location"])
    assert "This invoice is already paid" in page.content.decode()
    assert not _pay_forms(Page(page))


def test_the_upstreams_already_paid_is_the_same_answer(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    _checkout(mocked, status=409, json={"message": "paid"})
    response = customer.post("/en/invoices/42/pay")
    assert response["Location"] == "/en/invoices/42/?notice=paid"


def test_a_notice_in_the_address_of_an_unpaid_invoice_is_not_believed(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    # The upstream said 409 while its invoice still reads unpaid (a lag), or the address was
    # typed: the page says a payment is under way, never that the invoice is paid.
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    text = Page(customer.get("/en/invoices/42/?notice=paid")).text
    assert "already paid" not in text
    assert "already recorded or under way" in text


def test_a_throttled_start_is_the_busy_page(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    _checkout(mocked, status=409, body="", headers={"Retry-After": "30"})
    response = customer.post("/en/invoices/42/pay")
    assert response.status_code == 429
    assert response["Retry-After"] == "30"


def test_a_get_leads_to_the_invoice_and_starts_nothing(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    response = customer.get("/en/invoices/42/pay")
    assert response.status_code == 303
    assert response["Location"] == "/en/invoices/42/"


def test_signed_out_pay_asks_to_sign_in(client: Client) -> None:
    response = client.post("/en/invoices/42/pay")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/sign-in")


def _branded(client: Client, mocked: responses.RequestsMock, **fields: Any) -> Client:
    """A customer signed in on a brand of `fields` (a session belongs to one brand)."""
    brand = Brand.objects.create(slug="canal", upstream_url=settings.UPSTREAM_URL, **fields)
    BrandHost.objects.create(brand=brand, host="testserver")
    sign_in(client, mocked)
    return client


def test_an_operators_payment_page_gets_the_invoice(
    client: Client, mocked: responses.RequestsMock
) -> None:
    page_url = "https://pay.example.com/i/{id}?u={unique_id}"
    customer = _branded(client, mocked, invoice_payment="page", payment_page_url=page_url)
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    response = customer.post("/en/invoices/42/pay")
    assert _sent_to(response) == (
        "https://pay.example.com/i/42?u=1b7f3c1e-0000-4000-8000-000000000042"
    )


def test_pay_turned_off_shows_no_button_and_starts_nothing(
    client: Client, mocked: responses.RequestsMock
) -> None:
    customer = _branded(client, mocked, invoice_payment="off")
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    assert not _pay_forms(Page(customer.get("/en/invoices/42/")))
    response = customer.post("/en/invoices/42/pay")
    assert response["Location"] == "/en/invoices/42/"


def test_pay_again_later_goes_back_to_the_same_checkout(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    # An upstream that would open a new checkout on every call: the portal asks it once.
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    checkout = _checkout(mocked)
    for _ in range(3):
        assert _sent_to(customer.post("/en/invoices/42/pay")) == GATEWAY
    assert checkout.call_count == 1


def test_a_checkout_without_a_usable_session_id_is_not_followed(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    _checkout(mocked, json={"CheckoutUrl": GATEWAY, "SessionId": "not-a-guid"})
    response = customer.post("/en/invoices/42/pay")
    assert response.status_code == 502
    assert GATEWAY not in response.content.decode()


def test_payments_kept_by_another_version_are_ignored(
    customer: Client, mocked: responses.RequestsMock
) -> None:
    session = customer.session
    session["invoice_payments"] = {SESSION: {"invoice_id": 42, "number": "old shape"}}
    session.save()
    status_url = upstream_url(endpoints.CHECKOUT_STATUS)
    mocked.get(status_url, json=upstream_data.checkout_status("Pending"))
    landing = customer.get(f"/en/invoices/complete?stripe_session_id={SESSION}")
    page = customer.get(landing["Location"])
    assert page.status_code == 200
    assert "old shape" not in page.content.decode()
