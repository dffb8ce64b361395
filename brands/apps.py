from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BrandsConfig(AppConfig):
    name = "brands"
    verbose_name = "Brands"

    def ready(self) -> None:
        # Connects the receivers that mark cached brands stale when one is edited.
        from brands import hosts  # noqa: F401


class BrandsAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the operators' guarded site as `admin.site` (INSTALLED_APPS):
    an app config of its own, since the site's module imports models (brands/admin_site.py)."""

    default_site = "brands.admin_site.OperatorsAdminSite"
    # Named in INSTALLED_APPS; not the "brands" app's own config (BrandsConfig is).
    default = False
