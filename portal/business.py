"""The upstream's business (its name, web address, address and culture), shared by every page
of the bound upstream through the cache; and the locale the pages write dates and amounts in,
which follows that business's culture."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from enum import Enum
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

import upstream

logger = logging.getLogger(__name__)

BUSINESS_SECONDS = 300
# A failed lookup is remembered this long, so that a slow upstream does not cost every page
# its timeout.
FAILURE_SECONDS = 30


class Unavailable(Enum):
    """Cached for a failed business lookup, so that pages skip the upstream for a while."""

    BUSINESS = "business"


# The businesses a request has read (brands.middleware): a page asks for its business's name,
# address and locale several times, and each read of the default database cache is a query.
_read: ContextVar[dict[str, upstream.Business | None] | None] = ContextVar(
    "business_read", default=None
)


@contextlib.contextmanager
def business_read_once() -> Iterator[None]:
    """Within it, business() reads each upstream's business once (the cache, or the upstream)."""
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)


def business() -> upstream.Business | None:
    """The bound upstream's business; None (pages then say less) when the upstream cannot tell.
    Keyed by the upstream, not the brand: brands on one tenant share it."""
    key = f"business:{upstream.upstream_target().base_url}"
    read = _read.get()
    if read is None:
        return _business(key)
    if key not in read:
        read[key] = _business(key)
    return read[key]


def _business(key: str) -> upstream.Business | None:
    found: upstream.Business | Unavailable | None = cache.get(key)
    if found is None:
        try:
            found = upstream.business_current()
            cache.set(key, found, BUSINESS_SECONDS)
        except upstream.NotAsked:
            # This page's upstream already failed: the page says less, other pages ask.
            return None
        except upstream.UpstreamError as error:
            logger.warning("business unavailable: %s", error)
            cache.set(key, Unavailable.BUSINESS, FAILURE_SECONDS)
            return None
    return found if isinstance(found, upstream.Business) else None


def format_locale() -> str:
    """The CLDR locale the pages write dates and amounts in: the page's language, with the
    operator's region when its culture is in that language (en-GB: 19 Nov 2026, not
    Nov 19, 2026)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    found = business()
    culture = found.language_culture if found else ""
    if culture.split("-")[0].lower() == language:
        return _locale_known(translation.to_locale(culture), language)
    return translation.to_locale(language)


@lru_cache(maxsize=64)
def _locale_known(candidate: str, language: str) -> str:
    """`candidate` if CLDR knows it, else the language alone."""
    try:
        Locale.parse(candidate)
    except (ValueError, UnknownLocaleError):
        return translation.to_locale(language)
    return candidate
