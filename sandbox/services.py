"""What the sandbox upstream does: purchases, settlement, registration, sign-in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sandbox import conf, payments, writes
from sandbox.models import BasketSession, Business, Customer, Invoice, InvoiceLine
from sandbox.tokens import Audience, token_issue


def business_current(*, host: str | None = None) -> Business:
    """The business a request is for: the one whose web address is the host, else the first."""
    if host:
        business = Business.objects.filter(web_address__iexact=host).first()
        if business is not None:
            return business
    business = Business.objects.order_by("id").first()
    if business is None:
        business = demo_business_get_or_create()
    return business


def demo_business_get_or_create() -> Business:
    business, _ = Business.objects.get_or_create(
        id=1,
        defaults={
            "name": "Canal Street Coworking",
            "address": "Keizersgracht 123",
            "town_city": "Amsterdam",
            "postal_code": "1015 CJ",
            "country_name": "Netherlands",
            "country_code": "NL",
            "language_culture": "en-GB",
            "time_zone": "Europe/Amsterdam",
        },
    )
    return business


@transaction.atomic
def invoice_create(
    *,
    business: Business,
    email: str,
    lines: list[tuple[str, int, Decimal]],
    customer: Customer | None = None,
    created_on: datetime | None = None,
    paid: bool = False,
    credit_note: bool = False,
    unique_id: uuid.UUID | None = None,
) -> Invoice:
    created_on = created_on or timezone.now()
    invoice = Invoice.objects.create(
        business=business,
        customer=customer,
        unique_id=unique_id or uuid.uuid4(),
        bill_to_name=customer.full_name if customer else "",
        bill_to_email=email,
        created_on=created_on,
        due_date=created_on + timedelta(days=14),
        paid_on=created_on if paid else None,
        credit_note=credit_note,
        tax_rate=business.tax_rate,
    )
    # Numbered from the primary key, so concurrent purchases never collide.
    prefix = "CN" if credit_note else "INV"
    invoice.invoice_number = f"{prefix}-{created_on:%Y}-{invoice.pk:05d}"
    invoice.save(update_fields=["invoice_number"])
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=i, description=d, quantity=q, unit_price=p)
        for i, (d, q, p) in enumerate(lines)
    )
    return invoice


PURCHASE_LINES: list[tuple[str, int, Decimal]] = [
    ("Hot desk day pass", 3, Decimal("25.00")),
    ("Meeting room, 2 hours", 1, Decimal("60.00")),
]


@transaction.atomic
def purchase_create(
    *,
    gateway: str,
    email: str | None = None,
    pending_seconds: int = 0,
    fail: bool = False,
    business: Business | None = None,
    language: str = "",
) -> BasketSession:
    """A guest purchase through the simulated gateway: an invoice and its basket session;
    `language`, the portal's the buyer returns to, is the receipt email's."""
    if gateway not in BasketSession.Gateway.values:
        raise ValueError(f"unknown gateway {gateway!r}")
    business = business or business_current()
    now = timezone.now()
    guid = uuid.uuid4()
    email = email or f"guest-{guid.hex[:8]}@example.com"
    invoice = invoice_create(business=business, email=email, lines=PURCHASE_LINES, created_on=now)
    outcome = BasketSession.Status.FAILED if fail else BasketSession.Status.PAID
    basket = BasketSession.objects.create(
        guid=guid,
        gateway=gateway,
        invoice=invoice,
        status=BasketSession.Status.PENDING,
        outcome=outcome,
        settles_at=now + timedelta(seconds=max(pending_seconds, 0)),
        buyer_email=email,
        created_at=now,
        expires_at=now + timedelta(seconds=conf.BASKET_SECONDS),
        language=language,
    )
    return basket_settle(basket=basket)


def basket_settle(*, basket: BasketSession) -> BasketSession:
    """Applies the gateway's outcome once its time has come (a late webhook, simulated)."""
    if basket.status != BasketSession.Status.PENDING or basket.settles_at > timezone.now():
        return basket
    with writes.one_writer():
        settled = BasketSession.objects.filter(
            pk=basket.pk, status=BasketSession.Status.PENDING
        ).update(status=basket.outcome)
        if settled and basket.outcome == BasketSession.Status.PAID:
            payments.payment_record(basket=basket, paid_on=basket.settles_at)
    basket.refresh_from_db()
    return basket


