"""What the portal shows of the operator's business, from the upstream, cached."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from portal import upstream

logger = logging.getLogger(__name__)

BUSINESS_SECONDS = 300


def business_name() -> str:
    """The business's name; empty (the page then says less) when the upstream cannot tell."""
    key = f"branding:business-name:{settings.UPSTREAM_URL}"
    name: str | None = cache.get(key)
    if name is None:
        try:
            name = upstream.business_current().name
        except upstream.UpstreamError as error:
            logger.warning("business name unavailable: %s", error)
            return ""
        cache.set(key, name, BUSINESS_SECONDS)
    return name
