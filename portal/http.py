"""What every page shares: private-page headers, one mapping from upstream failures to pages,
small-number parsing, and the request type of views that read `request.htmx`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django_htmx.middleware import HtmxDetails

import upstream
from portal.caching import WaitedTooLong

logger = logging.getLogger(__name__)


class HtmxHttpRequest(HttpRequest):
    """django-htmx's documented pattern for typing `request.htmx`."""

    htmx: HtmxDetails


def private_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages that carry tokens or a customer's data: no Referer to any other origin (the PDF
    host among them), no caching (browsers, proxies), no indexing.

    `same-origin`, not `no-referrer`: under `no-referrer` Chromium posts the page's forms
    (sign-out) with `Origin: null`, which Django's CSRF check refuses (docs/security.md)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        add_never_cache_headers(response)
        return response

    return wrapper


@dataclass(frozen=True)
class UpstreamFailure:
    """What a page says about a failed upstream call: which message, and the status."""

    kind: Literal["not_found", "unavailable", "unexpected", "busy"]
    status: int
    # Seconds for the page's Retry-After, when the upstream said how long to wait.
    retry_after: int | None = None


# Failures a page turns into its "not available" state; the rest are bugs, and stay 500s.
UPSTREAM_FAILURES = (upstream.UpstreamError, WaitedTooLong)


def upstream_failure(
    error: upstream.UpstreamError | WaitedTooLong, *, where: str
) -> UpstreamFailure:
    """The one mapping from upstream errors to pages; the detail goes to the log only.

    Throttled ([docs] 409 with Retry-After) is "busy, try again in a moment", 429 with the
    upstream's wait: the billing system is fine, only asked too often.
    """
    if isinstance(error, upstream.Throttled):
        logger.warning("upstream busy on %s: %s", where, error)
        return UpstreamFailure(kind="busy", status=429, retry_after=error.retry_after)
    if isinstance(error, upstream.TokenRejected | upstream.NotFound):
        logger.info("not found upstream on %s: %s", where, error)
        return UpstreamFailure(kind="not_found", status=404)
    if isinstance(error, upstream.UnexpectedAnswer):
        logger.error("unexpected upstream answer on %s: %s", where, error)
        return UpstreamFailure(kind="unexpected", status=502)
    logger.warning("upstream unavailable on %s: %s", where, error)
    return UpstreamFailure(kind="unavailable", status=503)


def small_number(raw: str | None, *, maximum: int) -> int | None:
    """A non-negative number given in ASCII digits, at most `maximum` (a longer one is the
    maximum, and never reaches int(), which refuses thousands of digits); None for anything
    else: junk, signs, other scripts' digits."""
    if not raw or not (raw.isascii() and raw.isdigit()):
        return None
    if len(raw) > len(str(maximum)):
        return maximum
    return min(int(raw), maximum)
