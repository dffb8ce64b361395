from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from sandbox import demo


class Command(BaseCommand):
    help = (
        "A tenant of its own for a host the sandbox is reached on (a second brand's upstream in "
        "the demo): its name, address and portal, and the demo customer with its invoices."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("host", help="the host (and port) its brand's upstream URL names")
        parser.add_argument("--name", required=True, help="the business's name")
        parser.add_argument(
            "--portal-url", help="its portal, for emails and the gateway (default: http://HOST)"
        )
        parser.add_argument("--address", default="", help="its street address")
        parser.add_argument("--language-culture", default="en-GB", help="e.g. de-DE")

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["host"].strip().lower()
        business = demo.tenant_get_or_create(
            host=host,
            name=options["name"],
            portal_url=options["portal_url"] or f"http://{host}",
            address=options["address"],
            language_culture=options["language_culture"],
        )
        customer, created = demo.demo_seed(business=business)
        self.stdout.write(
            f"Tenant {host}: {business.name}, portal {business.portal_address}; "
            f"{customer.email} with {customer.invoices.count()} invoices ({created} new)."
        )
