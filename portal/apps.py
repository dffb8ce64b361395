from __future__ import annotations

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class PortalConfig(AppConfig):
    """The kernel every page shares; its migrations hold the cache table (and, in their
    history, the brands' tables before the brands app had them: brands/migrations)."""

    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from upstream.budget import budgets_checked

        # A budget the client could not read stops start-up, not the first page.
        try:
            budgets_checked()
        except ValueError as error:
            raise ImproperlyConfigured(str(error)) from None
