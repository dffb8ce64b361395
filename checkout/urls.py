from __future__ import annotations

from django.urls import URLPattern, path

from checkout import views

app_name = "checkout"

urlpatterns: list[URLPattern] = [
    path("invoices/complete", views.complete, name="complete"),
]
