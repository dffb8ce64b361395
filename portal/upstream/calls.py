"""One function per upstream call (CONTRACT.md), each answering a typed result."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from portal.upstream import endpoints
from portal.upstream.errors import TokenRejected, UnexpectedAnswer
from portal.upstream.parsing import HOST, JsonFields, parse_invoice_detail, parse_invoice_preview
from portal.upstream.results import (
    Business,
    BusinessColors,
    CheckoutStatus,
    InvoiceDetail,
    InvoicePage,
    RegisterByTokenAnswer,
    Tokens,
)
from portal.upstream.transport import get_json, json_object, send

# A BCP 47 tag as .NET writes cultures: en-GB, de-DE, es-419.
CULTURE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?")


def checkout_status(*, token: str) -> CheckoutStatus:
    """The basket session's state and invoice. [ours] CONTRACT.md, "Guest checkout"."""
    data = get_json(endpoints.CHECKOUT_STATUS, params={"token": token})
    fields = JsonFields(data, "CheckoutStatus")
    status = fields.text("Status")
    if status not in ("Paid", "Pending", "Failed"):
        raise UnexpectedAnswer(f"CheckoutStatus.Status: {status!r}")
    invoice = data.get("Invoice")
    return CheckoutStatus(
        status=status,  # type: ignore[arg-type]  # checked against the Literal above
        email=fields.optional_text("Email"),
        invoice=parse_invoice_detail(invoice) if invoice is not None else None,
    )


def register_by_token(*, invoice_id: int, token: str) -> RegisterByTokenAnswer:
    """POST registerByToken (register-by-token.md): succeeds once per basket session.

    Never retried here. 401: invalid, used or expired token; 404: no such invoice, or the
    token is another invoice's.
    """
    path = endpoints.register_by_token(invoice_id)
    status, body = send("POST", path, params={"token": token})
    if status != 200:
        raise UnexpectedAnswer(f"POST {path}: status {status}")
    fields = JsonFields(json_object(body, path), "RegisterByTokenAnswer")
    created = fields.data.get("CustomerCreated")
    return RegisterByTokenAnswer(
        token=fields.text("Token"),
        customer_created=created if isinstance(created, bool) else None,
    )


def _tokens(form: dict[str, str]) -> Tokens:
    status, body = send("POST", endpoints.TOKEN, form=form)
    data = json_object(body, endpoints.TOKEN)
    if status == 400:
        # OAuth 2.0 (RFC 6749, 5.2): invalid_grant is a wrong password or a dead refresh token.
        if data.get("error") == "invalid_grant":
            raise TokenRejected("token endpoint: invalid_grant")
        raise UnexpectedAnswer(f"token endpoint: 400 {data.get('error')!r}")
    if status != 200:
        raise UnexpectedAnswer(f"token endpoint: status {status}")
    fields = JsonFields(data, "Tokens")
    return Tokens(
        access_token=fields.text("access_token"),
        refresh_token=fields.text("refresh_token"),
        expires_in=fields.integer("expires_in"),
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
    data = get_json(endpoints.INVOICES_MY, params=params, bearer=bearer)
    fields = JsonFields(data, "InvoicePage")
    records = fields.data.get("Records")
    if not isinstance(records, list):
        raise UnexpectedAnswer("InvoicePage.Records is not a list")
    return InvoicePage(
        records=tuple(parse_invoice_preview(record) for record in records),
        page=fields.integer("CurrentPage"),
        page_size=fields.integer("CurrentPageSize"),
        total_items=fields.integer("TotalItems"),
        total_pages=fields.integer("TotalPages"),
        has_next=fields.boolean("HasNextPage"),
        has_previous=fields.boolean("HasPreviousPage"),
    )


def invoice_detail(*, bearer: str, invoice_id: int) -> InvoiceDetail:
    """One invoice in full; NotFound also for another customer's invoice."""
    return parse_invoice_detail(get_json(endpoints.invoice(invoice_id), bearer=bearer))


def media_token(*, bearer: str) -> str:
    """A media JWT ([seed] /api/auth/media/customer): lives about 60 s, opens media only."""
    return JsonFields(get_json(endpoints.MEDIA_TOKEN, bearer=bearer), "MediaToken").text("jwt")


def business_current() -> Business:
    fields = JsonFields(get_json(endpoints.BUSINESS_CURRENT), "Business")
    web_address = fields.optional_text("WebAddress")
    if web_address and not HOST.fullmatch(web_address):
        raise UnexpectedAnswer("Business.WebAddress is not a host")
    country = fields.data.get("Country")
    parts = [
        fields.data.get("Address"),
        fields.data.get("TownCity"),
        fields.data.get("PostalCode"),
        country.get("Name") if isinstance(country, dict) else None,
    ]
    return Business(
        id=fields.integer("Id"),
        name=fields.text("Name"),
        web_address=web_address,
        address=", ".join(part.strip() for part in parts if isinstance(part, str) and part.strip()),
        home_url=_web_url(fields.data.get("NativeHomeUrl")),
        language_culture=_culture(fields.data.get("LanguageCulture")),
    )


def _web_url(value: Any) -> str:
    """An http(s) address with a host, or "": it becomes a link customers follow."""
    if not isinstance(value, str):
        return ""
    parts = urlsplit(value)
    spaced = any(character.isspace() for character in value)
    return value if parts.scheme in ("http", "https") and parts.hostname and not spaced else ""


def _culture(value: Any) -> str:
    return value if isinstance(value, str) and CULTURE.fullmatch(value) else ""


def business_colors(*, business_id: int) -> BusinessColors:
    """The business's colours ([docs] sys/businesses/{id}/colors), as written: a value that is
    not a string counts as none. The brands package parses them before any reaches CSS."""
    data = get_json(endpoints.business_colors(business_id))

    def value(key: str) -> str:
        found: Any = data.get(key)
        return found if isinstance(found, str) else ""

    return BusinessColors(
        primary=value("primaryColor"),
        secondary=value("secondaryColor"),
        background=value("backgroundColor"),
        text=value("textColor"),
    )
