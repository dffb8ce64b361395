"""PDF links for browsers, shared by the completion page and My Invoices.

Two kinds (download-invoice-pdf.md): a guest's pdfByToken link, and a signed-in customer's
link opened by a media JWT. Both point at the upstream as
`https://{BusinessWebAddress}{publicBaseUrl}{path}?{params}`, with the bound upstream's scheme
and prefix (upstream.UpstreamTarget). The session keeps the invoices it has shown, so that fresh
links can be built without asking the upstream for the invoices again.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.urls import reverse

import upstream
from portal.business import business
from upstream import endpoints

# {str(invoice id): [web address, invoice number]} of invoices this session has shown.
SESSION_INVOICES = "invoices_listed"
SESSION_INVOICES_MAX = 500


@dataclass(frozen=True)
class PdfLink:
    invoice_id: int
    number: str
    url: str


def upstream_link(*, web_address: str, path: str, params: dict[str, str]) -> str:
    """`{scheme}://{web address}{publicBaseUrl}{path}?{params}` of the bound upstream."""
    return f"{_upstream_base(web_address)}{path}?{urlencode(params)}"


def _upstream_base(web_address: str) -> str:
    target = upstream.upstream_target()
    return f"{target.pdf_link_scheme}://{web_address}{target.public_base_url}"


def web_address(invoice: upstream.InvoicePreview) -> str:
    """The host of an invoice's PDF links: its BusinessWebAddress (a slug already made a
    host); a real tenant may leave it out, then the business's WebAddress, else the host of
    the brand's upstream (a tenant's API host is its web address, CONTRACT.md)."""
    if invoice.business_web_address:
        return invoice.business_web_address
    found = business()
    if found is not None and found.web_address:
        return found.web_address
    return urlsplit(upstream.upstream_target().base_url).netloc


def pdf_by_token_url(*, invoice: upstream.InvoicePreview, token: str) -> str:
    """The guest's PDF link: `token` is the basket GUID or registerByToken's Token."""
    path = endpoints.pdf_by_token(invoice.id)
    return upstream_link(web_address=web_address(invoice), path=path, params={"token": token})


def statement_pdf_url(*, web_address: str, media_jwt: str) -> str:
    path = endpoints.STATEMENT_PDF
    return upstream_link(web_address=web_address, path=path, params={"t": media_jwt})


def portal_pdf_link(invoice: upstream.InvoicePreview) -> PdfLink:
    """A portal URL that works without JavaScript (it redirects to a fresh media-JWT link);
    the links poll (`links_url`) swaps in the direct upstream link. The view is the one
    settings.CUSTOMER_PDF_URL names."""
    url = reverse(settings.CUSTOMER_PDF_URL, args=[invoice.id])
    return PdfLink(invoice_id=invoice.id, number=invoice.number, url=url)


def links_url() -> str:
    """The links fragment a page's poller asks for fresh direct links
    (settings.CUSTOMER_PDF_LINKS_URL)."""
    return reverse(settings.CUSTOMER_PDF_LINKS_URL)


def invoices_remember(*, session: SessionBase, invoices: list[upstream.InvoicePreview]) -> None:
    listed: dict[str, list[str]] = session.get(SESSION_INVOICES, {})
    fresh = {str(i.id): [web_address(i), i.number] for i in invoices}
    if any(listed.get(key) != value for key, value in fresh.items()):
        listed.update(fresh)
        # Bounded: the oldest entries go first (dicts keep insertion order).
        session[SESSION_INVOICES] = dict(list(listed.items())[-SESSION_INVOICES_MAX:])


def invoice_remembered(*, session: SessionBase, invoice_id: int) -> bool:
    return str(invoice_id) in session.get(SESSION_INVOICES, {})


def invoices_forget(*, session: SessionBase) -> None:
    session.pop(SESSION_INVOICES, None)


def media_jwt_links(
    *, session: SessionBase, invoice_ids: list[int], media_jwt: str
) -> list[PdfLink]:
    """Direct upstream links for the invoices this session has shown; others are left out."""
    listed: dict[str, list[str]] = session.get(SESSION_INVOICES, {})
    # upstream_link's query, quoted once: the links fragment polls a page of them.
    query = urlencode({"t": media_jwt})
    links = []
    for invoice_id in invoice_ids:
        known = listed.get(str(invoice_id))
        if known is None:
            continue
        web_address, number = known
        url = f"{_upstream_base(web_address)}{endpoints.pdf(invoice_id)}?{query}"
        links.append(PdfLink(invoice_id=invoice_id, number=number, url=url))
    return links


def forget_on_sign_out(sender: object, *, session: SessionBase, **kwargs: object) -> None:
    """A `signing_out` receiver (accounts.apps): the next customer sees none of these."""
    invoices_forget(session=session)
