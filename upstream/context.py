"""Which upstream this request talks to, and the request id it sends along.

A context variable, as Django's active language is: the middleware binds it once per request
(tests bind it explicitly), so the client needs nothing of the rest of the project.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings


@dataclass
class PageCalls:
    """What one page's upstream calls share: once one finds the upstream unavailable (or
    its budget spent), the rest are not sent, and the page shows what is cached."""

    failed: bool = False


@dataclass(frozen=True)
class UpstreamTarget:
    base_url: str
    # How browsers reach the same tenant (PDF links, CONTRACT.md "PDF links"):
    # `{pdf_link_scheme}://{web address}{public_base_url}{path}`.
    public_base_url: str = ""
    pdf_link_scheme: str = "https"
    request_id: str = "-"
    # time.monotonic() by which every upstream call of the page must be done (None: no
    # page, e.g. a command: each call alone has connect + 2 x read).
    deadline: float | None = None
    page: PageCalls | None = None


_bound: ContextVar[UpstreamTarget | None] = ContextVar("upstream_target", default=None)


def upstream_target() -> UpstreamTarget:
    """The bound target; outside any binding (commands, the shell), UPSTREAM_URL."""
    return _bound.get() or UpstreamTarget(
        base_url=settings.UPSTREAM_URL,
        public_base_url=settings.UPSTREAM_PUBLIC_BASE_URL,
        pdf_link_scheme=settings.PDF_LINK_SCHEME,
    )


@contextlib.contextmanager
def upstream_bound(
    *,
    base_url: str | None = None,
    public_base_url: str | None = None,
    pdf_link_scheme: str | None = None,
    request_id: str | None = None,
    deadline: float | None = None,
    page: PageCalls | None = None,
) -> Iterator[UpstreamTarget]:
    """Binds what is given and keeps the rest of the current target."""
    current = upstream_target()
    target = UpstreamTarget(
        base_url=current.base_url if base_url is None else base_url,
        public_base_url=current.public_base_url if public_base_url is None else public_base_url,
        pdf_link_scheme=current.pdf_link_scheme if pdf_link_scheme is None else pdf_link_scheme,
        request_id=current.request_id if request_id is None else request_id,
        deadline=current.deadline if deadline is None else deadline,
        page=current.page if page is None else page,
    )
    token = _bound.set(target)
    try:
        yield target
    finally:
        _bound.reset(token)
