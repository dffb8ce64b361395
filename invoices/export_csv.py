"""The CSV of the accountant's export (invoices/export.py): one row an invoice, as the list
shows it, with ISO dates (YYYY-MM-DD) and plain decimal amounts (1234.50), headers in the
page's language."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from django.utils import translation
from django.utils.translation import gettext

import upstream
from portal.invoice_status import invoice_status, local_date


def csv_headers() -> list[str]:
    """In the active language (the page's)."""
    return [
        gettext("Number"),
        gettext("Date"),
        gettext("Due date"),
        gettext("Paid on"),
        gettext("Net"),
        gettext("Tax"),
        gettext("Total"),
        gettext("Currency"),
        gettext("Status"),
        gettext("Credit note"),
    ]


def _status_label(invoice: upstream.InvoicePreview) -> str:
    """The status as the list's badge says it ("" where the list shows none)."""
    labels = {
        "credit_note": gettext("Credit note"),
        "paid": gettext("Paid"),
        "overdue": gettext("Overdue"),
        "unpaid": gettext("Unpaid"),
    }
    return labels.get(invoice_status(invoice), "")


def _day(value: datetime | None) -> str:
    return local_date(value).isoformat() if value is not None else ""


def _text(value: str) -> str:
    """A text cell that a spreadsheet never runs as a formula."""
    return f"'{value}" if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def plain_amount(value: Decimal | None, currency: str) -> str:
    """1234.50: no symbol, no grouping, the currency's decimals (2 when it is not known)."""
    if value is None or not value.is_finite():
        return ""
    places = get_currency_precision(currency) if currency else 2
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def amount_of(formatted: str) -> Decimal | None:
    """The amount a formatted string says (`€1,234.50`, `1.234,50 €`, `-12,10 €`), or None:
    the last `.` or `,` before one or two digits is the decimal point, the others group."""
    digits = re.sub(r"[^0-9.,]", "", formatted)
    if not digits or not any(c.isdigit() for c in digits):
        return None
    point = max(digits.rfind("."), digits.rfind(","))
    decimals = digits[point + 1 :] if point >= 0 else ""
    if point >= 0 and 1 <= len(decimals) <= 2:
        whole = re.sub(r"[.,]", "", digits[:point]) or "0"
        text = f"{whole}.{decimals}"
    else:
        text = re.sub(r"[.,]", "", digits)
    negative = bool(re.search(r"[-\u2212(]", formatted))
    try:
        return -Decimal(text) if negative else Decimal(text)
    except InvalidOperation:  # pragma: no cover (digits only)
        return None


def total_of(invoice: upstream.InvoicePreview) -> Decimal | None:
    if invoice.total_amount is not None:
        return invoice.total_amount
    return amount_of(invoice.total_formatted)


def net_and_tax(invoice: upstream.InvoiceDetail) -> tuple[Decimal | None, Decimal | None]:
    """The net and tax amounts, read from the invoice's formatted ones only when they add up
    to its total (less a discount): a misread amount is a blank cell, never a wrong one."""
    net, tax = amount_of(invoice.sub_total_formatted), amount_of(invoice.tax_formatted)
    total = total_of(invoice)
    if net is None or tax is None or total is None:
        return None, None
    discount = amount_of(invoice.discount_formatted) or Decimal(0)
    if total not in (net + tax, net - abs(discount) + tax):
        return None, None
    return net, tax


def csv_row(invoice: upstream.InvoiceDetail, *, language: str) -> list[str]:
    with translation.override(language):
        net, tax = net_and_tax(invoice)
        currency = invoice.currency_code
        return [
            _text(invoice.number),
            _day(invoice.created_on),
            _day(invoice.due_date),
            _day(invoice.paid_on) if invoice.paid else "",
            plain_amount(net, currency),
            plain_amount(tax, currency),
            plain_amount(total_of(invoice), currency),
            _text(currency),
            _status_label(invoice),
            gettext("Yes") if invoice.credit_note else gettext("No"),
        ]


def csv_bytes(rows: list[list[str]], *, language: str) -> bytes:
    """UTF-8 with a byte order mark, so that spreadsheets read accented headers right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    with translation.override(language):
        writer.writerow(csv_headers())
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")
