"""For the accountant: one ZIP of a member's invoices, each invoice's PDF named by its number
and a CSV of them, streamed while it is fetched (docs/invoices.md, "For the accountant").

- Bounded: at most EXPORT_MAX invoices a download; one PDF (capped by the transport at
  UPSTREAM_MAX_BODY_BYTES) in memory at a time, no temporary file (stream-zip).
- Paced: two calls an invoice (the invoice, for the CSV's amounts, and its PDF), at
  Priority.OTHER, so an export only ever takes what members' pages and buyers leave of the
  tenant's budget; when the budget is full it waits as long as the budget says (within
  EXPORT_SECONDS), where a page would give up.
- After the view: the generator runs once the view and its middleware have returned, so the
  upstream (the brand's), the request id and the language are captured in the view (`Plan`)
  and bound again around each call, each with a deadline of its own; the media JWT is asked
  again as it ages (services.media_token_get) and once more when the upstream refuses it.
- A failure midway aborts the stream (`ExportAborted`): the ZIP never gets its closing
  directory and the browser reports a failed download, never a complete-looking ZIP. The
  first invoice is fetched by the view, so an upstream that fails at once gets its page.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone, translation
from stream_zip import ZIP_32, stream_zip

import upstream
from invoices import services
from invoices.export_csv import csv_bytes, csv_row
from invoices.forms import Choice
from portal.http import UPSTREAM_FAILURES
from portal.invoice_status import local_date
from portal.logging import request_id

logger = logging.getLogger(__name__)

# Invoices per download: a module constant, not a setting (portal/settings.py is at its
# 300-line cap); docs/configuration.md. 50 invoices cost about 100 calls, most of a minute
# of the tenant's budget at OTHER's share.
EXPORT_MAX = 50
# The longest one export may take, waits for the budget included; past it, it is aborted.
EXPORT_SECONDS = 600
# A period is looked for in the member's newest invoices: this many pages of 100.
LIST_PAGE_SIZE = 100
LIST_MAX_PAGES = 10
PRIORITY = upstream.Priority.OTHER
# Small ZIP chunks: the browser's progress moves invoice by invoice.
CHUNK_BYTES = 8192
CSV_NAME = "invoices.csv"
T = TypeVar("T")


class ExportAborted(Exception):
    """The export failed after its first bytes were sent: the stream ends without the ZIP's
    closing directory, so the download fails instead of looking complete."""


@dataclass(frozen=True)
class Plan:
    """What the generator needs once the request is over, captured in the view."""

    invoice_ids: tuple[int, ...]
    bearer: str
    session: SessionBase
    target: upstream.UpstreamTarget
    language: str
    ends_at: float


@dataclass(frozen=True)
class Fetched:
    invoice: upstream.InvoiceDetail
    pdf: bytes


def plan_of(*, invoice_ids: tuple[int, ...], bearer: str, session: SessionBase) -> Plan:
    """Call in the view: binds the request's upstream, request id and language to the plan."""
    return Plan(
        invoice_ids=invoice_ids,
        bearer=bearer,
        session=session,
        target=upstream.upstream_target(),
        language=translation.get_language() or "en",
        ends_at=time.monotonic() + EXPORT_SECONDS,
    )


def chosen_ids(*, bearer: str, choice: Choice) -> tuple[int, ...]:
    """The ids of the invoices chosen: those ticked, or those dated in the period, newest
    first as the list shows them (among the newest LIST_MAX_PAGES x 100)."""
    if choice.ids:
        return choice.ids
    if choice.start is None or choice.end is None:
        raise ValueError("a choice is ids or a period")
    found: list[int] = []
    for page in range(1, LIST_MAX_PAGES + 1):
        result = upstream.invoices_my(bearer=bearer, page=page, size=LIST_PAGE_SIZE)
        found += [
            invoice.id
            for invoice in result.records
            if invoice.created_on is not None
            and choice.start <= local_date(invoice.created_on) <= choice.end
        ]
        if not result.has_next:
            break
    return tuple(dict.fromkeys(found))


