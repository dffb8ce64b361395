from __future__ import annotations

from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"

    def ready(self) -> None:
        from invoices import services
        from portal.accounts import signing_out

        signing_out.connect(services.media_token_forget)
