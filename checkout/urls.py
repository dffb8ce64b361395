from __future__ import annotations

from django.urls import URLPattern, path

from checkout import views

app_name = "checkout"

# Mounted at /{lang}/invoices/complete by portal/urls.py.
urlpatterns: list[URLPattern] = [
    path("", views.complete, name="complete"),
]
