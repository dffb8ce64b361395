from __future__ import annotations

from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"

    def ready(self) -> None:
        from accounts.services import signing_out
        from invoices import services

        signing_out.connect(services.media_token_forget)
