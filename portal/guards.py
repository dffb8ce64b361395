"""The edge: what a request must be before any other middleware or view reads it.

A Host that ALLOWED_HOSTS refuses, a method no page takes, a form body Django cannot decode:
each gets a clear 4xx page and one WARNING line, never an exception, a traceback or a bare 500
(docs/security.md). Django raises on the first read of a body it refuses, and again on every
later read, its error pages' CSRF check included: hence the checks before anything reads it.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, DisallowedHost, SuspiciousOperation
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.log import log_response

# Every page answers these; what the project mounts beside the portal (settings.MOUNTED_PATHS)
# answers its own methods, in its own way.
METHODS = ("GET", "HEAD", "POST")
# The bodies Django parses into request.POST; both must be UTF-8 (browsers send no charset).
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_BODY_ERRORS = (BadRequest, SuspiciousOperation, MultiPartParserError, UnreadablePostError)

Middleware = Callable[[HttpRequest], HttpResponse]


def _refused(request: HttpRequest, response: HttpResponse, reason: str) -> HttpResponse:
    """One WARNING line that says why (django.request, with the request id), and no other."""
    log_response("%s: %s", reason, request.path, response=response, request=request)
    return response


class HeadWithoutBodyMiddleware:
    """A HEAD answer's headers without its body: Django's WSGI handler sends the body, and
    gunicorn drops it with a WARNING line of its own, outside any request id. Outermost but
    for the request id, so every answer is covered; Content-Length stays the GET's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if isinstance(response, StreamingHttpResponse):
            # A file's answer still closes its file with the response.
            response.streaming_content = []
        elif isinstance(response, HttpResponse):
            response.headers.setdefault("Content-Length", str(len(response.content)))
            response.content = b""
        return response


class HostGuardMiddleware:
    """A Host that ALLOWED_HOSTS refuses: the unknown-address page. First of all, since the
    security, CSRF and brand middleware each read the host and would raise."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.get_host()
        except DisallowedHost:
            host = str(request.META.get("HTTP_HOST", ""))[:100]
            return _refused(request, unknown_host_page(request), f"Host not allowed ({host!r})")
        return self.get_response(request)


def form_body_problem(request: HttpRequest) -> str | None:
    """Why this POST's form body cannot be read, or None. Reads it, so nothing later raises."""
    charset = (request.content_params or {}).get("charset")
    if request.content_type in _FORM_TYPES and charset is not None:
        try:
            name = codecs.lookup(charset).name
        except LookupError:
            return f"Unknown form charset ({charset[:40]!r})"
        if name != "utf-8":
            return f"Form charset not UTF-8 ({name})"
        # "UTF8" and other spellings: Django accepts only "utf-8" itself.
        request.encoding = "utf-8"
    try:
        request.POST  # noqa: B018  (parsed here, where a failure is a 400)
    except _BODY_ERRORS as error:
        return f"Unreadable form body ({type(error).__name__})"
    return None


class RequestGuardMiddleware:
    """Methods no page takes get a 405 page, undecodable form bodies a 400 page; both themed,
    so this runs after the brand's middleware and before anything reads the body (CSRF)."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        own_methods = request.path_info.startswith(settings.MOUNTED_PATHS)
        if request.method not in METHODS and not own_methods:
            reason = f"Method not allowed ({str(request.method)[:20]!r})"
            return _refused(request, not_allowed_page(request, METHODS), reason)
        if request.method == "POST" and (problem := form_body_problem(request)):
            return _refused(request, render(request, "400.html", status=400), problem)
        response = self.get_response(request)
        # require_POST and friends answer an empty 405: the page says it plainly instead.
        if response.status_code == 405 and not response.content and not own_methods:
            allowed = [method.strip() for method in response.get("Allow", "").split(",")]
            return not_allowed_page(request, tuple(method for method in allowed if method))
        return response


def not_allowed_page(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse:
    response = render(request, "405.html", status=405)
    response["Allow"] = ", ".join(allowed)
    return response


def unknown_host_page(request: HttpRequest, host: str = "") -> HttpResponse:
    """A 400 for a host no brand serves (`host`, named to the operator) or that ALLOWED_HOSTS
    refuses (not named: it is the client's text): no brand, so no brand's look or languages,
    only the address's language (/de/…), else the browser's preference among the portal's."""
    language = translation.get_language_from_path(request.path_info)
    with translation.override(language or translation.get_language_from_request(request)):
        page = render_to_string("unknown_host.html", {"host": host})
    return HttpResponseBadRequest(page, content_type="text/html; charset=utf-8")
