"""A request id for every request (in every log line, in the answer, and sent upstream), and
the security headers every answer carries."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware

from portal.logging import REQUEST_ID_KEY, request_id
from upstream import PageCalls, upstream_bound

HEADER = "X-Request-ID"
# A proxy's id is kept when it looks like one; anything else could forge or flood the logs.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(HEADER, "")
        current = offered if _ACCEPTABLE.fullmatch(offered) else uuid.uuid4().hex
        # Also on the request: Django logs 4xx and 5xx answers after this middleware has
        # returned, with the request attached (portal.logging.RequestIdFilter).
        request.META[REQUEST_ID_KEY] = current
        token = request_id.set(current)
        try:
            deadline = time.monotonic() + settings.UPSTREAM_PAGE_DEADLINE_SECONDS
            with upstream_bound(request_id=current, deadline=deadline, page=PageCalls()):
                response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = current
        return response


class CrossOriginResourcePolicyMiddleware:
    """`Cross-Origin-Resource-Policy: same-origin` on every answer: no other site can load the
    portal's pages, images or scripts into its own (Django sends the opener policy, not this)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class AnswerSecurityHeadersMiddleware(SecurityMiddleware):
    """Django's SecurityMiddleware's headers (nosniff, Referrer-Policy, the opener policy, HSTS
    on HTTPS) on every answer, the edge's refusals included: it sits outside the host guard and
    never reads the host. The HTTPS redirect, which does, stays with Django's own, inside it."""

    def process_request(self, request: HttpRequest) -> None:
        return None
