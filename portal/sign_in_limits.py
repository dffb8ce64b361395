"""Limits on failed sign-ins: per client and name, and per client, in a window, shared by every
process through the cache. One limiter for customers (portal.accounts, per brand) and operators
(the admin, portal.admin_site); docs/security.md."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


class TooManyAttempts(Exception):
    """Too many failed sign-ins from this client for this name, or from this client."""


def client_address(request: HttpRequest) -> str:
    """The client's address: behind a proxy, the last X-Forwarded-For entry, which the
    trusted proxy itself appended (earlier entries are whatever the client sent)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


@dataclass(frozen=True)
class Attempt:
    """One counted sign-in attempt: its keys per client and name, and per client."""

    pair_key: str
    client_key: str

    def succeeded(self) -> None:
        """A success does not count against this client or name."""
        cache.delete(self.pair_key)
        _uncount(self.client_key)

    def void(self) -> None:
        """Not a wrong password (nobody could check it): the attempt does not count."""
        _uncount(self.pair_key, self.client_key)


def attempt_counted(*, request: HttpRequest, scope: str, name: str) -> Attempt:
    """Counts a sign-in attempt of `name` from this client within `scope` (a brand's customers,
    the operators), before the password is checked; raises TooManyAttempts past a limit."""
    client = client_address(request)
    pair = hashlib.sha256(f"{client}|{name.strip().lower()}".encode()).hexdigest()
    alone = hashlib.sha256(client.encode()).hexdigest()
    prefix = f"sign-in:attempts:{scope}"
    attempt = Attempt(pair_key=f"{prefix}:{pair}", client_key=f"{prefix}:{alone}")
    limits = (
        (attempt.pair_key, int(settings.SIGN_IN_MAX_FAILURES)),
        (attempt.client_key, int(settings.SIGN_IN_MAX_FAILURES_PER_CLIENT)),
    )
    # Locked out: refused without counting, so the window is not renewed by waiting users.
    if any(cache.get(key, 0) >= limit for key, limit in limits):
        raise TooManyAttempts
    # Counted before the password is checked, so parallel guesses cannot all pass the check.
    if any(_count(key) > limit for key, limit in limits):
        raise TooManyAttempts
    return attempt


def _count(key: str) -> int:
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


def _uncount(*keys: str) -> None:
    for key in keys:
        with contextlib.suppress(ValueError):
            cache.decr(key)
