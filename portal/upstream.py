"""The one client of the upstream billing API (CONTRACT.md); nothing else calls it.

- One pooled `requests.Session` per process and kind of call (keep-alive connections).
- Idempotent GETs are retried with backoff on connection errors and 502/503/504;
  registerByToken and other POSTs never are: a POST whose answer was lost may have been
  processed, and the caller decides what a retry means.
- Every answer is read with a size cap and a deadline, parsed into typed results, and any
  other outcome becomes one of four errors. Tokens travel as query parameters and are never
  logged: log lines name the endpoint path only.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal
from urllib.parse import urlencode

import requests
import urllib3
from django.conf import settings
from django.utils import translation
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from portal import endpoints
from portal.brands import brand_current
from portal.colors import color_parse
from portal.logging import request_id

logger = logging.getLogger(__name__)


# Errors -------------------------------------------------------------------------------------


class UpstreamError(Exception):
    """Base of every failure of an upstream call; the message is for logs, not for people."""


class UpstreamUnavailable(UpstreamError):
    """No answer: connection refused or reset, a timeout, or a 5xx."""


class TokenRejected(UpstreamError):
    """401: the token or credentials are invalid, used or expired."""


class NotFound(UpstreamError):
    """404: no such thing, or not the caller's."""


class UnexpectedAnswer(UpstreamError):
    """An answer outside the contract: another status, malformed or oversized JSON, HTML."""


# Typed results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: int
    unit_price_formatted: str
    total_formatted: str


@dataclass(frozen=True)
class InvoicePreview:
    id: int
    unique_id: str
    number: str
    paid: bool
    paid_on: datetime | None
    due_date: datetime | None
    draft: bool
    credit_note: bool
    total_amount: Decimal
    due_amount: Decimal
    total_formatted: str
    currency_code: str
    business_web_address: str
    created_on: datetime | None


@dataclass(frozen=True)
class InvoiceDetail(InvoicePreview):
    bill_to_name: str
    bill_to_email: str
    lines: tuple[InvoiceLine, ...]
    sub_total_formatted: str
    tax_formatted: str


CheckoutState = Literal["Paid", "Pending", "Failed"]


@dataclass(frozen=True)
class CheckoutStatus:
    status: CheckoutState
    email: str
    invoice: InvoiceDetail | None


@dataclass(frozen=True)
class Registration:
    # The invoice-scoped Token for pdfByToken (register-by-token.md).
    token: str
    # [ours] True: a customer was created; False: an existing one was linked; None: not said.
    customer_created: bool | None


@dataclass(frozen=True)
class Tokens:
    """A customer's tokens from /api/token; they stay in the server-side session."""

    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class InvoicePage:
    records: tuple[InvoicePreview, ...]
    page: int
    page_size: int
    total_items: int
    total_pages: int
    has_next: bool
    has_previous: bool


@dataclass(frozen=True)
class Business:
    id: int
    name: str
    web_address: str
    address: str = ""  # one line: street, town, postal code, country


@dataclass(frozen=True)
class BusinessColors:
    """Parsed `#rrggbb` values, or "" where the upstream gave none or an invalid one."""

    primary: str
    secondary: str
    background: str
    text: str


# Transport ----------------------------------------------------------------------------------


def longest_call_seconds() -> float:
    """The longest one call can take: a connection, then headers and body each within a read."""
    return float(settings.UPSTREAM_CONNECT_TIMEOUT + 2 * settings.UPSTREAM_READ_TIMEOUT)


