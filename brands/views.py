from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from brands.hosts import brand_logo_file, request_brand


@require_GET
def brand_logo(request: HttpRequest, version: str) -> HttpResponse:
    """An uploaded logo of the active brand. The version in the URL is the logo's digest, so
    the answer can be cached for a year: a new logo gets a new URL."""
    brand = request_brand(request)
    found = brand_logo_file(brand)
    if brand.logo_version != version or found is None:
        raise Http404
    content, content_type = found
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
