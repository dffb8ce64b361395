from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from portal import health, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("brand/logo/<slug:version>", views.brand_logo, name="brand_logo"),
]

# The sandbox is a separate upstream that happens to share this server in development; the
# portal reaches it only over HTTP (ARCHITECTURE.md).
if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

# Every customer page, under its language prefix (/en/…); docs/architecture.md maps each to
# its view, service and upstream calls.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("sign-in", views.sign_in, name="sign_in"),
    path("sign-in/code", views.sign_in_code, name="sign_in_code"),
    path("sign-out", views.sign_out, name="sign_out"),
    # Setting a password (docs/accounts.md): the form, "check your inbox", and the emailed
    # link's page, at the official portal's path so that the upstream's emails open it.
    path("password/forgot", views.password_forgot, name="password_forgot"),
    path("password/sent", views.password_sent, name="password_sent"),
    path("user/resetPassword", views.password_reset, name="password_reset"),
    # The gateway's return address (CONTRACT.md): the checkout-complete page.
    path("invoices/complete", include("checkout.urls")),
    # My Invoices: the list, one invoice, its PDF, the statement, the links fragment.
    path("invoices/", include("invoices.urls")),
)
