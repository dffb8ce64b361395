"""Pages for a person: a purchase through the simulated payment gateway, and the outbox of
the emails the sandbox "sent"."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from sandbox import services
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


@require_http_methods(["GET", "HEAD", "POST"])
def purchase(request: HttpRequest) -> HttpResponse:
    form = PurchaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        basket = services.purchase_create(
            # At the tenant of the host the page was opened on, as each brand's upstream is.
            business=services.business_current(host=request.get_host()),
            gateway=form.cleaned_data["gateway"],
            email=form.cleaned_data["email"] or None,
            pending_seconds=form.cleaned_data["pending_seconds"],
            fail=form.cleaned_data["fail"],
        )
        context = {
            "basket": basket,
            "completion_url": services.completion_url(basket=basket),
        }
        response = render(request, "sandbox/purchase_done.html", context)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    return render(
        request, "sandbox/purchase.html", {"form": form}, status=400 if form.errors else 200
    )


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
