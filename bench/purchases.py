"""Run in the sandbox's environment: `python -m bench.purchases N` makes N paid guest purchases
and prints their completion URLs, one per line (as `manage.py sandbox_purchase` does for one,
without starting Django N times)."""

from __future__ import annotations

import sys

import django


def main() -> None:
    django.setup()
    from django.db import transaction

    from sandbox import services

    count = int(sys.argv[1])
    with transaction.atomic():
        baskets = [services.purchase_create(gateway="stripe") for _ in range(count)]
    sys.stdout.write("".join(f"{services.completion_url(basket=b)}\n" for b in baskets))


if __name__ == "__main__":
    main()
