"""My Invoices: the customer's invoices, their balance, and media JWTs shared per session (the
links are built by portal.pdf_links).

A media JWT lives about 60 s (download-invoice-pdf.md). One per session is reused for at most
MEDIA_JWT_REUSE_SECONDS (50), so a page of any length costs one upstream media call per 50 s,
and every link built from it has at least 10 s left when it is rendered.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache

import upstream
from brands.hosts import BrandSettings
from portal import payments
from portal.caching import cached_once
from portal.invoice_status import invoice_status
from portal.templatetags.formats import amount_due


def invoices_page(
    *, bearer: str, page: int, size: int, filters: dict[str, bool]
) -> upstream.InvoicePage:
    """One page of the customer's invoices; `filters`: the upstream's paid/credit-note flags."""
    return upstream.invoices_my(bearer=bearer, page=page, size=size, **filters)


def invoice_get(
    *, bearer: str, invoice_id: int, priority: upstream.Priority = upstream.Priority.MEMBER
) -> upstream.InvoiceDetail:
    """One of the customer's invoices (the upstream refuses another's)."""
    invoice = upstream.invoice_detail(bearer=bearer, invoice_id=invoice_id, priority=priority)
    if invoice.id != invoice_id:
        raise upstream.UnexpectedAnswer(f"asked for invoice {invoice_id}, got {invoice.id}")
    return invoice


@dataclass(frozen=True)
class MediaToken:
    jwt: str
    minted_at: float

    def refresh_in(self) -> int:
        """Seconds until a fresh JWT should replace this one (at least 1)."""
        age = time.time() - self.minted_at
        return max(1, round(settings.MEDIA_JWT_REUSE_SECONDS - age))


def _media_key(session: SessionBase) -> str:
    digest = hashlib.sha256(f"media-jwt:{session.session_key}".encode()).hexdigest()
    return f"invoices:media-jwt:{digest}"


# The media JWTs this process has read, by key: a JWT never changes once minted, so a process
# reuses the one it read until it is due, without a read of the shared cache each time (the
# links poll's, docs/performance.md). Oldest dropped first.
_READ_KEPT = 10_000
_read: dict[str, MediaToken] = {}
_read_lock = threading.Lock()


def media_token_get(*, session: SessionBase, bearer: str) -> MediaToken:
    """This session's media JWT: reused for up to 50 s, then one upstream call for a new one."""
    if session.session_key is None:
        session.save()
    key = _media_key(session)
    with _read_lock:
        known = _read.get(key)
    if known is not None and time.time() - known.minted_at < settings.MEDIA_JWT_REUSE_SECONDS:
        return known
    token = cached_once(
        key=key,
        compute=lambda: MediaToken(jwt=upstream.media_token(bearer=bearer), minted_at=time.time()),
        timeout=settings.MEDIA_JWT_REUSE_SECONDS,
    )
    with _read_lock:
        if len(_read) >= _READ_KEPT:
            del _read[next(iter(_read))]
        _read[key] = token
    return token


def media_token_forget(sender: object, *, session: SessionBase, **kwargs: object) -> None:
    """A `signing_out` receiver (invoices.apps): the customer's media JWT goes with them."""
    key = _media_key(session)
    cache.delete(key)
    with _read_lock:
        _read.pop(key, None)


# What the customer owes, read from every unpaid invoice: at most this many pages of 100.
BALANCE_PAGE_SIZE = 100
BALANCE_MAX_PAGES = 10


@dataclass(frozen=True)
class Balance:
    """The sum of the unpaid invoices' due amounts, per currency, and how many are overdue."""

    due: tuple[tuple[str, Decimal], ...]
    unpaid: int
    overdue: int


def balance_get(*, bearer: str, listed: upstream.InvoicePage, show: str) -> Balance | None:
    """The statement's balance for the top of My Invoices. A list that holds every invoice
    that may be owed (all or unpaid, on one page) is enough; otherwise one more call asks for
    the unpaid invoices, 100 a page."""
    if show in ("all", "unpaid") and listed.page == 1 and not listed.has_next:
        return balance_of(listed.records)
    records: list[upstream.InvoicePreview] = []
    for page in range(1, BALANCE_MAX_PAGES + 1):
        result = upstream.invoices_my(
            bearer=bearer, paid=False, credit_notes=False, page=page, size=BALANCE_PAGE_SIZE
        )
        records.extend(result.records)
        if not result.has_next:
            break
    return balance_of(tuple(records))


def balance_of(records: tuple[upstream.InvoicePreview, ...]) -> Balance | None:
    """What `records` owe (credit notes and paid invoices nothing); None when an unpaid
    invoice's amount or currency is not given, so that no wrong sum is shown."""
    statuses = [(invoice, invoice_status(invoice)) for invoice in records]
    owed = [invoice for invoice, status in statuses if status in ("unpaid", "overdue")]
    due: dict[str, Decimal] = {}
    for invoice in owed:
        amount = invoice.due_amount if invoice.due_amount is not None else invoice.total_amount
        if amount is None or not invoice.currency_code:
            return None
        due[invoice.currency_code] = due.get(invoice.currency_code, Decimal(0)) + amount
    return Balance(
        due=tuple((currency, amount) for currency, amount in sorted(due.items()) if amount),
        unpaid=len(owed),
        overdue=sum(1 for _invoice, status in statuses if status == "overdue"),
    )


def invoice_payable(invoice: upstream.InvoicePreview) -> bool:
    """Pay is offered on an unpaid invoice that is neither a draft nor a credit note."""
    if invoice.draft or invoice_status(invoice) not in ("unpaid", "overdue"):
        return False
    return invoice.due_amount is None or invoice.due_amount > 0


def pay_offered(brand: BrandSettings, invoice: upstream.InvoicePreview) -> bool:
    """Whether the brand's way of paying can take this invoice: off never; the operator's page
    only with its address, and the invoice's unique id where the address names it."""
    if brand.invoice_payment == "off":
        return False
    if brand.invoice_payment == "page":
        page = brand.payment_page_url
        return bool(page) and (bool(invoice.unique_id) or "{unique_id}" not in page)
    return True


def payment_start(
    *,
    session: SessionBase,
    bearer: str,
    invoice: upstream.InvoicePreview,
    brand: BrandSettings,
    return_url: str,
    retry_url: str,
) -> str:
    """Where to send the member to pay `invoice`: the operator's own payment page, or a
    checkout started at the upstream, one per member and invoice (portal.payments): a double
    click, a second tab or a second process pays once. AlreadyPaid when the upstream says so."""
    if brand.invoice_payment == "page":
        return brand.payment_page_url.replace("{id}", str(invoice.id)).replace(
            "{unique_id}", quote(invoice.unique_id, safe="")
        )

    def start() -> payments.StartedPayment:
        checkout = upstream.invoice_checkout_start(
            bearer=bearer,
            invoice_id=invoice.id,
            gateway=brand.payment_gateway,
            return_url=return_url,
        )
        basket_id = payments.basket_id_read(checkout.session_id)
        if basket_id is None:
            raise upstream.UnexpectedAnswer("InvoiceCheckout.SessionId is not a GUID")
        return payments.StartedPayment(
            basket_id=basket_id,
            invoice_id=invoice.id,
            number=invoice.number,
            # What the gateway charges: what is left to pay.
            amount=amount_due(invoice) or invoice.total_formatted,
            retry_url=retry_url,
            checkout_url=checkout.checkout_url,
        )

    return payments.payment_once(session=session, invoice_id=invoice.id, start=start).checkout_url
