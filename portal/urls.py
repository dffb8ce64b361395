from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from portal import health, metrics, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("brands.urls")),
]

# The sandbox is a separate upstream that happens to share this server in the demo; the
# portal reaches it only over HTTP (docs/architecture.md).
if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

# Every customer page, under its language prefix (/en/…); docs/architecture.md maps each to
# its view, service and upstream calls.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("", include("accounts.urls")),
    # The gateway's return address (CONTRACT.md): the checkout-complete page.
    path("invoices/complete", include("checkout.urls")),
    # My Invoices: the list, one invoice, its PDF, the statement, the links fragment.
    path("invoices/", include("invoices.urls")),
)
