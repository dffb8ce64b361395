"""The contract's JSON shapes (CONTRACT.md, "Shapes"), PascalCase as Nexudus writes them."""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.models import Business, Invoice

# [docs] X-Use-Timezone: true asks for the space's local time (set per request by api.endpoint).
_local: ContextVar[bool] = ContextVar("sandbox_local_times", default=False)


@contextlib.contextmanager
def local_times(local: bool) -> Iterator[None]:
    token = _local.set(local)
    try:
        yield
    finally:
        _local.reset(token)


def _datetime(value: datetime | None, business: Business) -> str | None:
    """UTC; with X-Use-Timezone the business's wall-clock time, still written with a trailing
    Z, as Nexudus does (CONTRACT.md): only the header says which."""
    if value is None:
        return None
    zone: Any = UTC
    if _local.get():
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo(business.time_zone)
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%SZ")


def list_envelope(records: list[Any], *, page: int, size: int, total: int) -> dict[str, Any]:
    """[docs] A list answer, with every field the real API sends."""
    pages = math.ceil(total / size)
    first = (page - 1) * size + 1 if records else 0
    return {
        "Records": records,
        "CurrentPage": page,
        "CurrentPageSize": size,
        "CurrentOrderField": "CreatedOn",
        "CurrentSortDirection": 1,  # descending
        "FirstItem": first,
        "LastItem": first + len(records) - 1 if records else 0,
        "TotalItems": total,
        "TotalPages": pages,
        "HasNextPage": page < pages,
        "HasPreviousPage": page > 1,
        "PageNumber": page,
        "PageSize": size,
    }


def action_confirmation(*, status: int, message: str, value: Any = None) -> dict[str, Any]:
    """[docs] The envelope of a write call's answer."""
    return {
        "WasSuccessful": 200 <= status < 300,
        "Value": value,
        "Status": status,
        "Message": message or None,
        "Errors": None,
    }


def web_address(business: Business, host: str) -> str:
    return business.web_address or host


def currency(business: Business) -> dict[str, str]:
    return {
        "Code": business.currency_code,
        "Name": business.currency_name,
        "Format": business.currency_format,
    }


def business_json(business: Business, *, host: str) -> dict[str, Any]:
    return {
        "Id": business.pk,
        "UniqueId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-business-{business.pk}")),
        "Name": business.name,
        "WebAddress": web_address(business, host),
        # [docs] The address of a native app's home; the sandbox has none.
        "NativeHomeUrl": None,
        "Currency": currency(business),
        "LanguageCulture": business.language_culture,
        "TimeZone": business.time_zone,
        "Address": business.address,
        "TownCity": business.town_city,
        "PostalCode": business.postal_code,
        "Country": {"Name": business.country_name, "TwoDigitsCode": business.country_code},
    }


def colors_json(business: Business) -> dict[str, str]:
    return {
        "primaryColor": business.primary_color,
        "secondaryColor": business.secondary_color,
        "backgroundColor": business.background_color,
        "textColor": business.text_color,
    }


def invoice_preview_json(invoice: Invoice, *, host: str) -> dict[str, Any]:
    business = invoice.business
    return {
        "Id": invoice.pk,
        "UniqueId": str(invoice.unique_id),
        "InvoiceNumber": invoice.invoice_number,
        "Paid": invoice.paid,
        "PaidOn": _datetime(invoice.paid_on, business),
        "DueDate": _datetime(invoice.due_date, business),
        "Draft": invoice.draft,
        "CreditNote": invoice.credit_note,
        "TotalAmount": float(invoice.total),
        "DueAmount": float(invoice.due_amount),
        "TotalFormated": business.format_money(invoice.total),
        "Currency": currency(business),
        "BusinessWebAddress": web_address(business, host),
        "CreatedOn": _datetime(invoice.created_on, business),
    }


def invoice_detail_json(invoice: Invoice, *, host: str) -> dict[str, Any]:
    money = invoice.business.format_money
    return {
        **invoice_preview_json(invoice, host=host),
        "BillToName": invoice.bill_to_name,
        "BillToEmail": invoice.bill_to_email,
        "Lines": [
            {
                "Description": line.description,
                "Quantity": line.quantity,
                "UnitPriceFormated": money(line.unit_price),
                "TotalFormated": money(line.total),
            }
            for line in invoice.lines.all()
        ],
        "SubTotalFormated": money(invoice.sub_total),
        "TaxFormated": money(invoice.tax),
        # [ours] A percentage, as the PDF prints it: 21.0 for 21 %.
        "TaxRate": float(invoice.tax_rate * 100),
        # Older public clients read Payments; the field names are ours (docs/sandbox.md).
        "Payments": [
            {
                "PaidOn": _datetime(payment.paid_on, invoice.business),
                "Amount": float(payment.amount),
                "AmountFormated": money(payment.amount),
                "CardBrand": payment.card_brand,
                "CardLastFour": payment.card_last_four,
            }
            for payment in invoice.payments.all()
        ],
    }
