"""Filters for how the pages write dates, amounts and statuses (`{% load formats %}`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

import upstream
from portal.business import format_locale
from portal.invoice_status import Status, invoice_status, local_date

register = template.Library()


@register.filter
def nowrap(value: object) -> SafeString:
    """An invoice number or amount kept on one line: browsers break at its hyphens or after
    a minus sign otherwise."""
    return format_html('<span class="nowrap">{}</span>', value)


@register.filter
def medium_date(value: datetime | date | None) -> str:
    """CLDR's medium date in the page's language, the same on every page: 19 Nov 2026,
    19 nov 2026, 19 nov. 2026, 19.11.2026. Moments fall on their day in TIME_ZONE."""
    if value is None:
        return ""
    day = local_date(value) if isinstance(value, datetime) else value
    return format_date(day, format="medium", locale=format_locale())


@register.filter
def percent(value: Decimal | None) -> str:
    """A percentage (21 for 21 %) as the page's language writes it: 21%, 21 %, 5,5 %."""
    if value is None:
        return ""
    return format_percent(
        (value / 100).normalize(), locale=format_locale(), decimal_quantization=False
    )


@register.filter
def money(value: Decimal, currency: str) -> str:
    """An amount the upstream gave as a number, written as the page's language writes money."""
    return format_currency(value, currency, locale=format_locale())


@register.filter
def amount_due(invoice: upstream.InvoicePreview) -> str:
    """What is left to pay, where the upstream says and it differs from the total (a part
    payment); "" otherwise."""
    due, total = invoice.due_amount, invoice.total_amount
    if due is None or total is None or due == total or not invoice.currency_code:
        return ""
    return money(due, invoice.currency_code)


@register.filter
def status(invoice: upstream.InvoicePreview) -> Status:
    return invoice_status(invoice)
