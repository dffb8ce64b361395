from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

import upstream
from accounts import passwords, services
from accounts.forms import PasswordForgotForm, PasswordSetForm, SignInCodeForm, SignInForm
from portal.attempts import TooManyAttempts
from portal.http import UPSTREAM_FAILURES, private_page

logger = logging.getLogger(__name__)


def safe_next(request: HttpRequest) -> str:
    """`?next=` when it is a local path; My Invoices otherwise (no open redirects)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    local = candidate.startswith("/") and not candidate.startswith(("//", "/\\"))
    if local and url_has_allowed_host_and_scheme(candidate, allowed_hosts=None):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _sign_in_failed(form: forms.Form, error: Exception) -> tuple[int, dict[str, str]]:
    """The status and headers of a sign-in step that failed; the form says why."""
    if isinstance(error, services.SignInRefused):
        form.add_error(None, _("That email and password do not match an account."))
        return 400, {}
    if isinstance(error, TooManyAttempts):
        form.add_error(None, _("Too many attempts. Wait a few minutes, then try again."))
        return 429, {}
    if isinstance(error, upstream.Throttled):
        form.add_error(None, _("The billing system is busy. Try again in a moment."))
        return 429, {"Retry-After": str(error.retry_after)}
    logger.warning("sign-in failed upstream: %s", error)
    form.add_error(None, _("We cannot reach the billing system just now. Try again soon."))
    return 503, {}


SIGN_IN_FAILURES = (services.SignInRefused, TooManyAttempts, upstream.UpstreamError)


def _sign_in_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int, **headers: str
) -> HttpResponse:
    response = render(request, template, {**context, "next": safe_next(request)}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _password_reset_required(
    request: HttpRequest, required: upstream.PasswordResetRequired
) -> HttpResponse:
    """The upstream's reset token ([docs]: the error's description) is kept in the session,
    never shown or logged: the page's "Choose a new password" opens the reset form with it."""
    logger.info("sign-in refused until the password is reset")
    kept = passwords.reset_token_remember(session=request.session, raw=required.reset_token)
    context = {"reset_url": reverse("password_reset") if kept else ""}
    return render(request, "accounts/password_reset_required.html", context, status=403)


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    headers: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_sign_in(request=request, **form.credentials())
            return HttpResponseRedirect(safe_next(request))
        except services.SecondFactorNeeded:
            code_url = reverse("sign_in_code")
            return HttpResponseRedirect(f"{code_url}?{urlencode({'next': safe_next(request)})}")
        except upstream.PasswordResetRequired as required:
            return _password_reset_required(request, required)
        except SIGN_IN_FAILURES as error:
            status, headers = _sign_in_failed(form, error)
    return _sign_in_page(request, "accounts/sign_in.html", {"form": form}, status, **headers)


@never_cache
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step of a two-factor sign-in: the code from the customer's app."""
    email = services.customer_sign_in_waiting(request=request)
    if email is None:
        return HttpResponseRedirect(reverse("sign_in"))
    form = SignInCodeForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    headers: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_sign_in_code(request=request, code=form.cleaned_data["code"])
            return HttpResponseRedirect(safe_next(request))
        except services.SecondFactorNeeded:
            form.add_error(
                "code", _("That code is not right, or it has expired. Try the next one.")
            )
        except services.SignInExpired:
            return HttpResponseRedirect(reverse("sign_in"))
        except upstream.PasswordResetRequired as required:
            return _password_reset_required(request, required)
        except SIGN_IN_FAILURES as error:
            status, headers = _sign_in_failed(form, error)
    context = {"form": form, "email": email}
    return _sign_in_page(request, "accounts/sign_in_code.html", context, status, **headers)


# The messages of a form that could not be sent, by status.
UNSENT = {
    429: _lazy("Too many attempts. Wait a few minutes, then try again."),
    503: _lazy("We cannot reach the billing system just now. Try again soon."),
}
UNSENT_FAILURES = (TooManyAttempts, *UPSTREAM_FAILURES)


def _unsent(form: forms.Form, error: Exception, call: str) -> int:
    """The status of a password form whose upstream `call` did not happen; the form says why."""
    if isinstance(error, TooManyAttempts):
        status = 429
    else:
        logger.warning("%s failed: %s", call, error)
        status = 503
    form.add_error(None, UNSENT[status])
    return status


@private_page
def password_forgot(request: HttpRequest) -> HttpResponse:
    """A link to set a password, for a forgotten one and for a new customer's first (the
    receipt's "Set your password" posts the buyer's email here)."""
    form = PasswordForgotForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            passwords.password_reset_start(request=request, email=form.cleaned_data["email"])
            return HttpResponseRedirect(reverse("password_sent"), status=303)
        except UNSENT_FAILURES as error:
            status = _unsent(form, error, "startPasswordReset")
    return render(request, "accounts/password_forgot.html", {"form": form}, status=status)


@private_page
def password_sent(request: HttpRequest) -> HttpResponse:
    sent_to = passwords.password_reset_sent_to(session=request.session)
    return render(request, "accounts/password_sent.html", {"email": sent_to})


def _link_dead(request: HttpRequest, why: passwords.DeadLink | None = None) -> HttpResponse:
    """The link cannot set a password; the page says why when the portal knows."""
    context = {"why": why}
    return render(request, "accounts/password_reset_invalid.html", context, status=400)


@private_page
def password_reset(request: HttpRequest) -> HttpResponse:
    """The emailed link's page: the token goes into the session and out of the address bar
    (303), then a new password, twice; set, the customer is signed in on My Invoices."""
    if "token" in request.GET:
        if passwords.reset_token_remember(session=request.session, raw=request.GET["token"]):
            return HttpResponseRedirect(reverse("password_reset"), status=303)
        return _link_dead(request)
    # Expired or used: said before anyone types a password.
    dead = passwords.reset_link_dead(session=request.session)
    pending = passwords.reset_token_recall(session=request.session)
    if pending is None:
        return _link_dead(request, dead)
    form = PasswordSetForm(request.POST or None, email=pending.email)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            passwords.password_reset_complete(request=request, **form.credentials())
            messages.success(request, _("Your password is set"))
            return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL), status=303)
        except passwords.ResetLinkInvalid:
            return _link_dead(request)
        except passwords.SignInAfterReset:
            return render(request, "accounts/password_set.html")
        except upstream.PasswordRefused as refused:
            for reason in refused.reasons:
                form.add_error("password", reason)
        except UNSENT_FAILURES as error:
            status = _unsent(form, error, "completePasswordReset")
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    services.customer_sign_out(request=request)
    # Said on the sign-in page it lands on (kept in a cookie: the session is gone).
    messages.info(request, _("You are signed out."))
    response = HttpResponseRedirect(reverse("sign_in"))
    # The browser drops what it kept of the customer's pages. Not "cookies": that clears the
    # whole registrable domain, the operator's other sites included (docs/security.md); the
    # session cookie is deleted by the flush anyway.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
