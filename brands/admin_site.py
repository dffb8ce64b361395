"""The operators' admin, guarded: served only on the hosts ADMIN_HOSTS names, and its sign-in
limited by the same limiter as customers' (portal.attempts), counted across every host and
worker in the shared cache, before Django's authentication backend sees the password.

An admin can repoint a brand's upstream, and so collect that brand's customers' passwords:
its sign-in is the portal's most valuable target (docs/operators.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from django.utils.translation import gettext_lazy as _

from portal.attempts import TooManyAttempts, attempt_counted

ADMIN_PATH = "/admin/"
# Its own scope; one count for every host, since the admin is served outside any brand.
ADMIN_SCOPE = "admin"


def admin_served_here(request: HttpRequest) -> bool:
    """Whether this request's host shows the admin: every host, unless ADMIN_HOSTS names some
    (written as ALLOWED_HOSTS entries are: `admin.example.com`, `.example.com`)."""
    if not settings.ADMIN_HOSTS:
        return True
    host, _port = split_domain_port(request.get_host())
    return validate_host(host.lower(), settings.ADMIN_HOSTS)


class AdminHostMiddleware:
    """/admin/ on a host that does not serve it is that host's 404, as any unknown page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(ADMIN_PATH) and not admin_served_here(request):
            raise Http404
        return self.get_response(request)


class LimitedAuthenticationForm(AdminAuthenticationForm):
    """Counts each attempt (portal.attempts.attempt_counted) before the password is checked;
    past the limits the password is never checked."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "too_many_attempts": _("Too many attempts. Wait a few minutes, then try again."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if self.request is None or not username or not self.cleaned_data.get("password"):
            return super().clean()
        try:
            attempt = attempt_counted(request=self.request, email=str(username), scope=ADMIN_SCOPE)
        except TooManyAttempts:
            raise ValidationError(
                self.error_messages["too_many_attempts"], code="too_many_attempts"
            ) from None
        cleaned = super().clean()
        attempt.succeeded()
        return cleaned


class OperatorsAdminSite(admin.AdminSite):
    login_form = LimitedAuthenticationForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.has_error(NON_FIELD_ERRORS, "too_many_attempts"):
            response.status_code = 429
        return response
