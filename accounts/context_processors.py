"""The page chrome of every template: who is signed in, where a signed-in customer's pages are
(settings.LOGIN_REDIRECT_URL: My Invoices, named once), and the brand's look, whose colours the
upstream gives only to a signed-in customer's bearer ([docs]), hence here."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.functional import SimpleLazyObject, lazy

from accounts.services import customer_email, customer_live_bearer
from brands.hosts import request_brand
from brands.look import BrandLook, brand_look


def chrome(request: HttpRequest) -> dict[str, object]:
    """Read from the session, never from the upstream; the look lazily, so fragments that
    show no chrome (htmx partials) cost nothing."""
    return {
        "customer_email": customer_email(session=request.session),
        "account_home_url": lazy(resolve_url, str)(settings.LOGIN_REDIRECT_URL),
        "look": SimpleLazyObject(lambda: chrome_look(request)),
    }


def chrome_look(request: HttpRequest) -> BrandLook:
    """The chrome's look; pages kept rendered (portal.rendered) are given it lazily too."""
    bearer = customer_live_bearer(session=request.session)
    return brand_look(brand=request_brand(request), bearer=bearer)
