"""The sandbox's PDFs are real: parsed back with pypdf, and stable byte for byte."""

from __future__ import annotations

import io
import re

from django.utils import translation
from pypdf import PdfReader

from sandbox import pdf
from sandbox.models import Customer
from tests.sandbox.conftest import Purchase, pdf_text


def test_invoice_pdf_holds_the_invoice(purchase: Purchase) -> None:
    invoice = purchase(email="buyer@example.com").invoice
    text = pdf_text(pdf.invoice_pdf(invoice=invoice))
    for expected in [
        "Canal Street Coworking",
        "Keizersgracht 123",
        "1015 CJ Amsterdam",
        invoice.invoice_number,
        "buyer@example.com",
        "Hot desk day pass",
        "Meeting room, 2 hours",
        "€135.00",
        "Tax (21%)",
        "€163.35",
        "EUR (Euro)",
        invoice.created_on.strftime("%b %-d, %Y"),
    ]:
        assert expected in text, expected


def test_invoice_pdf_is_in_the_active_language(purchase: Purchase) -> None:
    invoice = purchase(email="buyer@example.com").invoice
    with translation.override("de"):
        text = pdf_text(pdf.invoice_pdf(invoice=invoice))
    # Labels from the German catalogue; amounts and dates as German writes them (CLDR).
    german_date = invoice.created_on.strftime("%d.%m.%Y")
    for expected in ["RECHNUNG", "Beschreibung", "Zwischensumme", german_date]:
        assert expected in text, expected
    assert re.search(r"163,35\s€", text)
    assert "Subtotal" not in text


def test_same_invoice_same_bytes(purchase: Purchase) -> None:
    invoice = purchase().invoice
    first = pdf.invoice_pdf(invoice=invoice)
    assert first.startswith(b"%PDF-")
    assert pdf.invoice_pdf(invoice=invoice) == first


def test_credit_note_is_titled_as_one(demo_customer: Customer) -> None:
    credit_note = demo_customer.invoices.get(credit_note=True)
    text = pdf_text(pdf.invoice_pdf(invoice=credit_note))
    assert "CREDIT NOTE" in text
    assert "-€60.50" in text


def test_statement_lists_every_invoice_and_the_balance(demo_customer: Customer) -> None:
    invoices = list(demo_customer.invoices.all())
    content = pdf.statement_pdf(customer=demo_customer, invoices=invoices)
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    text = pdf_text(content)
    assert all(invoice.invoice_number in text for invoice in invoices)
    # Unpaid: 320 + 110 + 20 (200 x 0.10), each plus 21% tax.
    assert "Balance due" in text
    assert "€544.50" in text
