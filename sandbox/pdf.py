"""Invoice and statement PDFs, drawn with reportlab.

`invariant=1` leaves out the creation date and the random document id, so the same invoice
always gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from sandbox.models import Business, Customer, Invoice

WIDTH, HEIGHT = A4
LEFT, RIGHT = 20 * mm, WIDTH - 20 * mm
ROW = 6 * mm


def _date(value: datetime | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


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
    business = invoice.business
    money = business.format_money
    kind = "Credit note" if invoice.credit_note else "Invoice"
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, f"{kind} {invoice.invoice_number}")
    y = _header(canvas, business, kind.upper())

    canvas.setFont("Helvetica", 10)
    facts = [
        (f"{kind} number", invoice.invoice_number),
        ("Date", _date(invoice.created_on)),
        ("Due date", _date(invoice.due_date)),
        ("Status", f"Paid on {_date(invoice.paid_on)}" if invoice.paid_on else "Unpaid"),
        ("Currency", f"{business.currency_code} ({business.currency_name})"),
        ("Bill to", ", ".join(filter(None, [invoice.bill_to_name, invoice.bill_to_email]))),
    ]
    for label, value in facts:
        canvas.drawString(LEFT, y, f"{label}:")
        canvas.drawString(LEFT + 35 * mm, y, value)
        y -= ROW

    y -= ROW
    columns = [(LEFT, "Description"), (RIGHT - 70 * mm, "Qty"), (RIGHT - 35 * mm, "Unit price")]
    canvas.setFont("Helvetica-Bold", 10)
    for x, title in columns:
        canvas.drawString(x, y, title)
    canvas.drawRightString(RIGHT, y, "Total")
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
        ("Subtotal", money(invoice.sub_total)),
        (f"Tax ({tax_percent})", money(invoice.tax)),
        ("Total", money(invoice.total)),
        ("Amount due", money(invoice.due_amount)),
    ]
    for label, value in totals:
        canvas.setFont("Helvetica-Bold" if label == "Total" else "Helvetica", 10)
        canvas.drawString(RIGHT - 70 * mm, y, label)
        canvas.drawRightString(RIGHT, y, value)
        y -= ROW

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def statement_pdf(*, customer: Customer, invoices: Sequence[Invoice]) -> bytes:
    business = customer.business
    money = business.format_money
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, f"Statement for {customer.email}")
    y = _header(canvas, business, "STATEMENT")
    canvas.setFont("Helvetica", 10)
    canvas.drawString(LEFT, y, f"Customer: {customer.full_name or customer.email}")
    y -= 2 * ROW

    canvas.setFont("Helvetica-Bold", 10)
    for x, title in [(LEFT, "Number"), (LEFT + 40 * mm, "Date"), (LEFT + 75 * mm, "Status")]:
        canvas.drawString(x, y, title)
    canvas.drawRightString(RIGHT - 30 * mm, y, "Total")
    canvas.drawRightString(RIGHT, y, "Due")
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
        canvas.drawString(LEFT + 75 * mm, y, "Paid" if invoice.paid else "Unpaid")
        canvas.drawRightString(RIGHT - 30 * mm, y, money(invoice.total))
        canvas.drawRightString(RIGHT, y, money(invoice.due_amount))
        y -= ROW
    y -= ROW
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(LEFT + 75 * mm, y, "Balance due")
    canvas.drawRightString(RIGHT, y, money(balance))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
