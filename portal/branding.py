"""What the portal shows of the operator's business, from the upstream, cached."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from portal import upstream

logger = logging.getLogger(__name__)

BUSINESS_SECONDS = 300
FAILURE_SECONDS = 30
UNAVAILABLE = "unavailable"


def business() -> upstream.Business | None:
    """The operator's business; None (pages then say less) when the upstream cannot tell."""
    key = f"branding:business:{settings.UPSTREAM_URL}"
    found: upstream.Business | str | None = cache.get(key)
    if found is None:
        try:
            found = upstream.business_current()
            cache.set(key, found, BUSINESS_SECONDS)
        except upstream.UpstreamError as error:
            logger.warning("business unavailable: %s", error)
            # Remembered briefly, so a slow upstream does not cost every page its timeout.
            cache.set(key, UNAVAILABLE, FAILURE_SECONDS)
            return None
    return found if isinstance(found, upstream.Business) else None


def business_name() -> str:
    found = business()
    return found.name if found else ""
