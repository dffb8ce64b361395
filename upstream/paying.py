"""[ours] Paying an invoice (CONTRACT.md, "Paying an invoice"): no public document names the
call, so it is assumed in this one function and listed in docs/checkout.md."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from upstream import endpoints
from upstream.budget import Priority
from upstream.errors import AlreadyPaid, UnexpectedAnswer
from upstream.parsing import JsonFields
from upstream.results import InvoiceCheckout
from upstream.sending import json_object, send

# The gateways a checkout names (CONTRACT.md), with the names people know them by; each
# returns the buyer with `?{gateway}_session_id=` and the basket's GUID.
GATEWAYS = {"stripe": "Stripe", "spreedly": "Spreedly", "paypal": "PayPal"}
# [seed] A basket session token: a canonical GUID.
BASKET_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def invoice_checkout_start(
    *, bearer: str, invoice_id: int, gateway: str, return_url: str
) -> InvoiceCheckout:
    """Starts an invoice basket for one of the customer's unpaid invoices; the gateway
    returns to `return_url` with `?{gateway}_session_id=`.

    AlreadyPaid: 409 without Retry-After (with it, Throttled, as every call). NotFound: not
    this customer's invoice, or a tenant without this call. A 400 (a draft, a credit note)
    is UnexpectedAnswer: the pages offer Pay only where the invoice can be paid.
    """
    if gateway not in GATEWAYS:
        raise ValueError(f"unknown gateway {gateway!r}")
    path = endpoints.invoice_checkout(invoice_id)
    # A member's page: the buyers' reserve is kept for the status and registration that
    # follow a payment.
    status, body = send(
        "POST",
        path,
        priority=Priority.MEMBER,
        bearer=bearer,
        form={"gateway": gateway, "returnUrl": return_url},
    )
    if status == 409:
        raise AlreadyPaid(f"POST {path}: 409, already paid")
    if status != 200:
        raise UnexpectedAnswer(f"POST {path}: status {status}")
    fields = JsonFields(json_object(body, path), "InvoiceCheckout")
    checkout_url = fields.required_text("CheckoutUrl")
    # The member's browser goes there: an absolute http(s) address, nothing else.
    if urlsplit(checkout_url).scheme not in ("https", "http") or not urlsplit(checkout_url).netloc:
        raise UnexpectedAnswer("InvoiceCheckout.CheckoutUrl is not an absolute web address")
    return InvoiceCheckout(checkout_url=checkout_url, session_id=fields.required_text("SessionId"))
