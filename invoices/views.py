"""My Invoices: the list, one invoice, and PDF links kept fresh by an HTMX poll."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.gzip import gzip_page
from django_htmx.http import HttpResponseStopPolling

from invoices import services
from portal import branding, customers, upstream

logger = logging.getLogger(__name__)

# ?show= values and the upstream filters they stand for.
FILTERS: dict[str, dict[str, bool]] = {
    "all": {},
    "unpaid": {"paid": False},
    "paid": {"paid": True},
    "credit-notes": {"credit_notes": True},
}
MAX_LINKS = 100


def _sign_in_url(request: HttpRequest) -> str:
    return f"{reverse('sign_in')}?{urlencode({'next': request.get_full_path()})}"


def _private(response: HttpResponse) -> HttpResponse:
    """Pages with tokens in their links: no caching, no Referer to the PDF host."""
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in customers only; upstream failures become pages, a refused token a new sign-in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if customers.customer_email(session=request.session) is None:
            return HttpResponseRedirect(_sign_in_url(request))
        try:
            return _private(view(request, *args, **kwargs))
        except (customers.SignedOut, upstream.TokenRejected):
            customers.customer_forget(session=request.session)
            return HttpResponseRedirect(_sign_in_url(request))
        except upstream.NotFound:
            return _error(request, "not_found", 404)
        except upstream.UpstreamUnavailable as error:
            logger.warning("upstream unavailable on %s: %s", request.path, error)
            return _error(request, "unavailable", 503)
        except upstream.UnexpectedAnswer as error:
            logger.error("unexpected upstream answer on %s: %s", request.path, error)
            return _error(request, "unavailable", 502)

    return wrapper


def _error(request: HttpRequest, kind: str, status: int) -> HttpResponse:
    return _private(render(request, "invoices/error.html", {"kind": kind}, status=status))


def _page_number(raw: str | None) -> int:
    """The page asked for; junk, 0 and absurdly long numbers are the first page."""
    return max(int(raw), 1) if raw and raw.isascii() and raw.isdigit() and len(raw) < 6 else 1


@customer_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "all")
    if show not in FILTERS:
        show = "all"
    result = upstream.invoices_my(
        bearer=customers.customer_bearer(session=request.session),
        page=_page_number(request.GET.get("page")),
        size=settings.INVOICES_PAGE_SIZE,
        **FILTERS[show],
    )
    services.invoices_remember(session=request.session, invoices=list(result.records))
    # Portal URLs, which work without JavaScript; the poll swaps in direct upstream links.
    rows = [(invoice, _portal_link(invoice)) for invoice in result.records]
    context = {
        "page": result,
        "rows": rows,
        "link_ids": [invoice.id for invoice in result.records],
        "show": show,
        "filters": list(FILTERS),
        "statement_url": reverse("invoices:statement_pdf"),
    }
    return render(request, "invoices/list.html", context)


def _portal_link(invoice: upstream.InvoicePreview) -> services.PdfLink:
    url = reverse("invoices:pdf", args=[invoice.id])
    return services.PdfLink(invoice_id=invoice.id, number=invoice.number, url=url)


@customer_required
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    bearer = customers.customer_bearer(session=request.session)
    invoice = upstream.invoice_detail(bearer=bearer, invoice_id=invoice_id)
    services.invoices_remember(session=request.session, invoices=[invoice])
    context = {"invoice": invoice, "pdf_link": _portal_link(invoice), "link_ids": [invoice.id]}
    return render(request, "invoices/detail.html", context)


@customer_required
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Works without JavaScript: mints (or reuses) a media JWT and redirects to the PDF."""
    bearer = customers.customer_bearer(session=request.session)
    if str(invoice_id) not in request.session.get(services.SESSION_INVOICES, {}):
        # Not listed in this session yet: the upstream says whether it is this customer's.
        invoice = upstream.invoice_detail(bearer=bearer, invoice_id=invoice_id)
        if invoice.id != invoice_id:
            raise upstream.UnexpectedAnswer(f"asked for invoice {invoice_id}, got {invoice.id}")
        services.invoices_remember(session=request.session, invoices=[invoice])
    token = services.media_token_get(session=request.session, bearer=bearer)
    [link] = services.invoice_links(
        session=request.session, invoice_ids=[invoice_id], media_jwt=token.jwt
    )
    return HttpResponseRedirect(link.url)


@customer_required
def statement_pdf(request: HttpRequest) -> HttpResponse:
    bearer = customers.customer_bearer(session=request.session)
    token = services.media_token_get(session=request.session, bearer=bearer)
    url = _statement_url(token.jwt)
    if url is None:
        raise upstream.UpstreamUnavailable("no business web address for the statement link")
    return HttpResponseRedirect(url)


def _statement_url(media_jwt: str) -> str | None:
    found = branding.business()
    if found is None or not found.web_address:
        return None
    return upstream.statement_pdf_link(web_address=found.web_address, media_jwt=media_jwt)


# Compressed: a dozen links share one JWT, so 6 KB become about 600 bytes, and the poll runs
# every 50 s for as long as the page is open (docs/performance.md). BREACH needs a secret and
# attacker-chosen text in one compressed answer: the only request text this answer repeats is
# invoice ids, digits of invoices the session listed, and Django adds random padding anyway.
# The signed-out answer repeats `next`, but holds no secret. Pages stay uncompressed: they
# repeat query strings (the language links) next to tokens, and fit the first round trip
# without it.
@gzip_page
def links(request: HttpRequest) -> HttpResponse:
    """The links fragment an HTMX poll re-renders before the media JWT expires.

    Signed out: HTTP 286 stops the poll, and the fragment asks the customer to sign in again.
    """
    ids = [
        int(part)
        for part in request.GET.get("ids", "").split(",")[:MAX_LINKS]
        if part.isdigit() and part.isascii() and len(part) < 12
    ]
    try:
        bearer = customers.customer_bearer(session=request.session)
        token = services.media_token_get(session=request.session, bearer=bearer)
    except (customers.SignedOut, upstream.TokenRejected):
        customers.customer_forget(session=request.session)
        next_url = request.GET.get("next", "")
        html = render_to_string("invoices/_signed_out.html", {"next": next_url}, request=request)
        return _private(HttpResponseStopPolling(html))
    except upstream.UpstreamError as error:
        # The links on the page stay as they are; the poll tries again soon.
        logger.warning("links not refreshed: %s", error)
        return _private(render(request, "invoices/_links.html", {"refresh_in": 10, "links": []}))
    context = {
        "links": services.invoice_links(
            session=request.session, invoice_ids=ids, media_jwt=token.jwt
        ),
        "statement_url": _statement_url(token.jwt) if request.GET.get("statement") else None,
        "refresh_in": token.refresh_in(),
    }
    return _private(render(request, "invoices/_links.html", context))
