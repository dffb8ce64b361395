"""Paying an existing invoice (CONTRACT.md, "Paying an invoice" [ours]): an invoice basket,
the simulated gateway's answer to it, the payment it records and the receipt it emails."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sandbox import conf, writes
from sandbox.models import BasketSession, Customer, Invoice, OutboxEmail, Payment

# The card every simulated payment is made with (Stripe's test Visa).
CARD_BRAND = "Visa"
CARD_LAST_FOUR = "4242"
RETURN_URL_MAX = 2048


class Choice(models.TextChoices):
    """What the buyer makes the simulated gateway answer."""

    PAY = "pay"
    PENDING = "pending"
    FAIL = "fail"


class CheckoutRefused(Exception):
    """The invoice cannot be paid; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def return_url_valid(raw: str) -> bool:
    """An absolute http(s) address, as a gateway's success URL must be: the browser is sent
    there, so nothing relative, no other scheme, no whitespace or control characters."""
    if not raw or len(raw) > RETURN_URL_MAX or any(c.isspace() or ord(c) < 32 for c in raw):
        return False
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018  (raises ValueError for a port that is not one)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def return_address(*, basket: BasketSession) -> str:
    """The return URL with `{gateway}_session_id={guid}` added to its query, before any
    fragment, as a gateway returns the buyer (CONTRACT.md, "Guest checkout completion")."""
    parts = urlsplit(basket.return_url)
    added = urlencode({f"{basket.gateway}_session_id": str(basket.guid)})
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit(parts._replace(query=query))


def _payable(invoice: Invoice | None) -> Invoice:
    """The invoice, if it can be paid; CheckoutRefused otherwise."""
    if invoice is None:
        # Another customer's invoice is as unknown as one that does not exist.
        raise CheckoutRefused(404, "not_found", _("No such invoice."))
    if invoice.draft:
        raise CheckoutRefused(400, "draft_invoice", _("A draft invoice cannot be paid."))
    if invoice.credit_note:
        raise CheckoutRefused(400, "credit_note", _("A credit note cannot be paid."))
    if invoice.void:
        raise CheckoutRefused(400, "void_invoice", _("A void invoice cannot be paid."))
    if invoice.paid:
        # No Retry-After: that is what tells it from the throttle's 409.
        raise CheckoutRefused(409, "already_paid", _("This invoice is already paid."))
    return invoice


def invoice_checkout_start(
    *, customer: Customer, invoice_id: int, gateway: str, return_url: str
) -> BasketSession:
    """The open basket of this unpaid invoice, else a new one: two tabs or a double click
    make one payment. The first basket's gateway and return URL stay.

    One writer at a time (SQLite), and the invoice row locked (PostgreSQL), so that two
    concurrent calls cannot both find no basket and make two.
    """
    if gateway not in BasketSession.Gateway.values or not return_url_valid(return_url):
        raise ValueError("an unknown gateway or a return URL that is not absolute")
    now = timezone.now()
    with writes.one_writer():
        invoices = Invoice.objects.select_for_update().filter(customer=customer)
        invoice = _payable(invoices.filter(pk=invoice_id).first())
        baskets = BasketSession.objects.filter(
            invoice=invoice,
            kind=BasketSession.Kind.INVOICE,
            status=BasketSession.Status.PENDING,
            expires_at__gt=now,
        )
        basket = baskets.order_by("-created_at", "-id").first()
        if basket is not None:
            return basket
        expires_at = now + timedelta(seconds=conf.BASKET_SECONDS)
        return BasketSession.objects.create(
            guid=uuid.uuid4(),
            kind=BasketSession.Kind.INVOICE,
            gateway=gateway,
            invoice=invoice,
            # Pending until the buyer chooses on the gateway page: no late webhook settles
            # it (basket_settle would turn it into Pending again, at its expiry).
            status=BasketSession.Status.PENDING,
            outcome=BasketSession.Status.PENDING,
            settles_at=expires_at,
            buyer_email=customer.email,
            created_at=now,
            expires_at=expires_at,
            return_url=return_url,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )


def gateway_choose(*, basket: BasketSession, choice: str) -> BasketSession:
    """The buyer's answer on the gateway page. Pay marks the basket and its invoice paid,
    records the payment and emails a receipt; Fail marks the basket failed; Pending leaves
    it. Only a pending, unexpired basket changes, by one conditional UPDATE: a second Pay
    pays nothing."""
    if choice not in (Choice.PAY, Choice.FAIL):
        return basket
    now = timezone.now()
    status = BasketSession.Status.PAID if choice == Choice.PAY else BasketSession.Status.FAILED
    with writes.one_writer():
        decided = BasketSession.objects.filter(
            pk=basket.pk, status=BasketSession.Status.PENDING, expires_at__gt=now
        ).update(status=status, settles_at=now)
        if decided and status == BasketSession.Status.PAID:
            payment_record(basket=basket, paid_on=now)
    basket.refresh_from_db()
    return basket


def payment_record(*, basket: BasketSession, paid_on: datetime) -> Payment | None:
    """Marks the basket's invoice paid and records the card payment, once, and emails the
    buyer a receipt, as a tenant does. Called inside the basket's writing transaction."""
    paid = Invoice.objects.filter(pk=basket.invoice_id, paid_on__isnull=True).update(
        paid_on=paid_on
    )
    if not paid:
        return None
    invoice = Invoice.objects.select_related("business", "customer").get(pk=basket.invoice_id)
    payment = Payment.objects.create(
        invoice=invoice,
        basket=basket,
        paid_on=paid_on,
        amount=invoice.total,
        card_brand=CARD_BRAND,
        card_last_four=CARD_LAST_FOUR,
    )
    _receipt_send(invoice=invoice, payment=payment, language=basket.language)
    return payment


def _receipt_send(*, invoice: Invoice, payment: Payment, language: str) -> None:
    business = invoice.business
    to = invoice.customer.email if invoice.customer else invoice.bill_to_email
    with translation.override(language or settings.LANGUAGE_CODE):
        values = {
            "business": business.name,
            "number": invoice.invoice_number,
            "amount": business.format_money(payment.amount),
            "brand": payment.card_brand,
            "last_four": payment.card_last_four,
        }
        subject = _("Receipt for invoice %(number)s") % values
        body = (
            _(
                "Hello,\n\n%(business)s received your payment of %(amount)s for invoice "
                "%(number)s, by %(brand)s card ending in %(last_four)s.\n\nThank you."
            )
            % values
        )
    OutboxEmail.objects.create(business=business, to=to, subject=subject, body=body)
