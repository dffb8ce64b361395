"""The mocked upstream (the `upstream_http` fixture, a responses mock): its URLs and the calls
the portal made to it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import responses
from django.conf import settings

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
