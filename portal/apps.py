from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Connects the receivers that mark cached brands stale when one is edited.
        from portal import pdf_links
        from portal.accounts import signing_out
        from portal.brands import hosts  # noqa: F401

        signing_out.connect(pdf_links.forget_on_sign_out)


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's guarded site as `admin.site` (INSTALLED_APPS):
    an app config module, since the site's module imports models (portal/admin_site.py)."""

    default_site = "portal.admin_site.PortalAdminSite"
    # Named in INSTALLED_APPS; not the "portal" app's own config (PortalConfig is).
    default = False
