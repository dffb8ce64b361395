"""My Invoices: media JWTs shared per session, and the PDF links built from them.

A media JWT lives about 60 s (download-invoice-pdf.md). One per session is reused for at most
MEDIA_JWT_REUSE_SECONDS (50), so a page of any length costs one upstream media call per 50 s,
and every link built from it has at least 10 s left when it is rendered.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache

from portal import upstream
from portal.once import cached_once

# {str(invoice id): [web address, invoice number]} of invoices this session has listed, so
# that the links fragment builds links without asking the upstream for the invoices again.
SESSION_INVOICES = "invoices_listed"
SESSION_INVOICES_MAX = 500


@dataclass(frozen=True)
class MediaToken:
    jwt: str
    minted_at: float

    def refresh_in(self) -> int:
        """Seconds until a fresh JWT should replace this one (at least 1)."""
        age = time.time() - self.minted_at
        return max(1, round(settings.MEDIA_JWT_REUSE_SECONDS - age))


def _media_key(session: SessionBase) -> str:
    digest = hashlib.sha256(f"media-jwt:{session.session_key}".encode()).hexdigest()
    return f"invoices:media-jwt:{digest}"


def media_token_get(*, session: SessionBase, bearer: str) -> MediaToken:
    """This session's media JWT: reused for up to 50 s, then one upstream call for a new one."""
    if session.session_key is None:
        session.save()
    return cached_once(
        key=_media_key(session),
        compute=lambda: MediaToken(jwt=upstream.media_token(bearer=bearer), minted_at=time.time()),
        timeout=settings.MEDIA_JWT_REUSE_SECONDS,
        wait=upstream.longest_call_seconds() + 1,
    )


def customer_data_forget(sender: object, *, session: SessionBase, **kwargs: object) -> None:
    """When a customer leaves a session, their media JWT and listed invoices go too."""
    cache.delete(_media_key(session))
    session.pop(SESSION_INVOICES, None)


def invoices_remember(*, session: SessionBase, invoices: list[upstream.InvoicePreview]) -> None:
    listed: dict[str, list[str]] = session.get(SESSION_INVOICES, {})
    fresh = {str(i.id): [i.business_web_address, i.number] for i in invoices}
    if any(listed.get(key) != value for key, value in fresh.items()):
        listed.update(fresh)
        # Bounded: the oldest entries go first (dicts keep insertion order).
        session[SESSION_INVOICES] = dict(list(listed.items())[-SESSION_INVOICES_MAX:])


@dataclass(frozen=True)
class PdfLink:
    invoice_id: int
    number: str
    url: str


def invoice_links(*, session: SessionBase, invoice_ids: list[int], media_jwt: str) -> list[PdfLink]:
    """Direct upstream links for the invoices this session has listed; others are left out."""
    listed: dict[str, list[str]] = session.get(SESSION_INVOICES, {})
    links = []
    for invoice_id in invoice_ids:
        known = listed.get(str(invoice_id))
        if known is None:
            continue
        web_address, number = known
        url = upstream.invoice_pdf_link(
            web_address=web_address, invoice_id=invoice_id, media_jwt=media_jwt
        )
        links.append(PdfLink(invoice_id=invoice_id, number=number, url=url))
    return links
