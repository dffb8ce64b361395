"""Reading the upstream's JSON into typed results; anything off-contract is UnexpectedAnswer."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from portal.upstream.errors import UnexpectedAnswer
from portal.upstream.results import InvoiceDetail, InvoiceLine, InvoicePreview

# A host name or IPv4/IPv6 address with an optional port: nothing that could redirect a link.
HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?"
)


class JsonFields:
    """Typed reads from one JSON object; anything missing or mistyped is UnexpectedAnswer."""

    def __init__(self, data: Any, what: str) -> None:
        if not isinstance(data, dict):
            raise UnexpectedAnswer(f"{what} is not an object")
        self.data, self.what = data, what

    def _value(self, key: str, *kinds: type) -> Any:
        value = self.data.get(key)
        # JSON true is a Python int too: a boolean only counts where one is wanted.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise UnexpectedAnswer(f"{self.what}.{key}: {type(value).__name__}")
        return value

    def text(self, key: str) -> str:
        return str(self._value(key, str))

    def optional_text(self, key: str) -> str:
        return self.text(key) if self.data.get(key) is not None else ""

    def integer(self, key: str) -> int:
        return int(self._value(key, int))

    def boolean(self, key: str) -> bool:
        return bool(self._value(key, bool))

    def decimal(self, key: str) -> Decimal:
        try:
            return Decimal(str(self._value(key, int, float, str)))
        except InvalidOperation:
            raise UnexpectedAnswer(f"{self.what}.{key}: not a number") from None

    def optional_datetime(self, key: str) -> datetime | None:
        if self.data.get(key) is None:
            return None
        try:
            return datetime.fromisoformat(self._value(key, str))
        except ValueError:
            raise UnexpectedAnswer(f"{self.what}.{key}: not a date") from None


def _preview_fields(fields: JsonFields) -> dict[str, Any]:
    web_address = fields.text("BusinessWebAddress")
    if not HOST.fullmatch(web_address):
        raise UnexpectedAnswer(f"{fields.what}.BusinessWebAddress is not a host")
    currency = JsonFields(fields.data.get("Currency"), f"{fields.what}.Currency")
    return {
        "id": fields.integer("Id"),
        "unique_id": fields.optional_text("UniqueId"),
        "number": fields.text("InvoiceNumber"),
        "paid": fields.boolean("Paid"),
        "paid_on": fields.optional_datetime("PaidOn"),
        "due_date": fields.optional_datetime("DueDate"),
        "draft": fields.boolean("Draft"),
        "credit_note": fields.boolean("CreditNote"),
        "total_amount": fields.decimal("TotalAmount"),
        "due_amount": fields.decimal("DueAmount"),
        "total_formatted": fields.text("TotalFormated"),  # sic: Nexudus spells it with one t
        "currency_code": currency.text("Code"),
        "business_web_address": web_address,
        "created_on": fields.optional_datetime("CreatedOn"),
    }


def parse_invoice_preview(data: Any) -> InvoicePreview:
    return InvoicePreview(**_preview_fields(JsonFields(data, "InvoicePreview")))


def parse_invoice_detail(data: Any) -> InvoiceDetail:
    fields = JsonFields(data, "InvoiceDetail")
    lines = fields.data.get("Lines")
    if not isinstance(lines, list):
        raise UnexpectedAnswer("InvoiceDetail.Lines is not a list")
    parsed_lines = []
    for index, line in enumerate(lines):
        line_fields = JsonFields(line, f"InvoiceDetail.Lines[{index}]")
        parsed_lines.append(
            InvoiceLine(
                description=line_fields.text("Description"),
                quantity=line_fields.integer("Quantity"),
                unit_price_formatted=line_fields.text("UnitPriceFormated"),
                total_formatted=line_fields.text("TotalFormated"),
            )
        )
    return InvoiceDetail(
        **_preview_fields(fields),
        bill_to_name=fields.optional_text("BillToName"),
        bill_to_email=fields.optional_text("BillToEmail"),
        lines=tuple(parsed_lines),
        sub_total_formatted=fields.text("SubTotalFormated"),
        tax_formatted=fields.text("TaxFormated"),
        tax_rate=_tax_rate(fields),
    )


def _tax_rate(fields: JsonFields) -> Decimal | None:
    """[ours] TaxRate, a percentage; shown where given, and a page never fails for it."""
    if fields.data.get("TaxRate") is None:
        return None
    try:
        rate = fields.decimal("TaxRate")
    except UnexpectedAnswer:
        return None
    return rate if rate.is_finite() and 0 <= rate <= 100 else None
