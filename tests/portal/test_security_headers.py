"""The OWASP secure headers beyond CSP and HSTS (tests/portal/test_security.py): a permissions
policy and a cross-origin resource policy on every answer, Clear-Site-Data on sign-out."""

from __future__ import annotations

import pytest
import responses
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.models import Brand, BrandHost

pytestmark = pytest.mark.django_db

# Pages, the admin, probes, a static file, a 404, the sandbox API, a refused host and method.
ANSWERS = [
    ("GET", "/en/", "testserver"),
    ("GET", "/en/sign-in", "testserver"),
    ("GET", "/admin/login/", "testserver"),
    ("GET", "/healthz", "testserver"),
    ("GET", "/static/css/portal.css", "testserver"),
    ("GET", "/en/no-such-page/", "testserver"),
    ("GET", "/sandbox/api/public/businesses/current", "testserver"),
    ("GET", "/en/", "evil.example"),
    ("PUT", "/en/sign-in", "testserver"),
]


def _policy(header: str) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in header.split(","))


@pytest.mark.parametrize(("method", "path", "host"), ANSWERS)
def test_every_answer_refuses_the_browser_features_no_page_uses(
    client: Client, upstream: responses.RequestsMock, method: str, path: str, host: str
) -> None:
    response = client.generic(method, path, HTTP_HOST=host)
    response.close()  # a static file's answer holds the file open
    policy = _policy(response["Permissions-Policy"])
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert policy[feature] == "()", feature


@pytest.mark.parametrize(("method", "path", "host"), ANSWERS)
def test_every_answer_is_for_this_origin_only(
    client: Client, upstream: responses.RequestsMock, method: str, path: str, host: str
) -> None:
    response = client.generic(method, path, HTTP_HOST=host)
    response.close()
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_sign_out_clears_the_browsers_cache_and_storage(
    client: Client, upstream: responses.RequestsMock
) -> None:
    client.post("/en/sign-in", {"email": "ada@example.com", "password": "pw"})
    response = client.post("/en/sign-out")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    # Only there: other answers leave the browser's data alone.
    assert "Clear-Site-Data" not in client.get("/en/sign-in")


# What a page carries (Django's SecurityMiddleware and XFrameOptionsMiddleware, django-csp):
# every answer carries it too, its error pages and redirects included.
PAGE_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
)
EDGES = [
    *ANSWERS,
    # A host no brand serves (a brand exists for another one), and the redirect from `/`.
    ("GET", "/en/", "unbranded.example"),
    ("GET", "/", "testserver"),
    ("POST", "/en/sign-out", "evil.example"),
    ("TRACE", "/", "testserver"),
]


@pytest.mark.parametrize(("method", "path", "host"), EDGES)
def test_every_answer_carries_the_pages_security_headers(
    client: Client,
    upstream: responses.RequestsMock,
    settings: SettingsWrapper,
    method: str,
    path: str,
    host: str,
) -> None:
    settings.ALLOWED_HOSTS = ["testserver", "unbranded.example", "branded.example"]
    brand = Brand.objects.create(slug="branded", upstream_url=settings.UPSTREAM_URL)
    BrandHost.objects.create(brand=brand, host="testserver")
    page = client.get("/en/sign-in")
    response = client.generic(method, path, HTTP_HOST=host)
    response.close()
    missing = [name for name in PAGE_HEADERS if name not in response.headers]
    assert missing == [], f"{response.status_code} lacks {missing}"
    for name in PAGE_HEADERS[1:]:
        assert response[name] == page[name], name
