"""Clear, themed pages for bad URLs, server errors and expired forms: never Django's bare ones."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from portal import urls as portal_urls

# Every page looks its brand up (brands/hosts.py).
pytestmark = pytest.mark.django_db


def _explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("token=never-shown-to-people")


urlpatterns = [*portal_urls.urlpatterns, path("explode", _explode)]


def test_unknown_page_is_a_themed_404(client: Client) -> None:
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content
    assert b'<link rel="stylesheet"' in response.content


def test_invoice_id_that_is_not_a_number_is_a_404(client: Client) -> None:
    assert client.get("/en/invoices/abc/").status_code == 404


@pytest.mark.urls("tests.portal.test_error_pages")
def test_server_error_is_a_themed_500_without_details(db: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/explode")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"never-shown-to-people" not in response.content
    assert b"Traceback" not in response.content


def test_expired_form_is_explained(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/en/sign-in", {"email": "a@example.com", "password": "x"})
    assert response.status_code == 403
    assert b"This form has expired" in response.content
