"""Prometheus metrics at /metrics (docs/operations.md): off unless the operator gives a token
(METRICS_TOKEN, sent as a bearer token) or the addresses allowed to scrape them
(METRICS_ALLOWED_ADDRESSES). The upstream's own figures are counted in upstream/metrics.py;
here, page latency."""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from portal.attempts import client_address

PAGE_SECONDS = Histogram(
    "portal_page_seconds",
    "Time from a request's arrival to its answer, by view and status class",
    ["view", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def metrics_on() -> bool:
    return bool(settings.METRICS_TOKEN or settings.METRICS_ALLOWED_ADDRESSES)


def _allowed(request: HttpRequest) -> bool:
    if client_address(request) in settings.METRICS_ALLOWED_ADDRESSES:
        return True
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return bool(settings.METRICS_TOKEN) and hmac.compare_digest(
        given.encode(), settings.METRICS_TOKEN.encode()
    )


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics of every worker (prometheus-client's multiprocess mode under gunicorn);
    a page not found to anyone else, as it is when metrics are off."""
    if not metrics_on() or not _allowed(request):
        raise Http404
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class PageMetricsMiddleware:
    """Each answer's latency, by the view that made it (a bounded set of names)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        match = request.resolver_match
        view = match.view_name if match is not None else "none"
        status = f"{response.status_code // 100}xx"
        PAGE_SECONDS.labels(view, status).observe(time.monotonic() - started)
        return response
