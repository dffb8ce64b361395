"""Invoice payments a member started here, kept in the server-side session: My Invoices
starts them, and the checkout-complete page, where the gateway returns, shows how they ended
(docs/checkout.md, "Paying an invoice"). Neither page names the other's URLs or keys."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.urls import reverse

SESSION_PAYMENTS = "invoice_payments"
# The page every gateway returns to, for purchases and invoice payments alike.
RETURN_URL_NAME = "checkout:complete"
PAYMENTS_KEPT = 20
# A second Pay of the same invoice this soon (a double click, a second tab) reuses the first
# checkout: one basket, one charge, one call.
REUSE_SECONDS = 60


@dataclass(frozen=True)
class StartedPayment:
    invoice_id: int
    number: str
    amount: str
    # The invoice's page, where Pay is: "Try again" after a failed payment.
    retry_url: str
    checkout_url: str
    started_at: float


def payment_return_url(request: HttpRequest) -> str:
    """Where the gateway sends the member back: this host's checkout-complete page."""
    return request.build_absolute_uri(reverse(RETURN_URL_NAME))


def payment_remember(*, session: SessionBase, basket_id: str, payment: StartedPayment) -> None:
    kept: dict[str, dict[str, object]] = session.get(SESSION_PAYMENTS, {})
    kept[basket_id.lower()] = payment.__dict__
    session[SESSION_PAYMENTS] = dict(list(kept.items())[-PAYMENTS_KEPT:])


def payment_recall(*, session: SessionBase, basket_id: str) -> StartedPayment | None:
    """The invoice payment this basket is, when this session started it."""
    found = session.get(SESSION_PAYMENTS, {}).get(basket_id.lower())
    return StartedPayment(**found) if isinstance(found, dict) else None


def payment_recent(*, session: SessionBase, invoice_id: int) -> StartedPayment | None:
    """A checkout of this invoice started within REUSE_SECONDS."""
    for found in session.get(SESSION_PAYMENTS, {}).values():
        payment = StartedPayment(**found)
        if payment.invoice_id == invoice_id and time.time() - payment.started_at < REUSE_SECONDS:
            return payment
    return None


def payment_failed(*, session: SessionBase, basket_id: str) -> None:
    """A failed payment's basket is never reused: the next Pay starts a new one. The entry
    stays, so that the failed page, reloaded, still names the invoice."""
    kept: dict[str, dict[str, object]] = session.get(SESSION_PAYMENTS, {})
    found = kept.get(basket_id.lower())
    if found is not None and found.get("started_at"):
        found["started_at"] = 0.0
        session[SESSION_PAYMENTS] = kept


def payments_forget_on_sign_out(sender: object, *, session: SessionBase, **kwargs: object) -> None:
    """A `signing_out` receiver (accounts.apps): the next customer sees none of these."""
    session.pop(SESSION_PAYMENTS, None)
