"""Upstream endpoint paths, written once. Mirrors the spec's `src/api/endpoints.ts`.

Paths only: query parameters (tokens among them) are passed separately, so that no path ever
holds a secret and every log line can name the path as it is. See CONTRACT.md.
"""

from __future__ import annotations

# endpoints.system
TOKEN = "/api/token"  # [docs] OAuth 2.0 password and refresh grants
MEDIA_TOKEN = "/api/auth/media/customer"  # [seed] endpoints.system.mediaToken

# Password reset and one-time sign-in [docs]
PASSWORD_RESET_START = "/api/sys/users/startPasswordReset"
PASSWORD_RESET_COMPLETE = "/api/sys/users/completePasswordReset"
TOKEN_EXCHANGE = "/api/sys/users/exchange"  # ?token={one-time JWT}; the method is [ours]

# Guest checkout
CHECKOUT_STATUS = "/api/public/checkout/status"  # [ours] the basket session's state

# White-label data [docs]
BUSINESS_CURRENT = "/api/public/businesses/current"


def business_colors(business_id: int) -> str:
    return f"/api/sys/businesses/{business_id}/colors"


# endpoints.billing.invoices
INVOICES_MY = "/api/public/billing/invoices/my"  # [docs]
STATEMENT_PDF = "/api/public/billing/invoices/statements/pdf"  # [docs] ?t={mediaJwt}


def invoice(invoice_id: int) -> str:
    return f"/api/public/billing/invoices/{invoice_id}"  # [seed]


def register_by_token(invoice_id: int) -> str:
    return f"/api/public/billing/invoices/{invoice_id}/registerByToken"  # [seed] ?token={guid}


def invoice_checkout(invoice_id: int) -> str:
    return f"/api/public/billing/invoices/{invoice_id}/checkout"  # [ours] paying an invoice


def pdf_by_token(invoice_id: int) -> str:
    return f"/api/public/billing/invoices/{invoice_id}/pdfByToken"  # [seed] ?token={guid|Token}


def pdf(invoice_id: int) -> str:
    return f"/api/public/billing/invoices/{invoice_id}/pdf"  # [seed] ?t={mediaJwt}
