"""The sandbox's OpenAPI document stays true: schemathesis generates requests from it, valid
and not, and every answer must be documented, of the documented type and shape, and never a
5xx. A bounded number of examples per operation keeps it to seconds in CI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from pytest_django.fixtures import Settings as SettingsWrapper
from schemathesis import checks
from schemathesis.generation.case import Case

from sandbox import demo as sandbox_demo
from sandbox import grants, services
from sandbox.models import Customer
from sandbox.openapi import DOCUMENT

# The document as the sandbox serves it (test_the_document_is_served checks that), called
# through Django's WSGI application in this process.
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = get_wsgi_application()

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request, which would end
    the test's transaction; Django's own test client unhooks the same signal."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def demo(db: None, settings: SettingsWrapper, wsgi_in_test_transaction: None) -> Customer:
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis's WSGI client sends
    customer, _ = sandbox_demo.demo_seed()
    services.purchase_create(gateway="stripe", email="buyer@example.com")
    return customer


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_answer_matches_the_document(case: Case[Any], demo: Customer) -> None:
    # A real customer's bearer token, so the authenticated calls are explored past the 401.
    bearer = grants.tokens_issue(customer=demo)["access_token"]
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"}, checks=CHECKS)


def test_the_document_is_served(client: Client) -> None:
    assert client.get("/sandbox/api/openapi.json").json() == DOCUMENT
    assert len(DOCUMENT["paths"]) == 15
