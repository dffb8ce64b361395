"""Invoice and statement PDFs, drawn with reportlab, in the active language.

`invariant=1` leaves out the creation date and the random document id, so the same invoice
always gives the same bytes in one language. Labels are translated (locale/), dates and
amounts follow the language's conventions (CLDR, through Babel).

An invoice's PDF is drawn once per language and then served from the cache, under a key made
of everything drawn on it: any change to the invoice, its lines or its business makes a new
key, so a cached PDF is never stale.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from babel.dates import format_date
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from sandbox.models import Business, Customer, Invoice

WIDTH, HEIGHT = A4
LEFT, RIGHT = 20 * mm, WIDTH - 20 * mm
ROW = 6 * mm

# Bumped whenever the drawing below changes, so that a shared cache (Redis) holds no PDF drawn
# by an older layout after a deploy.
LAYOUT_VERSION = 1
# Keys are content-derived, so this only bounds how long an unused PDF takes memory.
CACHE_SECONDS = 3600


def _locale() -> str:
    return translation.to_locale(translation.get_language() or "en")


def _date(value: datetime | None) -> str:
    return format_date(value, format="medium", locale=_locale()) if value else ""


def _money(business: Business) -> Callable[[Decimal], str]:
    """Amounts for the PDF's built-in fonts, which have a no-break space but not the narrow
    one some languages group digits with (French: 1 234,50 €)."""
    return lambda amount: business.format_money(amount).replace("\u202f", "\xa0")


def _header(canvas: Canvas, business: Business, title: str) -> float:
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(LEFT, HEIGHT - 25 * mm, business.name)
    canvas.setFont("Helvetica", 9)
    address = [
        business.address,
        f"{business.postal_code} {business.town_city}".strip(),
        business.country_name,
    ]
    y = HEIGHT - 31 * mm
    for line in filter(None, address):
        canvas.drawString(LEFT, y, line)
        y -= 4.5 * mm
    canvas.setFont("Helvetica-Bold", 20)
    canvas.drawRightString(RIGHT, HEIGHT - 25 * mm, title)
    return float(y - 6 * mm)


def _new_canvas(buffer: io.BytesIO, title: str) -> Canvas:
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    return canvas


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The invoice's PDF in the active language: drawn once, then read from the cache."""
    key = _invoice_key(invoice)
    content: bytes | None = cache.get(key)
    if content is None:
        content = _invoice_drawn(invoice=invoice)
        cache.set(key, content, CACHE_SECONDS)
    return content


def _invoice_key(invoice: Invoice) -> str:
    """Everything `_invoice_drawn` draws, and the language it writes in, as one digest."""
    business = invoice.business
    drawn = (
        LAYOUT_VERSION,
        translation.get_language(),
        invoice.pk,
        invoice.invoice_number,
        invoice.credit_note,
        invoice.created_on,
        invoice.due_date,
        invoice.paid_on,
        invoice.bill_to_name,
        invoice.bill_to_email,
        invoice.tax_rate,
        [(line.description, line.quantity, line.unit_price) for line in invoice.lines.all()],
        business.pk,
        business.name,
        business.address,
        business.postal_code,
        business.town_city,
        business.country_name,
        business.currency_code,
        business.currency_name,
    )
    return f"sandbox:invoice-pdf:{hashlib.sha256(repr(drawn).encode()).hexdigest()}"


