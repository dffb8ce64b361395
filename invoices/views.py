"""My Invoices: the list, one invoice, and PDF links kept fresh by an HTMX poll."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial, wraps
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.gzip import gzip_page
from django_htmx.http import HttpResponseStopPolling

import upstream
from accounts.context_processors import chrome_look
from accounts.services import SignedOut, customer_bearer, customer_email, customer_forget
from brands.hosts import request_brand
from invoices import export, services
from invoices.forms import ExportForm
from portal import payments, pdf_links
from portal.business import business
from portal.http import UPSTREAM_FAILURES, private_page, small_number, upstream_failure
from portal.rendered import page_kept

logger = logging.getLogger(__name__)

# ?show= values and the upstream filters they stand for.
FILTERS: dict[str, dict[str, bool]] = {
    "all": {},
    # Credit notes are their own kind: never under "Paid" or "Unpaid".
    "unpaid": {"paid": False, "credit_notes": False},
    "paid": {"paid": True, "credit_notes": False},
    "credit-notes": {"credit_notes": True},
}
MAX_LINKS = 100
MAX_PAGE = 99_999
# Longer than any upstream invoice id.
MAX_INVOICE_ID = 99_999_999_999


def _sign_in_url(request: HttpRequest) -> str:
    return f"{reverse('sign_in')}?{urlencode({'next': request.get_full_path()})}"


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in customers only; upstream failures become pages, a refused token a new sign-in."""

    @wraps(view)
    @private_page
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if customer_email(session=request.session) is None:
            return HttpResponseRedirect(_sign_in_url(request))
        try:
            return view(request, *args, **kwargs)
        except (SignedOut, upstream.TokenRejected):
            customer_forget(session=request.session)
            return HttpResponseRedirect(_sign_in_url(request))
        except UPSTREAM_FAILURES as error:
            failure = upstream_failure(error, where=request.path)
            # A busy upstream's page asks again by itself, when the upstream said it may.
            context = {"kind": failure.kind, "retry_after": failure.retry_after or 10}
            response = render(request, "invoices/error.html", context, status=failure.status)
            if failure.retry_after:
                response["Retry-After"] = str(failure.retry_after)
            return response

    return wrapper


@customer_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "all")
    if show not in FILTERS:
        show = "all"
    # Junk, 0 and absurdly large numbers are the first page.
    page = small_number(request.GET.get("page"), maximum=MAX_PAGE + 1) or 1
    bearer = customer_bearer(session=request.session)
    result = services.invoices_page(
        bearer=bearer,
        page=1 if page > MAX_PAGE else page,
        size=settings.INVOICES_PAGE_SIZE,
        filters=FILTERS[show],
    )
    pdf_links.invoices_remember(session=request.session, invoices=list(result.records))
    # Portal URLs, which work without JavaScript; the poll swaps in direct upstream links.
    rows = [
        (invoice, pdf_links.portal_pdf_link(invoice), _pay_url(request, invoice))
        for invoice in result.records
    ]
    context = {
        "page": result,
        "rows": rows,
        "link_ids": [invoice.id for invoice in result.records],
        "links_url": reverse("invoices:links"),
        "show": show,
        "filters": list(FILTERS),
        "statement_url": reverse("invoices:statement_pdf"),
        "balance": _balance(bearer, result, show),
    }
    return render(request, "invoices/list.html", context)


def _balance(bearer: str, listed: upstream.InvoicePage, show: str) -> services.Balance | None:
    """None when the upstream cannot tell just now: the list is still worth showing."""
    try:
        return services.balance_get(bearer=bearer, listed=listed, show=show)
    except UPSTREAM_FAILURES as error:
        logger.warning("balance not shown: %s", error)
        return None


@customer_required
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    bearer = customer_bearer(session=request.session)
    invoice = services.invoice_get(bearer=bearer, invoice_id=invoice_id)
    pdf_links.invoices_remember(session=request.session, invoices=[invoice])
    link = pdf_links.portal_pdf_link(invoice)
    context = {
        "invoice": invoice,
        "pdf_link": link,
        "link_ids": [invoice.id],
        "links_url": reverse("invoices:links"),
        "pay_url": _pay_url(request, invoice),
        # After Pay met "already paid": said as the invoice now is (the address may be old).
        "paid_notice": _paid_notice(request, invoice),
    }
    return render(request, "invoices/detail.html", context)


def _paid_notice(request: HttpRequest, invoice: upstream.InvoicePreview) -> str:
    if request.GET.get("notice") != "paid":
        return ""
    return "paid" if invoice.paid else "recorded"


def _pay_url(request: HttpRequest, invoice: upstream.InvoicePreview) -> str | None:
    brand = request_brand(request)
    if not services.invoice_payable(invoice) or not services.pay_offered(brand, invoice):
        return None
    return reverse("invoices:pay", args=[invoice.id])


