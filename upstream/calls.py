"""One function per upstream call (CONTRACT.md), each answering a typed result.

Each [ours] assumption of CONTRACT.md sits in one function here, named in docs/checkout.md.
"""

from __future__ import annotations

import re
from typing import Any

from upstream import endpoints
from upstream.budget import Priority
from upstream.errors import (
    PasswordRefused,
    PasswordResetRequired,
    SecondFactorRequired,
    TokenRejected,
    UnexpectedAnswer,
)
from upstream.parsing import (
    JsonFields,
    parse_action_confirmation,
    parse_invoice_detail,
    parse_invoice_preview,
    parse_tokens,
    web_address_host,
)
from upstream.results import (
    Business,
    BusinessColors,
    CheckoutStatus,
    InvoiceDetail,
    InvoicePage,
    RegisterByTokenAnswer,
    Tokens,
)
from upstream.sending import get_json, json_object, send

# A BCP 47 tag as .NET writes cultures: en-GB, de-DE, es-419.
CULTURE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?")


def checkout_status(*, token: str) -> CheckoutStatus:
    """[ours] The basket session's state and invoice: no public source names this call, its
    path or its shape (CONTRACT.md, "Guest checkout"). Status is required; the rest not."""
    data = get_json(endpoints.CHECKOUT_STATUS, priority=Priority.BUYER, params={"token": token})
    fields = JsonFields(data, "CheckoutStatus")
    status = fields.required_text("Status")
    if status not in ("Paid", "Pending", "Failed"):
        raise UnexpectedAnswer(f"CheckoutStatus.Status: {status!r}")
    invoice = data.get("Invoice")
    return CheckoutStatus(
        status=status,  # type: ignore[arg-type]  # checked against the Literal above
        email=fields.text("Email"),
        invoice=parse_invoice_detail(invoice) if invoice is not None else None,
    )


def register_by_token(*, invoice_id: int, token: str) -> RegisterByTokenAnswer:
    """POST registerByToken (register-by-token.md): succeeds once per basket session.

    Never retried here. 401: invalid, used or expired token; 404: no such invoice, or the
    token is another invoice's. [ours] `CustomerCreated` (the seed has `Token` alone), read
    when present; an ActionConfirmation envelope around the answer is read too.
    """
    path = endpoints.register_by_token(invoice_id)
    # The official portal posts {} (CONTRACT.md): a JSON body, not a form.
    status, body = send(
        "POST", path, priority=Priority.BUYER, params={"token": token}, json_body={}
    )
    if status != 200:
        raise UnexpectedAnswer(f"POST {path}: status {status}")
    data: Any = json_object(body, path)
    if isinstance(data.get("Value"), dict) and "Token" not in data:
        data = data["Value"]
    fields = JsonFields(data, "RegisterByTokenAnswer")
    return RegisterByTokenAnswer(
        token=fields.required_text("Token"), customer_created=fields.boolean("CustomerCreated")
    )


def _tokens(form: dict[str, str]) -> Tokens:
    """[docs] /api/token, form-encoded; OAuth 2.0 errors (RFC 6749, 5.2) and Nexudus's own."""
    status, body = send("POST", endpoints.TOKEN, priority=Priority.MEMBER, form=form)
    data = json_object(body, endpoints.TOKEN)
    if status == 400:
        error = data.get("error")
        if error == "two_factor_auth_check":
            raise SecondFactorRequired(code_sent=bool(form.get("totp")))
        if error == "must_reset_password":
            description = data.get("error_description")
            raise PasswordResetRequired(
                reset_token=description if isinstance(description, str) else ""
            )
        if error == "invalid_grant":
            # A wrong password, a dead refresh token; with a code sent, maybe a wrong code.
            if form.get("totp"):
                raise SecondFactorRequired(code_sent=True)
            raise TokenRejected("token endpoint: invalid_grant")
        raise UnexpectedAnswer(f"token endpoint: 400 {str(error)[:40]!r}")
    if status != 200:
        raise UnexpectedAnswer(f"token endpoint: status {status}")
    return parse_tokens(data)


