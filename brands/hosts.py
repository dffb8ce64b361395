"""Which brand a host is for, and the brand of the request being handled.

The Host header picks the brand once (BrandMiddleware), which carries it on the request
(`request_brand`) and activates it: activating binds the brand's upstream for the client, so a
request can never reach another brand's upstream by forgetting to pass it, and tells the theme
template loader, which is given no request, which folder to search (`brand_current`).

Brands are read from the database through the shared cache; every change to a brand bumps a
generation number, so all instances see an edit on their next request.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from brands.models import HOST_PATTERN, Brand, BrandHost, FooterLink
from upstream import upstream_bound

BRAND_SECONDS = 300
DEFAULT_KEY = "default"


@dataclass(frozen=True)
class BrandSettings:
    """One brand's settings as pages and the client use them: local values only (look.py
    merges in the upstream's)."""

    key: str
    upstream_url: str
    public_base_url: str
    pdf_link_scheme: str
    default_language: str
    languages: tuple[str, ...]
    name: str = ""
    logo_version: str = ""  # an uploaded logo's digest; served by brands.views.brand_logo
    logo_url: str = ""
    primary_color: str = ""
    secondary_color: str = ""
    background_color: str = ""
    text_color: str = ""
    support_email: str = ""
    support_phone: str = ""
    website_url: str = ""
    shop_url: str = ""
    # Pay: through the upstream's checkout ("upstream"), the operator's page, or "off".
    invoice_payment: str = "upstream"
    payment_gateway: str = "stripe"
    payment_page_url: str = ""
    receipt_emailed: bool = True
    footer_links: tuple[FooterEntry, ...] = field(default=())

    @property
    def theme(self) -> str:
        """The theme folder (under THEMES_DIR) looked up before the default templates."""
        return self.key


@dataclass(frozen=True)
class FooterEntry:
    """A footer link as pages show it (the admin edits FooterLink)."""

    label: str
    url: str


def default_brand() -> BrandSettings:
    """The brand from settings: every host gets it while no brand is configured."""
    return BrandSettings(
        key=DEFAULT_KEY,
        upstream_url=settings.UPSTREAM_URL,
        public_base_url=settings.UPSTREAM_PUBLIC_BASE_URL,
        pdf_link_scheme=settings.PDF_LINK_SCHEME,
        default_language=settings.LANGUAGE_CODE,
        languages=tuple(code for code, _name in settings.LANGUAGES),
        name=settings.BRAND_NAME,
        logo_url=settings.BRAND_LOGO_URL,
        support_email=settings.BRAND_SUPPORT_EMAIL,
        website_url=_web_link(settings.BRAND_WEBSITE_URL),
    )


_active: ContextVar[BrandSettings | None] = ContextVar("brand", default=None)


def request_brand(request: HttpRequest) -> BrandSettings:
    """The brand BrandMiddleware resolved for this request; the default brand on paths that
    serve no brand."""
    brand = getattr(request, "brand", None)
    return brand if isinstance(brand, BrandSettings) else default_brand()


def brand_current() -> BrandSettings:
    """The active brand, for the theme loader (Django gives a template loader no request);
    the default brand outside a request (commands, the shell)."""
    return _active.get() or default_brand()


@contextlib.contextmanager
def brand_activated(brand: BrandSettings) -> Iterator[BrandSettings]:
    """Makes `brand` the active one, and its upstream the one the client calls."""
    token = _active.set(brand)
    try:
        with upstream_bound(
            base_url=brand.upstream_url,
            public_base_url=brand.public_base_url,
            pdf_link_scheme=brand.pdf_link_scheme,
        ):
            yield brand
    finally:
        _active.reset(token)


def _from_record(record: Brand) -> BrandSettings:
    logo = bytes(record.logo or b"")
    return BrandSettings(
        key=record.slug,
        upstream_url=record.upstream_url.rstrip("/"),
        public_base_url=record.public_base_url.rstrip("/"),
        pdf_link_scheme=record.pdf_link_scheme,
        default_language=record.default_language,
        languages=tuple(code for code in record.languages.split(",") if code),
        name=record.name,
        logo_version=hashlib.sha256(logo).hexdigest()[:16] if logo else "",
        logo_url=record.logo_url if record.logo_url.startswith("https://") else "",
        primary_color=record.primary_color,
        secondary_color=record.secondary_color,
        background_color=record.background_color,
        text_color=record.text_color,
        support_email=record.support_email,
        support_phone=record.support_phone,
        website_url=_web_link(record.website_url),
        shop_url=_web_link(record.shop_url),
        invoice_payment=record.invoice_payment,
        payment_gateway=record.payment_gateway,
        # Validated when saved; checked again, since the member's browser is sent there.
        payment_page_url=(
            record.payment_page_url if record.payment_page_url.startswith("https://") else ""
        ),
        receipt_emailed=record.receipt_emailed,
        # Validated when saved; checked again, since a link is clicked in customers' browsers.
        footer_links=tuple(
            FooterEntry(label=link.label, url=link.url)
            for link in record.footer_links.all()
            if link.url.startswith(("https://", "http://"))
        ),
    )


