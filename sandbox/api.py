"""The sandbox's HTTP API: every call of CONTRACT.md, with its status codes and JSON shapes.

Errors are JSON `{"error": code, "message": text}` [ours], except /api/token, which answers as
OAuth 2.0 does (`error`, `error_description`). A missing parameter is a 400; a token that is
present but not accepted is a 401; an invoice the caller may not see is a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from sandbox import pdf, serializers, services, throttling
from sandbox.models import BasketSession, Business, Customer, Invoice
from sandbox.tokens import Audience, token_subject

View = Callable[..., HttpResponse]
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


def error(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


class Refusal(Exception):
    """An error answer, raised by a check below so that a view reads as its success path;
    `endpoint` answers with it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.response = error(status, code, message)


def endpoint(*methods: str) -> Callable[[View], View]:
    """An API view: no CSRF (callers authenticate with tokens), never cached (answers hold
    tokens and private data), JSON 405 for other methods."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error(
                    405,
                    "method_not_allowed",
                    _("Use %(methods)s.") % {"methods": " or ".join(methods)},
                )
                response["Allow"] = ", ".join(methods)
                return response
            # [docs] Rate limits (409 with Retry-After), then dates as X-Use-Timezone asks.
            refused = throttling.throttled(request)
            if refused is not None:
                return refused
            local = request.headers.get("X-Use-Timezone", "").lower() == "true"
            # Messages, amounts and dates in the caller's language (Accept-Language), as the
            # portal asks for the page it renders.
            language = translation.get_language_from_request(request)
            with translation.override(language), serializers.local_times(local):
                try:
                    answer: HttpResponse = view(request, *args, **kwargs)
                except Refusal as refusal:
                    answer = refusal.response
            answer["Content-Language"] = language
            return answer

        return csrf_exempt(never_cache(wrapper))

    return decorate


def _positive_int(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None


def _guid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _business(request: HttpRequest) -> Business:
    return services.business_current(host=request.get_host())


def _invoices() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("business").prefetch_related("lines")


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


def _bearer_customer(request: HttpRequest) -> Customer | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    subject = token_subject(token=token.strip(), audience=Audience.ACCESS)
    if subject is None or not subject.isdigit():
        return None
    # A tenant's tokens open only its own customers (the host names the tenant).
    customers = Customer.objects.filter(business=_business(request), portal_access=True)
    return customers.filter(pk=int(subject)).first()


def _media_customer(request: HttpRequest) -> Customer:
    """The customer whose media JWT is `?t=`."""
    token = request.GET.get("t")
    if not token:
        raise Refusal(400, "missing_token", _("The t parameter (a media JWT) is required."))
    subject = token_subject(token=token, audience=Audience.MEDIA)
    customers = Customer.objects.filter(business=_business(request), portal_access=True)
    customer = customers.filter(pk=int(subject)).first() if subject and subject.isdigit() else None
    if customer is None:
        raise Refusal(401, "invalid_token", _("The media token is invalid or has expired."))
    return customer


def _invoice_number(invoice_id: str) -> int:
    number = _positive_int(invoice_id)
    if number is None:
        raise Refusal(400, "invalid_invoice_id", _("The invoice id must be a number."))
    return number


def _guest_token(request: HttpRequest) -> str:
    """The `?token=` of a guest's call: a basket GUID or registerByToken's Token."""
    raw = request.GET.get("token")
    if not raw:
        raise Refusal(400, "missing_token", _("The token parameter is required."))
    return raw


def _own_invoice(customer: Customer, number: int) -> Invoice:
    # Another customer's invoice is a 404, so that ids of others cannot be probed.
    invoice = _invoices().filter(pk=number, customer=customer, draft=False).first()
    if invoice is None:
        raise Refusal(404, "not_found", _("No such invoice."))
    return invoice


# Guest checkout ---------------------------------------------------------------------------


@endpoint("GET")
def checkout_status(request: HttpRequest) -> HttpResponse:
    guid = _guid(_guest_token(request))
    baskets = BasketSession.objects.filter(invoice__business=_business(request))
    basket = baskets.select_related("invoice").filter(guid=guid).first() if guid else None
    if basket is None or basket.expires_at <= timezone.now():
        return error(401, "invalid_token", _("The token is unknown or has expired."))
    basket = services.basket_settle(basket=basket)
    invoice = _invoices().get(pk=basket.invoice_id)
    return JsonResponse(
        {
            "Status": basket.status,
            "Email": basket.buyer_email,
            "Invoice": serializers.invoice_detail_json(invoice, host=request.get_host()),
        }
    )


@endpoint("POST")
def register_by_token(request: HttpRequest, invoice_id: str) -> HttpResponse:
    number = _invoice_number(invoice_id)
    raw = _guest_token(request)
    try:
        registration = services.basket_register(
            business=_business(request), invoice_id=number, guid=_guid(raw)
        )
    except services.RegistrationRefused as refused:
        # [docs] A write call's answer: the ActionConfirmation envelope, with the status.
        return JsonResponse(
            serializers.action_confirmation(status=refused.status, message=refused.message),
            status=refused.status,
        )
    # "CustomerCreated" is [ours]: the seed answers with Token alone.
    return JsonResponse(
        {"Token": registration.token, "CustomerCreated": registration.customer_created}
    )


@endpoint("GET")
def pdf_by_token(request: HttpRequest, invoice_id: str) -> HttpResponse:
    number = _invoice_number(invoice_id)
    raw = _guest_token(request)
    # The basket GUID opens the PDF until its session expires; so does registerByToken's Token.
    business = _business(request)
    guid = _guid(raw)
    if guid is not None:
        basket = BasketSession.objects.filter(guid=guid, invoice__business=business).first()
        if basket is None or basket.expires_at <= timezone.now():
            return error(401, "invalid_token", _("The token is unknown or has expired."))
        token_invoice = basket.invoice_id
    else:
        subject = token_subject(token=raw, audience=Audience.INVOICE)
        if subject is None or not subject.isdigit():
            return error(401, "invalid_token", _("The token is unknown or has expired."))
        token_invoice = int(subject)
    invoice = _invoices().filter(pk=number, business=business).first()
    if invoice is None or token_invoice != number:
        return error(404, "not_found", _("No such invoice for this token."))
    return _pdf_response(pdf.invoice_pdf(invoice=invoice), invoice.invoice_number)


# Authenticated customers -------------------------------------------------------------------


_BOOLEANS = {"true": True, "false": False}


@endpoint("GET")
def invoices_my(request: HttpRequest) -> HttpResponse:
    customer = _bearer_customer(request)
    if customer is None:
        return error(401, "unauthorized", _("A valid bearer token is required."))
    query = request.GET
    filters: dict[str, bool] = {}
    for param, field in (("paid", "paid_on__isnull"), ("creditNotes", "credit_note")):
        raw = query.get(param)
        if not raw:
            continue
        value = _BOOLEANS.get(raw.lower())
        if value is None:
            return error(
                400, "invalid_parameter", _("%(param)s must be true or false.") % {"param": param}
            )
        filters[field] = (not value) if param == "paid" else value
    # Whole numbers of a sane length: a page number of 33 digits once reached the database
    # as an OFFSET it cannot hold (found by schemathesis, tests/sandbox/test_openapi.py).
    page = _positive_int(query.get("page") or "1")
    size = _positive_int(query.get("size") or "20")
    if page is None or size is None or page > MAX_PAGE:
        return error(400, "invalid_parameter", _("page and size must be whole numbers."))
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        return error(
            400,
            "invalid_parameter",
            _("page >= 1 and 1 <= size <= %(most)s.") % {"most": MAX_PAGE_SIZE},
        )

    invoices = _invoices().filter(customer=customer, draft=False, **filters)
    total = invoices.count()
    records = invoices[(page - 1) * size : page * size]
    host = request.get_host()
    previews = [serializers.invoice_preview_json(i, host=host) for i in records]
    return JsonResponse(serializers.list_envelope(previews, page=page, size=size, total=total))


@endpoint("GET")
def invoice_detail(request: HttpRequest, invoice_id: str) -> HttpResponse:
    customer = _bearer_customer(request)
    if customer is None:
        return error(401, "unauthorized", _("A valid bearer token is required."))
    invoice = _own_invoice(customer, _invoice_number(invoice_id))
    return JsonResponse(serializers.invoice_detail_json(invoice, host=request.get_host()))


@endpoint("GET")
def media_token(request: HttpRequest) -> HttpResponse:
    customer = _bearer_customer(request)
    if customer is None:
        return error(401, "unauthorized", _("A valid bearer token is required."))
    return JsonResponse({"jwt": services.media_token_issue(customer=customer)})


@endpoint("GET")
def invoice_pdf(request: HttpRequest, invoice_id: str) -> HttpResponse:
    # The id first: a bad one is a 400 whatever the media JWT.
    number = _invoice_number(invoice_id)
    invoice = _own_invoice(_media_customer(request), number)
    return _pdf_response(pdf.invoice_pdf(invoice=invoice), invoice.invoice_number)


@endpoint("GET")
def statement_pdf(request: HttpRequest) -> HttpResponse:
    customer = _media_customer(request)
    invoices = list(_invoices().filter(customer=customer, draft=False))
    content = pdf.statement_pdf(customer=customer, invoices=invoices)
    return _pdf_response(content, "statement")


# White-label data --------------------------------------------------------------------------


@endpoint("GET")
def business_current(request: HttpRequest) -> HttpResponse:
    return JsonResponse(serializers.business_json(_business(request), host=request.get_host()))


@endpoint("GET")
def business_colors(request: HttpRequest, business_id: str) -> HttpResponse:
    number = _positive_int(business_id)
    if number is None:
        return error(400, "invalid_business_id", _("The business id must be a number."))
    # [docs] A customer's bearer only (401 without), and only their own business's.
    customer = _bearer_customer(request)
    if customer is None:
        return error(401, "unauthorized", _("A valid bearer token is required."))
    business = Business.objects.filter(pk=number).first()
    if business is None or business.pk != customer.business_id:
        return error(404, "not_found", _("No such business."))
    return JsonResponse(serializers.colors_json(business))


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error(404, "not_found", _("No such API endpoint."))