def token_by_password(
    *, username: str, password: str, client_id: str, totp: str | None = None
) -> Tokens:
    """The password grant. `client_id` names this sign-in ([docs] optional here, it defaults
    to the email) and must be sent again on every refresh; a stable one per portal session
    keeps one browser's refresh from invalidating another's.

    TokenRejected: wrong email or password (one answer for both). SecondFactorRequired: ask
    for the TOTP code and call again with `totp`. PasswordResetRequired: no sign-in until the
    password is reset.
    """
    form = {"grant_type": "password", "username": username, "password": password}
    form["client_id"] = client_id
    if totp:
        form["totp"] = totp
    return _tokens(form)


def token_by_refresh(*, refresh_token: str, client_id: str) -> Tokens:
    """The refresh grant, with the sign-in's `client_id` ([docs] required, the same value).
    The answer's refresh token replaces the old one, which is dead from now on (rotation).
    TokenRejected: the refresh token is dead; sign in again."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    return _tokens(form)


def invoices_my(
    *,
    bearer: str,
    paid: bool | None = None,
    credit_notes: bool | None = None,
    page: int = 1,
    size: int = 25,
) -> InvoicePage:
    """The customer's invoices ([docs] invoices/my). `page`, `size` and newest-first are seen
    in use, not documented: every paging field of the answer is optional."""
    params: dict[str, str | int] = {"page": page, "size": size}
    if paid is not None:
        params["paid"] = "true" if paid else "false"
    if credit_notes is not None:
        params["creditNotes"] = "true" if credit_notes else "false"
    data = get_json(endpoints.INVOICES_MY, priority=Priority.MEMBER, params=params, bearer=bearer)
    fields = JsonFields(data, "InvoicePage")
    records = fields.data.get("Records")
    if not isinstance(records, list):
        raise UnexpectedAnswer("InvoicePage.Records is not a list")
    current = fields.integer("CurrentPage", "PageNumber") or page
    page_size = fields.integer("CurrentPageSize", "PageSize")
    total_pages = fields.integer("TotalPages")
    has_next = fields.boolean("HasNextPage")
    if has_next is None:
        has_next = current < total_pages if total_pages else len(records) >= (page_size or size)
    has_previous = fields.boolean("HasPreviousPage")
    return InvoicePage(
        records=tuple(parse_invoice_preview(record) for record in records),
        page=current,
        has_next=has_next,
        has_previous=current > 1 if has_previous is None else has_previous,
        page_size=page_size,
        total_items=fields.integer("TotalItems"),
        total_pages=total_pages,
    )


def invoice_detail(
    *, bearer: str, invoice_id: int, priority: Priority = Priority.MEMBER
) -> InvoiceDetail:
    """One invoice in full; NotFound also for another customer's invoice."""
    return parse_invoice_detail(
        get_json(endpoints.invoice(invoice_id), priority=priority, bearer=bearer)
    )


def media_token(*, bearer: str) -> str:
    """A media JWT ([seed] /api/auth/media/customer): lives about 60 s, opens media only."""
    data = get_json(endpoints.MEDIA_TOKEN, priority=Priority.PDF, bearer=bearer)
    return JsonFields(data, "MediaToken").required_text("jwt")


def invoice_pdf_bytes(
    *, media_jwt: str, invoice_id: int, priority: Priority = Priority.PDF
) -> bytes:
    """[seed] One invoice's PDF, fetched by the portal itself (the accountant's export): the
    answer must say application/pdf and start as a PDF does; UPSTREAM_MAX_BODY_BYTES caps it
    (transport.py). TokenRejected (401): the media JWT is bad or expired; NotFound (404): not
    the caller's invoice."""
    path = endpoints.pdf(invoice_id)
    status, body = send("GET", path, priority=priority, params={"t": media_jwt}, expect="pdf")
    if status != 200 or not body.startswith(b"%PDF-"):
        raise UnexpectedAnswer(f"GET {path}: status {status}, not a PDF")
    return body


