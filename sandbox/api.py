"""The sandbox's HTTP API: every call of CONTRACT.md, with its status codes and JSON shapes.

Errors are JSON `{"error": code, "message": text}` [ours], except /api/token, which answers as
OAuth 2.0 does (`error`, `error_description`). A missing parameter is a 400; a token that is
present but not accepted is a 401; an invoice the caller may not see is a 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sandbox import api_requests, payments, pdf, serializers, services
from sandbox.api_requests import endpoint, error
from sandbox.models import BasketSession, Business
from sandbox.tokens import Audience, token_subject

MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


@endpoint("GET")
def checkout_status(request: HttpRequest) -> HttpResponse:
    guid = api_requests.guid(api_requests.guest_token(request))
    baskets = BasketSession.objects.filter(invoice__business=api_requests.business(request))
    basket = baskets.select_related("invoice").filter(guid=guid).first() if guid else None
    if basket is None or basket.expires_at <= timezone.now():
        return error(401, "invalid_token", _("The token is unknown or has expired."))
    basket = services.basket_settle(basket=basket)
    invoice = api_requests.invoices().get(pk=basket.invoice_id)
    return JsonResponse(
        {
            "Status": basket.status,
            "Email": basket.buyer_email,
            "Invoice": serializers.invoice_detail_json(invoice, host=request.get_host()),
        }
    )


@endpoint("POST")
def register_by_token(request: HttpRequest, invoice_id: str) -> HttpResponse:
    number = api_requests.invoice_number(invoice_id)
    raw = api_requests.guest_token(request)
    try:
        registration = services.basket_register(
            business=api_requests.business(request), invoice_id=number, guid=api_requests.guid(raw)
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
    number = api_requests.invoice_number(invoice_id)
    raw = api_requests.guest_token(request)
    # The basket GUID opens the PDF until its session expires; so does registerByToken's Token.
    business = api_requests.business(request)
    guid = api_requests.guid(raw)
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
    invoice = api_requests.invoices().filter(pk=number, business=business).first()
    if invoice is None or token_invoice != number:
        return error(404, "not_found", _("No such invoice for this token."))
    return api_requests.pdf_response(pdf.invoice_pdf(invoice=invoice), invoice.invoice_number)


# Authenticated customers -------------------------------------------------------------------


_BOOLEANS = {"true": True, "false": False}


@endpoint("GET")
def invoices_my(request: HttpRequest) -> HttpResponse:
    customer = api_requests.bearer_customer(request)
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
    page = api_requests.positive_int(query.get("page") or "1")
    size = api_requests.positive_int(query.get("size") or "20")
    if page is None or size is None or page > MAX_PAGE:
        return error(400, "invalid_parameter", _("page and size must be whole numbers."))
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        return error(
            400,
            "invalid_parameter",
            _("page >= 1 and 1 <= size <= %(most)s.") % {"most": MAX_PAGE_SIZE},
        )

    invoices = api_requests.invoices().filter(customer=customer, draft=False, **filters)
    total = invoices.count()
    records = invoices[(page - 1) * size : page * size]
    host = request.get_host()
    previews = [serializers.invoice_preview_json(i, host=host) for i in records]
    return JsonResponse(serializers.list_envelope(previews, page=page, size=size, total=total))


@endpoint("GET")
def invoice_detail(request: HttpRequest, invoice_id: str) -> HttpResponse:
    customer = api_requests.bearer_customer(request)
    if customer is None:
        return error(401, "unauthorized", _("A valid bearer token is required."))
    invoice = api_requests.own_invoice(customer, api_requests.invoice_number(invoice_id))
    return JsonResponse(serializers.invoice_detail_json(invoice, host=request.get_host()))


@endpoint("POST")
def invoice_checkout(request: HttpRequest, invoice_id: str) -> HttpResponse:
    """[ours] Starts (or finds the open) invoice basket: the gateway page's URL and the GUID."""
    customer = api_requests.bearer_customer(request)
    if customer is None:
        return error(401, "unauthorized", _("A valid bearer token is required."))
    number = api_requests.invoice_number(invoice_id)
    gateway = request.POST.get("gateway", "")
    if gateway not in BasketSession.Gateway.values:
        return error(400, "invalid_gateway", _("gateway must be stripe, spreedly or paypal."))
    return_url = request.POST.get("returnUrl", "")
    if not payments.return_url_valid(return_url):
        return error(
            400, "invalid_return_url", _("returnUrl must be an absolute http or https URL.")
        )
    try:
        basket = payments.invoice_checkout_start(
            customer=customer, invoice_id=number, gateway=gateway, return_url=return_url
        )
    except payments.CheckoutRefused as refused:
        return error(refused.status, refused.code, refused.message)
    page = reverse("sandbox:gateway", kwargs={"guid": str(basket.guid)})
    return JsonResponse(
        {"CheckoutUrl": request.build_absolute_uri(page), "SessionId": str(basket.guid)}
    )


@endpoint("GET")
def media_token(request: HttpRequest) -> HttpResponse:
    customer = api_requests.bearer_customer(request)
    if customer is None:
        return error(401, "unauthorized", _("A valid bearer token is required."))
    return JsonResponse({"jwt": services.media_token_issue(customer=customer)})


@endpoint("GET")
def invoice_pdf(request: HttpRequest, invoice_id: str) -> HttpResponse:
    # The id first: a bad one is a 400 whatever the media JWT.
    number = api_requests.invoice_number(invoice_id)
    invoice = api_requests.own_invoice(api_requests.media_customer(request), number)
    return api_requests.pdf_response(pdf.invoice_pdf(invoice=invoice), invoice.invoice_number)


@endpoint("GET")
def statement_pdf(request: HttpRequest) -> HttpResponse:
    customer = api_requests.media_customer(request)
    invoices = list(api_requests.invoices().filter(customer=customer, draft=False))
    content = pdf.statement_pdf(customer=customer, invoices=invoices)
    return api_requests.pdf_response(content, "statement")


# White-label data --------------------------------------------------------------------------


@endpoint("GET")
def business_current(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        serializers.business_json(api_requests.business(request), host=request.get_host())
    )


@endpoint("GET")
def business_colors(request: HttpRequest, business_id: str) -> HttpResponse:
    number = api_requests.positive_int(business_id)
    if number is None:
        return error(400, "invalid_business_id", _("The business id must be a number."))
    # [docs] A customer's bearer only (401 without), and only their own business's.
    customer = api_requests.bearer_customer(request)
    if customer is None:
        return error(401, "unauthorized", _("A valid bearer token is required."))
    business = Business.objects.filter(pk=number).first()
    if business is None or business.pk != customer.business_id:
        return error(404, "not_found", _("No such business."))
    return JsonResponse(serializers.colors_json(business))


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error(404, "not_found", _("No such API endpoint."))
