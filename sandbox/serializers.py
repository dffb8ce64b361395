"""The contract's JSON shapes (CONTRACT.md, "Shapes"), PascalCase as Nexudus writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.models import Business, Invoice


def _datetime(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def web_address(business: Business, host: str) -> str:
    return business.web_address or host


def currency(business: Business) -> dict[str, str]:
    return {
        "Code": business.currency_code,
        "Name": business.currency_name,
        "Format": business.currency_format,
    }


def business_json(business: Business, *, host: str, home_url: str) -> dict[str, Any]:
    return {
        "Id": business.pk,
        "Name": business.name,
        "WebAddress": web_address(business, host),
        "NativeHomeUrl": home_url,
        "Currency": currency(business),
        "LanguageCulture": business.language_culture,
        "TimeZone": business.time_zone,
        "Address": business.address,
        "TownCity": business.town_city,
        "PostalCode": business.postal_code,
        "Country": {"Name": business.country_name, "TwoDigitsCode": business.country_code},
    }


def colors_json(business: Business) -> dict[str, str]:
    return {
        "primaryColor": business.primary_color,
        "secondaryColor": business.secondary_color,
        "backgroundColor": business.background_color,
        "textColor": business.text_color,
    }


def invoice_preview_json(invoice: Invoice, *, host: str) -> dict[str, Any]:
    business = invoice.business
    return {
        "Id": invoice.pk,
        "UniqueId": str(invoice.unique_id),
        "InvoiceNumber": invoice.invoice_number,
        "Paid": invoice.paid,
        "PaidOn": _datetime(invoice.paid_on),
        "DueDate": _datetime(invoice.due_date),
        "Draft": invoice.draft,
        "CreditNote": invoice.credit_note,
        "TotalAmount": float(invoice.total),
        "DueAmount": float(invoice.due_amount),
        "TotalFormated": business.format_money(invoice.total),
        "Currency": currency(business),
        "BusinessWebAddress": web_address(business, host),
        "CreatedOn": _datetime(invoice.created_on),
    }


def invoice_detail_json(invoice: Invoice, *, host: str) -> dict[str, Any]:
    money = invoice.business.format_money
    return {
        **invoice_preview_json(invoice, host=host),
        "BillToName": invoice.bill_to_name,
        "BillToEmail": invoice.bill_to_email,
        "Lines": [
            {
                "Description": line.description,
                "Quantity": line.quantity,
                "UnitPriceFormated": money(line.unit_price),
                "TotalFormated": money(line.total),
            }
            for line in invoice.lines.all()
        ],
        "SubTotalFormated": money(invoice.sub_total),
        "TaxFormated": money(invoice.tax),
        # [ours] A percentage, as the PDF prints it: 21.0 for 21 %.
        "TaxRate": float(invoice.tax_rate * 100),
    }
