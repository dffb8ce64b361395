"""The demo's data: the demo customer with a dozen invoices (`manage.py sandbox_seed`), and a
tenant of its own for a second brand's host (`manage.py sandbox_tenant`, docs/operators.md)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sandbox import grants
from sandbox.models import Business, Customer, Invoice
from sandbox.services import demo_business_get_or_create, invoice_create

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105  (written in the README: a public demo account)
_DEMO_NAMESPACE = uuid.UUID("6f1c1f0e-5d3b-4c7a-9a57-0c2f1e9d4b10")

# (days ago, paid, credit note, lines): a dozen invoices, paid, unpaid and one credit note.
_DEMO_INVOICES: list[tuple[int, bool, bool, list[tuple[str, int, Decimal]]]] = [
    (2, False, False, [("Dedicated desk, monthly", 1, Decimal("320.00"))]),
    (9, False, False, [("Meeting room, 4 hours", 1, Decimal("110.00"))]),
    (16, True, True, [("Refund: unused day passes", 2, Decimal("-25.00"))]),
    (33, True, False, [("Dedicated desk, monthly", 1, Decimal("320.00"))]),
    (47, False, False, [("Printing credits", 200, Decimal("0.10"))]),
    (63, True, False, [("Dedicated desk, monthly", 1, Decimal("320.00"))]),
    (71, True, False, [("Event space, evening", 1, Decimal("450.00"))]),
    (94, True, False, [("Dedicated desk, monthly", 1, Decimal("320.00"))]),
    (110, True, False, [("Hot desk day pass", 5, Decimal("25.00"))]),
    (125, True, False, [("Dedicated desk, monthly", 1, Decimal("320.00"))]),
    (
        140,
        True,
        False,
        [
            ("Meeting room, 2 hours", 3, Decimal("60.00")),
            ("Coffee and snacks", 1, Decimal("45.50")),
        ],
    ),
    (156, True, False, [("Dedicated desk, monthly", 1, Decimal("320.00"))]),
]


@transaction.atomic
def demo_seed(*, business: Business | None = None) -> tuple[Customer, int]:
    """The demo customer and invoices, at the demo business or `business` (another tenant);
    running it again adds nothing."""
    business = business or demo_business_get_or_create()
    # The demo business's invoices keep the ids they always had; another tenant's are its own.
    tenant = "" if business.pk == 1 else f"{business.web_address}:"
    customer, _ = Customer.objects.get_or_create(
        business=business,
        email__iexact=DEMO_EMAIL,
        defaults={
            "email": DEMO_EMAIL,
            "full_name": "Demo Customer",
            "password": make_password(DEMO_PASSWORD),
            "portal_access": True,
        },
    )
    grants.demo_accounts_seed(business=business, password=DEMO_PASSWORD)
    created = 0
    now = timezone.now()
    for index, (days_ago, paid, credit_note, lines) in enumerate(_DEMO_INVOICES):
        unique_id = uuid.uuid5(_DEMO_NAMESPACE, f"{tenant}demo-invoice-{index}")
        if Invoice.objects.filter(unique_id=unique_id).exists():
            continue
        invoice_create(
            business=business,
            customer=customer,
            email=customer.email,
            lines=lines,
            created_on=now - timedelta(days=days_ago),
            paid=paid,
            credit_note=credit_note,
            unique_id=unique_id,
        )
        created += 1
    return customer, created


def tenant_get_or_create(
    *, host: str, name: str, portal_url: str, address: str = "", language_culture: str = "en-GB"
) -> Business:
    """A tenant of its own for `host` (a brand's upstream in the demo): its name, address and
    portal, with the demo business's other data; updated if it exists."""
    demo = demo_business_get_or_create()
    business = Business.objects.filter(web_address=host).first()
    if business is None:
        # An id of its own: the demo business was made with id 1, which PostgreSQL's sequence
        # does not know about, so the sequence's next may be taken.
        latest = Business.objects.aggregate(latest=Max("id"))["latest"] or 0
        business = Business(id=latest + 1, web_address=host)
    business.name, business.portal_url = name, portal_url.rstrip("/")
    business.address, business.language_culture = address, language_culture
    # The demo business's town when no address is given; its country and time zone always.
    business.town_city = "" if address else demo.town_city
    business.postal_code = "" if address else demo.postal_code
    business.country_name, business.country_code = demo.country_name, demo.country_code
    business.time_zone = demo.time_zone
    business.save()
    return business
