from __future__ import annotations

import pytest

from sandbox import services
from sandbox.models import Business, Customer


@pytest.fixture
def business(db: None) -> Business:
    return services.demo_business_get_or_create()


@pytest.fixture
def demo_customer(db: None) -> Customer:
    customer, _ = services.demo_seed()
    return customer
