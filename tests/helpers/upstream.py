"""The mocked upstream (the `upstream_http` fixture, a responses mock): its URLs and the calls
the portal made to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import responses
from django.conf import settings

from upstream.transport import pooled_session, waiting_slots

# The white-label data (business name and colours) that every page's layout may ask for, cached.
_BRANDING = re.compile(r"/api/(public/businesses/current|sys/businesses/\d+/colors)$")


def upstream_url(path: str) -> str:
    return settings.UPSTREAM_URL + path


def api_calls(mock: responses.RequestsMock) -> list[responses.Call]:
    """The calls a page made for its own work, without the white-label data."""
    return [
        call for call in mock.calls if not _BRANDING.search(str(urlsplit(call.request.url).path))
    ]


def calls_to(mock: responses.RequestsMock, method: str, path: str) -> int:
    """How many times the portal called `method path`, whatever the query."""
    url = upstream_url(path)
    return sum(
        1
        for call in mock.calls
        if call.request.method == method and (call.request.url or "").split("?")[0] == url
    )


def pooled_sessions_closed() -> None:
    """The client's pooled sessions closed and forgotten. Dropped unclosed, their keep-alive
    connections would stay open until a garbage collection, and a live server's thread that
    serves one keeps its database connection as long: PostgreSQL then refuses to drop the
    test database."""
    if pooled_session.cache_info().currsize:
        for retrying in (True, False):
            pooled_session(retrying=retrying).close()
    pooled_session.cache_clear()


@contextmanager
def transport_made_again() -> Iterator[None]:
    """The client's pooled sessions and waiting slots, made once per process from settings,
    made again from the test's settings, and again after it for the next test."""
    waiting_slots.cache_clear()
    pooled_sessions_closed()
    try:
        yield
    finally:
        waiting_slots.cache_clear()
        pooled_sessions_closed()
