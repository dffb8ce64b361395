"""The sandbox API as an OpenAPI 3.0 document, served at /sandbox/api/openapi.json.

It describes what sandbox/api.py answers (CONTRACT.md plus the [ours] choices in
docs/sandbox.md), and tests/sandbox/test_openapi.py keeps it true: schemathesis generates
requests from it and checks every answer's status, content type and JSON shape against it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

INVOICES = "/api/public/billing/invoices"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


PDF = {"description": "The PDF", "content": {"application/pdf": {"schema": {"type": "string"}}}}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}
WHOLE = {"type": "integer"}
NUMBER = {"type": "number"}
FLAG = {"type": "boolean"}
MOMENT = {"type": "string", "format": "date-time", "nullable": True}


def _query(name: str, required: bool = True, **schema: Any) -> dict[str, Any]:
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
    "Currency": _ref("Currency"),
    "BusinessWebAddress": TEXT,
    "CreatedOn": MOMENT,
}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": TEXT, "message": TEXT}),
    # [docs] The envelope of a write call's answer (registerByToken's refusals here).
    "ActionConfirmation": _object(
        {"WasSuccessful": FLAG, "Value": {"nullable": True}, "Status": WHOLE, "Message": TEXT}
        | {"Errors": {"type": "array", "nullable": True, "items": {"type": "object"}}}
    ),
    "OAuthError": _object({"error": TEXT, "error_description": TEXT}),
    "Currency": _object({"Code": TEXT, "Name": TEXT, "Format": TEXT}),
    "InvoicePreview": _object(_PREVIEW_PROPERTIES),
    "InvoiceDetail": _object(
        {
            **_PREVIEW_PROPERTIES,
            "BillToName": TEXT,
            "BillToEmail": TEXT,
            "Lines": {
                "type": "array",
                "items": _object(
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
        }
    ),
    "CheckoutStatus": _object(
        {
            "Status": {"type": "string", "enum": ["Paid", "Pending", "Failed"]},
            "Email": TEXT,
            "Invoice": _ref("InvoiceDetail"),
        }
    ),
    "Registration": _object({"Token": TEXT, "CustomerCreated": FLAG}),
    "Tokens": _object(
        {"access_token": TEXT, "token_type": TEXT, "expires_in": WHOLE, "refresh_token": TEXT}
    ),
    "InvoicePage": _object(
        {
            "Records": {"type": "array", "items": _ref("InvoicePreview")},
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
    "MediaToken": _object({"jwt": TEXT}),
    "Business": _object(
        {
            "Id": WHOLE,
            "UniqueId": TEXT,
            "Name": TEXT,
            "WebAddress": TEXT,
            "NativeHomeUrl": NULLABLE_TEXT,
            "Currency": _ref("Currency"),
            "LanguageCulture": TEXT,
            "TimeZone": TEXT,
            "Address": TEXT,
            "TownCity": TEXT,
            "PostalCode": TEXT,
            "Country": _object({"Name": TEXT, "TwoDigitsCode": TEXT}),
        }
    ),
    "Colors": _object(
        {"primaryColor": TEXT, "secondaryColor": TEXT, "backgroundColor": TEXT, "textColor": TEXT}
    ),
}

PATHS: dict[str, Any] = {
    "/api/public/checkout/status": {
        "get": {
            "summary": "The basket session's state and invoice [ours]",
            "parameters": [_query("token")],
            "responses": {
                "200": _json(_ref("CheckoutStatus"), "The basket session"),
                "400": _error("No token"),
                "401": _error("Unknown, malformed or expired token"),
            },
        }
    },
    f"{INVOICES}/{{invoiceId}}/registerByToken": {
        "post": {
            "summary": "Verify a paid purchase; create or link the customer (once)",
            "parameters": [INVOICE_ID, _query("token")],
            "responses": {
                "200": _json(_ref("Registration"), "Registered"),
                "400": _error("No token, or an invoice id that is not a number"),
                "401": _json(_ref("ActionConfirmation"), "Invalid, expired or used token"),
                "404": _json(_ref("ActionConfirmation"), "Another invoice's token"),
                "409": {
                    "description": "Payment still pending [ours], or throttled",
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [_ref("ActionConfirmation"), _ref("Error")]}
                        }
                    },
                },
            },
        }
    },
    f"{INVOICES}/{{invoiceId}}/pdfByToken": {
        "get": {
            "summary": "The invoice PDF for the basket GUID or registerByToken's Token",
            "parameters": [INVOICE_ID, _query("token")],
            "responses": {
                "200": PDF,
                "400": _error("No token, or an invoice id that is not a number"),
                "401": _error("Unknown or expired token"),
                "404": _error("No such invoice for this token"),
            },
        }
    },
    "/api/token": {
        "post": {
            "summary": "OAuth 2.0 password and refresh grants",
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["grant_type"],
                            "properties": {
                                "grant_type": {
                                    "type": "string",
                                    "enum": ["password", "refresh_token"],
                                },
                                "username": TEXT,
                                "password": TEXT,
                                "refresh_token": TEXT,
                                "client_id": TEXT,
                                "totp": TEXT,
                            },
                        },
                        # The demo customer (sandbox_seed): the examples reach a 200 too.
                        "example": {
                            "grant_type": "password",
                            "username": "demo@example.com",
                            "password": "demo-password",
                        },
                    }
                },
            },
            "responses": {
                "200": _json(_ref("Tokens"), "Tokens"),
                "400": _json(_ref("OAuthError"), "invalid_request, invalid_grant or another"),
            },
        }
    },
    f"{INVOICES}/my": {
        "get": {
            "summary": "The customer's invoices, newest first",
            "security": BEARER,
            "parameters": [
                _query("paid", required=False, type="string", enum=["true", "false"]),
                _query("creditNotes", required=False, type="string", enum=["true", "false"]),
                _query("page", required=False, type="integer", minimum=1, maximum=1_000_000),
                _query("size", required=False, type="integer", minimum=1, maximum=100),
            ],
            "responses": {
                "200": _json(_ref("InvoicePage"), "A page of invoices"),
                "400": _error("A parameter out of range"),
                "401": _error("No valid bearer token"),
            },
        }
    },
    f"{INVOICES}/{{invoiceId}}": {
        "get": {
            "summary": "One invoice in full",
            "security": BEARER,
            "parameters": [INVOICE_ID],
            "responses": {
                "200": _json(_ref("InvoiceDetail"), "The invoice"),
                "400": _error("An invoice id that is not a number"),
                "401": _error("No valid bearer token"),
                "404": _error("No such invoice, or another customer's"),
            },
        }
    },
    "/api/auth/media/customer": {
        "get": {
            "summary": "A media JWT, living about 60 s",
            "security": BEARER,
            "responses": {
                "200": _json(_ref("MediaToken"), "A media JWT"),
                "401": _error("No valid bearer token"),
            },
        }
    },
    f"{INVOICES}/{{invoiceId}}/pdf": {
        "get": {
            "summary": "The invoice PDF, opened by a media JWT",
            "parameters": [INVOICE_ID, _query("t")],
            "responses": {
                "200": PDF,
                "400": _error("No t, or an invoice id that is not a number"),
                "401": _error("A bad or expired media JWT"),
                "404": _error("Not the caller's invoice"),
            },
        }
    },
    f"{INVOICES}/statements/pdf": {
        "get": {
            "summary": "The customer's statement PDF, opened by a media JWT",
            "parameters": [_query("t")],
            "responses": {
                "200": PDF,
                "400": _error("No t"),
                "401": _error("A bad or expired media JWT"),
            },
        }
    },
    "/api/public/businesses/current": {
        "get": {
            "summary": "The business of the host the request arrived on",
            "responses": {"200": _json(_ref("Business"), "The business")},
        }
    },
    "/api/sys/businesses/{businessId}/colors": {
        "get": {
            "summary": "The business's colours (a customer's bearer only)",
            "security": BEARER,
            "parameters": [{"name": "businessId", "in": "path", "required": True, "schema": WHOLE}],
            "responses": {
                "200": _json(_ref("Colors"), "The colours"),
                "400": _error("A business id that is not a number"),
                "401": _error("No valid bearer token"),
                "404": _error("No such business"),
            },
        }
    },
}

# [docs] Past the rate limits, any call: 409 with Retry-After (registerByToken's says so above).
for _operation in (op for item in PATHS.values() for op in item.values()):
    _operation["responses"].setdefault("409", _error("Throttled: see Retry-After"))

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Sandbox upstream",
        "version": "1",
        "description": "A Nexudus-style billing API for development and tests (CONTRACT.md).",
    },
    "servers": [{"url": "/sandbox"}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
}


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(DOCUMENT)
