"""Health endpoints for load balancers and orchestrators (docs/deploy.md)."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

import upstream

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


def _upstream() -> None:
    upstream.business_current()


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
