from __future__ import annotations

from django.urls import URLPattern, path

from brands import views

# Mounted at / by portal/urls.py: outside the language prefix, as a logo is the same in each.
urlpatterns: list[URLPattern] = [
    path("brand/logo/<slug:version>", views.brand_logo, name="brand_logo"),
]
