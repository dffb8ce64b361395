"""The brand of the request's host, made active for it, and its language (portal.brands)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.http.request import split_domain_port
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import translation

from portal.admin_site import ADMIN_PATH, admin_served_here
from portal.brands.hosts import brand_activated, brand_current, brand_for_host

logger = logging.getLogger(__name__)

# Paths that serve no brand's customers: probes, the mounted sandbox (a separate upstream)
# and static files (whitenoise answers them earlier anyway); and the operators' admin, on the
# hosts that serve it (elsewhere it is the brand's 404).
_UNBRANDED = ("/healthz", "/readyz", "/sandbox/", "/static/")
SESSION_BRAND = "portal:brand"


def unknown_host_page(request: HttpRequest, host: str = "") -> HttpResponse:
    """A 400 for a host no brand serves (`host`, named to the operator) or that ALLOWED_HOSTS
    refuses (not named: it is the client's text): no brand, so no brand's look or languages,
    only the address's language (/de/…), else the browser's preference among the portal's."""
    language = translation.get_language_from_path(request.path_info)
    with translation.override(language or translation.get_language_from_request(request)):
        page = render_to_string("unknown_host.html", {"host": host})
    return HttpResponseBadRequest(page, content_type="text/html; charset=utf-8")


class BrandMiddleware:
    """Picks the brand from the Host header and makes it the active one (portal.brands.hosts).

    A host no brand serves gets a 400, never another brand's pages. A session belongs to the
    brand it was started under: presented under another brand, it is discarded, so a bearer
    token of one brand's upstream can never be sent to another's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        admin = request.path_info.startswith(ADMIN_PATH)
        if (admin and admin_served_here(request)) or request.path_info.startswith(_UNBRANDED):
            return self.get_response(request)
        host, _port = split_domain_port(request.get_host())
        brand = brand_for_host(host.lower())
        if brand is None:
            logger.warning("no brand serves host %s", host)
            return unknown_host_page(request, host.lower())
        owner = request.session.get(SESSION_BRAND)
        if owner is not None and owner != brand.key:
            logger.warning("session of brand %s presented to brand %s: discarded", owner, brand.key)
            request.session.flush()
        with brand_activated(brand):
            response = self.get_response(request)
        session = request.session
        if session.modified and session.keys() and SESSION_BRAND not in session:
            session[SESSION_BRAND] = brand.key
        return response


class BrandLocaleMiddleware(LocaleMiddleware):
    """The language comes from the URL prefix, among the brand's languages; a URL without a
    prefix goes to the brand's default language (LocaleMiddleware's redirect), and a language
    the brand does not offer goes to the same page in its default language."""

    # Django's own returns None; MiddlewareMixin also accepts a response (a redirect here).
    def process_request(self, request: HttpRequest) -> HttpResponse | None:  # type: ignore[override]
        brand = brand_current()
        from_path = translation.get_language_from_path(request.path_info)
        if from_path and from_path not in brand.languages:
            segment = request.path_info.split("/")[1]  # "fr", or "fr-ca" that fell back to it
            rest = request.get_full_path()[len(get_script_prefix()) + len(segment) :]
            return HttpResponseRedirect(f"{get_script_prefix()}{brand.default_language}{rest}")
        translation.activate(from_path or brand.default_language)
        request.LANGUAGE_CODE = translation.get_language()
        return None
