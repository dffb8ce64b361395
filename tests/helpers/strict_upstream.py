"""A second, minimal fake upstream written only from CONTRACT.md's [docs] facts (and the [ours]
shapes of the one call no public source names), never from the sandbox's code.

Lowest-common answers: only the documented fields of InvoicePreview (InvoiceDetail's own names
are ours, so the detail of invoice 1 has none of them and invoice 2 has the older names), extra
unknown fields everywhere, a bare slug as the web address, dates in local time with a trailing
Z, 401 colours without a bearer, refresh only with the sign-in's client_id, rotated refresh
tokens, HTML when `Accept: application/json` is missing, and 409 with Retry-After on demand.

A real HTTP server (http.server, one thread per request) that a test starts in a thread; the
portal's live server points a brand's upstream at it. Everything it was asked is in `calls`.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.helpers.servers import LoopbackHTTPServer

SLUG = "myspace"
PASSWORD = "Strict-pw-7c1d"
PLAIN, TWO_FACTOR, MUST_RESET = "plain@example.com", "otp@example.com", "reset@example.com"
TOTP_CODE = "246810"
RESET_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJyZXNldCI6MX0.c3RyaWN0LXJlc2V0"
PAID, PENDING, USED = (
    "0c5a2f0e-1b2c-4d3e-8f40-5a6b7c8d9e01",
    "0c5a2f0e-1b2c-4d3e-8f40-5a6b7c8d9e02",
    "0c5a2f0e-1b2c-4d3e-8f40-5a6b7c8d9e03",
)
INVOICES = "/api/public/billing/invoices"


def _preview(invoice_id: int, *, paid: bool) -> dict[str, Any]:
    """InvoicePreview with its documented fields only, and one the docs never named."""
    return {
        "Id": invoice_id,
        "UniqueId": f"00000000-0000-4000-8000-{invoice_id:012d}",
        "InvoiceNumber": f"S-{invoice_id:04d}",
        "Paid": paid,
        "PaidOn": "2026-11-20T23:30:00Z" if paid else None,
        "DueDate": "2026-12-04T23:30:00Z",
        "Draft": False,
        "CreditNote": False,
        "TotalAmount": 121.0,
        "DueAmount": 0.0 if paid else 121.0,
        "TotalFormated": "€121.00",
        "Currency": {"Code": "EUR", "Name": "Euro", "Format": "€{0}", "Symbol": "€"},
        "BusinessWebAddress": SLUG,
        "CreatedOn": "2026-11-20T23:30:00Z",
        "SomethingAddedLater": {"Nested": [1, 2]},
    }


def _detail(invoice_id: int) -> dict[str, Any]:
    if invoice_id == 2:
        # The names older public clients read.
        return _preview(2, paid=False) | {
            "Lines": [{"Description": "Dedicated desk", "Quantity": 1.0, "Price": 100.0}],
            "TaxAmountFormated": "€21.00",
            "DiscountAmountFormated": "€0.00",
            "Payments": [],
        }
    return _preview(invoice_id, paid=True)


def _envelope(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": records,
        "CurrentPage": 1,
        "CurrentPageSize": 25,
        "CurrentOrderField": "CreatedOn",
        "CurrentSortDirection": 1,
        "FirstItem": 1,
        "LastItem": len(records),
        "TotalItems": len(records),
        "TotalPages": 1,
        "HasNextPage": False,
        "HasPreviousPage": False,
        "Aggregations": None,
    }


@dataclass
class StrictState:
    calls: list[tuple[str, str, dict[str, str], dict[str, list[str]]]] = field(default_factory=list)
    access: dict[str, str] = field(default_factory=dict)  # access token -> email
    # (email, client_id) -> the one live refresh token: a refresh invalidates the earlier ones.
    refresh: dict[tuple[str, str], str] = field(default_factory=dict)
    registered: set[str] = field(default_factory=lambda: {USED})
    expires_in: int = 3600
    # The next this-many calls answer 409 with this Retry-After.
    throttle_next: int = 0
    throttle_seconds: int = 1
    # For the operators' check: the web address the business and invoices name (a bare slug
    # by default), fields left out of every record, and HTML for everything (a portal domain).
    web_address: str = SLUG
    drop_from_records: set[str] = field(default_factory=set)
    html: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def throttled(self) -> bool:
        with self.lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                return True
        return False

    def issue(self, email: str, client_id: str) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        with self.lock:
            self.access[access] = email
            self.refresh[(email, client_id)] = refresh
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "refresh_token": refresh,
            ".issued": "Fri, 20 Nov 2026 23:30:00 GMT",
        }


class _Handler(BaseHTTPRequestHandler):
    state: StrictState

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads `state.calls`."""

    def _answer(self, status: int, body: Any = None, **headers: str) -> None:
        wants_json = "application/json" in self.headers.get("Accept", "")
        if self.state.html or (status == 200 and not wants_json):
            status = 200
            # [docs] Some endpoints answer the single-page app's HTML without the Accept.
            payload, kind = b"<!doctype html><title>Portal</title>", "text/html; charset=utf-8"
        elif body is None:
            payload, kind = b"", "application/json"  # a 401 with an empty body
        else:
            payload, kind = json.dumps(body).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(payload)

    def _bearer_email(self) -> str | None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return self.state.access.get(token) if scheme == "Bearer" else None

    def _record(self, form: dict[str, list[str]]) -> tuple[str, dict[str, list[str]]]:
        url = urlsplit(self.path)
        headers = dict(self.headers.items())
        self.state.calls.append((self.command, url.path, headers, form))
        return url.path, parse_qs(url.query)

    def do_GET(self) -> None:
        path, query = self._record({})
        if self.state.throttled():
            self._answer(
                409, {"Message": "Too many requests"}, Retry_After=str(self.state.throttle_seconds)
            )
            return
        email = self._bearer_email()
        if path == "/api/public/businesses/current":
            business = {"Id": 7, "Name": "Strict Space", "WebAddress": self.state.web_address}
            self._answer(200, business | {"Extra": 1})
        elif path == "/api/sys/businesses/7/colors":
            colors = {"primaryColor": "#0b5394", "textColor": "#111111", "logoColor": "#abc"}
            self._answer(200, colors) if email else self._answer(401)
        elif path == "/api/public/checkout/status":
            self._checkout_status(query.get("token", [""])[0])
        elif path == f"{INVOICES}/my":
            records = [_preview(1, paid=True), _preview(2, paid=False)]
            for record in records:
                record["BusinessWebAddress"] = self.state.web_address
                for name in self.state.drop_from_records:
                    record.pop(name, None)
            self._answer(200, _envelope(records)) if email else self._answer(401)
        elif path == "/api/auth/media/customer":
            self._answer(
                200, {"jwt": "eyJhbGciOiJIUzI1NiJ9.eyJtZWRpYSI6MX0.c3RyaWN0"}
            ) if email else self._answer(401)
        elif path in (f"{INVOICES}/1", f"{INVOICES}/2"):
            self._answer(200, _detail(int(path.rsplit("/", 1)[1]))) if email else self._answer(401)
        elif path in (f"{INVOICES}/1/pdf", f"{INVOICES}/statements/pdf") and query.get("t"):
            self._pdf()
        else:
            self._answer(404)

    def _pdf(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", "8")
        self.end_headers()
        self.wfile.write(b"%PDF-1.4")

    def _checkout_status(self, token: str) -> None:
        """[ours] The one call no public source names: our shape, the invoice minimal."""
        status = {PAID: "Paid", USED: "Paid", PENDING: "Pending"}.get(token)
        if status is None:
            self._answer(401)
            return
        invoice = _preview(1, paid=status == "Paid")
        self._answer(200, {"Status": status, "Email": "buyer@example.com", "Invoice": invoice})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        is_form = self.headers.get("Content-Type", "").startswith(
            "application/x-www-form-urlencoded"
        )
        form = parse_qs(raw) if is_form else {}
        path, query = self._record(form)
        if self.state.throttled():
            self._answer(
                409, {"Message": "Too many requests"}, Retry_After=str(self.state.throttle_seconds)
            )
        elif path == "/api/token":
            self._token(form, is_form)
        elif path == f"{INVOICES}/1/registerByToken":
            token = query.get("token", [""])[0]
            if token not in (PAID, USED) or token in self.state.registered:
                self._answer(401)
            else:
                self.state.registered.add(token)
                self._answer(200, {"Token": "strict-invoice-token-1"})
        else:
            self._answer(404)

    def _token(self, form: dict[str, list[str]], is_form: bool) -> None:
        def one(name: str) -> str:
            return form.get(name, [""])[0]

        def refuse(error: str, description: str = "") -> None:
            self._answer(400, {"error": error, "error_description": description})

        if not is_form:
            refuse("unsupported_grant_type")
        elif one("grant_type") == "password":
            email = one("username")
            if one("password") != PASSWORD or email not in (PLAIN, TWO_FACTOR, MUST_RESET):
                refuse("invalid_grant", "The user name or password is incorrect.")
            elif email == MUST_RESET:
                refuse("must_reset_password", RESET_TOKEN)
            elif email == TWO_FACTOR and one("totp") != TOTP_CODE:
                refuse("two_factor_auth_check")
            else:
                # [docs] client_id is optional at sign-in and defaults to the email.
                self._answer(200, self.state.issue(email, one("client_id") or email))
        elif one("grant_type") == "refresh_token":
            live = {token: key for key, token in self.state.refresh.items()}
            key = live.get(one("refresh_token"))
            if key is None or key[1] != one("client_id"):
                refuse("invalid_grant", "Invalid refresh token or client_id.")
            else:
                self._answer(200, self.state.issue(*key))
        else:
            refuse("unsupported_grant_type")


@contextmanager
def strict_upstream() -> Iterator[tuple[str, StrictState]]:
    """The fake upstream on a free loopback port: its base URL and its state."""
    state = StrictState()
    handler = type("Handler", (_Handler,), {"state": state})
    server = LoopbackHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