@customer_required
def invoice_pay(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Pay: re-checked here (the button may be stale), then off to the gateway or the
    operator's payment page; the gateway returns to the checkout-complete page."""
    detail_url = reverse("invoices:detail", args=[invoice_id])
    brand = request_brand(request)
    if request.method != "POST" or brand.invoice_payment == "off":
        return HttpResponseRedirect(detail_url, status=303)
    bearer = customer_bearer(session=request.session)
    invoice = services.invoice_get(bearer=bearer, invoice_id=invoice_id)
    already_paid = HttpResponseRedirect(f"{detail_url}?notice=paid", status=303)
    if not services.invoice_payable(invoice) or not services.pay_offered(brand, invoice):
        return already_paid if invoice.paid else HttpResponseRedirect(detail_url, status=303)
    try:
        url = services.payment_start(
            session=request.session,
            bearer=bearer,
            invoice=invoice,
            brand=brand,
            return_url=payments.payment_return_url(request),
            retry_url=detail_url,
        )
    except upstream.AlreadyPaid:
        return already_paid
    context = {"checkout_url": url, "number": invoice.number}
    return render(request, "invoices/pay_redirect.html", context)


@customer_required
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Works without JavaScript: mints (or reuses) a media JWT and redirects to the PDF."""
    bearer = customer_bearer(session=request.session)
    if not pdf_links.invoice_remembered(session=request.session, invoice_id=invoice_id):
        # Not shown in this session yet: the upstream says whether it is this customer's.
        invoice = services.invoice_get(bearer=bearer, invoice_id=invoice_id)
        pdf_links.invoices_remember(session=request.session, invoices=[invoice])
    token = services.media_token_get(session=request.session, bearer=bearer)
    [link] = pdf_links.media_jwt_links(
        session=request.session, invoice_ids=[invoice_id], media_jwt=token.jwt
    )
    return HttpResponseRedirect(link.url)


@customer_required
def statement_pdf(request: HttpRequest) -> HttpResponse:
    bearer = customer_bearer(session=request.session)
    token = services.media_token_get(session=request.session, bearer=bearer)
    url = _statement_url(token.jwt)
    if url is None:
        raise upstream.UpstreamUnavailable("no business web address for the statement link")
    return HttpResponseRedirect(url)


@customer_required
def invoice_export(request: HttpRequest) -> HttpResponse:
    """For the accountant: the choice (GET), then one ZIP of the PDFs and a CSV (POST), streamed
    while it is fetched (invoices/export.py); the first invoice is fetched here, so that an
    upstream failing at once gets its error page."""
    bearer = customer_bearer(session=request.session)
    form = ExportForm(request.POST or None, request.POST.getlist("ids"))
    if request.method != "POST" or not form.is_valid():
        recent = services.invoices_page(bearer=bearer, page=1, size=export.EXPORT_MAX, filters={})
        context = {"form": form, "invoices": recent.records, "most": export.EXPORT_MAX}
        return render(request, "invoices/export.html", context, status=400 if form.errors else 200)
    choice = form.choice()
    ids = export.chosen_ids(bearer=bearer, choice=choice)
    if not ids or len(ids) > export.EXPORT_MAX:
        context = {"count": len(ids), "most": export.EXPORT_MAX}
        return render(request, "invoices/export_refused.html", context, status=400 if ids else 404)
    plan = export.plan_of(invoice_ids=ids, bearer=bearer, session=request.session)
    first = export.fetched(plan, ids[0], patient=False)
    response = StreamingHttpResponse(export.zip_stream(plan, first), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.zip_filename(choice)}"'
    response["X-Export-Invoices"] = str(len(ids))
    # nginx would hold the stream back in its buffers (and the progress with it).
    response["X-Accel-Buffering"] = "no"
    # The decorators only set headers, which a streaming answer has too.
    return cast(HttpResponse, response)


def _statement_url(media_jwt: str) -> str | None:
    found = business()
    if found is None or not found.web_address:
        return None
    return pdf_links.statement_pdf_url(web_address=found.web_address, media_jwt=media_jwt)


# Compressed: a dozen links share one JWT, so 6 KB become about 600 bytes, and the poll runs
# every 50 s for as long as the page is open (docs/performance.md). BREACH needs a secret and
# attacker-chosen text in one compressed answer: the only request text this answer repeats is
# invoice ids, digits of invoices the session listed, and Django adds random padding anyway.
# The signed-out answer repeats `next`, but holds no secret. Pages stay uncompressed: they
# repeat query strings (the language links) next to tokens, and fit the first round trip
# without it.
@gzip_page
@private_page
def links(request: HttpRequest) -> HttpResponse:
    """The links fragment an HTMX poll re-renders before the media JWT expires.

    Signed out: HTTP 286 stops the poll, and the fragment asks the customer to sign in again.
    """
    parts = request.GET.get("ids", "").split(",")[:MAX_LINKS]
    ids = [
        number
        for part in parts
        if (number := small_number(part, maximum=MAX_INVOICE_ID)) is not None
    ]
    try:
        bearer = customer_bearer(session=request.session)
        token = services.media_token_get(session=request.session, bearer=bearer)
    except (SignedOut, upstream.TokenRejected):
        customer_forget(session=request.session)
        next_url = {"next": request.GET.get("next", "")}
        html = render_to_string("invoices/_signed_out.html", next_url, request=request)
        return HttpResponseStopPolling(html)
    except UPSTREAM_FAILURES as error:
        # The links on the page stay as they are; the poll tries again soon (when a busy
        # upstream says so, no sooner than it asks).
        logger.warning("links not refreshed: %s", error)
        wait = error.retry_after if isinstance(error, upstream.Throttled) else 10
        return render(request, "invoices/_links.html", {"refresh_in": max(wait, 10), "links": []})
    context = {
        "links": pdf_links.media_jwt_links(
            session=request.session, invoice_ids=ids, media_jwt=token.jwt
        ),
        "statement_url": _statement_url(token.jwt) if request.GET.get("statement") else None,
        "refresh_in": token.refresh_in(),
    }
    # Kept rendered (portal.rendered) without its JWT: a customer's polls differ in it alone.
    inputs = (request_brand(request), business(), customer_email(session=request.session))
    fragment = page_kept(
        request,
        "invoices/_links.html",
        context,
        inputs=inputs,
        lazily={"look": partial(chrome_look, request)},
        values={"jwt": token.jwt},
    )
    return HttpResponse(fragment)