@cache
def _session(*, retrying: bool) -> requests.Session:
    """One session per process and kind: pooled keep-alive connections to the upstream."""
    retries = Retry(
        total=settings.UPSTREAM_GET_RETRIES if retrying else 0,
        # A slow upstream is not retried: that would multiply the wait and the load.
        read=0,
        backoff_factor=0.2,
        backoff_max=1,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        # An upstream's Retry-After (429, a maintenance 503) could hold a worker for minutes:
        # the page answers at once instead, and asks again later by itself.
        respect_retry_after_header=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=retries)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _read_capped(response: requests.Response, *, deadline: float) -> bytes:
    limit = settings.UPSTREAM_MAX_BODY_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise UnexpectedAnswer(f"body of {declared} bytes is over the {limit} byte cap")
    body = bytearray()
    # read1 returns whatever has arrived (up to the size), so the deadline is checked after
    # every arrival: the read timeout bounds each wait, this bounds a body that trickles in.
    # (iter_content would block until a whole chunk or the end, however slowly it came.)
    try:
        while chunk := response.raw.read1(16384, decode_content=True):
            body += chunk
            if len(body) > limit:
                raise UnexpectedAnswer(f"body is over the {limit} byte cap")
            if time.monotonic() > deadline:
                raise UpstreamUnavailable("answer arrived too slowly")
    except urllib3.exceptions.ReadTimeoutError:
        raise UpstreamUnavailable("timeout while reading the answer") from None
    except urllib3.exceptions.DecodeError:
        raise UnexpectedAnswer("an answer whose compression is broken") from None
    except urllib3.exceptions.HTTPError as error:
        # The connection broke, or closed before the announced length (IncompleteRead).
        raise UpstreamUnavailable(f"answer cut short: {type(error).__name__}") from None
    return bytes(body)


def _call(
    method: Literal["GET", "POST"],
    path: str,
    *,
    params: dict[str, str | int] | None = None,
    form: dict[str, str] | None = None,
    bearer: str | None = None,
    expect: Literal["json", "pdf"] = "json",
) -> tuple[int, bytes]:
    """Sends one request; answers (status, body) for 2xx, 400 and 409, raises otherwise."""
    headers = {
        "Accept": "application/pdf" if expect == "pdf" else "application/json",
        # The page's language: an upstream that honours it formats amounts and writes
        # messages in it (the sandbox does).
        "Accept-Language": translation.get_language() or settings.LANGUAGE_CODE,
        # The same id as this request's log lines, so both sides' logs can be joined.
        "X-Request-ID": request_id.get(),
    }
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    connect, read = settings.UPSTREAM_CONNECT_TIMEOUT, settings.UPSTREAM_READ_TIMEOUT
    started = time.monotonic()
    try:
        with _session(retrying=method == "GET").request(
            method,
            # The active brand's upstream (portal/brands.py): never another brand's.
            brand_current().upstream_url + path,
            params=params,
            data=form,
            headers=headers,
            timeout=(connect, read),
            stream=True,
            allow_redirects=False,
        ) as response:
            status = response.status_code
            # From the headers on (after any retries), the body has `read` seconds to arrive.
            body = _read_capped(response, deadline=time.monotonic() + read)
            content_type = response.headers.get("Content-Type", "")
    except requests.Timeout as error:
        logger.warning("upstream %s %s timed out: %s", method, path, type(error).__name__)
        raise UpstreamUnavailable(f"{method} {path}: timeout") from None
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
        logger.warning("upstream %s %s unreachable: %s", method, path, type(error).__name__)
        raise UpstreamUnavailable(f"{method} {path}: connection failed") from None
    except requests.RequestException as error:
        # Anything else of requests' (a corrupt compressed body, too many redirects…).
        logger.warning("upstream %s %s failed: %s", method, path, type(error).__name__)
        raise UpstreamUnavailable(f"{method} {path}: {type(error).__name__}") from None
    except UpstreamError as error:
        logger.warning("upstream %s %s: %s", method, path, error)
        raise
    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info("upstream %s %s -> %s in %.0f ms", method, path, status, elapsed_ms)

    if status == 401:
        raise TokenRejected(f"{method} {path}: 401")
    if status == 404:
        raise NotFound(f"{method} {path}: 404")
    if status >= 500:
        raise UpstreamUnavailable(f"{method} {path}: {status}")
    if status not in (200, 400, 409):
        raise UnexpectedAnswer(f"{method} {path}: status {status}")
    wanted = "application/pdf" if expect == "pdf" else "application/json"
    if status == 200 and not content_type.startswith(wanted):
        raise UnexpectedAnswer(f"{method} {path}: {content_type or 'no content type'}")
    return status, body


