"""What every sandbox API view shares: JSON errors, the `endpoint` decorator (methods, rate
limits, language, local times) and the checks that read a request's ids and tokens, each
raising a `Refusal` that `endpoint` answers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from sandbox import serializers, services, throttling
from sandbox.models import Business, Customer, Invoice
from sandbox.tokens import Audience, token_subject

View = Callable[..., HttpResponse]


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


def positive_int(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None


def guid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def business(request: HttpRequest) -> Business:
    return services.business_current(host=request.get_host())


def invoices() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("business").prefetch_related("lines")


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


def bearer_customer(request: HttpRequest) -> Customer | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    subject = token_subject(token=token.strip(), audience=Audience.ACCESS)
    if subject is None or not subject.isdigit():
        return None
    # A tenant's tokens open only its own customers (the host names the tenant).
    customers = Customer.objects.filter(business=business(request), portal_access=True)
    return customers.filter(pk=int(subject)).first()


def media_customer(request: HttpRequest) -> Customer:
    """The customer whose media JWT is `?t=`."""
    token = request.GET.get("t")
    if not token:
        raise Refusal(400, "missing_token", _("The t parameter (a media JWT) is required."))
    subject = token_subject(token=token, audience=Audience.MEDIA)
    customers = Customer.objects.filter(business=business(request), portal_access=True)
    customer = customers.filter(pk=int(subject)).first() if subject and subject.isdigit() else None
    if customer is None:
        raise Refusal(401, "invalid_token", _("The media token is invalid or has expired."))
    return customer


def invoice_number(invoice_id: str) -> int:
    number = positive_int(invoice_id)
    if number is None:
        raise Refusal(400, "invalid_invoice_id", _("The invoice id must be a number."))
    return number


def guest_token(request: HttpRequest) -> str:
    """The `?token=` of a guest's call: a basket GUID or registerByToken's Token."""
    raw = request.GET.get("token")
    if not raw:
        raise Refusal(400, "missing_token", _("The token parameter is required."))
    return raw


def own_invoice(customer: Customer, number: int) -> Invoice:
    # Another customer's invoice is a 404, so that ids of others cannot be probed.
    invoice = invoices().filter(pk=number, customer=customer, draft=False).first()
    if invoice is None:
        raise Refusal(404, "not_found", _("No such invoice."))
    return invoice


# Guest checkout ---------------------------------------------------------------------------
