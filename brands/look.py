"""How a brand looks: its own values first, the upstream's business data for what it
leaves empty (CONTRACT.md, "White-label data"), cached with a bounded age per brand."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache
from django.urls import reverse

import upstream
from brands.colors import Palette, color_parse, palette_build
from brands.hosts import BrandSettings, FooterEntry
from portal.business import FAILURE_SECONDS, business

logger = logging.getLogger(__name__)

# The upstream's colours, once a signed-in customer's page has fetched them: they are the
# business's, so every page of the brand may show them meanwhile.
COLORS_SECONDS = 3600
NO_COLORS = upstream.BusinessColors(primary="", secondary="", background="", text="")


@dataclass(frozen=True)
class BrandLook:
    """What the page chrome shows: name, logo, colours, contact and footer."""

    name: str
    logo_url: str
    palette: Palette
    support_email: str
    support_phone: str
    footer_links: tuple[FooterEntry, ...]
    address: str
    # The operator's own site (the brand's, else the tenant's public site) and its shop.
    website_url: str = ""
    shop_url: str = ""


def _colors(brand: BrandSettings, bearer: str | None) -> upstream.BusinessColors:
    """The upstream's colours, asked only when the brand leaves one of them empty.

    [docs] They need a customer's bearer (401 without): a signed-in customer's page fetches
    them for the brand's cache; without them known, a page has the brand's own colours.
    """
    if all((brand.primary_color, brand.secondary_color, brand.background_color, brand.text_color)):
        return NO_COLORS
    key = f"branding:colors:{brand.key}:{brand.upstream_url}"
    found: upstream.BusinessColors | None = cache.get(key)
    if found is not None:
        return found
    found_business = business() if bearer else None
    if found_business is None or found_business.id is None or bearer is None:
        return NO_COLORS
    try:
        found = _parsed(upstream.business_colors(business_id=found_business.id, bearer=bearer))
        cache.set(key, found, COLORS_SECONDS)
    except upstream.NotAsked:
        return NO_COLORS
    except upstream.UpstreamError as error:
        logger.warning("business colours unavailable: %s", error)
        cache.set(key, NO_COLORS, FAILURE_SECONDS)
        return NO_COLORS
    return found


def _parsed(colors: upstream.BusinessColors) -> upstream.BusinessColors:
    """Only a parsed `#rrggbb` reaches the page's CSS; anything else counts as none."""
    return upstream.BusinessColors(
        primary=color_parse(colors.primary) or "",
        secondary=color_parse(colors.secondary) or "",
        background=color_parse(colors.background) or "",
        text=color_parse(colors.text) or "",
    )


@lru_cache(maxsize=256)
def _palette(primary: str, secondary: str, background: str, text: str) -> Palette:
    palette = palette_build(primary=primary, secondary=secondary, background=background, text=text)
    for note in palette.adjustments:
        logger.info("brand colours adjusted for contrast: %s", note)
    return palette


def brand_look(*, brand: BrandSettings, bearer: str | None = None) -> BrandLook:
    """The brand's look; `bearer`: a signed-in customer's, to fetch the colours."""
    found = business()
    colors = _colors(brand, bearer)
    if brand.logo_version:
        logo_url = reverse("brand_logo", args=[brand.logo_version])
    else:
        logo_url = brand.logo_url
    website = brand.website_url or _tenant_site(brand, found)
    return BrandLook(
        name=brand.name or (found.name if found else ""),
        logo_url=logo_url,
        palette=_palette(
            brand.primary_color or colors.primary,
            brand.secondary_color or colors.secondary,
            brand.background_color or colors.background,
            brand.text_color or colors.text,
        ),
        support_email=brand.support_email,
        support_phone=brand.support_phone,
        footer_links=brand.footer_links,
        address=found.address if found else "",
        website_url=website,
        shop_url=brand.shop_url or website,
    )


def _tenant_site(brand: BrandSettings, found: upstream.Business | None) -> str:
    """The tenant's public site, where its shop is: `{scheme}://{WebAddress}{publicBaseUrl}/`,
    as PDF links are built (the sandbox's purchase page in the demo)."""
    if found is None or not found.web_address:
        return ""
    return f"{brand.pdf_link_scheme}://{found.web_address}{brand.public_base_url}/"


def business_name(*, brand: BrandSettings) -> str:
    """The name the pages use for the operator: the brand's, else the upstream business's."""
    if brand.name:
        return brand.name
    found = business()
    return found.name if found else ""
