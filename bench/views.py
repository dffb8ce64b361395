from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def baseline(request: HttpRequest) -> HttpResponse:
    """What Django, gunicorn and the portal's middleware cost for a page that does nothing: no
    template, no upstream. The middleware still reads the session when the request has one
    (the brand's check), as it does for every page."""
    return HttpResponse(b"ok", content_type="text/plain")
