"""The completion page after Pay (portal.payments): the receipt of a member's invoice payment,
and its pending and failed states naming the invoice; the receipt's amount paid, card and
"a receipt is on its way" only where the brand says its billing system sends one."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from django.conf import settings
from django.test import Client

from brands.models import Brand, BrandHost
from tests.helpers import upstream_data
from tests.helpers.checkout import GUID, land, register, status
from tests.helpers.html import Page
from tests.helpers.invoices import bearer, mock_invoice
from tests.helpers.sign_in import sign_in
from tests.helpers.upstream import upstream_url
from upstream import endpoints

pytestmark = pytest.mark.django_db

UNPAID = {"Paid": False, "PaidOn": None, "DueAmount": 163.35, "DueDate": "2099-01-01T00:00:00"}
CARD = [{"PaidOn": "2026-12-01T10:00:00", "AmountFormated": "€163.35", "CardBrand": "Visa",
         "CardLastFour": "4242"}]  # fmt: skip


def _paying(client: Client, mocked: responses.RequestsMock) -> Client:
    """A member who pressed Pay on invoice 42: the started payment is in their session."""
    sign_in(client, mocked)
    mock_invoice(mocked, 42, json=upstream_data.invoice_detail(42, **UNPAID))
    url = upstream_url(endpoints.invoice_checkout(42))
    answer = {"CheckoutUrl": "https://pay.example.com/s/1", "SessionId": GUID}
    mocked.add(responses.POST, url, match=[bearer()], json=answer)
    assert client.post("/en/invoices/42/pay").status_code == 200
    return client


def test_the_receipt_of_an_invoice_payment(client: Client, mocked: responses.RequestsMock) -> None:
    member = _paying(client, mocked)
    status(mocked, Email="customer@example.com", Payments=CARD)
    register(mocked)
    page = Page(land(member))
    assert "Thank you for your payment" in page.text
    assert "Invoice INV-2026-00042 is paid." in page.text
    assert "Amount paid €163.35" in page.text
    assert "Visa ending in 4242" in page.text
    # Signed in: no password to set, no sign-in link; the way back to My Invoices.
    assert "Set your password" not in page.text
    assert "Sign in to My Invoices" not in page.text
    assert page.links_named("Back to My Invoices") == ["/en/invoices/"]


def test_pending_and_failed_name_the_invoice_and_failed_leads_back_to_paying_it(
    client: Client, mocked: responses.RequestsMock
) -> None:
    member = _paying(client, mocked)
    status(mocked, "Pending")
    assert "Your payment of €163.35 for invoice INV-2026-00042." in Page(land(member)).text
    mocked.replace(
        responses.GET,
        upstream_url(endpoints.CHECKOUT_STATUS),
        json=upstream_data.checkout_status("Failed"),
    )
    failed = Page(member.get("/en/invoices/complete"))
    assert "Your payment of €163.35 for invoice INV-2026-00042 did not go through." in failed.text
    assert failed.links_named("Try again") == ["/en/invoices/42/"]
    # The failed checkout is not reused: the next Pay starts a new one.
    checkout = upstream_url(endpoints.invoice_checkout(42))
    member.post("/en/invoices/42/pay")
    assert sum(1 for call in mocked.calls if call.request.url == checkout) == 2


def test_a_purchase_receipt_shows_the_amount_paid_and_the_gateway(
    client: Client, mocked: responses.RequestsMock
) -> None:
    status(mocked)
    register(mocked)
    page = Page(land(client))
    assert "Amount paid €163.35" in page.text
    assert "Payment method Stripe" in page.text
    assert "A receipt is on its way to buyer@example.com" in page.text


def _brand(**fields: Any) -> None:
    brand = Brand.objects.create(slug="canal", upstream_url=settings.UPSTREAM_URL, **fields)
    BrandHost.objects.create(brand=brand, host="testserver")


def test_no_receipt_is_promised_where_the_billing_system_sends_none(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _brand(receipt_emailed=False)
    status(mocked)
    register(mocked)
    page = Page(land(client))
    assert "Your purchase from Canal Street Coworking is complete." in page.text
    assert "receipt" not in page.text.lower()


def test_the_pdf_link_says_view_as_it_opens(client: Client, mocked: responses.RequestsMock) -> None:
    # The upstream serves its PDFs inline: a link that opens one is "View", never "Download".
    status(mocked)
    register(mocked)
    page = Page(land(client))
    assert len(page.links_named("View invoice (PDF)")) == 1
    assert not [name for _href, name in page.links if name.startswith("Download")]
