"""The checkout-complete page: where the payment gateway returns the buyer (CONTRACT.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from checkout import services
from invoices import services as invoice_services
from portal import branding, customers, upstream
from portal.htmx import HtmxHttpRequest

logger = logging.getLogger(__name__)

# Seconds between polls while a payment is pending: backing off, about two minutes in all.
POLL_DELAYS = (2, 2, 3, 5, 8, 13, 20, 30, 30)
RETRY_SECONDS = 10


def token_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every response of a page that saw a token: no Referer, no caching, no indexing."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        add_never_cache_headers(response)
        return response

    return wrapper


def _render(
    request: HtmxHttpRequest, state: str, status: int = 200, **context: Any
) -> HttpResponse:
    # HTMX polls swap the state region only; a plain request gets the whole page.
    template = "checkout/_state.html" if request.htmx else "checkout/complete.html"
    return render(request, template, {"state": state, **context}, status=status)


@token_page
def complete(request: HtmxHttpRequest) -> HttpResponse:
    if any(name in request.GET for name in services.GATEWAY_PARAMETERS):
        try:
            guid = services.basket_token_from_query(request.GET)
        except services.BadLink as error:
            logger.info("completion link refused: %s", error)
            return _render(request, "bad_link", status=400)
        # Kept server-side; the redirect drops it from the address bar, history and Referer.
        services.basket_token_remember(session=request.session, guid=guid)
        return HttpResponseRedirect(reverse("checkout:complete"), status=303)
    remembered = services.basket_token_recall(session=request.session)
    if not remembered:
        return _render(request, "bad_link", status=400)
    try:
        return _complete(request, remembered)
    except (upstream.TokenRejected, upstream.NotFound) as error:
        logger.info("purchase not found upstream: %s", error)
        return _render(request, "not_found", status=404)
    except upstream.UpstreamUnavailable as error:
        logger.warning("upstream unavailable on completion: %s", error)
        return _retry_later(request, "unavailable", 503)
    except upstream.UnexpectedAnswer as error:
        logger.error("unexpected upstream answer on completion: %s", error)
        return _retry_later(request, "unexpected", 502)


def _retry_later(request: HtmxHttpRequest, state: str, status: int) -> HttpResponse:
    # The retry keeps the poll count, so an outage during a pending payment does not
    # restart the two-minute cap.
    response = _render(
        request,
        state,
        status=status,
        refresh_seconds=RETRY_SECONDS,
        refresh_url=request.get_full_path(),
    )
    response["Retry-After"] = str(RETRY_SECONDS)
    return response


def _complete(request: HtmxHttpRequest, guid: str) -> HttpResponse:
    status = services.checkout_status(guid=guid)
    # Asked once the upstream has answered: a failing upstream is not asked twice per page.
    business_name = branding.business_name()
    if status.status == "Failed":
        return _render(request, "failed", business_name=business_name)
    if status.status == "Pending":
        poll = _poll_number(request.GET.get("poll", ""))
        if poll >= len(POLL_DELAYS):
            return _render(request, "pending", business_name=business_name, gave_up=True)
        return _render(
            request,
            "pending",
            business_name=business_name,
            refresh_seconds=POLL_DELAYS[poll],
            refresh_url=f"{reverse('checkout:complete')}?poll={poll + 1}",
        )
    invoice = status.invoice
    if invoice is None:
        raise upstream.UnexpectedAnswer("a paid basket session without its invoice")
    registration = services.registration_ensure(
        session=request.session, guid=guid, invoice_id=invoice.id
    )
    pdf_url = upstream.pdf_by_token_link(invoice=invoice, token=registration.token or guid)
    return _render(
        request,
        "used" if registration.used_elsewhere else "paid",
        business_name=business_name,
        invoice=invoice,
        email=status.email,
        pdf_url=pdf_url,
        registration=registration,
        **_customer_link(request, invoice, buyer=status.email),
    )


def _poll_number(raw: str) -> int:
    """Which poll this is: junk counts as the first, any long number as past the cap."""
    if not (raw.isascii() and raw.isdigit()):
        return 0
    # Short enough for int(), which refuses numbers of thousands of digits.
    return min(int(raw), len(POLL_DELAYS)) if len(raw) <= 4 else len(POLL_DELAYS)


def _customer_link(
    request: HtmxHttpRequest, invoice: upstream.InvoiceDetail, *, buyer: str
) -> dict[str, Any]:
    """The signed-in buyer's own PDF link, kept fresh by the My Invoices poll."""
    signed_in = customers.customer_email(session=request.session)
    if not signed_in or signed_in.casefold() != buyer.casefold():
        return {}
    invoice_services.invoices_remember(session=request.session, invoices=[invoice])
    url = reverse("invoices:pdf", args=[invoice.id])
    link = invoice_services.PdfLink(invoice_id=invoice.id, number=invoice.number, url=url)
    return {"pdf_link": link, "link_ids": [invoice.id]}
