"""Bodies and methods a browser never sends: a form in another charset, a broken multipart body,
PUT or TRACE. Each gets a clear 4xx page and one log line, on every URL of the map
(docs/architecture.md) and every form, never a 500 or a traceback (portal/guards.py).

The client enforces CSRF and carries a valid token, as a browser does: Django's error pages
check CSRF too, and that check reading the refused body again was the bare 500.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
import responses
from django.test import Client

from tests.helpers.logs import console_output
from tests.helpers.urlmap import EVERY_URL, MAP_URLS

pytestmark = pytest.mark.django_db

URLENCODED = "application/x-www-form-urlencoded"


def test_the_map_was_read() -> None:
    assert "/en/sign-in" in MAP_URLS
    assert "/en/invoices/42/pdf" in MAP_URLS
    assert len(MAP_URLS) >= 11


@pytest.fixture
def browser(upstream: responses.RequestsMock) -> Client:
    """A client that enforces CSRF and holds a CSRF cookie, as a browser on the sign-in page."""
    client = Client(enforce_csrf_checks=True)
    assert client.get("/en/sign-in").status_code == 200
    return client


def _form(client: Client, charset: str) -> bytes:
    token = client.cookies["csrftoken"].value
    fields = {"csrfmiddlewaretoken": token, "email": "ada@example.com", "password": "pässword"}
    text = urllib.parse.urlencode(fields, encoding="latin-1" if charset == "latin1" else "utf-8")
    return text.encode("utf-16") if charset == "utf-16" else text.encode()


def _warnings(log: str) -> list[str]:
    return [line for line in log.splitlines() if re.search(r" (WARNING|ERROR|CRITICAL) ", line)]


@pytest.mark.parametrize("path", EVERY_URL)
@pytest.mark.parametrize("charset", ["latin1", "utf-16", "garbage", "utf-8x"])
def test_a_form_in_another_charset_is_a_400_page(browser: Client, path: str, charset: str) -> None:
    with console_output() as log:
        response = browser.generic(
            "POST", path, _form(browser, charset), content_type=f"{URLENCODED}; charset={charset}"
        )
    assert response.status_code == 400
    assert "We could not understand that request" in response.content.decode()
    assert "Traceback" not in log.getvalue()
    [line] = _warnings(log.getvalue())
    assert "charset" in line
    assert path in line


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary at all"),
        ("multipart/form-data; boundary=x; charset=latin1", b"--x--"),
        (URLENCODED, b"&".join(b"f%d=1" % number for number in range(1200))),
    ],
    ids=["multipart-without-boundary", "multipart-latin1", "too-many-fields"],
)
def test_a_form_body_django_cannot_read_is_a_400_page(
    browser: Client, content_type: str, body: bytes
) -> None:
    for path in ("/en/sign-in", "/admin/login/"):
        with console_output() as log:
            response = browser.generic("POST", path, body, content_type=content_type)
        assert response.status_code == 400, path
        assert "We could not understand that request" in response.content.decode()
        assert "Traceback" not in log.getvalue()
        assert len(_warnings(log.getvalue())) == 1


def test_utf8_by_another_name_is_read_as_utf8(
    browser: Client, upstream: responses.RequestsMock
) -> None:
    response = browser.generic(
        "POST", "/en/sign-in", _form(browser, "utf-8"), content_type=f"{URLENCODED}; charset=UTF8"
    )
    assert response.status_code == 302
    token_call = next(
        call for call in upstream.calls if str(call.request.url).endswith("/api/token")
    )
    assert "p%C3%A4ssword" in str(token_call.request.body)


# The mounted sandbox is another system, with its own answers (tests/sandbox).
PORTAL_URLS = [path for path in EVERY_URL if not path.startswith("/sandbox/")]


@pytest.mark.parametrize("path", PORTAL_URLS)
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"])
def test_any_other_method_is_a_405_page(browser: Client, path: str, method: str) -> None:
    with console_output() as log:
        response = browser.generic(method, path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    if method != "HEAD":
        assert "This page cannot be used that way" in response.content.decode()
    assert "Traceback" not in log.getvalue()
    [line] = _warnings(log.getvalue())
    assert method in line


def test_the_sandbox_api_keeps_its_own_json_405(browser: Client) -> None:
    response = browser.delete("/sandbox/api/public/checkout/status")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_get_on_a_post_only_form_is_a_405_page(browser: Client) -> None:
    response = browser.get("/en/sign-out")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "This page cannot be used that way" in response.content.decode()
