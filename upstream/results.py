"""Typed results of upstream calls: what the pages read, never raw JSON.

Only what a page shows is required (CONTRACT.md, "Shapes"); every other field may be missing
on a real tenant, so it has a default here and the pages cope with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: Decimal | None = None
    unit_price_formatted: str = ""
    total_formatted: str = ""


@dataclass(frozen=True)
class InvoicePreview:
    id: int
    number: str
    total_formatted: str
    # A host name (a bare slug already made `{slug}.spaces.nexudus.com`); "" when not given.
    business_web_address: str = ""
    # None when the upstream does not say (neither Paid, PaidOn nor DueAmount).
    paid: bool | None = None
    credit_note: bool = False
    # Wall-clock times of the space ([docs] X-Use-Timezone), naive on purpose.
    created_on: datetime | None = None
    due_date: datetime | None = None
    paid_on: datetime | None = None
    unique_id: str = ""
    draft: bool = False
    total_amount: Decimal | None = None
    due_amount: Decimal | None = None
    currency_code: str = ""


@dataclass(frozen=True)
class Payment:
    """A payment of an invoice ([docs] older clients read `Payments`; field names ours)."""

    paid_on: datetime | None = None
    amount_formatted: str = ""
    card_brand: str = ""
    card_last_four: str = ""


@dataclass(frozen=True)
class InvoiceDetail(InvoicePreview):
    bill_to_name: str = ""
    bill_to_email: str = ""
    lines: tuple[InvoiceLine, ...] = ()
    sub_total_formatted: str = ""
    tax_formatted: str = ""
    discount_formatted: str = ""
    # [ours] A percentage (21 for 21 %), where the upstream gives one.
    tax_rate: Decimal | None = None
    payments: tuple[Payment, ...] = ()


CheckoutState = Literal["Paid", "Pending", "Failed"]


@dataclass(frozen=True)
class CheckoutStatus:
    status: CheckoutState
    email: str
    invoice: InvoiceDetail | None


@dataclass(frozen=True)
class RegisterByTokenAnswer:
    # The invoice-scoped Token for pdfByToken (register-by-token.md).
    token: str
    # [ours] True: a customer was created; False: an existing one was linked; None: not said.
    customer_created: bool | None


@dataclass(frozen=True)
class Tokens:
    """A customer's tokens from /api/token; they stay in the server-side session."""

    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class InvoicePage:
    records: tuple[InvoicePreview, ...]
    page: int
    has_next: bool
    has_previous: bool
    page_size: int | None = None
    total_items: int | None = None
    total_pages: int | None = None


@dataclass(frozen=True)
class Business:
    # None when not given: then no colours can be asked for.
    id: int | None
    name: str
    web_address: str
    address: str = ""  # one line: street, town, postal code, country
    language_culture: str = ""  # e.g. en-GB: how the operator writes dates in its language


@dataclass(frozen=True)
class BusinessColors:
    """The upstream's colour values as it wrote them ("" where it gave none): they reach a
    page's CSS only through the brands package's parser."""

    primary: str
    secondary: str
    background: str
    text: str


@dataclass(frozen=True)
class FieldError:
    """One of an ActionConfirmation's `Errors`; its AttemptedValue is never kept (a password)."""

    property_name: str
    message: str


@dataclass(frozen=True)
class ActionConfirmation:
    """The envelope that write endpoints answer (CONTRACT.md, "Conventions")."""

    was_successful: bool
    value: object
    message: str
    errors: tuple[FieldError, ...]


@dataclass(frozen=True)
class ResetToken:
    """What the portal reads of an emailed reset token, without verifying it (the upstream
    does): the email it names, and when it expires ("" and None when it does not say)."""

    email: str
    expires_at: float | None


@dataclass(frozen=True)
class InvoiceCheckout:
    """[ours] A checkout started for an unpaid invoice: where to send the member to pay."""

    checkout_url: str
    session_id: str
