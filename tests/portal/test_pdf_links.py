"""Browser links to upstream PDFs (download-invoice-pdf.md), shared by both pages."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore
from django.test import override_settings

import upstream
from portal import pdf_links
from tests.helpers import upstream_data

GUID = "5f0b8d0e-1c2a-4e57-9d3c-2b7a9e4f6a10"


def test_pdf_by_token_url() -> None:
    invoice = upstream.parse_invoice_detail(upstream_data.invoice_detail())
    with override_settings(PDF_LINK_SCHEME="https", UPSTREAM_PUBLIC_BASE_URL="/portal"):
        link = pdf_links.pdf_by_token_url(invoice=invoice, token=GUID)
    assert link == (
        f"https://spaces.example.com/portal/api/public/billing/invoices/42/pdfByToken?token={GUID}"
    )
    with override_settings(PDF_LINK_SCHEME="http", UPSTREAM_PUBLIC_BASE_URL=""):
        assert pdf_links.pdf_by_token_url(invoice=invoice, token="a b&c").startswith(
            "http://spaces.example.com/api/public/billing/invoices/42/pdfByToken?token=a+b%26c"
        )


def test_media_jwt_links_only_for_invoices_the_session_has_shown() -> None:
    session = SessionStore()
    shown = upstream.parse_invoice_preview(upstream_data.invoice_detail(7))
    pdf_links.invoices_remember(session=session, invoices=[shown])
    with override_settings(PDF_LINK_SCHEME="https", UPSTREAM_PUBLIC_BASE_URL=""):
        links = pdf_links.media_jwt_links(session=session, invoice_ids=[7, 8], media_jwt="j.w.t")
    assert links == [
        pdf_links.PdfLink(
            invoice_id=7,
            number=shown.number,
            url="https://spaces.example.com/api/public/billing/invoices/7/pdf?t=j.w.t",
        )
    ]


def test_statement_pdf_url() -> None:
    with override_settings(PDF_LINK_SCHEME="https", UPSTREAM_PUBLIC_BASE_URL=""):
        assert pdf_links.statement_pdf_url(
            web_address="spaces.example.com:8443", media_jwt="j"
        ) == ("https://spaces.example.com:8443/api/public/billing/invoices/statements/pdf?t=j")
