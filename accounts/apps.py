from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts.services import signing_out
        from portal import payments, pdf_links

        # The next customer of this browser sees none of the PDF links the last one was shown.
        signing_out.connect(pdf_links.forget_on_sign_out)
        signing_out.connect(payments.payments_forget_on_sign_out)
