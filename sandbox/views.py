"""Pages for a person: a purchase through the simulated payment gateway, the gateway's page
of an invoice basket, and the outbox of the emails the sandbox "sent"."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_http_methods

from sandbox import api_requests, payments, services
from sandbox.models import BasketSession, OutboxEmail


class PurchaseForm(forms.Form):
    gateway = forms.ChoiceField(choices=BasketSession.Gateway.choices, initial="stripe")
    email = forms.EmailField(
        required=False, help_text="Leave empty for a new guest; an existing email is linked."
    )
    pending_seconds = forms.IntegerField(
        min_value=0,
        max_value=600,
        initial=0,
        label="Pending for (seconds)",
        help_text="How long the payment stays pending before it settles, as a late webhook.",
    )
    fail = forms.BooleanField(required=False, label="The payment fails")
    # The portal's language the gateway returns to: the page's language switcher sets it.
    language = forms.ChoiceField(
        choices=settings.LANGUAGES, required=False, initial="en", widget=forms.HiddenInput
    )


@require_http_methods(["GET", "HEAD", "POST"])
def purchase(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("language", "")
    language = chosen if chosen in dict(settings.LANGUAGES) else "en"
    form = PurchaseForm(request.POST or None, initial={"language": language})
    if request.method == "POST" and form.is_valid():
        basket = services.purchase_create(
            # At the tenant of the host the page was opened on, as each brand's upstream is.
            business=services.business_current(host=request.get_host()),
            gateway=form.cleaned_data["gateway"],
            email=form.cleaned_data["email"] or None,
            pending_seconds=form.cleaned_data["pending_seconds"],
            fail=form.cleaned_data["fail"],
            language=form.cleaned_data["language"] or "en",
        )
        context = {
            "basket": basket,
            "completion_url": services.completion_url(basket=basket, language=basket.language),
        }
        response = render(request, "sandbox/purchase_done.html", context)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    context = {"form": form, "language": language, "languages": settings.LANGUAGES}
    return render(request, "sandbox/purchase.html", context, status=400 if form.errors else 200)


# The newest emails the outbox page shows.
OUTBOX_SHOWN = 50


@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """The emails the sandbox "sent", newest first, their links clickable: in place of a mail
    server, so the demo runs from a purchase to a password. The sandbox (and so this page) is
    off in production; its links are secrets, hence no caching and no Referer."""
    emails = OutboxEmail.objects.select_related("business")[:OUTBOX_SHOWN]
    response = render(request, "sandbox/outbox.html", {"emails": emails})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


class GatewayForm(forms.Form):
    outcome = forms.ChoiceField(choices=payments.Choice.choices)


def _private(response: HttpResponse) -> HttpResponse:
    # The basket GUID in the address is a secret: no caching, no Referer to other origins, no
    # index. Not no-referrer: Chromium then posts the page's form with Origin: null, which
    # Django's CSRF check refuses.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def gateway(request: HttpRequest, guid: str) -> HttpResponse:
    """An invoice basket's page at the simulated gateway (CheckoutUrl): the buyer pays, leaves
    the payment pending or makes it fail, and is sent back (303) to the basket's return URL."""
    token = api_requests.guid(guid)
    business = services.business_current(host=request.get_host())
    baskets = BasketSession.objects.select_related("invoice__business").filter(
        kind=BasketSession.Kind.INVOICE, invoice__business=business
    )
    basket = baskets.filter(guid=token).first() if token else None
    if basket is None or basket.expires_at <= timezone.now():
        return _private(render(request, "sandbox/gateway.html", {"basket": None}, status=404))
    # In the language of the portal page that started the payment, as its receipt is.
    with translation.override(basket.language or settings.LANGUAGE_CODE):
        form = GatewayForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            payments.gateway_choose(basket=basket, choice=form.cleaned_data["outcome"])
            response: HttpResponse = HttpResponseRedirect(payments.return_address(basket=basket))
            response.status_code = 303
            return _private(response)
        invoice = basket.invoice
        context = {
            "basket": basket,
            "invoice": invoice,
            "business": invoice.business,
            "amount": invoice.business.format_money(invoice.total),
            "card_brand": payments.CARD_BRAND,
            "card_last_four": payments.CARD_LAST_FOUR,
            "return_address": payments.return_address(basket=basket),
            "language": translation.get_language(),
        }
        status = 400 if form.errors else 200
        response = render(request, "sandbox/gateway.html", context, status=status)
    # Mounted in the portal, its policy allows forms to post to 'self' only, and a browser
    # holds the redirect after the post to that too: the return URL's origin is allowed.
    origin = urlsplit(basket.return_url)
    response._csp_update = {"form-action": [f"{origin.scheme}://{origin.netloc}"]}  # type: ignore[attr-defined]
    return _private(response)