def _invoice_drawn(*, invoice: Invoice) -> bytes:
    business = invoice.business
    money = _money(business)
    kind = _("Credit note") if invoice.credit_note else _("Invoice")
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, f"{kind} {invoice.invoice_number}")
    y = _header(canvas, business, kind.upper())

    canvas.setFont("Helvetica", 10)
    facts = [
        (_("Number"), invoice.invoice_number),
        (_("Date"), _date(invoice.created_on)),
        (_("Due date"), _date(invoice.due_date)),
        (
            _("Status"),
            _("Paid on %(date)s") % {"date": _date(invoice.paid_on)}
            if invoice.paid_on
            else _("Unpaid"),
        ),
        (_("Currency"), f"{business.currency_code} ({business.currency_name})"),
        (_("Bill to"), ", ".join(filter(None, [invoice.bill_to_name, invoice.bill_to_email]))),
    ]
    for label, value in facts:
        canvas.drawString(LEFT, y, f"{label}:")
        canvas.drawString(LEFT + 35 * mm, y, value)
        y -= ROW

    y -= ROW
    columns = [
        (LEFT, _("Description")),
        (RIGHT - 70 * mm, _("Qty")),
        (RIGHT - 35 * mm, _("Unit price")),
    ]
    canvas.setFont("Helvetica-Bold", 10)
    for x, title in columns:
        canvas.drawString(x, y, title)
    canvas.drawRightString(RIGHT, y, _("Total"))
    canvas.line(LEFT, y - 2 * mm, RIGHT, y - 2 * mm)
    y -= ROW + 1 * mm
    canvas.setFont("Helvetica", 10)
    for line in invoice.lines.all():
        canvas.drawString(LEFT, y, line.description[:60])
        canvas.drawString(RIGHT - 70 * mm, y, str(line.quantity))
        canvas.drawString(RIGHT - 35 * mm, y, money(line.unit_price))
        canvas.drawRightString(RIGHT, y, money(line.total))
        y -= ROW

    canvas.line(RIGHT - 70 * mm, y + 2 * mm, RIGHT, y + 2 * mm)
    y -= 2 * mm
    tax_percent = f"{invoice.tax_rate * 100:.0f}%"
    totals = [
        (_("Subtotal"), money(invoice.sub_total)),
        (_("Tax (%(rate)s)") % {"rate": tax_percent}, money(invoice.tax)),
        (_("Total"), money(invoice.total)),
        (_("Amount due"), money(invoice.due_amount)),
    ]
    for index, (label, value) in enumerate(totals):
        canvas.setFont("Helvetica-Bold" if index == 2 else "Helvetica", 10)
        canvas.drawString(RIGHT - 70 * mm, y, label)
        canvas.drawRightString(RIGHT, y, value)
        y -= ROW

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def statement_pdf(*, customer: Customer, invoices: Sequence[Invoice]) -> bytes:
    business = customer.business
    money = _money(business)
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, _("Statement for %(email)s") % {"email": customer.email})
    y = _header(canvas, business, _("Statement").upper())
    canvas.setFont("Helvetica", 10)
    canvas.drawString(
        LEFT, y, _("Customer: %(name)s") % {"name": customer.full_name or customer.email}
    )
    y -= 2 * ROW

    canvas.setFont("Helvetica-Bold", 10)
    for x, title in [
        (LEFT, _("Number")),
        (LEFT + 40 * mm, _("Date")),
        (LEFT + 75 * mm, _("Status")),
    ]:
        canvas.drawString(x, y, title)
    canvas.drawRightString(RIGHT - 30 * mm, y, _("Total"))
    canvas.drawRightString(RIGHT, y, pgettext("amount", "Due"))
    y -= ROW
    canvas.setFont("Helvetica", 10)
    balance = sum((invoice.due_amount for invoice in invoices), Decimal(0))
    for invoice in invoices:
        if y < 30 * mm:
            canvas.showPage()
            canvas.setFont("Helvetica", 10)
            y = HEIGHT - 25 * mm
        canvas.drawString(LEFT, y, invoice.invoice_number)
        canvas.drawString(LEFT + 40 * mm, y, _date(invoice.created_on))
        canvas.drawString(LEFT + 75 * mm, y, _("Paid") if invoice.paid else _("Unpaid"))
        canvas.drawRightString(RIGHT - 30 * mm, y, money(invoice.total))
        canvas.drawRightString(RIGHT, y, money(invoice.due_amount))
        y -= ROW
    y -= ROW
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(LEFT + 75 * mm, y, _("Balance due"))
    canvas.drawRightString(RIGHT, y, money(balance))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
