"""The checkout-complete page with Django's test client and the upstream mocked (responses)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
import requests
import responses
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from responses import matchers

from checkout.views import POLL_DELAYS
from portal.upstream import endpoints
from tests import upstream_data
from tests.conftest import api_calls, upstream_url

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

COMPLETE = "/en/invoices/complete"
GUID = "5f0b8d0e-1c2a-4e57-9d3c-2b7a9e4f6a10"
OTHER_GUID = "9a4c2e71-3b5d-4f60-8e1a-7c9d0b2f4e83"
TOKEN = "reg-tok-7Qx2Lm9Vb4"
STATUS_URL = upstream_url(endpoints.CHECKOUT_STATUS)
REGISTER = endpoints.register_by_token(42)
PDF_BY_TOKEN = (
    f"{settings.PDF_LINK_SCHEME}://spaces.example.com{settings.UPSTREAM_PUBLIC_BASE_URL}"
    "/api/public/billing/invoices/42/pdfByToken?token="
)
PDF_TEXT = "Download invoice (PDF)"


@pytest.fixture
def mocked(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    """The upstream with its business registered; tests add the checkout answers."""
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    return upstream_http


# Helpers ------------------------------------------------------------------------------------


def _status(
    mock: responses.RequestsMock, state: str = "Paid", guid: str = GUID, **changes: Any
) -> None:
    mock.get(
        STATUS_URL,
        json=upstream_data.checkout_status(state, **changes),
        match=[matchers.query_param_matcher({"token": guid})],
    )


def _register(
    mock: responses.RequestsMock, invoice_id: int = 42, guid: str = GUID, **answer: Any
) -> None:
    """registerByToken for `guid` only; answers `answer` (responses kwargs) or the Token."""
    answer = answer or {"json": {"Token": TOKEN, "CustomerCreated": True}}
    mock.post(
        upstream_url(endpoints.register_by_token(invoice_id)),
        match=[matchers.query_param_matcher({"token": guid})],
        **answer,
    )


def _land(client: Client, guid: str = GUID, param: str = "stripe_session_id") -> Response:
    """Opens the gateway's return URL and follows its redirect to the page."""
    redirect = client.get(f"{COMPLETE}?{urlencode({param: guid})}")
    assert redirect.status_code == 303
    return client.get(COMPLETE)


def _htmx(client: Client, query: str = "") -> Response:
    return client.get(f"{COMPLETE}{query}", headers={"HX-Request": "true"})


def _calls(mock: responses.RequestsMock, method: str, path: str) -> int:
    url = upstream_url(path)
    return sum(
        1
        for call in mock.calls
        if call.request.method == method and (call.request.url or "").split("?")[0] == url
    )