def _web_link(url: str) -> str:
    # Validated when a brand is saved (not when set in the environment); checked here, since
    # a link is clicked in customers' browsers.
    return url if url.startswith(("https://", "http://")) else ""


class NoBrand(Enum):
    """Cached in place of a brand: a host no brand serves (so unknown hosts cost no query each),
    and "no brand configured", whose default brand is built from settings on each use."""

    FOR_HOST = "for host"
    CONFIGURED = "configured"


def _generation() -> int:
    return int(cache.get_or_set("brands:generation", 1, timeout=None) or 1)


def brands_changed() -> None:
    """Every cached brand is stale from now on, in every instance sharing the cache."""
    try:
        cache.incr("brands:generation")
    except ValueError:
        cache.set("brands:generation", 2, timeout=None)


def brand_for_host(host: str) -> BrandSettings | None:
    """The brand serving this host name (lower case, no port); the default brand when no brand
    is configured at all; the DEFAULT_BRAND one for other hosts, if set; else None."""
    key = f"brands:{_generation()}:host:{host}"
    found: BrandSettings | NoBrand | None = cache.get(key)
    if found is None:
        found = _brand_lookup(host)
        cache.set(key, found, BRAND_SECONDS)
    if found is NoBrand.CONFIGURED:
        return default_brand()
    return found if isinstance(found, BrandSettings) else None


def _brand_lookup(host: str) -> BrandSettings | NoBrand:
    records = Brand.objects.prefetch_related("footer_links")
    record = records.filter(hosts__host=host).first()
    if record is None and settings.DEFAULT_BRAND:
        record = records.filter(slug=settings.DEFAULT_BRAND).first()
    if record is not None:
        return _from_record(record)
    if not Brand.objects.exists():
        return NoBrand.CONFIGURED
    return NoBrand.FOR_HOST


def site_hosts() -> list[str]:
    """The host names this site answers on (ALLOWED_HOSTS' exact names; Django's development
    defaults with DEBUG): wildcards cannot be listed under a brand, so they are left out."""
    allowed = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1"] if settings.DEBUG else [])
    names = {name.lower().rstrip(".") for name in allowed}
    return sorted(name for name in names if re.fullmatch(HOST_PATTERN, name))


def hosts_without_brand(*, leaving_out: int | None = None) -> list[str]:
    """Site host names that get the unknown-address page: brands exist, none lists them and
    no DEFAULT_BRAND catches them. `leaving_out`: as if that brand were deleted."""
    brands = Brand.objects.all()
    if leaving_out is not None:
        brands = brands.exclude(pk=leaving_out)
    if not brands.exists() or brands.filter(slug=settings.DEFAULT_BRAND).exists():
        return []
    listed = set(BrandHost.objects.filter(brand__in=brands).values_list("host", flat=True))
    return [name for name in site_hosts() if name not in listed]


def brand_by_slug(slug: str) -> BrandSettings | None:
    """A configured brand by its short name (commands), read from the database."""
    record = Brand.objects.prefetch_related("footer_links").filter(slug=slug).first()
    return _from_record(record) if record is not None else None


def brand_logo_file(brand: BrandSettings) -> tuple[bytes, str] | None:
    """An uploaded logo's bytes and content type."""
    record = Brand.objects.filter(slug=brand.key).values("logo", "logo_type").first()
    if record is None or not record["logo"]:
        return None
    return bytes(record["logo"]), str(record["logo_type"])


@receiver(post_save, sender=Brand)
@receiver(post_delete, sender=Brand)
@receiver(post_save, sender=BrandHost)
@receiver(post_delete, sender=BrandHost)
@receiver(post_save, sender=FooterLink)
@receiver(post_delete, sender=FooterLink)
def _brand_saved(**kwargs: Any) -> None:
    brands_changed()
