from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sandbox import demo


class Command(BaseCommand):
    help = "Create the sandbox's demo business, customer and invoices (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        customer, created = demo.demo_seed()
        self.stdout.write(
            f"Demo data ready: {customer.email} with {customer.invoices.count()} invoices "
            f"({created} new)."
        )
