"""Typed results of upstream calls: what the pages read, never raw JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: int
    unit_price_formatted: str
    total_formatted: str


@dataclass(frozen=True)
class InvoicePreview:
    id: int
    unique_id: str
    number: str
    paid: bool
    paid_on: datetime | None
    due_date: datetime | None
    draft: bool
    credit_note: bool
    total_amount: Decimal
    due_amount: Decimal
    total_formatted: str
    currency_code: str
    business_web_address: str
    created_on: datetime | None


@dataclass(frozen=True)
class InvoiceDetail(InvoicePreview):
    bill_to_name: str
    bill_to_email: str
    lines: tuple[InvoiceLine, ...]
    sub_total_formatted: str
    tax_formatted: str
    # [ours] A percentage (21 for 21 %), where the upstream gives one.
    tax_rate: Decimal | None = None


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
    page_size: int
    total_items: int
    total_pages: int
    has_next: bool
    has_previous: bool


@dataclass(frozen=True)
class Business:
    id: int
    name: str
    web_address: str
    address: str = ""  # one line: street, town, postal code, country
    home_url: str = ""  # NativeHomeUrl: the operator's own site, an http(s) address or ""
    language_culture: str = ""  # e.g. en-GB: how the operator writes dates in its language


@dataclass(frozen=True)
class BusinessColors:
    """The upstream's colour values as it wrote them ("" where it gave none): they reach a
    page's CSS only through the brands package's parser."""

    primary: str
    secondary: str
    background: str
    text: str
