"""POST /api/token: OAuth 2.0's password and refresh grants, with Nexudus's rules (CONTRACT.md;
sandbox/grants.py): form-encoded only, client_id on refresh, rotation, two-factor codes and
forced resets. Errors are OAuth's `{error, error_description}`, status 400."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from sandbox import grants
from sandbox.api_requests import business, endpoint
from sandbox.models import Customer


def _oauth_error(code: str, description: str) -> JsonResponse:
    return JsonResponse({"error": code, "error_description": description}, status=400)


def _password_grant(request: HttpRequest) -> Customer:
    username, password = request.POST.get("username"), request.POST.get("password")
    if not username or not password:
        raise grants.GrantRefused("invalid_request", _("username and password are required."))
    customer = grants.customer_authenticate(
        business=business(request), email=username, password=password
    )
    if customer is None:
        raise grants.GrantRefused("invalid_grant", _("The user name or password is incorrect."))
    grants.password_checks(customer=customer, totp=request.POST.get("totp"))
    return customer


@endpoint("POST")
def token(request: HttpRequest) -> HttpResponse:
    if request.content_type == "application/json":
        # [docs] Form-encoded only: a JSON body is an unsupported grant.
        return _oauth_error("unsupported_grant_type", _("Use a form-encoded body."))
    grant = request.POST.get("grant_type")
    client_id = request.POST.get("client_id") or None
    try:
        if grant == "password":
            customer = _password_grant(request)
            return JsonResponse(grants.tokens_issue(customer=customer, client_id=client_id))
        if grant == "refresh_token":
            refresh = request.POST.get("refresh_token")
            if not refresh:
                raise grants.GrantRefused("invalid_request", _("refresh_token is required."))
            tokens = grants.refresh_rotate(
                business=business(request), refresh_token=refresh, client_id=client_id
            )
            return JsonResponse(tokens)
    except grants.GrantRefused as refused:
        return _oauth_error(refused.code, refused.description)
    if not grant:
        return _oauth_error("invalid_request", _("grant_type is required."))
    return _oauth_error("unsupported_grant_type", _("Use password or refresh_token."))
