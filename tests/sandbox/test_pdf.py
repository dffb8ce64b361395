"""The sandbox's PDFs are real: parsed back with pypdf, and stable byte for byte."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from sandbox import pdf
from sandbox.models import Business, Customer, Invoice
from tests.sandbox.conftest import INVOICES, Purchase, pdf_text


@pytest.fixture
def drawings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the invoices drawn (not read from the cache), in order."""
    drawn: list[int] = []
    draw = pdf._invoice_drawn

    def counting(*, invoice: Invoice) -> bytes:
        drawn.append(invoice.pk)
        return draw(invoice=invoice)

    monkeypatch.setattr(pdf, "_invoice_drawn", counting)
    return drawn


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


# The cache ----------------------------------------------------------------------------------


def test_an_invoice_is_drawn_once_then_read_from_the_cache(
    purchase: Purchase, drawings: list[int]
) -> None:
    invoice = purchase().invoice
    first = pdf.invoice_pdf(invoice=invoice)
    again = Invoice.objects.get(pk=invoice.pk)
    assert pdf.invoice_pdf(invoice=again) == first
    assert drawings == [invoice.pk]


def test_each_language_is_drawn_once(purchase: Purchase, drawings: list[int]) -> None:
    invoice = purchase().invoice
    english = pdf.invoice_pdf(invoice=invoice)
    with translation.override("de"):
        german = pdf.invoice_pdf(invoice=invoice)
        assert pdf.invoice_pdf(invoice=invoice) == german
    assert "RECHNUNG" in pdf_text(german)
    assert "RECHNUNG" not in pdf_text(english)
    assert pdf.invoice_pdf(invoice=invoice) == english
    assert len(drawings) == 2


def test_a_changed_invoice_is_drawn_again(purchase: Purchase, drawings: list[int]) -> None:
    invoice = purchase().invoice
    pdf.invoice_pdf(invoice=invoice)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=invoice.due_date + timedelta(days=7))
    later = Invoice.objects.get(pk=invoice.pk)
    assert later.due_date.strftime("%b %-d, %Y") in pdf_text(pdf.invoice_pdf(invoice=later))
    assert len(drawings) == 2


def test_a_changed_line_is_drawn_again(purchase: Purchase, drawings: list[int]) -> None:
    invoice = purchase().invoice
    assert "€163.35" in pdf_text(pdf.invoice_pdf(invoice=invoice))
    invoice.lines.filter(description="Meeting room, 2 hours").update(unit_price=Decimal("70.00"))
    later = Invoice.objects.get(pk=invoice.pk)
    # 135 + 10 = 145, plus 21 % tax.
    assert "€175.45" in pdf_text(pdf.invoice_pdf(invoice=later))
    assert len(drawings) == 2


def test_a_changed_business_is_drawn_again(purchase: Purchase, drawings: list[int]) -> None:
    invoice = purchase().invoice
    pdf.invoice_pdf(invoice=invoice)
    Business.objects.filter(pk=invoice.business_id).update(name="Harbour Works")
    later = Invoice.objects.get(pk=invoice.pk)
    assert "Harbour Works" in pdf_text(pdf.invoice_pdf(invoice=later))
    assert len(drawings) == 2


def test_the_api_serves_a_pdf_from_the_cache(
    client: Client, purchase: Purchase, drawings: list[int]
) -> None:
    basket = purchase()
    url = f"{INVOICES}/{basket.invoice_id}/pdfByToken"
    answers = [client.get(url, {"token": str(basket.guid)}) for _ in range(3)]
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1
    assert drawings == [basket.invoice_id]