class _Page(HTMLParser):
    """A response's start tags (attributes) and links (href, text)."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.tags: list[dict[str, str | None]] = []
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""
        self.feed(response.content.decode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(dict(attrs))
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join(self._text.split())))
            self._href = None

    def pollers(self) -> list[dict[str, str | None]]:
        return [tag for tag in self.tags if "hx-get" in tag]

    def pdf_links(self) -> list[str]:
        return [href for href, text in self.links if text == PDF_TEXT]


def _text(response: Response) -> str:
    return response.content.decode()


# 1. The return URL --------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["stripe_session_id", "spreedly_session_id", "paypal_session_id"])
@pytest.mark.parametrize("value", [GUID, GUID.upper()], ids=["lower", "upper"])
def test_return_url_redirects_and_keeps_the_guid(client: Client, param: str, value: str) -> None:
    response = client.get(f"{COMPLETE}?{urlencode({param: value})}")
    assert response.status_code == 303
    assert response["Location"] == COMPLETE
    assert client.session["checkout_token"] == GUID


# 2. Bad links -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        urlencode([("stripe_session_id", GUID), ("stripe_session_id", OTHER_GUID)]),
        urlencode([("stripe_session_id", GUID), ("paypal_session_id", OTHER_GUID)]),
        "stripe_session_id=",
        urlencode({"stripe_session_id": "not-a-guid"}),
        urlencode({"stripe_session_id": "{" + GUID + "}"}),
        urlencode({"stripe_session_id": "urn:uuid:" + GUID}),
        urlencode({"spreedly_session_id": GUID[:-1]}),
        urlencode({"paypal_session_id": GUID + "\n"}),
        urlencode({"stripe_session_id": "' OR 1=1; DROP TABLE invoices; --"}),
        urlencode({"stripe_session_id": "<script>alert(1)</script>"}),
    ],
    ids=[
        "repeated",
        "two-gateways",
        "empty",
        "not-a-guid",
        "braces",
        "urn",
        "31-hex-digits",
        "trailing-newline",
        "sql",
        "html",
    ],
)
def test_bad_link_is_refused_without_asking_upstream(
    client: Client, mocked: responses.RequestsMock, query: str
) -> None:
    response = client.get(f"{COMPLETE}?{query}" if query else COMPLETE)
    assert response.status_code == 400
    assert "This link is incomplete" in _text(response)
    assert "checkout_token" not in client.session
    assert len(api_calls(mocked)) == 0


# 3. Headers of every response ---------------------------------------------------------------


def _redirect(client: Client, mock: responses.RequestsMock) -> Response:
    return client.get(f"{COMPLETE}?stripe_session_id={GUID}")


def _bad_link(client: Client, mock: responses.RequestsMock) -> Response:
    return client.get(f"{COMPLETE}?stripe_session_id=nope")


def _confirmation(client: Client, mock: responses.RequestsMock) -> Response:
    _status(mock)
    _register(mock)
    return _land(client)


def _pending_poll(client: Client, mock: responses.RequestsMock) -> Response:
    _status(mock, "Pending")
    _land(client)
    return _htmx(client, "?poll=1")


def _not_found(client: Client, mock: responses.RequestsMock) -> Response:
    mock.get(STATUS_URL, status=404, json={})
    return _land(client)


def _unexpected(client: Client, mock: responses.RequestsMock) -> Response:
    mock.get(STATUS_URL, body="<html>oops</html>", content_type="text/html")
    return _land(client)


def _unavailable(client: Client, mock: responses.RequestsMock) -> Response:
    mock.get(STATUS_URL, body=requests.exceptions.ConnectionError())
    return _land(client)


@pytest.mark.parametrize(
    ("case", "status"),
    [
        (_redirect, 303),
        (_bad_link, 400),
        (_confirmation, 200),
        (_pending_poll, 200),
        (_not_found, 404),
        (_unexpected, 502),
        (_unavailable, 503),
    ],
    ids=["redirect", "bad-link", "confirmation", "pending-poll", "not-found", "502", "503"],
)
def test_every_response_is_private(
    client: Client,
    mocked: responses.RequestsMock,
    case: Callable[[Client, responses.RequestsMock], Response],
    status: int,
) -> None:
    response = case(client, mocked)
    assert response.status_code == status
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


# 4. Paid ------------------------------------------------------------------------------------


def test_paid_asks_status_and_registers_once(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _status(mocked)
    _register(mocked)
    response = client.get(f"{COMPLETE}?stripe_session_id={GUID}", follow=True)
    assert response.status_code == 200
    assert _calls(mocked, "GET", endpoints.CHECKOUT_STATUS) == 1
    assert _calls(mocked, "POST", REGISTER) == 1


def test_paid_page_shows_the_purchase(client: Client, mocked: responses.RequestsMock) -> None:
    _status(mocked)
    _register(mocked)
    response = _land(client)
    text = _text(response)
    assert response.status_code == 200
    assert "Thank you, your payment is confirmed" in text
    for shown in [
        "Canal Street Coworking",
        "INV-2026-00042",
        "Hot desk day pass",
        "€25.00",
        "€75.00",
        "Meeting room, 2 hours",
        "€60.00",
        "€135.00",  # subtotal
        "€28.35",  # tax
        "€163.35",  # total
        "buyer@example.com",
    ]:
        assert shown in text, shown
    assert _Page(response).pdf_links() == [PDF_BY_TOKEN + TOKEN]


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ({"Token": TOKEN, "CustomerCreated": True}, "We created a customer account for"),
        ({"Token": TOKEN, "CustomerCreated": False}, "added to your existing account"),
        ({"Token": TOKEN}, "This purchase is saved to the account for"),
    ],
    ids=["created", "linked", "unknown"],
)
def test_paid_page_says_what_happened_to_the_account(
    client: Client, mocked: responses.RequestsMock, answer: dict[str, Any], says: str
) -> None:
    _status(mocked)
    _register(mocked, json=answer)
    text = _text(_land(client))
    accounts = [
        "We created a customer account for",
        "added to your existing account",
        "This purchase is saved to the account for",
    ]
    assert [sentence for sentence in accounts if sentence in text] == [says]


# 5. Reloads ---------------------------------------------------------------------------------


def test_reloads_never_register_again(client: Client, mocked: responses.RequestsMock) -> None:
    _status(mocked)
    _register(mocked)
    _land(client)
    for _ in range(3):
        # As if served by another worker process: only the session remembers the registration.
        cache.clear()
        response = client.get(COMPLETE)
        assert response.status_code == 200
        assert _Page(response).pdf_links() == [PDF_BY_TOKEN + TOKEN]
    assert _calls(mocked, "POST", REGISTER) == 1
    assert _calls(mocked, "GET", endpoints.CHECKOUT_STATUS) == 4


def _without_nonce(html: str) -> str:
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)


def test_reloads_of_a_paid_page_read_the_status_from_the_cache(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _status(mocked)
    _register(mocked)
    first = _text(_land(client))
    for _ in range(3):
        response = client.get(COMPLETE)
        assert response.status_code == 200
        # The same page, but for the CSP nonce that every answer draws anew.
        assert _without_nonce(_text(response)) == _without_nonce(first)
    assert _calls(mocked, "GET", endpoints.CHECKOUT_STATUS) == 1
    assert _calls(mocked, "POST", REGISTER) == 1


def test_the_paid_status_is_kept_per_language(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _status(mocked)
    _register(mocked)
    _land(client)
    for _ in range(2):
        # Amounts come formatted in the language asked for: each language asks once.
        assert client.get(COMPLETE.replace("/en/", "/es/")).status_code == 200
        assert client.get(COMPLETE).status_code == 200
    spanish = [
        call
        for call in mocked.calls
        if "/checkout/status" in (call.request.url or "")
        and call.request.headers["Accept-Language"] == "es"
    ]
    assert _calls(mocked, "GET", endpoints.CHECKOUT_STATUS) == 2
    assert len(spanish) == 1


def test_the_paid_status_is_kept_per_purchase(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _status(mocked, guid=GUID)
    _register(mocked, guid=GUID)
    _status(mocked, guid=OTHER_GUID, invoice_id=43)
    _register(mocked, invoice_id=43, guid=OTHER_GUID, json={"Token": "second-token"})
    assert "INV-2026-00042" in _text(_land(client, GUID))
    assert "INV-2026-00043" in _text(_land(client, OTHER_GUID))
    assert "INV-2026-00042" in _text(_land(client, GUID))
    assert _calls(mocked, "GET", endpoints.CHECKOUT_STATUS) == 2


@pytest.mark.parametrize("state", ["Pending", "Failed"])
def test_unsettled_and_failed_statuses_are_asked_every_time(
    client: Client, mocked: responses.RequestsMock, state: str
) -> None:
    _status(mocked, state)
    _land(client)
    client.get(COMPLETE)
    client.get(COMPLETE)
    assert _calls(mocked, "GET", endpoints.CHECKOUT_STATUS) == 3


def test_a_paid_status_without_its_invoice_is_not_kept(
    client: Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(STATUS_URL, json=upstream_data.checkout_status("Paid") | {"Invoice": None})
    assert _land(client).status_code == 502
    assert client.get(COMPLETE).status_code == 502
    assert _calls(mocked, "GET", endpoints.CHECKOUT_STATUS) == 2


# 6. Used in another browser -----------------------------------------------------------------


def test_register_401_in_a_new_session_is_the_used_page(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _status(mocked)
    _register(mocked, status=401, json={})
    response = _land(client)
    text = _text(response)
    assert response.status_code == 200
    assert "This purchase link has already been used" in text
    assert _Page(response).pdf_links() == [PDF_BY_TOKEN + GUID]
    assert "Your account" not in text
    assert "buyer@example.com" not in text


# 7. Lost answer -----------------------------------------------------------------------------


def test_lost_register_answer_then_401_is_the_confirmation(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _status(mocked)
    _register(mocked, body=requests.exceptions.ReadTimeout())
    _register(mocked, status=401, json={})
    first = _land(client)
    assert first.status_code == 503
    assert "We cannot confirm your purchase just now" in _text(first)
    assert first["Retry-After"] == "10"

    retry = client.get(COMPLETE)
    text = _text(retry)
    assert retry.status_code == 200
    assert "Thank you, your payment is confirmed" in text
    assert "already been used" not in text
    assert _Page(retry).pdf_links() == [PDF_BY_TOKEN + GUID]
    assert _calls(mocked, "POST", REGISTER) == 2


# 8. Not found -------------------------------------------------------------------------------


def _register_404(mock: responses.RequestsMock) -> None:
    _status(mock)
    _register(mock, status=404, json={})


def _status_401(mock: responses.RequestsMock) -> None:
    mock.get(STATUS_URL, status=401, json={})


def _status_404(mock: responses.RequestsMock) -> None:
    mock.get(STATUS_URL, status=404, json={})


@pytest.mark.parametrize(
    "upstream", [_register_404, _status_401, _status_404], ids=lambda case: case.__name__[1:]
)
def test_unknown_purchase_is_404(
    client: Client,
    mocked: responses.RequestsMock,
    upstream: Callable[[responses.RequestsMock], None],
) -> None:
    upstream(mocked)
    response = _land(client)
    assert response.status_code == 404
    assert "We could not find this purchase" in _text(response)


# 9. Upstream down or wrong ------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.exceptions.ConnectionError()},
        {"status": 500, "json": {}},
        {"status": 503, "json": {}},
        {"body": requests.exceptions.ReadTimeout()},
    ],
    ids=["connection-error", "500", "503", "slow"],
)
def test_upstream_down_is_503(
    client: Client, mocked: responses.RequestsMock, answer: dict[str, Any]
) -> None:
    mocked.get(STATUS_URL, **answer)
    response = _land(client)
    assert response.status_code == 503
    assert "Your payment is safe" in _text(response)
    assert _calls(mocked, "POST", REGISTER) == 0


@pytest.mark.parametrize(
    "answer",
    [
        {"body": '{"Status": "Paid", ', "content_type": "application/json"},
        {"body": "<html><body>Maintenance</body></html>", "content_type": "text/html"},
        {"json": upstream_data.checkout_status("Paid") | {"Invoice": None}},
    ],
    ids=["malformed-json", "html", "paid-without-invoice"],
)
def test_unexpected_answer_is_502(
    client: Client, mocked: responses.RequestsMock, answer: dict[str, Any]
) -> None:
    mocked.get(STATUS_URL, **answer)
    response = _land(client)
    assert response.status_code == 502
    assert "Your payment is safe" in _text(response)


# 10. Pending --------------------------------------------------------------------------------


def test_pending_page_polls(client: Client, mocked: responses.RequestsMock) -> None:
    _status(mocked, "Pending")
    response = _land(client)
    page = _Page(response)
    assert response.status_code == 200
    assert "Confirming your payment" in _text(response)
    [poller] = page.pollers()
    assert poller["hx-get"] == f"{COMPLETE}?poll=1"
    assert poller["hx-trigger"] == f"load delay:{POLL_DELAYS[0]}s, poll-now"
    [state] = [tag for tag in page.tags if tag.get("id") == "checkout-state"]
    assert state.get("aria-live") == "polite"
    assert _calls(mocked, "POST", REGISTER) == 0


def test_pending_poll_backs_off(client: Client, mocked: responses.RequestsMock) -> None:
    _status(mocked, "Pending")
    _land(client)
    response = _htmx(client, "?poll=3")
    assert response.status_code == 200
    assert "<html" not in _text(response)
    [poller] = _Page(response).pollers()
    assert poller["hx-get"] == f"{COMPLETE}?poll=4"
    assert poller["hx-trigger"] == f"load delay:{POLL_DELAYS[3]}s, poll-now"


def test_pending_poll_stops_at_the_cap(client: Client, mocked: responses.RequestsMock) -> None:
    _status(mocked, "Pending")
    _land(client)
    response = _htmx(client, f"?poll={len(POLL_DELAYS)}")
    page = _Page(response)
    assert response.status_code == 200
    assert "<html" not in _text(response)
    assert "taking longer than usual" in _text(response)
    assert [href for href, text in page.links if text == "Check again"] == [COMPLETE]
    assert page.pollers() == []


@pytest.mark.parametrize("poll", ["1000", "9" * 5000], ids=["thousand", "huge"])
def test_long_poll_numbers_are_past_the_cap(
    client: Client, mocked: responses.RequestsMock, poll: str
) -> None:
    _status(mocked, "Pending")
    _land(client)
    response = _htmx(client, f"?{urlencode({'poll': poll})}")
    assert response.status_code == 200
    assert "taking longer than usual" in _text(response)
    assert _Page(response).pollers() == []


@pytest.mark.parametrize("poll", ["abc", "²", "-1"], ids=["abc", "sup2", "neg"])
def test_junk_poll_counts_as_zero(
    client: Client, mocked: responses.RequestsMock, poll: str
) -> None:
    _status(mocked, "Pending")
    _land(client)
    response = _htmx(client, f"?{urlencode({'poll': poll})}")
    assert response.status_code == 200
    [poller] = _Page(response).pollers()
    assert poller["hx-get"] == f"{COMPLETE}?poll=1"
    assert poller["hx-trigger"] == f"load delay:{POLL_DELAYS[0]}s, poll-now"


def test_pending_turns_into_the_confirmation_fragment(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _status(mocked, "Pending")
    _status(mocked, "Paid")
    _register(mocked)
    assert "Confirming your payment" in _text(_land(client))
    response = _htmx(client, "?poll=1")
    text = _text(response)
    assert response.status_code == 200
    assert "<html" not in text
    assert "Thank you, your payment is confirmed" in text
    assert _Page(response).pdf_links() == [PDF_BY_TOKEN + TOKEN]


# 11. Failed ---------------------------------------------------------------------------------


def test_failed_payment(client: Client, mocked: responses.RequestsMock) -> None:
    _status(mocked, "Failed")
    response = _land(client)
    text = _text(response)
    assert response.status_code == 200
    assert "Your payment did not go through" in text
    assert "Nothing was charged" in text
    assert _calls(mocked, "POST", REGISTER) == 0


# 12. Two purchases in one session -----------------------------------------------------------


def test_second_purchase_replaces_the_first(client: Client, mocked: responses.RequestsMock) -> None:
    _status(mocked, guid=GUID)
    _register(mocked, guid=GUID)
    _status(mocked, guid=OTHER_GUID, invoice_id=43)
    _register(mocked, invoice_id=43, guid=OTHER_GUID, json={"Token": "second-token"})
    assert "INV-2026-00042" in _text(_land(client, GUID))

    response = _land(client, OTHER_GUID, param="paypal_session_id")
    text = _text(response)
    assert client.session["checkout_token"] == OTHER_GUID
    assert "INV-2026-00043" in text
    assert "INV-2026-00042" not in text
    assert _calls(mocked, "POST", endpoints.register_by_token(43)) == 1


# 13. Logs -----------------------------------------------------------------------------------


def _paid_flow(client: Client, mock: responses.RequestsMock) -> None:
    _confirmation(client, mock)
    client.get(COMPLETE)


def _lost_answer_flow(client: Client, mock: responses.RequestsMock) -> None:
    _status(mock)
    _register(mock, body=requests.exceptions.ReadTimeout())
    _register(mock, status=401, json={})
    _land(client)
    client.get(COMPLETE)


def _bad_link_flow(client: Client, mock: responses.RequestsMock) -> None:
    client.get(f"{COMPLETE}?{urlencode({'stripe_session_id': '{' + GUID + '}'})}")
    client.get(f"{COMPLETE}?{urlencode([('stripe_session_id', GUID)] * 2)}")


def _not_found_flow(client: Client, mock: responses.RequestsMock) -> None:
    _not_found(client, mock)


@pytest.fixture
def raw_logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> pytest.LogCaptureFixture:
    """caplog seeing records as the code wrote them, "django" (not propagated) included.

    The console handler's MaskSecretsFilter rewrites each record in place before caplog's
    handler (added after it) sees it: without this, a leak would be masked before the test.
    """
    django_logger = logging.getLogger("django")
    for handler in {*logging.getLogger().handlers, *django_logger.handlers}:
        monkeypatch.setattr(handler, "filters", [])
    monkeypatch.setattr(django_logger, "handlers", [*django_logger.handlers, caplog.handler])
    return caplog


@pytest.mark.parametrize(
    ("flow", "logged"),
    [
        (_paid_flow, "upstream POST"),
        (_lost_answer_flow, "after a lost answer"),
        (_bad_link_flow, "completion link refused"),
        (_not_found_flow, "not found upstream on completion"),
    ],
    ids=["paid", "lost-answer", "bad-link", "not-found"],
)
def test_logs_hold_no_token(
    client: Client,
    mocked: responses.RequestsMock,
    raw_logs: pytest.LogCaptureFixture,
    flow: Callable[[Client, responses.RequestsMock], None],
    logged: str,
) -> None:
    with raw_logs.at_level(logging.DEBUG):
        flow(client, mocked)
    assert logged in raw_logs.text  # the capture works
    assert GUID not in raw_logs.text.lower()
    assert TOKEN not in raw_logs.text


def test_without_javascript_the_pending_page_backs_off_to_the_cap(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _status(mocked, "Pending")
    page = _text(_land(client))
    assert f'content="{POLL_DELAYS[0]}; url={COMPLETE}?poll=1"' in page
    later = _text(client.get(f"{COMPLETE}?poll=4"))
    assert f'content="{POLL_DELAYS[4]}; url={COMPLETE}?poll=5"' in later
    capped = _text(client.get(f"{COMPLETE}?poll={len(POLL_DELAYS)}"))
    assert 'http-equiv="refresh"' not in capped


def test_an_outage_while_pending_keeps_the_poll_count(
    client: Client, mocked: responses.RequestsMock
) -> None:
    _status(mocked, "Pending")
    _land(client)
    mocked.replace(responses.GET, STATUS_URL, body=requests.exceptions.ConnectionError())
    response = _htmx(client, "?poll=6")
    assert response.status_code == 503
    [poller] = _Page(response).pollers()
    assert poller["hx-get"] == f"{COMPLETE}?poll=6"


def test_unexpected_answer_says_so_and_retries_later(
    client: Client, mocked: responses.RequestsMock
) -> None:
    mocked.get(STATUS_URL, body="<html>oops</html>", content_type="text/html")
    response = _land(client)
    assert response.status_code == 502
    assert response["Retry-After"] == "10"
    assert "an answer we did not expect" in _text(response)
    assert "is not answering" not in _text(response)


def test_the_purchase_is_shown_for_an_hour_only(
    client: Client, mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a shared computer, the next person does not find the last buyer's purchase."""
    _status(mocked, "Failed")
    _land(client)
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(COMPLETE)
    assert response.status_code == 400
    assert "This page opens only in the browser you paid in" in _text(response)
    # Opening the gateway's link again shows it again.
    assert _land(client).status_code == 200
