from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Connects the receivers that mark cached brands stale when one is edited.
        from portal import pdf_links
        from portal.accounts import signing_out
        from portal.brands import hosts  # noqa: F401

        signing_out.connect(pdf_links.forget_on_sign_out)
