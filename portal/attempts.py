"""Limits on attempts (sign-ins, two-factor codes, reset links, new passwords, the admin's
sign-in), in a window, shared by every process through the cache: per account from one address,
per account from all addresses, and per address by the number of accounts it failed on, so
that an office's members behind one address are not locked out by each other's typos
(docs/security.md, "Sign-in limits"). Each scope counts on its own."""

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
    """Too many failed attempts on this account, from this address on it, or on too many
    accounts from this address; or a next one sooner than a slowed key allows."""


@dataclass(frozen=True)
class Keys:
    """The cache keys of one attempt (docs/security.md, "Sign-in limits")."""

    # Failures on the account from this address; from every address.
    pair: str
    account: str
    # How many accounts failed from this address, and whether this one is among them.
    accounts: str
    seen: str


@dataclass(frozen=True)
class Attempt:
    """One attempt, counted before the upstream is asked (`attempt_counted`)."""

    keys: Keys
    # This attempt made the account one of the address's failed accounts.
    first_on_account: bool

    def not_counted(self) -> None:
        """The upstream did not answer (or asked for something else): it was no attempt."""
        _uncount(self.keys.pair, self.keys.account)
        if self.first_on_account and cache.delete(self.keys.seen):
            _uncount(self.keys.accounts)

    def succeeded(self) -> None:
        """A success is no failure, nor were this address's earlier ones on the account (the
        member's own typos): they leave the account's count, the address's count on it goes,
        and the account leaves the address's failed accounts. Other addresses' failures on
        the account stay: they may be guessing it meanwhile."""
        own = int(cache.get(self.keys.pair, 0))
        if own:
            with contextlib.suppress(ValueError):
                cache.decr(self.keys.account, own)
        cache.delete(self.keys.pair)
        if cache.delete(self.keys.seen):
            _uncount(self.keys.accounts)


def attempt_counted(*, request: HttpRequest, email: str, scope: str = "sign-in") -> Attempt:
    """Counts an attempt of `scope` (sign-in, a code, a reset link, the admin's sign-in) in the
    lockout window. TooManyAttempts: past SIGN_IN_MAX_FAILURES from this address on the
    account, or SIGN_IN_MAX_FAILURES_PER_ACCOUNT on it from all addresses (slowed from half),
    or SIGN_IN_MAX_ACCOUNTS_PER_CLIENT accounts failed from this address (slowed from half).
    A member with the right password is let in from a busy shared address."""
    keys = _attempt_keys(request, email, scope)
    limits = (
        (keys.pair, settings.SIGN_IN_MAX_FAILURES),
        (keys.account, settings.SIGN_IN_MAX_FAILURES_PER_ACCOUNT),
        (keys.accounts, settings.SIGN_IN_MAX_ACCOUNTS_PER_CLIENT),
    )
    # Locked out: refused without counting, so the window is not renewed by waiting users.
    counts = {key: int(cache.get(key, 0)) for key, _limit in limits}
    if any(counts[key] >= limit for key, limit in limits):
        raise TooManyAttempts
    # Slowed: past half a limit, one attempt per SIGN_IN_SLOW_SECONDS on that key.
    for key, limit in limits[1:]:
        if counts[key] >= limit // 2 and not _gate_open(key):
            raise TooManyAttempts
    # Counted before the upstream is asked, so parallel guesses cannot all pass the check: the
    # widest count first, and a refused attempt counts on no narrower one, so that of twenty
    # at once exactly as many pass as the narrowest limit allows.
    first_on_account = bool(cache.add(keys.seen, 1, timeout=settings.SIGN_IN_LOCKOUT_SECONDS))
    widest_first = [limits[2]] if first_on_account else []
    for key, limit in [*widest_first, limits[1], limits[0]]:
        if _count(key) > limit:
            raise TooManyAttempts
    return Attempt(keys=keys, first_on_account=first_on_account)


def _gate_open(key: str) -> bool:
    """The one attempt a slowed key lets through in SIGN_IN_SLOW_SECONDS (atomic: add)."""
    return bool(cache.add(f"{key}:slow", 1, timeout=settings.SIGN_IN_SLOW_SECONDS))


def _attempt_keys(request: HttpRequest, email: str, scope: str) -> Keys:
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    client, account = client_address(request), email.strip().lower()
    # Per upstream: each tenant's customers are other accounts.
    prefix = f"{scope}:attempts:{digest(upstream.upstream_target().base_url)[:16]}"
    return Keys(
        pair=f"{prefix}:pair:{digest(f'{client}|{account}')}",
        account=f"{prefix}:account:{digest(account)}",
        accounts=f"{prefix}:accounts-of:{digest(client)}",
        seen=f"{prefix}:seen:{digest(f'{client}|{account}')}",
    )


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
