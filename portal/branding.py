"""What the portal shows of the operator's business, from the upstream, cached."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from portal import upstream

logger = logging.getLogger(__name__)

BUSINESS_SECONDS = 300


def business() -> upstream.Business | None:
    """The operator's business; None (pages then say less) when the upstream cannot tell."""
    key = f"branding:business:{settings.UPSTREAM_URL}"
    found: upstream.Business | None = cache.get(key)
    if found is None:
        try:
            found = upstream.business_current()
        except upstream.UpstreamError as error:
            logger.warning("business unavailable: %s", error)
            return None
        cache.set(key, found, BUSINESS_SECONDS)
    return found


def business_name() -> str:
    found = business()
    return found.name if found else ""
