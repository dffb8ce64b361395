from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The kernel every page shares; its migrations hold the cache table (and, in their
    history, the brands' tables before the brands app had them: brands/migrations)."""

    name = "portal"
    verbose_name = "Portal"
