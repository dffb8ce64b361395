"""Upstream faults against every portal page, through a real HTTP server that misbehaves on
purpose: each fault ends in a clear page with the right status, never a 500 or a traceback,
and nothing is sent twice."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.helpers import upstream_data
from tests.helpers.harness import free_port
from tests.helpers.servers import LoopbackHTTPServer
from tests.helpers.sign_in import post_sign_in, sign_in
from tests.helpers.upstream import transport_made_again
from upstream import endpoints

pytestmark = pytest.mark.django_db

GUID = "5f0c7a0e-3b1d-4c2e-9a57-2f6f3e8d1c44"
READ_TIMEOUT = 0.25
BODY_CAP = 4_000

# A healthy upstream's answers, by path; the fault replaces them all.
HEALTHY: dict[str, object] = {
    endpoints.TOKEN: {"access_token": "a", "refresh_token": "r", "expires_in": 3600},
    endpoints.BUSINESS_CURRENT: upstream_data.business(),
    endpoints.business_colors(1): {},
    endpoints.CHECKOUT_STATUS: upstream_data.checkout_status("Paid"),
    endpoints.register_by_token(42): {"Token": "invoice-token", "CustomerCreated": True},
    endpoints.INVOICES_MY: upstream_data.invoice_page(upstream_data.invoice_detail(42)),
    endpoints.invoice(42): upstream_data.invoice_detail(42),
    endpoints.MEDIA_TOKEN: {"jwt": "media-jwt"},
}


@dataclass
class FaultyUpstream:
    """A real HTTP upstream on loopback: healthy until told to fail in one way."""

    port: int
    fault: str | None = None
    posts: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(upstream: FaultyUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            upstream.posts.append(self.path.split("?")[0])
            self.do_GET()

        def _send(
            self, status: int, body: bytes, content_type: str, length: int | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            fault = upstream.fault
            if fault is None:
                body = json.dumps(HEALTHY.get(path, {"error": "not_found"})).encode()
                self._send(200 if path in HEALTHY else 404, body, "application/json")
            elif fault == "slow":
                time.sleep(READ_TIMEOUT * 3)
                self._send(200, b"{}", "application/json")
            elif fault == "trickle-headers":
                # Every byte in time for the read timeout; the headers never end in time.
                for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(READ_TIMEOUT * 0.6)
                self.close_connection = True
            elif fault == "trickle":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "200")
                self.end_headers()
                for _ in range(8):  # each piece in time, the whole far too late
                    self.wfile.write(b" " * 10)
                    self.wfile.flush()
                    time.sleep(READ_TIMEOUT * 0.6)
            elif fault in ("500", "502", "503"):
                self._send(int(fault), b'{"error": "server_error"}', "application/json")
            elif fault == "malformed-json":
                self._send(200, b'{"Status": "Paid", ', "application/json")
            elif fault == "html":
                self._send(200, b"<html><body>Maintenance</body></html>", "text/html")
            elif fault == "truncated":
                self._send(200, b'{"Status": "Pa', "application/json", length=5000)
                self.close_connection = True
            elif fault == "oversized":
                self._send(200, b'{"x": "' + b"a" * (BODY_CAP * 4) + b'"}', "application/json")
            elif fault == "oversized-chunked":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(10):
                    piece = b"a" * 1000
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            elif fault == "pdf":
                self._send(200, b"%PDF-1.4\n%%EOF\n", "application/pdf")
            elif fault == "empty":
                self._send(200, b"", "application/json")

    return Handler


@pytest.fixture
def faulty(settings: SettingsWrapper) -> Iterator[FaultyUpstream]:
    upstream = FaultyUpstream(port=free_port())
    server = LoopbackHTTPServer(("127.0.0.1", upstream.port), _handler(upstream))
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    settings.UPSTREAM_URL = upstream.url
    settings.UPSTREAM_MAX_BODY_BYTES = BODY_CAP
    # Retries are tested in test_upstream.py; here they would only multiply each fault's wait.
    settings.UPSTREAM_GET_RETRIES = 0
    with transport_made_again():
        yield upstream
    server.shutdown()
    server.server_close()


FAULTS = [
    "refused",
    "slow",
    "trickle",
    "trickle-headers",
    "500",
    "502",
    "503",
    "malformed-json",
    "html",
    "truncated",
    "oversized",
    "oversized-chunked",
    "pdf",
    "empty",
]
# Faults where no answer arrived, against answers that arrived but are not the contract's.
NO_ANSWER = {"refused", "slow", "trickle", "trickle-headers", "500", "502", "503"}


@dataclass(frozen=True)
class Page:
    name: str
    prepare: Callable[[Client], None]
    request: Callable[[Client], Any]
    # Statuses for "no answer" and for "a wrong answer".
    unavailable: int
    unexpected: int
    message: str


def _nothing(client: Client) -> None:
    return None


def _remember_purchase(client: Client) -> None:
    client.get(f"/en/invoices/complete?stripe_session_id={GUID}")


def _open_reset_link(client: Client) -> None:
    claims = {"email": "ada@example.com", "exp": int(time.time()) + 600}
    token = jwt.encode(claims, "the upstream's own key, unknown to the portal", "HS256")
    assert client.get("/en/user/resetPassword", {"token": token}).status_code == 303


def _sign_in(client: Client) -> None:
    # The healthy upstream above accepts any password.
    sign_in(client)


PAGES = [
    Page(
        "completion",
        _remember_purchase,
        lambda client: client.get("/en/invoices/complete"),
        503,
        502,
        "",
    ),
    Page(
        "completion-poll",
        _remember_purchase,
        lambda client: client.get("/en/invoices/complete?poll=3", HTTP_HX_REQUEST="true"),
        503,
        502,
        "",
    ),
    Page(
        "sign-in",
        _nothing,
        lambda client: post_sign_in(client),
        503,
        503,
        "We cannot reach the billing system just now",
    ),
    Page("my-invoices", _sign_in, lambda client: client.get("/en/invoices/"), 503, 502, ""),
    Page("invoice", _sign_in, lambda client: client.get("/en/invoices/42/"), 503, 502, ""),
    Page("pdf-redirect", _sign_in, lambda client: client.get("/en/invoices/42/pdf"), 503, 502, ""),
    Page(
        "statement",
        _sign_in,
        lambda client: client.get("/en/invoices/statement/pdf"),
        503,
        502,
        "",
    ),
    Page(
        "links-fragment",
        _sign_in,
        lambda client: client.get("/en/invoices/links?ids=42", HTTP_HX_REQUEST="true"),
        200,
        200,
        "",
    ),
    Page("home", _nothing, lambda client: client.get("/en/"), 200, 200, "Welcome"),
    Page(
        "password-forgot",
        _nothing,
        lambda client: client.post("/en/password/forgot", {"email": "ada@example.com"}),
        503,
        503,
        "We cannot reach the billing system just now",
    ),
    Page(
        "password-reset",
        _open_reset_link,
        lambda client: client.post(
            "/en/user/resetPassword", {"password": "Pw-9zQ-new", "password_again": "Pw-9zQ-new"}
        ),
        503,
        503,
        "We cannot reach the billing system just now",
    ),
]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_page_survives_every_fault(
    client: Client, faulty: FaultyUpstream, settings: SettingsWrapper, page: Page, fault: str
) -> None:
    page.prepare(client)
    faulty.posts.clear()
    # Short only for the faulty calls: the healthy ones that prepare the page (a sign-in) must
    # not fail because a busy machine answered them in more than a quarter of a second.
    settings.UPSTREAM_READ_TIMEOUT = READ_TIMEOUT
    if fault == "refused":
        settings.UPSTREAM_URL = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    faulty.fault = fault
    started = time.monotonic()
    response = page.request(client)
    elapsed = time.monotonic() - started

    expected = page.unavailable if fault in NO_ANSWER else page.unexpected
    assert response.status_code == expected, (response.status_code, response.content[:300])
    text = response.content.decode()
    assert "Traceback" not in text
    assert "Error" not in text.split("<title>")[0]
    if page.message:
        assert page.message in text
    if expected in (502, 503):
        assert response["Content-Type"].startswith("text/html")
    # Bounded by the client's deadlines (each answer, headers and body, within two read
    # timeouts), for each of the page's upstream calls: a trickle cannot hold a worker.
    assert elapsed < 2.5
    # A POST is never repeated by the client, whatever the fault.
    assert len(faulty.posts) == len(set(faulty.posts)) <= 1
