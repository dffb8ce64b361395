"""[docs] Nexudus's rate limits, as the sandbox applies them: fixed windows per client address,
counted in the cache (shared by every process that shares it), answered with 409 and
Retry-After, never 429."""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from sandbox import conf


def _over(client: str, kind: str, limits: tuple[tuple[int, int], ...]) -> int | None:
    """Counts this request in each window; the seconds until the first full one reopens."""
    now = time.time()
    waits = []
    for seconds, most in limits:
        window = int(now // seconds)
        key = f"sandbox:rate:{kind}:{client}:{seconds}:{window}"
        cache.add(key, 0, timeout=seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the window closed between the two calls
            continue
        if count > most:
            waits.append(max(1, math.ceil((window + 1) * seconds - now)))
    return max(waits) if waits else None


def throttled(request: HttpRequest) -> JsonResponse | None:
    """The 409 to answer when this client is past a limit; None otherwise."""
    client = str(request.META.get("REMOTE_ADDR", ""))
    wait = _over(client, "all", conf.RATE_LIMITS)
    if request.method != "GET":
        write_wait = _over(client, "write", conf.WRITE_RATE_LIMITS)
        wait = max(filter(None, (wait, write_wait)), default=None)
    if wait is None:
        return None
    response = JsonResponse(
        {"error": "too_many_requests", "message": _("Too many requests. Try again later.")},
        status=409,
    )
    response["Retry-After"] = str(wait)
    return response
