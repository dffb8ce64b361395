"""The sandbox's URLs when it runs alone (sandbox.settings): its routes at /sandbox/, as the
portal's demo mounts them, and a probe at /healthz."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", healthz),
    path("sandbox/", include("sandbox.urls")),
]
