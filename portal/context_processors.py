from __future__ import annotations

from django.http import HttpRequest
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_info

from portal import branding
from portal.brands import brand_current
from portal.customers import customer_email


def customer(request: HttpRequest) -> dict[str, str | None]:
    """Who is signed in, for the header; read from the session, never from the upstream."""
    return {"customer_email": customer_email(session=request.session)}


def _language_links(request: HttpRequest) -> list[dict[str, str]]:
    """This page in each of the brand's languages (query string kept)."""
    here = request.get_full_path()
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": translate_url(here, code),
        }
        for code in brand_current().languages
    ]


def brand(request: HttpRequest) -> dict[str, object]:
    """The brand's look and the language switcher; lazy, so fragments that show neither
    (htmx partials) cost nothing."""
    return {
        "brand": SimpleLazyObject(branding.look),
        "language_links": SimpleLazyObject(lambda: _language_links(request)),
    }
