"""The one client of the upstream billing API (CONTRACT.md); nothing else calls it.

Imports nothing else of the project: the base URL and the request id come from a small
per-request context (`upstream_bound`) that the middleware sets. Callers use this package's
names: `upstream.invoices_my(...)`, `upstream.NotFound`.
"""

from upstream.budget import Priority
from upstream.calls import (
    business_colors,
    business_current,
    checkout_status,
    invoice_detail,
    invoice_pdf_bytes,
    invoices_my,
    media_token,
    password_reset_complete,
    password_reset_start,
    register_by_token,
    token_by_exchange,
    token_by_password,
    token_by_refresh,
)
from upstream.context import PageCalls, UpstreamTarget, upstream_bound, upstream_target
from upstream.errors import (
    AlreadyPaid,
    NotAsked,
    NotFound,
    PasswordRefused,
    PasswordResetRequired,
    SecondFactorRequired,
    Throttled,
    TokenRejected,
    UnexpectedAnswer,
    UpstreamError,
    UpstreamUnavailable,
)
from upstream.parsing import (
    parse_invoice_detail,
    parse_invoice_preview,
    read_reset_token,
    web_address_host,
)
from upstream.paying import invoice_checkout_start
from upstream.results import (
    ActionConfirmation,
    Business,
    BusinessColors,
    CheckoutState,
    CheckoutStatus,
    InvoiceCheckout,
    InvoiceDetail,
    InvoiceLine,
    InvoicePage,
    InvoicePreview,
    Payment,
    RegisterByTokenAnswer,
    ResetToken,
    Tokens,
)
from upstream.transport import longest_call_seconds

__all__ = [
    "ActionConfirmation",
    "AlreadyPaid",
    "Business",
    "BusinessColors",
    "CheckoutState",
    "CheckoutStatus",
    "InvoiceCheckout",
    "InvoiceDetail",
    "InvoiceLine",
    "InvoicePage",
    "InvoicePreview",
    "NotAsked",
    "NotFound",
    "PageCalls",
    "PasswordRefused",
    "PasswordResetRequired",
    "Payment",
    "Priority",
    "RegisterByTokenAnswer",
    "ResetToken",
    "SecondFactorRequired",
    "Throttled",
    "TokenRejected",
    "Tokens",
    "UnexpectedAnswer",
    "UpstreamError",
    "UpstreamTarget",
    "UpstreamUnavailable",
    "business_colors",
    "business_current",
    "checkout_status",
    "invoice_checkout_start",
    "invoice_detail",
    "invoice_pdf_bytes",
    "invoices_my",
    "longest_call_seconds",
    "media_token",
    "parse_invoice_detail",
    "parse_invoice_preview",
    "password_reset_complete",
    "password_reset_start",
    "read_reset_token",
    "register_by_token",
    "token_by_exchange",
    "token_by_password",
    "token_by_refresh",
    "upstream_bound",
    "upstream_target",
    "web_address_host",
]
