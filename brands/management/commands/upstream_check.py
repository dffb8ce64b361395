"""`manage.py upstream_check`: is this brand's upstream one the portal works with?

docs/operators.md: run it before going live, with a test customer of the tenant. The password
comes from UPSTREAM_CHECK_PASSWORD or a prompt, never from the command line (shell histories
and process lists keep those); nothing secret is printed.
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brands.contract.checker import Checker, Customer, Row
from brands.contract.sequence import check
from brands.hosts import BrandSettings, brand_activated, brand_by_slug, default_brand
from portal import pdf_links
from upstream import upstream_bound

COLUMNS = ("call", "reached", "status", "ms", "pages' needs", "differs from CONTRACT.md")


def table(rows: list[Row]) -> list[str]:
    cells = [
        (
            row.call + ("" if row.required else " (optional)"),
            "yes" if row.reached else "no",
            row.status,
            str(row.ms) if row.reached else "-",
            {True: "yes", False: "NO", None: "-"}[row.needs],
            "; ".join(row.differences) or "-",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [COLUMNS, *cells]) for i in range(5)]
    return [
        "  ".join(part.ljust(width) for part, width in zip(line[:5], widths, strict=True))
        + "  "
        + line[5]
        for line in [COLUMNS, *cells]
    ]


class Command(BaseCommand):
    help = "Check a brand's upstream against every call the portal makes (CONTRACT.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", help="A brand's short name (default: the settings' brand).")
        parser.add_argument("--url", help="Another upstream base URL, for the same checks.")
        parser.add_argument("--email", help="A test customer's email (password: see above).")
        parser.add_argument("--totp", help="The test customer's two-factor code, if it has one.")

    def handle(self, *args: Any, **options: Any) -> None:
        brand = self._brand(options["brand"])
        customer = None
        if options["email"]:
            password = os.environ.get("UPSTREAM_CHECK_PASSWORD") or getpass.getpass(
                f"Password of {options['email']}: "
            )
            customer = Customer(email=options["email"], password=password, totp=options["totp"])
        checker = Checker(
            pdf_url=lambda web, path, params: pdf_links.upstream_link(
                web_address=web, path=path, params=params
            )
        )
        with self._bound(brand, options["url"]) as base_url:
            self.stdout.write(f"Upstream: {base_url} (brand {brand.key})")
            rows = check(customer=customer, checker=checker)
        for line in table(rows):
            self.stdout.write(line)
        failed = [row.call for row in rows if not row.ok]
        if failed:
            raise CommandError(f"The portal will not work with this upstream: {', '.join(failed)}.")
        self.stdout.write(self.style.SUCCESS("The portal will work with this upstream."))

    def _brand(self, slug: str | None) -> BrandSettings:
        if not slug:
            return default_brand()
        brand = brand_by_slug(slug)
        if brand is None:
            raise CommandError(f"No brand {slug!r}.")
        return brand

    @contextlib.contextmanager
    def _bound(self, brand: BrandSettings, url: str | None) -> Iterator[str]:
        with (
            brand_activated(brand),
            upstream_bound(base_url=(url or brand.upstream_url).rstrip("/")) as target,
        ):
            yield target.base_url
