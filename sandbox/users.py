"""The sandbox's users calls (CONTRACT.md, "Password reset and one-time sign-in"): JSON in,
ActionConfirmation out, except exchange, which answers as /api/token does."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from sandbox import grants, passwords, services
from sandbox.api_requests import endpoint, error
from sandbox.models import Business


def _confirmation(
    status: int, *, value: str | None = None, problems: tuple[passwords.FieldProblem, ...] = ()
) -> JsonResponse:
    """An ActionConfirmation; AttemptedValue is never echoed (it may be a password)."""
    errors = [
        {"AttemptedValue": None, "Message": p.message, "PropertyName": p.property_name}
        for p in problems
    ]
    return JsonResponse(
        {
            "WasSuccessful": status == 200,
            "Value": value,
            "Status": status,
            "Message": problems[0].message if problems else None,
            "Errors": errors or None,
        },
        status=status,
    )


def _members(request: HttpRequest) -> dict[str, Any]:
    """The JSON body's members by lower-case name, as ASP.NET binds them; {} for anything
    that is not a JSON object."""
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return {str(k).lower(): v for k, v in data.items()} if isinstance(data, dict) else {}


def _text(members: dict[str, Any], name: str) -> str:
    value = members.get(name.lower())
    return value if isinstance(value, str) else ""


def _problems(
    request: HttpRequest, members: dict[str, Any], **required: str
) -> tuple[passwords.FieldProblem, ...]:
    """One problem per required member that is missing or blank, and one for a businessId
    that is not the business of the host (the tenant)."""
    found = [
        passwords.FieldProblem(name, _("%(field)s is required.") % {"field": name})
        for name, value in required.items()
        if not value.strip()
    ]
    given = members.get("businessid")
    if given is not None and not (type(given) is int and given == business(request).pk):
        found.append(passwords.FieldProblem("BusinessId", _("No such business here.")))
    return tuple(found)


def business(request: HttpRequest) -> Business:
    return services.business_current(host=request.get_host())


@endpoint("POST")
def start_password_reset(request: HttpRequest) -> HttpResponse:
    members = _members(request)
    email = _text(members, "email").strip()
    problems = _problems(request, members, Email=email)
    if problems:
        return _confirmation(400, problems=problems)
    passwords.reset_start(business=business(request), email=email)
    # The same answer whether or not the email is a customer's.
    return _confirmation(200)


@endpoint("POST")
def complete_password_reset(request: HttpRequest) -> HttpResponse:
    members = _members(request)
    token, password = _text(members, "token"), _text(members, "password")
    problems = _problems(request, members, Token=token, Password=password)
    if problems:
        return _confirmation(400, problems=problems)
    try:
        one_time = passwords.reset_complete(
            business=business(request), token=token, password=password
        )
    except passwords.ResetRefused as refused:
        return _confirmation(400, problems=refused.problems)
    return _confirmation(200, value=one_time)


@endpoint("POST")
def exchange(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("token")
    if not token:
        return error(400, "missing_token", _("The token parameter is required."))
    customer = passwords.exchange(business=business(request), token=token)
    if customer is None:
        return error(401, "invalid_token", _("The token is invalid, used or expired."))
    return JsonResponse(grants.tokens_issue(customer=customer))