def _paced(plan: Plan, call: Callable[[], T], *, patient: bool) -> T:
    """One call bound to the plan's upstream, with a deadline of its own; when the budget is
    full and `patient`, it waits as long as the budget says and asks again."""
    while True:
        token = request_id.set(plan.target.request_id)
        try:
            with (
                translation.override(plan.language),
                upstream.upstream_bound(
                    base_url=plan.target.base_url,
                    public_base_url=plan.target.public_base_url,
                    pdf_link_scheme=plan.target.pdf_link_scheme,
                    request_id=plan.target.request_id,
                    deadline=time.monotonic() + upstream.longest_call_seconds(),
                    page=upstream.PageCalls(),
                ),
            ):
                return call()
        except upstream.Throttled as error:
            if not patient or time.monotonic() + error.retry_after > plan.ends_at:
                raise
            logger.info("export waits %s s for the upstream's budget", error.retry_after)
            time.sleep(error.retry_after)
        finally:
            request_id.reset(token)


def fetched(plan: Plan, invoice_id: int, *, patient: bool) -> Fetched:
    """One invoice and its PDF; the media JWT asked again once if the upstream refuses it."""
    invoice = _paced(
        plan,
        lambda: services.invoice_get(bearer=plan.bearer, invoice_id=invoice_id, priority=PRIORITY),
        patient=patient,
    )
    for attempt in (1, 2):
        token = _paced(
            plan,
            lambda: services.media_token_get(session=plan.session, bearer=plan.bearer),
            patient=patient,
        )
        jwt = token.jwt

        def pdf_get(jwt: str = jwt) -> bytes:
            return upstream.invoice_pdf_bytes(
                media_jwt=jwt, invoice_id=invoice_id, priority=PRIORITY
            )

        try:
            pdf = _paced(plan, pdf_get, patient=patient)
        except upstream.TokenRejected:
            if attempt == 2:
                raise
            services.media_token_forget(None, session=plan.session)
            continue
        return Fetched(invoice=invoice, pdf=pdf)
    raise AssertionError("unreachable")  # pragma: no cover


def zip_stream(plan: Plan, first: Fetched) -> Iterator[bytes]:
    """The ZIP, chunk by chunk: the PDFs in the list's order, then the CSV."""
    rows: list[list[str]] = []
    names: set[str] = set()
    now = timezone.localtime().replace(tzinfo=None)

    def members() -> Iterator[tuple[str, datetime, int, Any, tuple[bytes, ...]]]:
        for position, invoice_id in enumerate(plan.invoice_ids):
            one = fetched(plan, invoice_id, patient=True) if position else first
            rows.append(csv_row(one.invoice, language=plan.language))
            name = unique_name(one.invoice, names)
            yield (name, one.invoice.created_on or now, 0o644, ZIP_32, (one.pdf,))
        yield (CSV_NAME, now, 0o644, ZIP_32, (csv_bytes(rows, language=plan.language),))

    try:
        yield from stream_zip(members(), chunk_size=CHUNK_BYTES)
    except UPSTREAM_FAILURES as error:
        logger.warning("export of %s invoices aborted midway: %s", len(plan.invoice_ids), error)
        raise ExportAborted(str(error)) from error


def unique_name(invoice: upstream.InvoicePreview, taken: set[str]) -> str:
    """`INV-2026-00042.pdf`: the number with anything but letters, digits, `.`, `_` and `-`
    made `-`; a number seen before (case aside) gets `-2`, `-3`…"""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", invoice.number).strip(".-_")[:80]
    stem = stem or f"invoice-{invoice.id}"
    name, count = f"{stem}.pdf", 1
    while name.casefold() in taken:
        count += 1
        name = f"{stem}-{count}.pdf"
    taken.add(name.casefold())
    return name


def zip_filename(choice: Choice) -> str:
    if choice.start is not None and choice.end is not None:
        return f"invoices-{choice.start.isoformat()}-to-{choice.end.isoformat()}.zip"
    return f"invoices-{timezone.localdate().isoformat()}.zip"
