from __future__ import annotations

import pytest
import responses
from django.test import Client

from tests.helpers import upstream_data
from tests.helpers.invoices import BUSINESS_URL
from tests.helpers.sign_in import sign_in


@pytest.fixture
def mocked(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    """The upstream with its business registered (statement links are built from it)."""
    upstream_http.add(responses.GET, BUSINESS_URL, json=upstream_data.business())
    return upstream_http


@pytest.fixture
def customer(client: Client, mocked: responses.RequestsMock) -> Client:
    """A client signed in through the real sign-in view."""
    sign_in(client, mocked)
    return client
