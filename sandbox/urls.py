"""The sandbox's routes: CONTRACT.md's calls under `api/`, and a purchase page at the root.

Specific paths (`my`, `statements/pdf`) come before `{invoiceId}`, which takes any segment so
that a non-numeric id gets a JSON 400 rather than Django's HTML 404.
"""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from sandbox import api, oauth, openapi, users, views

app_name = "sandbox"

INVOICES = "api/public/billing/invoices"

urlpatterns: list[URLPattern] = [
    path("api/openapi.json", openapi.openapi, name="openapi"),
    path("api/token", oauth.token),
    path("api/auth/media/customer", api.media_token),
    path("api/public/checkout/status", api.checkout_status),
    path("api/public/businesses/current", api.business_current),
    path("api/sys/businesses/<str:business_id>/colors", api.business_colors),
    path("api/sys/users/startPasswordReset", users.start_password_reset),
    path("api/sys/users/completePasswordReset", users.complete_password_reset),
    path("api/sys/users/exchange", users.exchange),
    path(f"{INVOICES}/my", api.invoices_my),
    path(f"{INVOICES}/statements/pdf", api.statement_pdf),
    path(f"{INVOICES}/<str:invoice_id>/registerByToken", api.register_by_token),
    path(f"{INVOICES}/<str:invoice_id>/pdfByToken", api.pdf_by_token),
    path(f"{INVOICES}/<str:invoice_id>/checkout", api.invoice_checkout),
    path(f"{INVOICES}/<str:invoice_id>/pdf", api.invoice_pdf),
    path(f"{INVOICES}/<str:invoice_id>", api.invoice_detail),
    re_path(r"^api/(?P<rest>.*)$", api.not_found),
    path("outbox", views.outbox, name="outbox"),
    # The simulated gateway's page for an invoice basket (CheckoutUrl).
    path("pay/<str:guid>", views.gateway, name="gateway"),
    path("", views.purchase, name="purchase"),
]
