from __future__ import annotations

from django.urls import URLPattern, path, register_converter

from invoices import views

app_name = "invoices"


class InvoiceId:
    """An upstream invoice id: digits, short enough to be a real one (no huge numbers)."""

    regex = "[0-9]{1,11}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(InvoiceId, "invoice_id")

# Mounted at /{lang}/invoices/ by portal/urls.py.
urlpatterns: list[URLPattern] = [
    path("", views.invoice_list, name="list"),
    path("links", views.links, name="links"),
    path("statement/pdf", views.statement_pdf, name="statement_pdf"),
    path("export", views.invoice_export, name="export"),
    path("<invoice_id:invoice_id>/", views.invoice_detail, name="detail"),
    path("<invoice_id:invoice_id>/pdf", views.invoice_pdf, name="pdf"),
    path("<invoice_id:invoice_id>/pay", views.invoice_pay, name="pay"),
]
