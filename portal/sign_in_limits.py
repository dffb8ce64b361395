"""Limits on failed sign-ins: per client and email, and per client, in a window, shared by
every process through the cache (portal.accounts counts; docs/security.md)."""

from __future__ import annotations

import contextlib
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from portal.brands.hosts import brand_current


def client_address(request: HttpRequest) -> str:
    """The client's address: behind a proxy, the last X-Forwarded-For entry, which the
    trusted proxy itself appended (earlier entries are whatever the client sent)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def attempt_keys(request: HttpRequest, email: str) -> tuple[str, str]:
    client = client_address(request)
    pair = hashlib.sha256(f"{client}|{email.strip().lower()}".encode()).hexdigest()
    alone = hashlib.sha256(client.encode()).hexdigest()
    # Per brand: each brand's customers are another upstream's accounts.
    prefix = f"sign-in:attempts:{brand_current().key}"
    return f"{prefix}:{pair}", f"{prefix}:{alone}"


def count_attempt(key: str) -> int:
    """Counts one attempt in a window; atomic across processes with Redis (the database
    cache's incr is a read and a write, so parallel attempts can be undercounted there)."""
    window = settings.SIGN_IN_LOCKOUT_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window closed between the two calls: this attempt starts a new one.
        cache.add(key, 1, timeout=window)
        return 1
    # Some backends' incr can leave a key without its expiry (Redis, if it expired between
    # EXISTS and INCR; the database cache resets it): the window is set again.
    cache.touch(key, timeout=window)
    return count


def per_client_limit() -> int:
    return int(settings.SIGN_IN_MAX_FAILURES_PER_CLIENT)


def uncount(*keys: str) -> None:
    for key in keys:
        with contextlib.suppress(ValueError):
            cache.decr(key)
