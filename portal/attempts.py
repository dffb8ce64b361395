"""Limits on attempts (sign-ins, two-factor codes, reset links, new passwords): per client and
email, and per client, in a window, shared by every process through the cache
(docs/security.md). Each scope counts on its own."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

import upstream


def client_address(request: HttpRequest) -> str:
    """The client's address: behind a proxy, the last X-Forwarded-For entry, which the
    trusted proxy itself appended (earlier entries are whatever the client sent)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


class TooManyAttempts(Exception):
    """Too many attempts from this client for this email, or from this client."""


@dataclass(frozen=True)
class Attempt:
    """One attempt, counted per client and email and per client (`attempt_counted`)."""

    pair_key: str
    client_key: str

    def not_counted(self) -> None:
        """The upstream did not answer (or asked for something else): it was no attempt."""
        _uncount(self.pair_key, self.client_key)

    def succeeded(self) -> None:
        """A success does not count against this client or email."""
        cache.delete(self.pair_key)
        _uncount(self.client_key)


def attempt_counted(*, request: HttpRequest, email: str, scope: str = "sign-in") -> Attempt:
    """Counts an attempt of `scope` within the lockout window; TooManyAttempts past
    SIGN_IN_MAX_FAILURES per client and email, or SIGN_IN_MAX_FAILURES_PER_CLIENT per client."""
    pair_key, client_key = _attempt_keys(request, email, scope)
    limits = (
        (pair_key, settings.SIGN_IN_MAX_FAILURES),
        (client_key, int(settings.SIGN_IN_MAX_FAILURES_PER_CLIENT)),
    )
    # Locked out: refused without counting, so the window is not renewed by waiting users.
    if any(cache.get(key, 0) >= limit for key, limit in limits):
        raise TooManyAttempts
    # Counted before the upstream is asked, so parallel guesses cannot all pass the check.
    if any(_count(key) > limit for key, limit in limits):
        raise TooManyAttempts
    return Attempt(pair_key=pair_key, client_key=client_key)


def _attempt_keys(request: HttpRequest, email: str, scope: str) -> tuple[str, str]:
    client = client_address(request)
    pair = hashlib.sha256(f"{client}|{email.strip().lower()}".encode()).hexdigest()
    alone = hashlib.sha256(client.encode()).hexdigest()
    # Per upstream: each tenant's customers are other accounts.
    tenant = hashlib.sha256(upstream.upstream_target().base_url.encode()).hexdigest()[:16]
    prefix = f"{scope}:attempts:{tenant}"
    return f"{prefix}:{pair}", f"{prefix}:{alone}"


def _count(key: str) -> int:
    """Counts one attempt in a window; atomic across processes (Redis, and the default
    database cache's incr: portal.caching.SharedDatabaseCache)."""
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


def _uncount(*keys: str) -> None:
    for key in keys:
        with contextlib.suppress(ValueError):
            cache.decr(key)
