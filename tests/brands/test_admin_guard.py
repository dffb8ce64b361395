"""The admin, guarded: its sign-in limited before Django's authentication backend sees a
password, counted across every host; and served only on the hosts ADMIN_HOSTS names."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.models import Brand, BrandHost
from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from upstream import endpoints

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"
HARBOUR_API = "https://harbour.example/api-root"


@pytest.fixture(autouse=True)
def operator(settings: SettingsWrapper) -> User:
    settings.ALLOWED_HOSTS = ["*"]
    return User.objects.create_superuser("operator", "op@example.com", "the-right-one")


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The usernames whose password reached Django's authentication backend."""
    reached: list[str] = []
    original = ModelBackend.authenticate

    def authenticate(self: ModelBackend, request: Any, **credentials: Any) -> Any:
        reached.append(credentials.get("username", ""))
        return original(self, request, **credentials)

    monkeypatch.setattr(ModelBackend, "authenticate", authenticate)
    return reached


def _try(client: Client, password: str, host: str = "testserver", forwarded: str = "") -> Any:
    data = {"username": "operator", "password": password, "next": "/admin/"}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(LOGIN, data, HTTP_HOST=host, headers=headers)


def test_twenty_wrong_passwords_reach_authentication_at_most_the_limit(
    checked: list[str], settings: SettingsWrapper
) -> None:
    answers = [_try(Client(), f"guess-{number}") for number in range(20)]
    assert len(checked) == settings.SIGN_IN_MAX_FAILURES == 5
    assert [answer.status_code for answer in answers] == [200] * 5 + [429] * 15
    assert "Too many attempts" in answers[-1].content.decode()
    # Locked out, the right password is not checked either.
    assert _try(Client(), "the-right-one").status_code == 429
    assert len(checked) == 5


@pytest.fixture
def brand_hosts(upstream_http: responses.RequestsMock) -> list[str]:
    for slug, host in (("canal", "portal.canal.example"), ("harbour", "billing.harbour.example")):
        brand = Brand.objects.create(slug=slug, upstream_url=HARBOUR_API, languages="en")
        BrandHost.objects.create(brand=brand, host=host)
    business = upstream_data.business() | {"Name": "Harbour Works"}
    upstream_http.get(f"{HARBOUR_API}{endpoints.BUSINESS_CURRENT}", json=business)
    upstream_http.get(f"{HARBOUR_API}{endpoints.business_colors(1)}", json={})
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    upstream_http.get(upstream_url(endpoints.business_colors(1)), json={})
    return ["portal.canal.example", "billing.harbour.example", "testserver"]


def test_attempts_on_every_brands_host_count_together(
    checked: list[str], brand_hosts: list[str]
) -> None:
    for number in range(21):
        _try(Client(), f"guess-{number}", host=brand_hosts[number % 3])
    assert len(checked) == 5


def test_a_right_password_signs_in_and_a_success_does_not_count(checked: list[str]) -> None:
    for number in range(4):
        assert _try(Client(), f"guess-{number}").status_code == 200
    client = Client()
    assert _try(client, "the-right-one").status_code == 302
    assert client.get("/admin/").status_code == 200
    # The failures before it are forgotten: five more may be tried.
    for number in range(5):
        assert _try(Client(), f"again-{number}").status_code == 200
    assert _try(Client(), "again").status_code == 429


def test_behind_a_proxy_the_client_is_the_address_the_proxy_appended(
    checked: list[str], settings: SettingsWrapper
) -> None:
    settings.BEHIND_PROXY = True
    for number in range(10):
        # Whatever the client puts first, the proxy's own entry (last) is the client.
        forged = f"198.51.100.{number}, 203.0.113.7"
        _try(Client(), f"guess-{number}", forwarded=forged)
    assert len(checked) == 5
    other = _try(Client(), "guess", forwarded="203.0.113.8")
    assert other.status_code == 200
    assert len(checked) == 6


def test_the_admin_is_served_only_on_the_admin_hosts(
    checked: list[str], brand_hosts: list[str], settings: SettingsWrapper
) -> None:
    settings.ADMIN_HOSTS = ["admin.example", ".ops.example"]
    for host in ("admin.example", "portal.ops.example"):
        assert Client().get(LOGIN, HTTP_HOST=host).status_code == 200, host
    # A brand's host: not found; a host no brand serves: the unknown-address page.
    for host, status in (("billing.harbour.example", 404), ("elsewhere.example", 400)):
        for path in (LOGIN, "/admin/", "/admin/brands/brand/"):
            response = Client().get(path, HTTP_HOST=host)
            assert response.status_code == status, (host, path)
            assert "Django administration" not in response.content.decode()
        assert _try(Client(), "the-right-one", host=host).status_code == status
    assert checked == []
    # On a brand's host, the brand's own 404: its name, not another brand's or the admin's.
    page = Client().get(LOGIN, HTTP_HOST="billing.harbour.example").content.decode()
    assert "We could not find that page" in page
    assert "Harbour Works" in page
    assert "Django administration" not in page


def test_without_admin_hosts_every_host_serves_the_admin(brand_hosts: list[str]) -> None:
    for host in brand_hosts:
        assert Client().get(LOGIN, HTTP_HOST=host).status_code == 200, host


def test_without_brands_a_host_outside_admin_hosts_gets_the_portals_404(
    settings: SettingsWrapper, upstream_http: responses.RequestsMock
) -> None:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    upstream_http.get(upstream_url(endpoints.business_colors(1)), json={})
    settings.ADMIN_HOSTS = ["admin.example"]
    response = Client().get(LOGIN)
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert Client().get(LOGIN, HTTP_HOST="ADMIN.example:8443").status_code == 200
