"""The users calls in the sandbox's OpenAPI document (sandbox/openapi.py merges them in):
startPasswordReset, completePasswordReset and exchange, as sandbox/users.py answers them."""

from __future__ import annotations

from typing import Any

TEXT = {"type": "string"}


def _json(name: str, description: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{name}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(properties: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties}
    return {
        "required": True,
        "content": {"application/json": {"schema": schema, "example": example}},
    }


USER_SCHEMAS: dict[str, Any] = {
    "ActionConfirmation": {
        "type": "object",
        "required": ["WasSuccessful", "Value", "Status", "Message", "Errors"],
        "properties": {
            "WasSuccessful": {"type": "boolean"},
            "Value": {"type": "string", "nullable": True},
            "Status": {"type": "integer"},
            "Message": {"type": "string", "nullable": True},
            "Errors": {
                "type": "array",
                "nullable": True,
                "items": {
                    "type": "object",
                    "required": ["AttemptedValue", "Message", "PropertyName"],
                    "properties": {
                        "AttemptedValue": {"nullable": True},
                        "Message": TEXT,
                        "PropertyName": TEXT,
                    },
                },
            },
        },
    },
}

USERS = "/api/sys/users"

USER_PATHS: dict[str, Any] = {
    f"{USERS}/startPasswordReset": {
        "post": {
            "summary": "Email a one-time link to set a password (the same answer for any email)",
            "requestBody": _body(
                {"email": TEXT, "businessId": {"type": "integer"}},
                {"email": "demo@example.com", "businessId": 1},
            ),
            "responses": {
                "200": _json("ActionConfirmation", "Sent, if the email is a customer's"),
                "400": _json("ActionConfirmation", "No email, or another business's id"),
            },
        }
    },
    f"{USERS}/completePasswordReset": {
        "post": {
            "summary": "Set the password the emailed token allows; Value is a one-time JWT",
            "requestBody": _body(
                {"Token": TEXT, "Password": TEXT, "BusinessId": {"type": "integer"}},
                {"Token": "eyJ...", "Password": "Harbour-view-2026", "BusinessId": 1},
            ),
            "responses": {
                "200": _json("ActionConfirmation", "Set; Value is the one-time JWT"),
                "400": _json(
                    "ActionConfirmation", "Token invalid, expired or used, or the policy's Errors"
                ),
            },
        }
    },
    f"{USERS}/exchange": {
        "post": {
            "summary": "Trade the one-time JWT for a customer's tokens, once [ours: the method]",
            "parameters": [{"name": "token", "in": "query", "required": True, "schema": TEXT}],
            "responses": {
                "200": _json("Tokens", "Tokens, as /api/token answers"),
                "400": _json("Error", "No token"),
                "401": _json("Error", "Invalid, used or expired"),
            },
        }
    },
}
