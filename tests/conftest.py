from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from django.conf import settings

from sandbox import services
from sandbox.models import Business, Customer


@pytest.fixture
def business(db: None) -> Business:
    return services.demo_business_get_or_create()


@pytest.fixture
def demo_customer(db: None) -> Customer:
    customer, _ = services.demo_seed()
    return customer


@pytest.fixture
def upstream_http() -> Iterator[responses.RequestsMock]:
    """The upstream mocked at the HTTP layer; see `upstream_url(path)`."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def upstream_url(path: str) -> str:
    return settings.UPSTREAM_URL + path
