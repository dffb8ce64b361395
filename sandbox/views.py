"""A page where a person can click through a purchase with the simulated payment gateway."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sandbox import services
from sandbox.models import BasketSession


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


def purchase(request: HttpRequest) -> HttpResponse:
    form = PurchaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        basket = services.purchase_create(
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
