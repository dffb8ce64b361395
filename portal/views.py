from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal import accounts, upstream
from portal.brands.hosts import brand_current, brand_logo_file
from portal.forms import SignInForm

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"sandbox_enabled": settings.SANDBOX_ENABLED})


def safe_next(request: HttpRequest) -> str:
    """`?next=` when it is a local path; My Invoices otherwise (no open redirects)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    local = candidate.startswith("/") and not candidate.startswith(("//", "/\\"))
    if local and url_has_allowed_host_and_scheme(candidate, allowed_hosts=None):
        return candidate
    return reverse("invoices:list")


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            accounts.customer_sign_in(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
            return HttpResponseRedirect(safe_next(request))
        except accounts.SignInRefused:
            form.add_error(None, _("That email and password do not match an account."))
        except accounts.TooManyAttempts:
            status = 429
            form.add_error(None, _("Too many attempts. Wait a few minutes, then try again."))
        except upstream.UpstreamError as error:
            logger.warning("sign-in failed upstream: %s", error)
            status = 503
            form.add_error(None, _("We cannot reach the billing system just now. Try again soon."))
    context = {"form": form, "next": safe_next(request)}
    return render(request, "portal/sign_in.html", context, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    accounts.customer_sign_out(request=request)
    response = HttpResponseRedirect(reverse("sign_in"))
    # The browser drops what it kept of the customer's pages. Not "cookies": that clears the
    # whole registrable domain, the operator's other sites included (docs/security.md); the
    # session cookie is deleted by the flush anyway.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@require_GET
def brand_logo(request: HttpRequest, version: str) -> HttpResponse:
    """An uploaded logo of the active brand. The version in the URL is the logo's digest, so
    the answer can be cached for a year: a new logo gets a new URL."""
    brand = brand_current()
    found = brand_logo_file(brand)
    if brand.logo_version != version or found is None:
        raise Http404
    content, content_type = found
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
