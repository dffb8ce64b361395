from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from sandbox import grants, services
from sandbox.models import BasketSession, Customer, Invoice

API = "/sandbox/api"
INVOICES = f"{API}/public/billing/invoices"

Purchase = Callable[..., BasketSession]


@pytest.fixture
def purchase(db: None) -> Purchase:
    """Makes a guest purchase through the simulated gateway."""

    def make(**kwargs: object) -> BasketSession:
        kwargs.setdefault("gateway", "stripe")
        return services.purchase_create(**kwargs)  # type: ignore[arg-type]

    return make


def expire(basket: BasketSession) -> None:
    BasketSession.objects.filter(pk=basket.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# Paying an invoice -------------------------------------------------------------------------

# Where the portal asks the gateway to send the buyer back.
RETURN_URL = "http://portal.example/en/invoices/complete"


def bearer(customer: Customer) -> dict[str, str]:
    access = grants.tokens_issue(customer=customer)["access_token"]
    return {"Authorization": f"Bearer {access}"}


def open_invoice(customer: Customer, index: int = 0) -> Invoice:
    """One of the customer's unpaid invoices (the demo customer has three)."""
    unpaid = Invoice.objects.filter(
        customer=customer, paid_on__isnull=True, credit_note=False, draft=False
    )
    return unpaid.order_by("pk")[index]


def checkout(
    client: Client,
    customer: Customer,
    invoice_id: int,
    *,
    gateway: str = "stripe",
    return_url: str = RETURN_URL,
    language: str = "en",
) -> Any:
    """The checkout call of an invoice, with the customer's bearer and the language of the
    portal's page, as the portal makes it."""
    return client.post(
        f"{INVOICES}/{invoice_id}/checkout",
        {"gateway": gateway, "returnUrl": return_url},
        headers=bearer(customer) | {"Accept-Language": language},
    )
