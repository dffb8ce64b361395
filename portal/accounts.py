"""Customer accounts: sign-in against the upstream token endpoint, its limits, refresh and
sign-out; tokens live in the server session only.

The access and refresh tokens never reach HTML, cookies or logs: the browser holds only the
session cookie. The session key is cycled at sign-in (no fixation), and the refresh grant
replaces an access token shortly before it expires.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.dispatch import Signal
from django.http import HttpRequest
from django.middleware.csrf import rotate_token

from portal import upstream
from portal.brands.hosts import brand_current
from portal.caching import cached_once

logger = logging.getLogger(__name__)

SESSION_KEY = "customer"
# Sent with `session=` whenever a customer leaves a session (sign-out, a refused token, or a
# new sign-in over it), so the apps drop what they keep for that customer.
signing_out = Signal()
# Refresh this long before the access token's expiry, so no call meets it expiring on the way.
REFRESH_MARGIN_SECONDS = 30


class SignInRefused(Exception):
    """Wrong email or password: one answer for both, so as not to tell which emails exist."""


class TooManyAttempts(Exception):
    """Too many failed sign-ins from this client for this email, or from this client."""


class SignedOut(Exception):
    """No customer in this session, or its tokens can no longer be refreshed."""


def client_address(request: HttpRequest) -> str:
    """The client's address: behind a proxy, the last X-Forwarded-For entry, which the
    trusted proxy itself appended (earlier entries are whatever the client sent)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _attempt_keys(request: HttpRequest, email: str, scope: str) -> tuple[str, str]:
    client = client_address(request)
    pair = hashlib.sha256(f"{client}|{email.strip().lower()}".encode()).hexdigest()
    alone = hashlib.sha256(client.encode()).hexdigest()
    # Per brand: each brand's customers are another upstream's accounts.
    prefix = f"{scope}:attempts:{brand_current().key}"
    return f"{prefix}:{pair}", f"{prefix}:{alone}"


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


def _per_client() -> int:
    return int(settings.SIGN_IN_MAX_FAILURES_PER_CLIENT)


def _uncount(*keys: str) -> None:
    for key in keys:
        with contextlib.suppress(ValueError):
            cache.decr(key)


@dataclass(frozen=True)
class Attempt:
    """One attempt, counted per client and email and per client (`attempt_counted`)."""

    pair_key: str
    client_key: str

    def not_counted(self) -> None:
        """The upstream did not answer: it was no attempt."""
        _uncount(self.pair_key, self.client_key)

    def succeeded(self) -> None:
        """A success does not count against this client or email."""
        cache.delete(self.pair_key)
        _uncount(self.client_key)


def attempt_counted(*, request: HttpRequest, email: str, scope: str = "sign-in") -> Attempt:
    """Counts an attempt of `scope` (sign-in, a reset link, a new password) within the
    lockout window; TooManyAttempts past SIGN_IN_MAX_FAILURES per client and email, or past
    SIGN_IN_MAX_FAILURES_PER_CLIENT per client. Each scope counts on its own."""
    pair_key, client_key = _attempt_keys(request, email, scope)
    limits = ((pair_key, settings.SIGN_IN_MAX_FAILURES), (client_key, _per_client()))
    # Locked out: refused without counting, so the window is not renewed by waiting users.
    if any(cache.get(key, 0) >= limit for key, limit in limits):
        raise TooManyAttempts
    # Counted before the upstream is asked, so parallel guesses cannot all pass the check.
    if any(_count(key) > limit for key, limit in limits):
        raise TooManyAttempts
    return Attempt(pair_key=pair_key, client_key=client_key)


def customer_sign_in(*, request: HttpRequest, email: str, password: str) -> None:
    attempt = attempt_counted(request=request, email=email)
    try:
        tokens = upstream.token_by_password(username=email.strip(), password=password)
    except upstream.TokenRejected:
        raise SignInRefused from None
    except upstream.UpstreamError:
        # Not a wrong password: the attempt does not count.
        attempt.not_counted()
        raise
    attempt.succeeded()
    customer_signed_in(request=request, email=email.strip(), tokens=tokens)


def customer_signed_in(*, request: HttpRequest, email: str, tokens: upstream.Tokens) -> None:
    """This browser's customer from now on: by password, or by a new password's exchange."""
    # Nothing of an earlier customer of this browser stays; a guest's checkout does.
    signing_out.send(sender=customer_sign_in, session=request.session)
    # A new session key and CSRF token at sign-in, as django.contrib.auth's login() does:
    # whatever an attacker planted before is worthless now.
    request.session.cycle_key()
    rotate_token(request)
    request.session[SESSION_KEY] = _session_data(email=email, tokens=tokens)


def _session_data(*, email: str, tokens: upstream.Tokens) -> dict[str, Any]:
    return {
        "email": email,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": time.time() + tokens.expires_in,
    }


def customer_sign_out(*, request: HttpRequest) -> None:
    signing_out.send(sender=customer_sign_out, session=request.session)
    # Deletes the session row and sends a new, empty session: nothing of it survives.
    request.session.flush()


def customer_email(*, session: SessionBase) -> str | None:
    data = session.get(SESSION_KEY)
    return data["email"] if data else None


def customer_bearer(*, session: SessionBase) -> str:
    """A live access token for this session's customer, refreshed when it is about to expire."""
    data = session.get(SESSION_KEY)
    if not data:
        raise SignedOut
    if data["expires_at"] - REFRESH_MARGIN_SECONDS > time.time():
        token: str = data["access_token"]
        return token
    refresh_token: str = data["refresh_token"]
    # One refresh per refresh token, whichever of this session's requests gets there first:
    # an upstream that rotates refresh tokens refuses the second use. A refusal is shared too.
    tokens = cached_once(
        key=f"customer:refresh:{hashlib.sha256(refresh_token.encode()).hexdigest()}",
        compute=lambda: _refresh(refresh_token),
    )
    if tokens is RefreshRefused.REFUSED:
        logger.info("refresh token refused: the customer must sign in again")
        customer_forget(session=session)
        raise SignedOut
    session[SESSION_KEY] = _session_data(email=data["email"], tokens=tokens)
    return tokens.access_token


class RefreshRefused(Enum):
    """Cached in place of tokens, so that every request racing on one refresh sees the refusal."""

    REFUSED = "refused"


def _refresh(refresh_token: str) -> upstream.Tokens | RefreshRefused:
    try:
        return upstream.token_by_refresh(refresh_token=refresh_token)
    except upstream.TokenRejected:
        return RefreshRefused.REFUSED


def customer_context(request: HttpRequest) -> dict[str, str | None]:
    """Who is signed in, for the header; read from the session, never from the upstream."""
    return {"customer_email": customer_email(session=request.session)}


def customer_forget(*, session: SessionBase) -> None:
    """The upstream refused this session's tokens: the customer must sign in again."""
    signing_out.send(sender=customer_forget, session=session)
    session.pop(SESSION_KEY, None)
