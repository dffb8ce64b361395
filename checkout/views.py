"""The checkout-complete page: where the payment gateway returns the buyer (CONTRACT.md)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

import upstream
from accounts.context_processors import chrome_look
from accounts.services import customer_email
from brands.hosts import request_brand
from brands.look import business_name
from checkout import services
from portal import payments, pdf_links
from portal.attempts import client_address
from portal.business import business
from portal.http import (
    UPSTREAM_FAILURES,
    HtmxHttpRequest,
    private_page,
    small_number,
    upstream_failure,
)
from portal.rendered import page_kept

logger = logging.getLogger(__name__)

# Seconds between polls while a payment is pending: backing off, about two minutes in all.
POLL_DELAYS = (2, 2, 3, 5, 8, 13, 20, 30, 30)
RETRY_SECONDS = 10
# The tab's title follows the state, also when htmx swaps one state for the next.
TITLES = {
    "paid": _("Thank you for your purchase"),
    "pending": _("Confirming your payment…"),
    "busy": _("Confirming your payment…"),
    "failed": _("Your payment did not go through"),
}
# The same states when the basket paid one of the member's invoices (portal.payments).
INVOICE_TITLES = {"paid": _("Thank you for your payment")}
# A settled purchase's page, reloaded by its buyer: kept rendered (portal.rendered).
KEPT_STATES = ("paid", "used")


def _render(
    request: HtmxHttpRequest, state: str, status: int = 200, **context: Any
) -> HttpResponse:
    # One template per state; HTMX polls swap it alone, a plain request gets the whole page.
    state_template = f"checkout/states/{state}.html"
    template = "checkout/fragment.html" if request.htmx else "checkout/complete.html"
    titles = INVOICE_TITLES if context.get("payment") else {}
    title = titles.get(state) or TITLES.get(state, _("Your purchase"))
    context |= {"state": state, "state_template": state_template, "title": title}
    if state in KEPT_STATES:
        inputs = (request_brand(request), business(), customer_email(session=request.session))
        look = partial(chrome_look, request)
        html = page_kept(request, template, context, inputs=inputs, lazily={"look": look})
        return HttpResponse(html, status=status)
    return render(request, template, context, status=status)


@private_page
def complete(request: HtmxHttpRequest) -> HttpResponse:
    if any(name in request.GET for name in services.GATEWAY_PARAMETERS):
        try:
            guid = services.basket_token_from_query(request.GET)
        except services.BadLink as error:
            logger.info("completion link refused: %s", error)
            return _render(request, "bad_link", status=400)
        # Kept server-side; the redirect drops it from the address bar, history and Referer.
        gateway = services.basket_gateway_from_query(request.GET)
        services.basket_token_remember(session=request.session, guid=guid, gateway=gateway)
        return HttpResponseRedirect(reverse("checkout:complete"), status=303)
    remembered = services.basket_token_recall(session=request.session)
    if not remembered:
        # This page's own address, copied into another browser (or opened after the hour):
        # the purchase lives in the session where the payment came back, never in the URL.
        return _render(request, "elsewhere", status=400)
    try:
        return _complete(request, remembered)
    except services.TooManyUnknownLinks:
        logger.info("completion link not asked about: too many unknown ones from this visitor")
        response = _render(request, "not_found", status=429)
        response["Retry-After"] = str(services.UNKNOWN_LINK_SECONDS)
        return response
    except UPSTREAM_FAILURES as error:
        failure = upstream_failure(error, where="completion")
        if failure.kind == "not_found":
            return _render(request, "not_found", status=404)
        if failure.kind == "busy":
            # The tenant's budget is spent for now (payday): the buyer sees their payment
            # being confirmed, and the page asks again when the budget has room.
            return _retry_later(request, "busy", 200, failure.retry_after)
        return _retry_later(request, failure.kind, failure.status, failure.retry_after)


def _retry_later(
    request: HtmxHttpRequest, state: str, status: int, retry_after: int | None = None
) -> HttpResponse:
    # The retry keeps the poll count, so an outage during a pending payment does not
    # restart the two-minute cap. A busy upstream said how long to wait.
    refresh_url = request.get_full_path()
    seconds = max(retry_after or RETRY_SECONDS, 1)
    context = {"refresh_seconds": seconds, "refresh_url": refresh_url}
    response = _render(request, state, status=status, **context)
    response["Retry-After"] = str(seconds)
    return response


def _complete(request: HtmxHttpRequest, guid: str) -> HttpResponse:
    status = services.checkout_status(guid=guid, visitor=client_address(request))
    # Asked once the upstream has answered: a failing upstream is not asked twice per page.
    brand = request_brand(request)
    context: dict[str, Any] = {
        "business_name": business_name(brand=brand),
        # Said only where the operator's billing system sends one (the brand's setting).
        "receipt_emailed": brand.receipt_emailed,
    }
    # An invoice the member paid from My Invoices: its number, amount and way back.
    payment = payments.payment_recall(session=request.session, basket_id=guid)
    if payment is not None:
        context["payment"] = payment
    if status.status == "Failed":
        if payment is not None:
            # "Try again" starts a new checkout, not this failed one again.
            payments.payment_failed(session=request.session, payment=payment)
        return _render(request, "failed", **context)
    if status.status == "Pending":
        # Junk counts as the first poll; past the cap, the page stops polling.
        poll = small_number(request.GET.get("poll"), maximum=len(POLL_DELAYS)) or 0
        if poll >= len(POLL_DELAYS):
            return _render(request, "pending", gave_up=True, **context)
        refresh_url = f"{reverse('checkout:complete')}?poll={poll + 1}"
        return _render(
            request,
            "pending",
            refresh_seconds=POLL_DELAYS[poll],
            refresh_url=refresh_url,
            **context,
        )
    invoice = status.invoice
    if invoice is None:
        raise upstream.UnexpectedAnswer("a paid basket session without its invoice")
    registration = services.registration_ensure(
        session=request.session, guid=guid, invoice_id=invoice.id
    )
    token = registration.token or guid
    context |= {
        "invoice": invoice,
        "email": status.email,
        "pdf_url": pdf_links.pdf_by_token_url(invoice=invoice, token=token),
        "registration": registration,
        "payment_method": services.basket_gateway_recall(session=request.session),
    }
    state = "used" if registration.used_elsewhere else "paid"
    # An invoice the member paid from My Invoices is theirs, whatever email the gateway took.
    context |= _buyer_link(request, invoice, buyer=status.email, own=payment is not None)
    return _render(request, state, **context)


def _buyer_link(
    request: HtmxHttpRequest, invoice: upstream.InvoiceDetail, *, buyer: str, own: bool
) -> dict[str, Any]:
    """The signed-in buyer's own PDF link, kept fresh by the My Invoices links poll."""
    signed_in = customer_email(session=request.session)
    if not signed_in or (not own and signed_in.casefold() != buyer.casefold()):
        return {}
    pdf_links.invoices_remember(session=request.session, invoices=[invoice])
    # The account's address, not the one typed at the checkout (which may differ in case).
    link = pdf_links.portal_pdf_link(invoice)
    return {
        "pdf_link": link,
        "link_ids": [invoice.id],
        "links_url": pdf_links.links_url(),
        "email": signed_in,
    }