def _json(body: bytes, path: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise UnexpectedAnswer(f"{path}: malformed JSON") from None
    if not isinstance(data, dict):
        raise UnexpectedAnswer(f"{path}: JSON is not an object")
    return data


def _get_json(path: str, **kwargs: Any) -> dict[str, Any]:
    status, body = _call("GET", path, **kwargs)
    if status != 200:
        raise UnexpectedAnswer(f"GET {path}: status {status}")
    return _json(body, path)


# Parsing ------------------------------------------------------------------------------------

# A host name or IPv4/IPv6 address with an optional port: nothing that could redirect a link.
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?"
)


class _Fields:
    """Typed reads from one JSON object; anything missing or mistyped is UnexpectedAnswer."""

    def __init__(self, data: Any, what: str) -> None:
        if not isinstance(data, dict):
            raise UnexpectedAnswer(f"{what} is not an object")
        self.data, self.what = data, what

    def _value(self, key: str, *kinds: type) -> Any:
        value = self.data.get(key)
        # JSON true is a Python int too: a boolean only counts where one is wanted.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise UnexpectedAnswer(f"{self.what}.{key}: {type(value).__name__}")
        return value

    def text(self, key: str) -> str:
        return str(self._value(key, str))

    def optional_text(self, key: str) -> str:
        return self.text(key) if self.data.get(key) is not None else ""

    def whole(self, key: str) -> int:
        return int(self._value(key, int))

    def flag(self, key: str) -> bool:
        return bool(self._value(key, bool))

    def amount(self, key: str) -> Decimal:
        try:
            return Decimal(str(self._value(key, int, float, str)))
        except InvalidOperation:
            raise UnexpectedAnswer(f"{self.what}.{key}: not a number") from None

    def moment(self, key: str) -> datetime | None:
        if self.data.get(key) is None:
            return None
        try:
            return datetime.fromisoformat(self._value(key, str))
        except ValueError:
            raise UnexpectedAnswer(f"{self.what}.{key}: not a date") from None


def _preview_fields(fields: _Fields) -> dict[str, Any]:
    web_address = fields.text("BusinessWebAddress")
    if not _HOST.fullmatch(web_address):
        raise UnexpectedAnswer(f"{fields.what}.BusinessWebAddress is not a host")
    currency = _Fields(fields.data.get("Currency"), f"{fields.what}.Currency")
    return {
        "id": fields.whole("Id"),
        "unique_id": fields.optional_text("UniqueId"),
        "number": fields.text("InvoiceNumber"),
        "paid": fields.flag("Paid"),
        "paid_on": fields.moment("PaidOn"),
        "due_date": fields.moment("DueDate"),
        "draft": fields.flag("Draft"),
        "credit_note": fields.flag("CreditNote"),
        "total_amount": fields.amount("TotalAmount"),
        "due_amount": fields.amount("DueAmount"),
        "total_formatted": fields.text("TotalFormated"),  # sic: Nexudus spells it with one t
        "currency_code": currency.text("Code"),
        "business_web_address": web_address,
        "created_on": fields.moment("CreatedOn"),
    }


def parse_invoice_preview(data: Any) -> InvoicePreview:
    return InvoicePreview(**_preview_fields(_Fields(data, "InvoicePreview")))


