"""The sandbox OpenAPI document's building blocks and schemas (sandbox/openapi.py has the
paths): what sandbox/api.py's answers are made of."""

from __future__ import annotations

from typing import Any

INVOICES = "/api/public/billing/invoices"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_answer(description: str) -> dict[str, Any]:
    return json_answer(ref("Error"), description)


PDF = {"description": "The PDF", "content": {"application/pdf": {"schema": {"type": "string"}}}}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}
WHOLE = {"type": "integer"}
NUMBER = {"type": "number"}
FLAG = {"type": "boolean"}
MOMENT = {"type": "string", "format": "date-time", "nullable": True}


def query(name: str, required: bool = True, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema or TEXT}


INVOICE_ID = {"name": "invoiceId", "in": "path", "required": True, "schema": WHOLE}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]

_PREVIEW_PROPERTIES: dict[str, Any] = {
    "Id": WHOLE,
    "UniqueId": TEXT,
    "InvoiceNumber": TEXT,
    "Paid": FLAG,
    "PaidOn": MOMENT,
    "DueDate": MOMENT,
    "Draft": FLAG,
    "CreditNote": FLAG,
    "TotalAmount": NUMBER,
    "DueAmount": NUMBER,
    "TotalFormated": TEXT,
    "Currency": ref("Currency"),
    "BusinessWebAddress": TEXT,
    "CreatedOn": MOMENT,
}


def json_object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


SCHEMAS: dict[str, Any] = {
    "Error": json_object({"error": TEXT, "message": TEXT}),
    # [docs] The envelope of a write call's answer (registerByToken's refusals here).
    "ActionConfirmation": json_object(
        {"WasSuccessful": FLAG, "Value": {"nullable": True}, "Status": WHOLE, "Message": TEXT}
        | {"Errors": {"type": "array", "nullable": True, "items": {"type": "object"}}}
    ),
    "OAuthError": json_object({"error": TEXT, "error_description": TEXT}),
    "Currency": json_object({"Code": TEXT, "Name": TEXT, "Format": TEXT}),
    "InvoicePreview": json_object(_PREVIEW_PROPERTIES),
    "InvoiceDetail": json_object(
        {
            **_PREVIEW_PROPERTIES,
            "BillToName": TEXT,
            "BillToEmail": TEXT,
            "Lines": {
                "type": "array",
                "items": json_object(
                    {
                        "Description": TEXT,
                        "Quantity": WHOLE,
                        "UnitPriceFormated": TEXT,
                        "TotalFormated": TEXT,
                    }
                ),
            },
            "SubTotalFormated": TEXT,
            "TaxFormated": TEXT,
            "TaxRate": NUMBER,
            "Payments": {"type": "array", "items": ref("Payment")},
        }
    ),
    # [ours] A payment of an invoice; older public clients read InvoiceDetail's Payments.
    "Payment": json_object(
        {
            "PaidOn": MOMENT,
            "Amount": NUMBER,
            "AmountFormated": TEXT,
            "CardBrand": TEXT,
            "CardLastFour": TEXT,
        }
    ),
    "InvoiceCheckout": json_object({"CheckoutUrl": TEXT, "SessionId": TEXT}),
    "CheckoutStatus": json_object(
        {
            "Status": {"type": "string", "enum": ["Paid", "Pending", "Failed"]},
            "Email": TEXT,
            "Invoice": ref("InvoiceDetail"),
        }
    ),
    "Registration": json_object({"Token": TEXT, "CustomerCreated": FLAG}),
    "Tokens": json_object(
        {"access_token": TEXT, "token_type": TEXT, "expires_in": WHOLE, "refresh_token": TEXT}
    ),
    "InvoicePage": json_object(
        {
            "Records": {"type": "array", "items": ref("InvoicePreview")},
            "CurrentPage": WHOLE,
            "CurrentPageSize": WHOLE,
            "CurrentOrderField": TEXT,
            "CurrentSortDirection": WHOLE,
            "FirstItem": WHOLE,
            "LastItem": WHOLE,
            "PageNumber": WHOLE,
            "PageSize": WHOLE,
            "TotalItems": WHOLE,
            "TotalPages": WHOLE,
            "HasNextPage": FLAG,
            "HasPreviousPage": FLAG,
        }
    ),
    "MediaToken": json_object({"jwt": TEXT}),
    "Business": json_object(
        {
            "Id": WHOLE,
            "UniqueId": TEXT,
            "Name": TEXT,
            "WebAddress": TEXT,
            "NativeHomeUrl": NULLABLE_TEXT,
            "Currency": ref("Currency"),
            "LanguageCulture": TEXT,
            "TimeZone": TEXT,
            "Address": TEXT,
            "TownCity": TEXT,
            "PostalCode": TEXT,
            "Country": json_object({"Name": TEXT, "TwoDigitsCode": TEXT}),
        }
    ),
    "Colors": json_object(
        {"primaryColor": TEXT, "secondaryColor": TEXT, "backgroundColor": TEXT, "textColor": TEXT}
    ),
}
