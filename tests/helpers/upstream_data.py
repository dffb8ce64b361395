"""Upstream answers shaped as CONTRACT.md says, for tests that mock the upstream."""

from __future__ import annotations

from typing import Any

# A signed-in customer's credentials and the tokens the upstream hands them, for tests that
# check none of them leaks.
EMAIL = "ada@example.com"
PASSWORD = "Pw-4aT9-unguessable"
ACCESS = "access-7b1e9c4d2f"
REFRESH = "refresh-5c8a0e3f6b"
NEW_ACCESS = "access-new-0d4f7a2c91"
NEW_REFRESH = "refresh-new-6e2b9f1a37"
SECRETS = (ACCESS, REFRESH, NEW_ACCESS, NEW_REFRESH, PASSWORD)


def invoice_detail(invoice_id: int = 42, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "Id": invoice_id,
        "UniqueId": "1b7f3c1e-0000-4000-8000-000000000042",
        "InvoiceNumber": f"INV-2026-{invoice_id:05d}",
        "Paid": True,
        "PaidOn": "2026-11-21T10:00:00Z",
        "DueDate": "2026-12-05T10:00:00Z",
        "Draft": False,
        "CreditNote": False,
        "TotalAmount": 163.35,
        "DueAmount": 0.0,
        "TotalFormated": "€163.35",
        "Currency": {"Code": "EUR", "Name": "Euro", "Format": "€{amount}"},
        "BusinessWebAddress": "spaces.example.com",
        "CreatedOn": "2026-11-21T10:00:00Z",
        "BillToName": "",
        "BillToEmail": "buyer@example.com",
        "Lines": [
            {
                "Description": "Hot desk day pass",
                "Quantity": 3,
                "UnitPriceFormated": "€25.00",
                "TotalFormated": "€75.00",
            },
            {
                "Description": "Meeting room, 2 hours",
                "Quantity": 1,
                "UnitPriceFormated": "€60.00",
                "TotalFormated": "€60.00",
            },
        ],
        "SubTotalFormated": "€135.00",
        "TaxFormated": "€28.35",
    }
    data.update(changes)
    return data


def checkout_status(status: str = "Paid", **changes: Any) -> dict[str, Any]:
    return {"Status": status, "Email": "buyer@example.com", "Invoice": invoice_detail(**changes)}


def business() -> dict[str, Any]:
    return {"Id": 1, "Name": "Canal Street Coworking", "WebAddress": "spaces.example.com"}


def invoice_page(*records: dict[str, Any]) -> dict[str, Any]:
    """One page of /invoices/my holding `records` (an InvoiceDetail is a valid preview too)."""
    return {
        "Records": list(records),
        "CurrentPage": 1,
        "CurrentPageSize": 25,
        "TotalItems": len(records),
        "TotalPages": 1,
        "HasNextPage": False,
        "HasPreviousPage": False,
    }
