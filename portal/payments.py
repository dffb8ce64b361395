"""Invoice payments a member started here: My Invoices starts them, and the checkout-complete
page, where the gateway returns, shows how they ended (docs/checkout.md, "Paying an invoice").
Neither page names the other's URLs or keys; they meet here.

One checkout per member and invoice while it may still be paid: started once under a shared
lock (two tabs, a double click, two processes), reused until it fails or REUSE_SECONDS pass,
so the member is never sent to pay the same invoice twice by this portal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields

from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse

import upstream
from portal.caching import cached_once

SESSION_PAYMENTS = "invoice_payments"
# The page every gateway returns to, for purchases and invoice payments alike.
RETURN_URL_NAME = "checkout:complete"
PAYMENTS_KEPT = 20
# A gateway's checkout outlives a tab closed halfway: Pay again within this time goes back to
# it rather than opening a second one for the same invoice.
REUSE_SECONDS = 30 * 60


@dataclass(frozen=True)
class StartedPayment:
    basket_id: str  # the basket session's GUID, lower case: the gateway returns with it
    invoice_id: int
    number: str
    amount: str
    # The invoice's page, where Pay is: "Try again" after a failed payment.
    retry_url: str
    checkout_url: str


def _read(found: object) -> StartedPayment | None:
    """A kept payment, or None for one kept by another version of this code."""
    names = {field.name for field in fields(StartedPayment)}
    if not isinstance(found, dict) or set(found) != names:
        return None
    try:
        return StartedPayment(**found)
    except (TypeError, ValueError):
        return None


def basket_id_read(value: str) -> str | None:
    """The upstream's SessionId as the gateway will return it, or None."""
    value = value.strip().strip("{}").lower()
    return value if upstream.BASKET_GUID.fullmatch(value) else None


def payment_return_url(request: HttpRequest) -> str:
    """Where the gateway sends the member back: this host's checkout-complete page."""
    return request.build_absolute_uri(reverse(RETURN_URL_NAME))


def _key(session: SessionBase, invoice_id: int) -> str:
    digest = hashlib.sha256(f"{session.session_key}:{invoice_id}".encode()).hexdigest()
    return f"payments:started:{digest}"


def payment_once(
    *, session: SessionBase, invoice_id: int, start: Callable[[], StartedPayment]
) -> StartedPayment:
    """The member's checkout of this invoice: the one started before, or `start()`, once."""
    if session.session_key is None:
        session.save()
    payment = cached_once(key=_key(session, invoice_id), compute=start, timeout=REUSE_SECONDS)
    kept: dict[str, dict[str, object]] = session.get(SESSION_PAYMENTS, {})
    if payment.basket_id not in kept:
        kept[payment.basket_id] = asdict(payment)
        session[SESSION_PAYMENTS] = dict(list(kept.items())[-PAYMENTS_KEPT:])
    return payment


def payment_recall(*, session: SessionBase, basket_id: str) -> StartedPayment | None:
    """The invoice payment this basket is, when this session started it."""
    return _read(session.get(SESSION_PAYMENTS, {}).get(basket_id.lower()))


def payment_failed(*, session: SessionBase, payment: StartedPayment) -> None:
    """A failed payment's checkout is never reused: the next Pay starts a new one. The
    session keeps it, so that the failed page, reloaded, still names the invoice."""
    key = _key(session, payment.invoice_id)
    if getattr(cache.get(key), "basket_id", None) == payment.basket_id:
        cache.delete(key)


def payments_forget_on_sign_out(sender: object, *, session: SessionBase, **kwargs: object) -> None:
    """A `signing_out` receiver (accounts.apps): the next customer sees none of these."""
    for found in session.get(SESSION_PAYMENTS, {}).values():
        payment = _read(found)
        if payment is not None:
            cache.delete(_key(session, payment.invoice_id))
    session.pop(SESSION_PAYMENTS, None)