class RegistrationRefused(Exception):
    """registerByToken cannot succeed; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Registration:
    token: str
    customer: Customer
    customer_created: bool


def basket_register(*, business: Business, invoice_id: int, guid: uuid.UUID | None) -> Registration:
    """registerByToken (register-by-token.md): verify the purchase, create or link the customer.

    Succeeds once per basket session: the claim is one conditional UPDATE, so of any number of
    concurrent calls exactly one sees a row change.
    """
    # Only this tenant's baskets: another business's token is as unknown as a made-up one.
    baskets = BasketSession.objects.select_related("invoice").filter(invoice__business=business)
    basket = baskets.filter(guid=guid).first() if guid else None
    if basket is None:
        raise RegistrationRefused(401, "invalid_token", _("The token is not valid."))
    if basket.invoice_id != invoice_id:
        raise RegistrationRefused(404, "not_found", _("No such invoice for this token."))
    now = timezone.now()
    if basket.expires_at <= now:
        raise RegistrationRefused(401, "expired_token", _("The token has expired."))
    basket = basket_settle(basket=basket)
    if basket.status == BasketSession.Status.FAILED:
        raise RegistrationRefused(401, "invalid_token", _("The payment did not complete."))
    if basket.status == BasketSession.Status.PENDING:
        # [ours] The contract names no status for a payment still being confirmed.
        raise RegistrationRefused(409, "payment_pending", _("The payment is not confirmed yet."))

    with writes.one_writer():
        claimed = BasketSession.objects.filter(
            pk=basket.pk, registered_at__isnull=True, status=BasketSession.Status.PAID
        ).update(registered_at=now)
        if not claimed:
            raise RegistrationRefused(401, "used_token", _("The token has already been used."))
        customer, created = customer_get_or_create(
            business=basket.invoice.business, email=basket.buyer_email
        )
        BasketSession.objects.filter(pk=basket.pk).update(registered_customer=customer)
        Invoice.objects.filter(pk=invoice_id, customer__isnull=True).update(customer=customer)
    token = token_issue(
        audience=Audience.INVOICE,
        subject=str(invoice_id),
        seconds=conf.INVOICE_TOKEN_SECONDS,
    )
    return Registration(token=token, customer=customer, customer_created=created)


def customer_get_or_create(*, business: Business, email: str) -> tuple[Customer, bool]:
    """Links to the customer with this email (any case) or creates one; grants portal access.

    The case-insensitive unique constraint makes a concurrent duplicate fail, and
    get_or_create then reads the row the other call wrote.
    """
    customer, created = Customer.objects.get_or_create(
        business=business,
        email__iexact=email,
        defaults={"email": email, "password": make_password(None), "portal_access": True},
    )
    if not customer.portal_access:
        customer.portal_access = True
        customer.save(update_fields=["portal_access"])
    return customer, created


def media_token_issue(*, customer: Customer) -> str:
    return token_issue(
        audience=Audience.MEDIA,
        subject=str(customer.pk),
        seconds=conf.MEDIA_TOKEN_SECONDS,
    )


def completion_url(*, basket: BasketSession, language: str = "en") -> str:
    """Where the simulated gateway sends the buyer back: the completion page of the portal of
    the tenant the purchase was made at."""
    parameter = f"{basket.gateway}_session_id"
    portal = basket.invoice.business.portal_address
    return f"{portal}/{language}/invoices/complete?{parameter}={basket.guid}"