def parse_invoice_detail(data: Any) -> InvoiceDetail:
    fields = _Fields(data, "InvoiceDetail")
    lines = fields.data.get("Lines")
    if not isinstance(lines, list):
        raise UnexpectedAnswer("InvoiceDetail.Lines is not a list")
    parsed_lines = []
    for index, line in enumerate(lines):
        line_fields = _Fields(line, f"InvoiceDetail.Lines[{index}]")
        parsed_lines.append(
            InvoiceLine(
                description=line_fields.text("Description"),
                quantity=line_fields.whole("Quantity"),
                unit_price_formatted=line_fields.text("UnitPriceFormated"),
                total_formatted=line_fields.text("TotalFormated"),
            )
        )
    return InvoiceDetail(
        **_preview_fields(fields),
        bill_to_name=fields.optional_text("BillToName"),
        bill_to_email=fields.optional_text("BillToEmail"),
        lines=tuple(parsed_lines),
        sub_total_formatted=fields.text("SubTotalFormated"),
        tax_formatted=fields.text("TaxFormated"),
    )


# Calls --------------------------------------------------------------------------------------


def checkout_status(*, token: str) -> CheckoutStatus:
    """The basket session's state and invoice. [ours] CONTRACT.md, "Guest checkout"."""
    data = _get_json(endpoints.CHECKOUT_STATUS, params={"token": token})
    fields = _Fields(data, "CheckoutStatus")
    status = fields.text("Status")
    if status not in ("Paid", "Pending", "Failed"):
        raise UnexpectedAnswer(f"CheckoutStatus.Status: {status!r}")
    invoice = data.get("Invoice")
    return CheckoutStatus(
        status=status,  # type: ignore[arg-type]  # checked against the Literal above
        email=fields.optional_text("Email"),
        invoice=parse_invoice_detail(invoice) if invoice is not None else None,
    )


def register_by_token(*, invoice_id: int, token: str) -> Registration:
    """POST registerByToken (register-by-token.md): succeeds once per basket session.

    Never retried here. 401: invalid, used or expired token; 404: no such invoice, or the
    token is another invoice's.
    """
    path = endpoints.register_by_token(invoice_id)
    status, body = _call("POST", path, params={"token": token})
    if status != 200:
        raise UnexpectedAnswer(f"POST {path}: status {status}")
    fields = _Fields(_json(body, path), "Registration")
    created = fields.data.get("CustomerCreated")
    return Registration(
        token=fields.text("Token"),
        customer_created=created if isinstance(created, bool) else None,
    )


def _tokens(form: dict[str, str]) -> Tokens:
    status, body = _call("POST", endpoints.TOKEN, form=form)
    data = _json(body, endpoints.TOKEN)
    if status == 400:
        # OAuth 2.0 (RFC 6749, 5.2): invalid_grant is a wrong password or a dead refresh token.
        if data.get("error") == "invalid_grant":
            raise TokenRejected("token endpoint: invalid_grant")
        raise UnexpectedAnswer(f"token endpoint: 400 {data.get('error')!r}")
    if status != 200:
        raise UnexpectedAnswer(f"token endpoint: status {status}")
    fields = _Fields(data, "Tokens")
    return Tokens(
        access_token=fields.text("access_token"),
        refresh_token=fields.text("refresh_token"),
        expires_in=fields.whole("expires_in"),
    )


def token_by_password(*, username: str, password: str) -> Tokens:
    """The password grant. TokenRejected: wrong email or password (one answer for both)."""
    return _tokens({"grant_type": "password", "username": username, "password": password})


def token_by_refresh(*, refresh_token: str) -> Tokens:
    """The refresh grant. TokenRejected: the refresh token is dead; sign in again."""
    return _tokens({"grant_type": "refresh_token", "refresh_token": refresh_token})


