"""Property tests: whatever query string, path or form a browser sends to any portal URL (or to
the sandbox API), the answer is never a 5xx. The upstream answers as the contract says, so the
portal's own parsing is what is explored."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
import responses
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import upstream_data
from tests.helpers.logs import console_output
from tests.helpers.sign_in import sign_in
from tests.helpers.upstream import upstream_url
from tests.helpers.urlmap import EVERY_URL
from upstream import endpoints

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as browsers and attackers send it: any Unicode (control characters, surrogates are
# left out by Hypothesis's default), long, or shaped like the values the pages expect.
values = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "9" * 40,
            "1e9",
            "5f0c7a0e-3b1d-4c2e-9a57-2f6f3e8d1c44",
            "{5f0c7a0e-3b1d-4c2e-9a57-2f6f3e8d1c44}",
            "//evil.example/",
            "https://evil.example/",
            "javascript:alert(1)",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "%00",
            "../../etc/passwd",
            "1,2,3," * 50,
            "true",
        ]
    ),
)
names = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "stripe_session_id",
            "spreedly_session_id",
            "paypal_session_id",
            "poll",
            "show",
            "page",
            "ids",
            "next",
            "statement",
            "email",
            "password",
            "password_again",
            "token",
            "csrfmiddlewaretoken",
        ]
    ),
)
queries = st.lists(st.tuples(names, values), max_size=6)

PAGES = [
    "/",
    "/en/",
    "/es/",
    "/en/sign-in",
    "/en/invoices/complete",
    "/en/invoices/",
    "/en/invoices/42/",
    "/en/invoices/42/pdf",
    "/en/invoices/statement/pdf",
    "/en/invoices/links",
    "/en/password/forgot",
    "/en/password/sent",
    "/en/user/resetPassword",
    "/brand/logo/0123456789abcdef",
    "/healthz",
]


@pytest.fixture
def upstream(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    """A healthy upstream for whatever the pages ask."""
    mock = upstream_http
    mock.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    mock.get(upstream_url(endpoints.business_colors(1)), json={})
    mock.get(upstream_url(endpoints.CHECKOUT_STATUS), json=upstream_data.checkout_status())
    mock.post(
        upstream_url(endpoints.register_by_token(42)),
        json={"Token": "invoice-token", "CustomerCreated": True},
    )
    mock.post(
        upstream_url(endpoints.TOKEN),
        json={"access_token": "a", "refresh_token": "r", "expires_in": 3600},
    )
    mock.get(
        upstream_url(endpoints.INVOICES_MY),
        json=upstream_data.invoice_page(upstream_data.invoice_detail(42)),
    )
    mock.get(upstream_url(endpoints.invoice(42)), json=upstream_data.invoice_detail(42))
    mock.get(upstream_url(endpoints.MEDIA_TOKEN), json={"jwt": "media-jwt"})
    mock.post(upstream_url(endpoints.PASSWORD_RESET_START), json={"WasSuccessful": True})
    return mock


def _signed_in() -> Client:
    client = Client()
    # The upstream fixture accepts any password.
    sign_in(client)
    return client


@pytest.mark.parametrize("signed_in", [False, True], ids=["guest", "customer"])
@pytest.mark.parametrize("page", PAGES)
@FUZZ
@given(query=queries, htmx=st.booleans())
def test_any_query_string_on_any_page(
    upstream: responses.RequestsMock,
    page: str,
    signed_in: bool,
    query: list[tuple[str, str]],
    htmx: bool,
) -> None:
    client = _signed_in() if signed_in else Client()
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(f"{page}?{urlencode(query)}", headers=headers)
    assert response.status_code < 500


@FUZZ
@given(segments=st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=4))
def test_any_path(upstream: responses.RequestsMock, segments: list[str]) -> None:
    client = _signed_in()
    path = "/".join(quote(segment, safe="") for segment in segments)
    for prefix in ("/", "/en/", "/en/invoices/", "/sandbox/api/", "/fr/invoices/complete/"):
        assert client.get(prefix + path).status_code < 500


@FUZZ
@given(form=queries, method_post=st.booleans())
def test_any_form_on_the_sign_in_and_sign_out_pages(
    upstream: responses.RequestsMock, form: list[tuple[str, str]], method_post: bool
) -> None:
    client = Client()
    paths = ("/en/sign-in", "/en/sign-out", "/en/invoices/complete", "/en/password/forgot")
    for path in (*paths, "/en/user/resetPassword"):
        data = urlencode(form)
        if method_post:
            response = client.post(path, data, content_type="application/x-www-form-urlencoded")
        else:
            response = client.put(path, data, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500


@FUZZ
@given(email=values, password=values)
def test_any_credentials(upstream: responses.RequestsMock, email: str, password: str) -> None:
    response = Client().post("/en/sign-in", {"email": email, "password": password})
    assert response.status_code < 500
    # The password field is never filled back in.
    field = re.search(r'<input[^>]*name="password"[^>]*>', response.content.decode())
    assert field is None or "value=" not in field.group(0)


@FUZZ
@given(host=st.text(min_size=1, max_size=80))
def test_any_host_header(upstream: responses.RequestsMock, host: str) -> None:
    response = Client().get("/en/", HTTP_HOST=host)
    assert response.status_code < 500


# What a line of the portal's log starts with (settings.LOGGING's plain format).
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \[([0-9a-f]{32})\] ")
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin1",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "application/json",
    "text/plain; charset=utf-8",
]


@FUZZ
@given(
    path=st.sampled_from([*EVERY_URL, "/sandbox/api/token", "/nowhere", "/en/nowhere/"]),
    method=st.sampled_from(METHODS),
    host=st.one_of(st.just("testserver"), st.text(min_size=1, max_size=60)),
    query=queries,
    content_type=st.sampled_from(CONTENT_TYPES),
    body=st.binary(max_size=200),
)
def test_every_log_line_of_any_request_has_its_request_id(
    upstream: responses.RequestsMock,
    path: str,
    method: str,
    host: str,
    query: list[tuple[str, str]],
    content_type: str,
    body: bytes,
) -> None:
    client = Client(enforce_csrf_checks=True)
    with console_output() as log:
        response = client.generic(
            method, f"{path}?{urlencode(query)}", body, content_type=content_type, HTTP_HOST=host
        )
    assert response.status_code < 500
    lines = log.getvalue().splitlines()
    # Every line is a whole record of this request: no traceback, no continuation.
    matches = [LOG_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert {match.group(1) for match in matches if match} <= {response["X-Request-ID"]}
    if response.status_code >= 400:
        # Django's own line for a 4xx is written after the middleware returned: it has it too.
        assert any(" WARNING " in line for line in lines)
