"""The sandbox API as an OpenAPI 3.0 document, served at /sandbox/api/openapi.json.

It describes what sandbox/api.py answers (CONTRACT.md plus the [ours] choices in
docs/sandbox.md), and tests/sandbox/test_openapi.py keeps it true: schemathesis generates
requests from it and checks every answer's status, content type and JSON shape against it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from sandbox.openapi_schemas import (
    BEARER,
    INVOICE_ID,
    INVOICES,
    PDF,
    SCHEMAS,
    TEXT,
    WHOLE,
    error_answer,
    json_answer,
    query,
    ref,
)
from sandbox.openapi_users import USER_PATHS, USER_SCHEMAS

PATHS: dict[str, Any] = {
    "/api/public/checkout/status": {
        "get": {
            "summary": "The basket session's state and invoice [ours]",
            "parameters": [query("token")],
            "responses": {
                "200": json_answer(ref("CheckoutStatus"), "The basket session"),
                "400": error_answer("No token"),
                "401": error_answer("Unknown, malformed or expired token"),
            },
        }
    },
    f"{INVOICES}/{{invoiceId}}/registerByToken": {
        "post": {
            "summary": "Verify a paid purchase; create or link the customer (once)",
            "parameters": [INVOICE_ID, query("token")],
            "responses": {
                "200": json_answer(ref("Registration"), "Registered"),
                "400": error_answer("No token, or an invoice id that is not a number"),
                "401": json_answer(ref("ActionConfirmation"), "Invalid, expired or used token"),
                "404": json_answer(ref("ActionConfirmation"), "Another invoice's token"),
                "409": {
                    "description": "Payment still pending [ours], or throttled",
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [ref("ActionConfirmation"), ref("Error")]}
                        }
                    },
                },
            },
        }
    },
    f"{INVOICES}/{{invoiceId}}/pdfByToken": {
        "get": {
            "summary": "The invoice PDF for the basket GUID or registerByToken's Token",
            "parameters": [INVOICE_ID, query("token")],
            "responses": {
                "200": PDF,
                "400": error_answer("No token, or an invoice id that is not a number"),
                "401": error_answer("Unknown or expired token"),
                "404": error_answer("No such invoice for this token"),
            },
        }
    },
    f"{INVOICES}/{{invoiceId}}/checkout": {
        "post": {
            "summary": "Start (or find the open) invoice basket of an unpaid invoice [ours]",
            "security": BEARER,
            "parameters": [INVOICE_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["gateway", "returnUrl"],
                            "properties": {
                                "gateway": {
                                    "type": "string",
                                    "enum": ["stripe", "spreedly", "paypal"],
                                },
                                "returnUrl": TEXT,
                            },
                        },
                        "example": {
                            "gateway": "stripe",
                            "returnUrl": "http://127.0.0.1:8000/en/invoices/complete",
                        },
                    }
                },
            },
            "responses": {
                "200": json_answer(ref("InvoiceCheckout"), "The gateway page and the GUID"),
                "400": error_answer(
                    "A bad id, gateway or returnUrl; a draft, credit note or void invoice"
                ),
                "401": error_answer("No valid bearer token"),
                "404": error_answer("No such invoice, or another customer's"),
                "409": error_answer("Already paid (no Retry-After), or throttled (Retry-After)"),
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
                "200": json_answer(ref("Tokens"), "Tokens"),
                "400": json_answer(ref("OAuthError"), "invalid_request, invalid_grant or another"),
            },
        }
    },
    f"{INVOICES}/my": {
        "get": {
            "summary": "The customer's invoices, newest first",
            "security": BEARER,
            "parameters": [
                query("paid", required=False, type="string", enum=["true", "false"]),
                query("creditNotes", required=False, type="string", enum=["true", "false"]),
                query("page", required=False, type="integer", minimum=1, maximum=1_000_000),
                query("size", required=False, type="integer", minimum=1, maximum=100),
            ],
            "responses": {
                "200": json_answer(ref("InvoicePage"), "A page of invoices"),
                "400": error_answer("A parameter out of range"),
                "401": error_answer("No valid bearer token"),
            },
        }
    },
    f"{INVOICES}/{{invoiceId}}": {
        "get": {
            "summary": "One invoice in full",
            "security": BEARER,
            "parameters": [INVOICE_ID],
            "responses": {
                "200": json_answer(ref("InvoiceDetail"), "The invoice"),
                "400": error_answer("An invoice id that is not a number"),
                "401": error_answer("No valid bearer token"),
                "404": error_answer("No such invoice, or another customer's"),
            },
        }
    },
    "/api/auth/media/customer": {
        "get": {
            "summary": "A media JWT, living about 60 s",
            "security": BEARER,
            "responses": {
                "200": json_answer(ref("MediaToken"), "A media JWT"),
                "401": error_answer("No valid bearer token"),
            },
        }
    },
    f"{INVOICES}/{{invoiceId}}/pdf": {
        "get": {
            "summary": "The invoice PDF, opened by a media JWT",
            "parameters": [INVOICE_ID, query("t")],
            "responses": {
                "200": PDF,
                "400": error_answer("No t, or an invoice id that is not a number"),
                "401": error_answer("A bad or expired media JWT"),
                "404": error_answer("Not the caller's invoice"),
            },
        }
    },
    f"{INVOICES}/statements/pdf": {
        "get": {
            "summary": "The customer's statement PDF, opened by a media JWT",
            "parameters": [query("t")],
            "responses": {
                "200": PDF,
                "400": error_answer("No t"),
                "401": error_answer("A bad or expired media JWT"),
            },
        }
    },
    "/api/public/businesses/current": {
        "get": {
            "summary": "The business of the host the request arrived on",
            "responses": {"200": json_answer(ref("Business"), "The business")},
        }
    },
    "/api/sys/businesses/{businessId}/colors": {
        "get": {
            "summary": "The business's colours (a customer's bearer only)",
            "security": BEARER,
            "parameters": [{"name": "businessId", "in": "path", "required": True, "schema": WHOLE}],
            "responses": {
                "200": json_answer(ref("Colors"), "The colours"),
                "400": error_answer("A business id that is not a number"),
                "401": error_answer("No valid bearer token"),
                "404": error_answer("No such business"),
            },
        }
    },
}

# [docs] Past the rate limits, any call: 409 with Retry-After (registerByToken's says so above).
for _operation in (op for item in PATHS.values() for op in item.values()):
    _operation["responses"].setdefault("409", error_answer("Throttled: see Retry-After"))

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Sandbox upstream",
        "version": "1",
        "description": "A Nexudus-style billing API for development and tests (CONTRACT.md).",
    },
    "servers": [{"url": "/sandbox"}],
    "paths": PATHS | USER_PATHS,
    "components": {
        "schemas": SCHEMAS | USER_SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
}


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(DOCUMENT)
