from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Connects the receivers that mark cached brands stale when one is edited.
        from portal import brands  # noqa: F401
