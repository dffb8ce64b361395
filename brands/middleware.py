"""The brand of the request's host, carried on the request and made active for it, and its
language."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.request import split_domain_port
from django.middleware.locale import LocaleMiddleware
from django.urls import get_script_prefix
from django.utils import translation

from brands.admin_site import ADMIN_PATH, admin_served_here
from brands.hosts import brand_activated, brand_for_host, request_brand
from portal.business import business_read_once
from portal.guards import unknown_host_page

logger = logging.getLogger(__name__)

# Paths that serve no brand's customers: probes and static files (whitenoise answers them
# earlier anyway), whatever the project mounts beside the portal (settings.MOUNTED_PATHS); and
# the operators' admin, on the hosts that serve it (elsewhere it is the brand's 404).
_UNBRANDED = ("/healthz", "/readyz", "/static/")
SESSION_BRAND = "portal:brand"


class BrandMiddleware:
    """Picks the brand from the Host header, carries it on the request (`request.brand`) and
    makes it the active one (brands.hosts).

    A host no brand serves gets a 400, never another brand's pages. A session belongs to the
    brand it was started under: presented under another brand, it is discarded, so a bearer
    token of one brand's upstream can never be sent to another's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        admin = request.path_info.startswith(ADMIN_PATH)
        unbranded = (*_UNBRANDED, *settings.MOUNTED_PATHS)
        if (admin and admin_served_here(request)) or request.path_info.startswith(unbranded):
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
        request.brand = brand  # type: ignore[attr-defined]
        with brand_activated(brand), business_read_once():
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
        brand = request_brand(request)
        from_path = translation.get_language_from_path(request.path_info)
        if from_path and from_path not in brand.languages:
            segment = request.path_info.split("/")[1]  # "fr", or "fr-ca" that fell back to it
            rest = request.get_full_path()[len(get_script_prefix()) + len(segment) :]
            return HttpResponseRedirect(f"{get_script_prefix()}{brand.default_language}{rest}")
        translation.activate(from_path or brand.default_language)
        request.LANGUAGE_CODE = translation.get_language()
        return None
