"""The portal's URLs and one more: the baseline, a bare view behind the same middleware."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from bench import views
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/baseline", views.baseline, name="bench_baseline"),
    *portal_urlpatterns,
]
