"""Completing a guest checkout: read the gateway's token, register the guest once per session.

pretix's rule: never trust the return URL. The token only names a basket session; the page
asks the upstream what it is, and registration is idempotent per browser session.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.http import QueryDict
from django.utils import translation

import upstream
from portal.caching import cached_once

logger = logging.getLogger(__name__)

# The payment gateways' return parameters, each carrying the basket session GUID, and how the
# receipt names the gateway that took the payment (company names: not translated).
GATEWAY_NAMES = {f"{gateway}_session_id": name for gateway, name in upstream.GATEWAYS.items()}
GATEWAY_PARAMETERS = tuple(GATEWAY_NAMES)

SESSION_TOKEN = "checkout_token"  # noqa: S105  (a session key's name)
SESSION_TOKEN_AT = "checkout_token_at"  # noqa: S105
SESSION_GATEWAY = "checkout_gateway"
# {guid: BasketRegistration as a dict}
SESSION_REGISTRATIONS = "checkout_registrations"
# GUIDs whose registerByToken this session sent without seeing the answer.
SESSION_ATTEMPTS = "checkout_attempts"


class BadLink(Exception):
    """The return URL names no basket session, names several, or a malformed one."""


def basket_token_from_query(query: QueryDict) -> str:
    """The one GUID of the gateway's return URL, lower-cased."""
    values = [value for name in GATEWAY_PARAMETERS for value in query.getlist(name)]
    if len(values) != 1:
        raise BadLink(f"{len(values)} gateway parameters")
    if not upstream.BASKET_GUID.fullmatch(values[0]):
        raise BadLink("not a GUID")
    return values[0].lower()


def basket_gateway_from_query(query: QueryDict) -> str:
    """The name of the gateway that sent the buyer back (the return URL's parameter)."""
    return next((GATEWAY_NAMES[name] for name in GATEWAY_PARAMETERS if name in query), "")


def basket_token_remember(*, session: SessionBase, guid: str, gateway: str = "") -> None:
    session[SESSION_TOKEN] = guid
    session[SESSION_TOKEN_AT] = time.time()
    session[SESSION_GATEWAY] = gateway


def basket_gateway_recall(*, session: SessionBase) -> str:
    """The payment gateway's name for the receipt; "" when not known."""
    return str(session.get(SESSION_GATEWAY) or "")


def basket_token_recall(*, session: SessionBase) -> str | None:
    """The basket GUID this browser came back with, for CHECKOUT_TOKEN_SECONDS (an hour).

    Bounded so that on a shared computer the next person does not find the last buyer's
    purchase; opening the gateway's link again starts another hour.
    """
    guid: str | None = session.get(SESSION_TOKEN)
    remembered_at = session.get(SESSION_TOKEN_AT)
    if not guid or not isinstance(remembered_at, float | int):
        return None
    if time.time() - remembered_at > settings.CHECKOUT_TOKEN_SECONDS:
        return None
    return guid


# Completion links the upstream does not know cost the tenant's shared budget each time they
# are asked about: a visitor (an address) may ask about this many in the window, then gets
# "too many" without the upstream being asked. A buyer's own link is known, and never counts;
# an unknown one opened again is answered from the cache for a while and counts once.
UNKNOWN_LINKS_PER_VISITOR = 5
UNKNOWN_LINKS_WINDOW_SECONDS = 600
UNKNOWN_LINK_SECONDS = 60


class TooManyUnknownLinks(Exception):
    """This visitor asked about too many links the upstream did not know, a moment ago."""


def checkout_status(*, guid: str, visitor: str) -> upstream.CheckoutStatus:
    """The basket session's status; a paid one is asked for once and then read from the cache.

    Paid is final: a settled payment does not go back to pending or failed, so a reload of the
    confirmation need not ask the upstream again (the upstream's status call was most of a
    reload's time: docs/performance.md). Pending and failed are always asked, so a pending
    page's poll sees the payment settle. One entry per brand's upstream, basket GUID and page
    language, since the upstream writes amounts and dates in the language asked for; it lives
    as long as the page may show the purchase (CHECKOUT_TOKEN_SECONDS). `visitor`: the
    client's address, which UNKNOWN_LINKS_PER_VISITOR counts against.
    """
    key = _paid_key(guid)
    identity = f"{upstream.upstream_target().base_url}|{guid}"
    unknown = f"checkout:unknown:{hashlib.sha256(identity.encode()).hexdigest()}"
    links = _unknown_links_key(visitor)
    # One read of the cache for the three: a page of the shared database cache is a query.
    found = cache.get_many([key, unknown, links])
    known: upstream.CheckoutStatus | None = found.get(key)
    if known is not None:
        return known
    if found.get(unknown):
        raise upstream.NotFound("a basket session the upstream did not know a moment ago")
    if int(found.get(links, 0)) >= UNKNOWN_LINKS_PER_VISITOR:
        raise TooManyUnknownLinks
    try:
        status = upstream.checkout_status(token=guid)
    except (upstream.NotFound, upstream.TokenRejected):
        cache.set(unknown, True, timeout=UNKNOWN_LINK_SECONDS)
        _unknown_link_counted(visitor)
        raise
    # A paid session without its invoice is an answer the page refuses (502): never kept.
    if status.status == "Paid" and status.invoice is not None:
        cache.set(key, status, timeout=settings.CHECKOUT_TOKEN_SECONDS)
    return status


