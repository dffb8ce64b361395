"""Health endpoints for load balancers and orchestrators (docs/deploy.md)."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

import upstream
from portal.caching import WaitedTooLong, cached_once

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; nothing else is checked."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, 1, timeout=5)
    if cache.get(key) != 1:
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


# Load balancers probe every instance every few seconds: the upstream is asked at most once
# per this many seconds across every process and instance (the shared cache), and the answer,
# good or bad, serves every probe meanwhile. The tenant's small API budget is the customers'.
READY_UPSTREAM_SECONDS = 10


def _upstream() -> None:
    key = f"readyz:upstream:{upstream.upstream_target().base_url}"
    try:
        state = cached_once(key=key, compute=_upstream_state, timeout=READY_UPSTREAM_SECONDS)
    except WaitedTooLong:
        state = "no answer"
    if state != "ok":
        raise RuntimeError(f"upstream: {state}")


def _upstream_state() -> str:
    try:
        upstream.business_current()
    except upstream.UpstreamError as error:
        return type(error).__name__
    return "ok"


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database, the cache and the upstream all answer. 503 otherwise."""
    results: dict[str, str] = {}
    for name, check in (("database", _database), ("cache", _cache), ("upstream", _upstream)):
        try:
            check()
            results[name] = "ok"
        # Any failure of a dependency, whatever its type, means not ready.
        except Exception as error:
            logger.warning("readyz: %s is down: %s", name, type(error).__name__)
            results[name] = "down"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "down", **results}, status=200 if ready else 503
    )