def business_current() -> Business:
    """[docs] businesses/current; nothing in it is required (pages say less without it)."""
    fields = JsonFields(get_json(endpoints.BUSINESS_CURRENT, priority=Priority.OTHER), "Business")
    country = fields.object("Country")
    parts = [
        fields.text("Address"),
        fields.text("TownCity"),
        fields.text("PostalCode"),
        country.text("Name") if country else "",
    ]
    return Business(
        id=fields.integer("Id"),
        name=fields.text("Name"),
        web_address=web_address_host(fields.data.get("WebAddress")),
        address=", ".join(part.strip() for part in parts if part.strip()),
        language_culture=_culture(fields.text("LanguageCulture")),
    )


def _culture(value: str) -> str:
    return value if CULTURE.fullmatch(value) else ""


def business_colors(*, business_id: int, bearer: str) -> BusinessColors:
    """The business's colours ([docs] sys/businesses/{id}/colors: a customer's bearer only,
    401 without), an open map of which four names are read; a value that is not a string
    counts as none. The brands package parses them before any reaches CSS."""
    data = get_json(endpoints.business_colors(business_id), priority=Priority.OTHER, bearer=bearer)
    fields = JsonFields(data, "BusinessColors")
    return BusinessColors(
        primary=fields.text("primaryColor", "PrimaryColor"),
        secondary=fields.text("secondaryColor", "SecondaryColor"),
        background=fields.text("backgroundColor", "BackgroundColor"),
        text=fields.text("textColor", "TextColor"),
    )


def password_reset_start(*, email: str, business_id: int) -> None:
    """[docs] startPasswordReset: the upstream emails a one-time link to set a password. It
    answers WasSuccessful whether or not the email is known, so this says nothing either."""
    path = endpoints.PASSWORD_RESET_START
    status, body = send(
        "POST",
        path,
        priority=Priority.MEMBER,
        json_body={"email": email, "businessId": business_id},
    )
    answer = parse_action_confirmation(json_object(body, path))
    if status != 200 or not answer.was_successful:
        raise UnexpectedAnswer(f"POST {path}: status {status}, not successful")


def password_reset_complete(*, token: str, password: str, business_id: int) -> str:
    """[docs] completePasswordReset: sets the password; answers the one-time JWT for exchange.

    PasswordRefused: the location's policy refused the password (Errors name "Password").
    TokenRejected: any other refusal, the token's (invalid, expired or used) [ours: the
    contract names no field for it, so a 400 that blames no password blames the token].
    """
    path = endpoints.PASSWORD_RESET_COMPLETE
    status, body = send(
        "POST",
        path,
        priority=Priority.MEMBER,
        json_body={"Token": token, "Password": password, "BusinessId": business_id},
    )
    answer = parse_action_confirmation(json_object(body, path))
    if status == 200 and answer.was_successful:
        if not isinstance(answer.value, str) or not answer.value:
            raise UnexpectedAnswer(f"POST {path}: no one-time token in Value")
        return answer.value
    if status not in (200, 400):
        raise UnexpectedAnswer(f"POST {path}: status {status}")
    names = {error.property_name.casefold() for error in answer.errors}
    reasons = tuple(
        error.message
        for error in answer.errors
        if error.property_name.casefold() == "password" and error.message
    )
    if reasons and "token" not in names:
        raise PasswordRefused(reasons)
    raise TokenRejected(f"POST {path}: the token was refused")


def token_by_exchange(*, token: str) -> Tokens:
    """[docs] exchange: trades completePasswordReset's one-time JWT for a customer's tokens.

    [ours] POST with `?token=`, answering /api/token's shape: the docs say POST, one reading of
    the official bundle a GET with `validForInMinutes`; re-point it here. TokenRejected (401):
    used or expired. Never retried: the JWT is single-use.
    """
    path = endpoints.TOKEN_EXCHANGE
    status, body = send("POST", path, priority=Priority.MEMBER, params={"token": token})
    if status != 200:
        raise UnexpectedAnswer(f"POST {path}: status {status}")
    return parse_tokens(json_object(body, path))
