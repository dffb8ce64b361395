from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sandbox import services
from sandbox.models import BasketSession


class Command(BaseCommand):
    help = (
        "Simulate a guest purchase through a payment gateway; the last line printed is the "
        "portal's completion URL."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--gateway", required=True, choices=BasketSession.Gateway.values)
        parser.add_argument("--email", help="buyer email (default: a new guest address)")
        parser.add_argument(
            "--pending",
            type=int,
            default=0,
            metavar="SECONDS",
            help="stay Pending this long before settling, as a late webhook would",
        )
        parser.add_argument("--fail", action="store_true", help="the payment fails")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["pending"] < 0:
            raise CommandError("--pending must be zero or more seconds.")
        basket = services.purchase_create(
            gateway=options["gateway"],
            email=options["email"],
            pending_seconds=options["pending"],
            fail=options["fail"],
        )
        self.stdout.write(
            f"Invoice {basket.invoice.invoice_number} (id {basket.invoice_id}) for "
            f"{basket.buyer_email}: {basket.status}"
        )
        self.stdout.write(services.completion_url(basket=basket))
