"""Reading the upstream's JSON into typed results, tolerantly (CONTRACT.md, "Shapes").

A page requires only the fields it shows: those missing or mistyped are UnexpectedAnswer.
Every other field is optional (missing or mistyped counts as absent), unknown fields are
ignored, and the known alternative names of a field are accepted.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import jwt

from upstream.errors import UnexpectedAnswer
from upstream.results import (
    ActionConfirmation,
    FieldError,
    InvoiceDetail,
    InvoiceLine,
    InvoicePreview,
    Payment,
    ResetToken,
    Tokens,
)

# A host name or IPv4/IPv6 address with an optional port: nothing that could redirect a link.
HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?"
)
# [docs] A tenant's bare slug, as `WebAddress` is sometimes written.
SLUG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
TENANT_DOMAIN = "spaces.nexudus.com"


def web_address_host(value: Any) -> str:
    """[docs] `WebAddress` / `BusinessWebAddress` as a host: a bare slug becomes
    `{slug}.spaces.nexudus.com`; a host (with a port in development) stays; anything else
    (a path, credentials, a scheme) is "" and never reaches a link."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if SLUG.fullmatch(value) and not value.isdigit():
        return f"{value.lower()}.{TENANT_DOMAIN}"
    return value if HOST.fullmatch(value) else ""


class JsonFields:
    """Typed reads from one JSON object: `required_*` raise UnexpectedAnswer, the others
    answer a default for a field that is missing or of another type."""

    def __init__(self, data: Any, what: str) -> None:
        if not isinstance(data, dict):
            raise UnexpectedAnswer(f"{what} is not an object")
        self.data, self.what = data, what

    def _first(self, keys: tuple[str, ...], *kinds: type) -> Any:
        for key in keys:
            value = self.data.get(key)
            # JSON true is a Python int too: a boolean only counts where one is wanted.
            if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds):
                return value
        return None

    def required_text(self, key: str) -> str:
        value = self._first((key,), str)
        if value is None:
            raise UnexpectedAnswer(f"{self.what}.{key}: {type(self.data.get(key)).__name__}")
        return str(value)

    def required_integer(self, key: str) -> int:
        value = self._first((key,), int)
        if value is None:
            raise UnexpectedAnswer(f"{self.what}.{key}: {type(self.data.get(key)).__name__}")
        return int(value)

    def text(self, *keys: str) -> str:
        value = self._first(keys, str)
        return str(value) if value is not None else ""

    def integer(self, *keys: str) -> int | None:
        value = self._first(keys, int)
        return int(value) if value is not None else None

    def boolean(self, *keys: str) -> bool | None:
        value = self._first(keys, bool)
        return bool(value) if value is not None else None

    def decimal(self, *keys: str) -> Decimal | None:
        value = self._first(keys, int, float, str)
        try:
            return Decimal(str(value)) if value is not None else None
        except InvalidOperation:
            return None

    def local_datetime(self, *keys: str) -> datetime | None:
        """[docs] With X-Use-Timezone the space's wall-clock time, even when written with a
        trailing Z: read as written and kept naive, so no page converts it again."""
        value = self._first(keys, str)
        try:
            return datetime.fromisoformat(value).replace(tzinfo=None) if value else None
        except ValueError:
            return None

    def object(self, key: str) -> JsonFields | None:
        value = self.data.get(key)
        return JsonFields(value, f"{self.what}.{key}") if isinstance(value, dict) else None


def _paid(fields: JsonFields, paid_on: datetime | None, due: Decimal | None) -> bool | None:
    """Paid as said; else from PaidOn or DueAmount; None when nothing says."""
    paid = fields.boolean("Paid", "IsPaid")
    if paid is not None:
        return paid
    if paid_on is not None:
        return True
    return None if due is None else due == 0


def _preview_fields(fields: JsonFields) -> dict[str, Any]:
    currency = fields.object("Currency")
    paid_on = fields.local_datetime("PaidOn")
    due_amount = fields.decimal("DueAmount")
    return {
        "id": fields.required_integer("Id"),
        "number": fields.required_text("InvoiceNumber"),
        "total_formatted": fields.required_text("TotalFormated"),  # sic: one t, as Nexudus
        "business_web_address": web_address_host(fields.data.get("BusinessWebAddress")),
        "paid": _paid(fields, paid_on, due_amount),
        "credit_note": bool(fields.boolean("CreditNote")),
        "created_on": fields.local_datetime("CreatedOn", "InvoiceDate"),
        "due_date": fields.local_datetime("DueDate"),
        "paid_on": paid_on,
        "unique_id": fields.text("UniqueId"),
        "draft": bool(fields.boolean("Draft")),
        "total_amount": fields.decimal("TotalAmount"),
        "due_amount": due_amount,
        "currency_code": currency.text("Code") if currency else "",
    }


def parse_invoice_preview(data: Any) -> InvoicePreview:
    return InvoicePreview(**_preview_fields(JsonFields(data, "InvoicePreview")))