def invoices_my(
    *,
    bearer: str,
    paid: bool | None = None,
    credit_notes: bool | None = None,
    page: int = 1,
    size: int = 25,
) -> InvoicePage:
    """The customer's invoices, newest first ([docs] invoices/my with paging and filters)."""
    params: dict[str, str | int] = {"page": page, "size": size}
    if paid is not None:
        params["paid"] = "true" if paid else "false"
    if credit_notes is not None:
        params["creditNotes"] = "true" if credit_notes else "false"
    fields = _Fields(_get_json(endpoints.INVOICES_MY, params=params, bearer=bearer), "InvoicePage")
    records = fields.data.get("Records")
    if not isinstance(records, list):
        raise UnexpectedAnswer("InvoicePage.Records is not a list")
    return InvoicePage(
        records=tuple(parse_invoice_preview(record) for record in records),
        page=fields.whole("CurrentPage"),
        page_size=fields.whole("CurrentPageSize"),
        total_items=fields.whole("TotalItems"),
        total_pages=fields.whole("TotalPages"),
        has_next=fields.flag("HasNextPage"),
        has_previous=fields.flag("HasPreviousPage"),
    )


def invoice_detail(*, bearer: str, invoice_id: int) -> InvoiceDetail:
    """One invoice in full; NotFound also for another customer's invoice."""
    return parse_invoice_detail(_get_json(endpoints.invoice(invoice_id), bearer=bearer))


def media_token(*, bearer: str) -> str:
    """A media JWT ([seed] /api/auth/media/customer): lives about 60 s, opens media only."""
    return _Fields(_get_json(endpoints.MEDIA_TOKEN, bearer=bearer), "MediaToken").text("jwt")


def business_current() -> Business:
    fields = _Fields(_get_json(endpoints.BUSINESS_CURRENT), "Business")
    web_address = fields.optional_text("WebAddress")
    if web_address and not _HOST.fullmatch(web_address):
        raise UnexpectedAnswer("Business.WebAddress is not a host")
    country = fields.data.get("Country")
    parts = [
        fields.data.get("Address"),
        fields.data.get("TownCity"),
        fields.data.get("PostalCode"),
        country.get("Name") if isinstance(country, dict) else None,
    ]
    return Business(
        id=fields.whole("Id"),
        name=fields.text("Name"),
        web_address=web_address,
        address=", ".join(part.strip() for part in parts if isinstance(part, str) and part.strip()),
    )


def business_colors(*, business_id: int) -> BusinessColors:
    """The business's colours ([docs] sys/businesses/{id}/colors); each checked to be a
    colour, since a value reaches the page's CSS."""
    data = _get_json(endpoints.business_colors(business_id))
    return BusinessColors(
        primary=color_parse(data.get("primaryColor")) or "",
        secondary=color_parse(data.get("secondaryColor")) or "",
        background=color_parse(data.get("backgroundColor")) or "",
        text=color_parse(data.get("textColor")) or "",
    )


# PDF links ----------------------------------------------------------------------------------


def pdf_link(*, web_address: str, path: str, params: dict[str, str]) -> str:
    """A browser link to an upstream PDF, as download-invoice-pdf.md builds it:
    `https://{BusinessWebAddress}{publicBaseUrl}{path}?{params}`."""
    brand = brand_current()
    return (
        f"{brand.pdf_link_scheme}://{web_address}{brand.public_base_url}{path}?{urlencode(params)}"
    )


def pdf_by_token_link(*, invoice: InvoicePreview, token: str) -> str:
    """The guest's PDF link: `t` is the basket GUID or registerByToken's Token."""
    path = endpoints.pdf_by_token(invoice.id)
    return pdf_link(web_address=invoice.business_web_address, path=path, params={"token": token})


def invoice_pdf_link(*, web_address: str, invoice_id: int, media_jwt: str) -> str:
    """A signed-in customer's PDF link, opened by the media JWT alone."""
    path = endpoints.pdf(invoice_id)
    return pdf_link(web_address=web_address, path=path, params={"t": media_jwt})


def statement_pdf_link(*, web_address: str, media_jwt: str) -> str:
    return pdf_link(web_address=web_address, path=endpoints.STATEMENT_PDF, params={"t": media_jwt})
