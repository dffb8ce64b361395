"""An invoice's status as every page names it: one rule for the receipt, the list, the detail
and the balance, so that a credit note is never "Paid" and an invoice past its due date is
"Overdue" everywhere."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.utils import timezone

import upstream

# "unknown": the upstream says neither Paid, PaidOn nor DueAmount; no badge is shown.
Status = Literal["credit_note", "paid", "overdue", "unpaid", "unknown"]


def local_date(value: datetime) -> date:
    """The day of a moment: the upstream's times are the space's wall-clock times, naive
    (upstream.parsing); an aware one falls on its day in TIME_ZONE."""
    return timezone.localdate(value) if timezone.is_aware(value) else value.date()


def invoice_status(invoice: upstream.InvoicePreview, *, today: date | None = None) -> Status:
    if invoice.credit_note:
        return "credit_note"
    if invoice.paid:
        return "paid"
    if invoice.paid is None:
        return "unknown"
    today = today or timezone.localdate()
    # Due on the 5th: still "Unpaid" all day on the 5th, "Overdue" from the 6th.
    if invoice.due_date is not None and local_date(invoice.due_date) < today:
        return "overdue"
    return "unpaid"