def _quantity(fields: JsonFields) -> Decimal | None:
    value = fields.decimal("Quantity")
    if value is None or not value.is_finite():
        return None
    # 3.0 is shown as 3, 1.5 as 1.5.
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _line(data: Any, index: int) -> InvoiceLine | None:
    if not isinstance(data, dict):
        return None
    fields = JsonFields(data, f"InvoiceDetail.Lines[{index}]")
    return InvoiceLine(
        description=fields.text("Description", "Name"),
        quantity=_quantity(fields),
        unit_price_formatted=fields.text("UnitPriceFormated", "PriceFormated"),
        total_formatted=fields.text("TotalFormated", "SubTotalFormated"),
    )


def parse_invoice_detail(data: Any) -> InvoiceDetail:
    """[docs] InvoicePreview plus lines, taxes and totals; the names of these are ours, and
    the older `TaxAmountFormated` and `DiscountAmountFormated` are read too."""
    fields = JsonFields(data, "InvoiceDetail")
    raw_lines = fields.data.get("Lines")
    lines = [
        _line(line, i) for i, line in enumerate(raw_lines if isinstance(raw_lines, list) else [])
    ]
    return InvoiceDetail(
        **_preview_fields(fields),
        bill_to_name=fields.text("BillToName"),
        bill_to_email=fields.text("BillToEmail"),
        lines=tuple(line for line in lines if line is not None),
        sub_total_formatted=fields.text("SubTotalFormated", "SubTotalAmountFormated"),
        tax_formatted=fields.text("TaxFormated", "TaxAmountFormated"),
        discount_formatted=fields.text("DiscountFormated", "DiscountAmountFormated"),
        tax_rate=_tax_rate(fields),
        payments=_payments(fields.data.get("Payments")),
    )


def _payments(data: Any) -> tuple[Payment, ...]:
    """[ours] `Payments`, read by older public clients: when, how much, and the card."""
    payments = []
    for index, item in enumerate(data if isinstance(data, list) else []):
        if not isinstance(item, dict):
            continue
        fields = JsonFields(item, f"InvoiceDetail.Payments[{index}]")
        last_four = fields.text("CardLastFour", "Last4", "CardLast4")
        payments.append(
            Payment(
                paid_on=fields.local_datetime("PaidOn", "CreatedOn"),
                amount_formatted=fields.text("AmountFormated", "TotalFormated"),
                card_brand=fields.text("CardBrand", "CardType")[:20],
                card_last_four=last_four if re.fullmatch(r"[0-9]{4}", last_four) else "",
            )
        )
    return tuple(payments)


def _tax_rate(fields: JsonFields) -> Decimal | None:
    """[ours] TaxRate, a percentage, where the upstream gives one (the sandbox does)."""
    rate = fields.decimal("TaxRate")
    return rate if rate is not None and rate.is_finite() and 0 <= rate <= 100 else None


def parse_tokens(data: Any) -> Tokens:
    """The token answer of /api/token (and of exchange, [ours])."""
    fields = JsonFields(data, "Tokens")
    expires_in = fields.integer("expires_in")
    if expires_in is None and fields.text("expires_in").isdigit():
        expires_in = int(fields.text("expires_in")[:9])
    return Tokens(
        access_token=fields.required_text("access_token"),
        refresh_token=fields.required_text("refresh_token"),
        # Not said: refreshed soon rather than trusted for long.
        expires_in=300 if expires_in is None else expires_in,
    )


def parse_action_confirmation(data: Any) -> ActionConfirmation:
    """The write endpoints' envelope; only WasSuccessful is required, the rest may be null."""
    fields = JsonFields(data, "ActionConfirmation")
    errors = fields.data.get("Errors") or []
    if not isinstance(errors, list):
        raise UnexpectedAnswer("ActionConfirmation.Errors is not a list")
    parsed = []
    for index, item in enumerate(errors):
        error = JsonFields(item, f"ActionConfirmation.Errors[{index}]")
        parsed.append(
            FieldError(
                property_name=error.text("PropertyName"),
                message=error.text("Message"),
            )
        )
    was_successful = fields.boolean("WasSuccessful")
    if was_successful is None:
        raise UnexpectedAnswer("ActionConfirmation.WasSuccessful is missing")
    return ActionConfirmation(
        was_successful=was_successful,
        value=fields.data.get("Value"),
        message=fields.text("Message"),
        errors=tuple(parsed),
    )


# [ours] The claims that may name the email in a reset token: CONTRACT.md says the token
# names it, not under which claim.
_EMAIL_CLAIMS = ("email", "Email", "unique_name", "sub")


def read_reset_token(token: str) -> ResetToken:
    """The email and expiry a reset token names, read without verifying its signature: the
    upstream verifies it, and the portal only shows the email and spares a person typing a
    password for a link that has already expired. Anything unreadable says nothing."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return ResetToken(email="", expires_at=None)
    emails = [claims.get(name) for name in _EMAIL_CLAIMS]
    email = next((e for e in emails if isinstance(e, str) and "@" in e and len(e) <= 254), "")
    expiry = claims.get("exp")
    if isinstance(expiry, bool) or not isinstance(expiry, int | float):
        return ResetToken(email=email, expires_at=None)
    return ResetToken(email=email, expires_at=float(expiry))