def _unknown_links_key(visitor: str) -> str:
    return f"checkout:unknown-links:{hashlib.sha256(visitor.encode()).hexdigest()}"


def _unknown_link_counted(visitor: str) -> None:
    key = _unknown_links_key(visitor)
    cache.add(key, 0, timeout=UNKNOWN_LINKS_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # the window closed between the two calls
        cache.add(key, 1, timeout=UNKNOWN_LINKS_WINDOW_SECONDS)


# Part of the paid status's cache key: a new shape of CheckoutStatus must not meet a pickled
# old one in a shared cache during a deploy.
_PAID_VERSION = 2


def _paid_key(guid: str) -> str:
    # Hashed: the GUID is a secret, and cache keys may be logged by cache servers.
    # Per upstream: a GUID is one tenant's basket.
    language = translation.get_language() or settings.LANGUAGE_CODE
    identity = f"{upstream.upstream_target().base_url}|{guid}|{language}"
    return f"checkout:paid:v{_PAID_VERSION}:{hashlib.sha256(identity.encode()).hexdigest()}"


@dataclass(frozen=True)
class BasketRegistration:
    """This session's registration of one basket session."""

    # registerByToken's Token; None when the answer was lost or the token was used elsewhere.
    token: str | None
    customer_created: bool | None
    # The upstream said 401 and this session never sent the call: used in another browser.
    used_elsewhere: bool


def _shared_key(session: SessionBase, guid: str) -> str:
    # Hashed: cache keys may be logged by cache servers; the GUID is a secret.
    digest = hashlib.sha256(f"{session.session_key}:{guid}".encode()).hexdigest()
    return f"checkout:registration:{digest}"


def registration_ensure(*, session: SessionBase, guid: str, invoice_id: int) -> BasketRegistration:
    """registerByToken at most once per browser session, whatever reloads and tabs do.

    The result lives in the session (for later requests) and in the shared cache (for
    requests running at the same time, which hold stale copies of the session): one of them
    calls while the others wait for its result.
    """
    if session.session_key is None:
        session.save()
    known = session.get(SESSION_REGISTRATIONS, {}).get(guid)
    if known is not None:
        return BasketRegistration(**known)
    # Only requests running at the same time need the shared copy; the session keeps its own.
    shared = cached_once(
        key=_shared_key(session, guid),
        compute=lambda: asdict(_register(session=session, guid=guid, invoice_id=invoice_id)),
    )
    registrations = session.get(SESSION_REGISTRATIONS, {})
    registrations[guid] = shared
    session[SESSION_REGISTRATIONS] = registrations
    return BasketRegistration(**shared)


def _register(*, session: SessionBase, guid: str, invoice_id: int) -> BasketRegistration:
    attempts: list[str] = session.get(SESSION_ATTEMPTS, [])
    # The request's copy of the session may be stale (another request of this session sent
    # the call): the shared cache keeps the same mark.
    sent_key = f"{_shared_key(session, guid)}:sent"
    lost_before = guid in attempts or cache.get(sent_key) is not None
    if not lost_before:
        # Marked now, before the call: if its answer is lost, a retry must know it was sent.
        cache.set(sent_key, 1, timeout=settings.SESSION_COOKIE_AGE)
        session[SESSION_ATTEMPTS] = [*attempts, guid]
        session.save()
    try:
        answer = upstream.register_by_token(invoice_id=invoice_id, token=guid)
    except (upstream.NotAsked, upstream.Throttled):
        # Never sent (the page's upstream had failed, or no room in the budget), or refused
        # unread ([docs] 409): not an attempt, so a later 401 is not taken for our own.
        if not lost_before:
            cache.delete(sent_key)
            session[SESSION_ATTEMPTS] = attempts
            session.save()
        raise
    except upstream.TokenRejected:
        if lost_before:
            # Our own earlier call went through upstream and only its answer was lost.
            logger.info("registerByToken answered 401 after a lost answer: treated as done")
            return BasketRegistration(token=None, customer_created=None, used_elsewhere=False)
        return BasketRegistration(token=None, customer_created=None, used_elsewhere=True)
    return BasketRegistration(
        token=answer.token, customer_created=answer.customer_created, used_elsewhere=False
    )
