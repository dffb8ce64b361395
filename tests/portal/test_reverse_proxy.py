"""The portal behind Debian's nginx, run with deploy/nginx.conf exactly as docs/deploy.md tells
operators to (TLS with HTTP/2 and a certificate made here, forwarded headers, buffering), in
front of gunicorn as `make serve` starts it with BEHIND_PROXY=true and the production defaults
(HTTPS redirect, HSTS, Secure cookies); the sandbox is a separate server. A second gunicorn
without BEHIND_PROXY must trust forwarded headers from nobody, loopback included.

nginx and openssl are Debian packages (`.ci/run` installs them); without them these tests fail.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.helpers.harness import (
    BASE_DIR,
    Server,
    demo_sign_in,
    free_port,
    process_stop,
    production_environment,
    sandbox_server,
    wait_answering,
)

CONFIG = BASE_DIR / "deploy" / "nginx.conf"
DEPLOY_DOC = BASE_DIR / "docs" / "deploy.md"
INSTALL = "apt-get install nginx openssl (Debian's packages; .ci/run installs them)"
# Debian installs nginx in /usr/sbin, which is not on every user's PATH.
NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
OPENSSL = shutil.which("openssl")
# Few threads, so that a handful of slow clients reaching gunicorn would hold all of them.
WORKERS, THREADS = 2, 4
SLOW_CLIENTS = 10
STATIC = ("collectstatic", "--noinput", "--verbosity", "0")


def _required(program: str | None, name: str) -> str:
    if program is None:
        pytest.fail(
            f"{name} is missing: the reverse-proxy tests need it. Install it with: {INSTALL}"
        )
    return program


@dataclass
class Nginx:
    """Debian's nginx in the foreground, with deploy/nginx.conf's placeholders filled in and
    everything it writes (pid, logs, buffered bodies) in its own folder."""

    folder: Path
    upstream: str
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def http(self) -> str:
        return f"http://localhost:{self.http_port}"

    @property
    def https(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def certificate(self) -> Path:
        return self.folder / "certificate.pem"

    @property
    def verify(self) -> str:
        """For requests' `verify`: the test's certificate is its own authority."""
        return str(self.certificate)

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    @property
    def error_log(self) -> Path:
        return self.folder / "error.log"

    def site(self) -> str:
        """deploy/nginx.conf with its placeholders filled in, and nothing else changed."""
        values = {
            "GUNICORN_ADDRESS": self.upstream,
            "HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
            "HTTPS_LISTEN": f"127.0.0.1:{self.https_port}",
            "SERVER_NAME": "localhost",
            "CERTIFICATE": str(self.certificate),
            "CERTIFICATE_KEY": str(self.folder / "key.pem"),
            "ACCESS_LOG": str(self.access_log),
        }
        text = CONFIG.read_text()
        for name, value in values.items():
            assert f"${{{name}}}" in text, name
            text = text.replace(f"${{{name}}}", value)
        assert not re.search(r"\$\{[A-Z_]+\}", text), "a placeholder the test does not fill"
        return text

    def _main_config(self) -> str:
        # What an operator's /etc/nginx/nginx.conf provides around the site's file. As root,
        # nginx's workers would run as `nobody`, who cannot write in the test's own folder.
        user = "user root;" if os.geteuid() == 0 else ""
        temp = "\n".join(
            f"    {kind}_temp_path {self.folder / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return (
            f"{user}\ndaemon off;\nmaster_process on;\nworker_processes 1;\n"
            f"pid {self.folder / 'nginx.pid'};\nerror_log {self.error_log} info;\n"
            "events { worker_connections 512; }\n"
            f"http {{\n{temp}\n    include {self.folder / 'portal.conf'};\n}}\n"
        )

    def start(self) -> None:
        nginx, openssl = _required(NGINX, "nginx"), _required(OPENSSL, "openssl")
        self.folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "1",
             "-keyout", str(self.folder / "key.pem"), "-out", str(self.certificate)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        (self.folder / "portal.conf").write_text(self.site())
        (self.folder / "nginx.conf").write_text(self._main_config())
        command = [nginx, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")]
        checked = subprocess.run(  # noqa: S603
            [*command, "-e", str(self.error_log), "-t"], capture_output=True, text=True, timeout=30
        )
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(  # noqa: S603
            [*command, "-e", str(self.error_log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        wait_answering(
            "nginx",
            f"{self.https}/healthz",
            self.process,
            log=self.error_log,
            timeout=timeout,
            verify=self.verify,
        )

    def stop(self) -> None:
        process_stop(self.process, timeout=15)


@dataclass
class Proxied:
    nginx: Nginx
    portal: Server
    sandbox: Server
    # The same portal and database, without BEHIND_PROXY.
    unproxied: Server

    def token_calls(self) -> int:
        return len(re.findall(r"POST /sandbox/api/token", self.sandbox.log.read_text()))


def _portal_environment(tmp: Path, *, port: int, upstream: str) -> dict[str, str]:
    env = production_environment(
        PORT=str(port),
        SANDBOX_ENABLED="false",
        UPSTREAM_URL=upstream,
        UPSTREAM_PUBLIC_BASE_URL="/sandbox",
        DATABASE_URL=f"sqlite:///{tmp / 'portal.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_THREADS=str(THREADS),
    )
    # The production defaults, not `make serve`'s plain HTTP on this machine: HTTPS redirect,
    # Secure cookies, https links.
    for plain_http in ("SECURE_SSL_REDIRECT", "SECURE_COOKIES", "PDF_LINK_SCHEME"):
        del env[plain_http]
    return env


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    # At once, before any server is started for nothing.
    _required(NGINX, "nginx")
    _required(OPENSSL, "openssl")
    tmp = tmp_path_factory.mktemp("proxy")
    sandbox_port, portal_port, unproxied_port = free_port(), free_port(), free_port()
    # An upstream for a few sign-ins: one process (gunicorn's default) is plenty.
    sandbox = sandbox_server(
        sandbox_port,
        tmp / "sandbox.log",
        portal_url=f"http://127.0.0.1:{portal_port}",
        database=tmp / "sandbox.sqlite3",
    )
    upstream = f"{sandbox.url}/sandbox"
    portal = Server(
        name="portal",
        port=portal_port,
        env={
            **_portal_environment(tmp, port=portal_port, upstream=upstream),
            "BEHIND_PROXY": "true",
        },
        log=tmp / "portal.log",
    )
    unproxied = Server(
        name="unproxied portal",
        port=unproxied_port,
        env=_portal_environment(tmp, port=unproxied_port, upstream=upstream),
        log=tmp / "unproxied.log",
    )
    assert "BEHIND_PROXY" not in unproxied.env
    assert "FORWARDED_ALLOW_IPS" not in portal.env
    nginx = Nginx(folder=tmp / "nginx", upstream=f"127.0.0.1:{portal_port}")
    # As `make serve` does (migrate, collectstatic; the sandbox seeded), both at once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        prepared = [
            pool.submit(lambda: (portal.manage("migrate", "--noinput"), portal.manage(*STATIC))),
            pool.submit(
                lambda: (sandbox.manage("migrate", "--noinput"), sandbox.manage("sandbox_seed"))
            ),
        ]
        for step in prepared:
            step.result()
    with ExitStack() as stop:
        for server in (sandbox, portal, unproxied):
            stop.callback(server.stop)
            server.start()
        stop.callback(nginx.stop)
        nginx.start()
        for server in (sandbox, portal, unproxied):
            server.wait_ready()
        nginx.wait_ready()
        yield Proxied(nginx=nginx, portal=portal, sandbox=sandbox, unproxied=unproxied)


def test_nginx_and_openssl_are_installed() -> None:
    assert NGINX is not None, f"nginx is missing. Install it with: {INSTALL}"
    assert OPENSSL is not None, f"openssl is missing. Install it with: {INSTALL}"


def test_deploy_doc_shows_the_config_the_tests_run() -> None:
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOY_DOC.read_text(), flags=re.DOTALL)
    assert blocks == [CONFIG.read_text()]


def test_plain_http_is_redirected_to_https_and_https_answers_carry_hsts(proxied: Proxied) -> None:
    nginx = proxied.nginx
    # A client's own claims to be on HTTPS change nothing: nginx sets the scheme itself.
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on", "X-Forwarded-Protocol": "ssl"}
    plain = requests.get(
        f"{nginx.http}/en/sign-in", headers=spoofed, allow_redirects=False, timeout=10
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://localhost:{nginx.http_port}/en/sign-in"
    assert "Strict-Transport-Security" not in plain.headers
    # Balancers probe over plain HTTP.
    assert requests.get(f"{nginx.http}/healthz", timeout=10).status_code == 200

    secure = requests.get(f"{nginx.https}/en/sign-in", verify=nginx.verify, timeout=10)
    assert secure.status_code == 200
    assert (
        secure.headers["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains; preload"
    )


def test_cookies_are_secure_behind_nginx(proxied: Proxied) -> None:
    with requests.Session() as browser:
        # Not REQUESTS_CA_BUNDLE, which requests would take over the session's own.
        browser.trust_env = False
        browser.verify = proxied.nginx.verify
        signed_in = demo_sign_in(browser, proxied.nginx.https)
        assert signed_in.status_code == 200
        assert signed_in.history[0].status_code == 302
        cookies = {cookie.name: cookie for cookie in browser.cookies}
    assert {"csrftoken", "sessionid"} <= set(cookies)
    for cookie in cookies.values():
        assert cookie.secure, cookie.name
        assert cookie.has_nonstandard_attr("HttpOnly"), cookie.name


def test_nginx_speaks_http2_and_a_customer_signs_in_over_it(proxied: Proxied) -> None:
    context = ssl.create_default_context(cafile=proxied.nginx.certificate)
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", proxied.nginx.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"

    with httpx.Client(http2=True, verify=context, base_url=proxied.nginx.https) as client:
        form = client.get("/en/sign-in")
        assert form.http_version == "HTTP/2"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token
        answer = client.post(
            "/en/sign-in",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "email": "demo@example.com",
                "password": "demo-password",
            },
            headers={"Referer": f"{proxied.nginx.https}/en/sign-in"},
        )
        assert answer.http_version == "HTTP/2"
        assert answer.status_code == 302, answer.text[:300]
        invoices = client.get(answer.headers["Location"])
        assert invoices.http_version == "HTTP/2"
        assert invoices.status_code == 200
        assert "<h1>My Invoices</h1>" in invoices.text


class FromAddress(HTTPAdapter):
    """Connects from another loopback address, as a second client would."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs, source_address=(self.address, 0))


def _wrong_sign_in(
    portal: str,
    *,
    headers: dict[str, str],
    verify: str | bool = True,
    address: str = "",
    email: str = "ada@example.com",
) -> int:
    """A wrong password for `email`, as a browser sends it, with `headers` on both requests;
    answers the form's status."""
    with requests.Session() as browser:
        # Not REQUESTS_CA_BUNDLE, which requests would take over the session's own.
        browser.trust_env = False
        browser.verify = verify
        browser.headers.update(headers)
        if address:
            browser.mount(portal, FromAddress(address))
        form = browser.get(f"{portal}/en/sign-in", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token
        # Written out: a client that claims HTTPS over plain HTTP still sends its Secure cookie.
        answer = browser.post(
            f"{portal}/en/sign-in",
            data={"csrfmiddlewaretoken": token.group(1), "email": email, "password": "wrong"},
            headers={
                "Referer": f"{portal.replace('http://', 'https://')}/en/sign-in",
                "Cookie": f"csrftoken={form.cookies['csrftoken']}",
            },
            timeout=30,
        )
        return answer.status_code


def test_sign_in_limits_count_the_real_client_not_the_forwarded_for_it_sends(
    proxied: Proxied,
) -> None:
    nginx, limit = proxied.nginx, 5  # SIGN_IN_MAX_FAILURES
    # Nothing else in this module fails a sign-in: every count starts at zero.
    before = proxied.token_calls()
    # Each attempt claims another address; nginx appends the real one, which the portal takes.
    statuses = [
        _wrong_sign_in(
            nginx.https,
            headers={"X-Forwarded-For": f"198.51.100.{index}"},
            verify=nginx.verify,
        )
        for index in range(12)
    ]
    assert statuses == [400] * limit + [429] * (12 - limit)
    assert proxied.token_calls() - before == limit

    # Another client (127.0.0.2) has a counter of its own: the address is the client's, not
    # nginx's, which every request to gunicorn comes from.
    other = _wrong_sign_in(
        nginx.https,
        headers={"X-Forwarded-For": "198.51.100.1"},
        verify=nginx.verify,
        address="127.0.0.2",
    )
    assert other == 400
    assert proxied.token_calls() - before == limit + 1

    # What nginx prevents: a client reaching gunicorn directly (from an address gunicorn
    # takes for the proxy's) picks its scheme and its address each time.
    # Six tries on another account from six claimed addresses: none reaches the per-address
    # limit (five), as one address's sixth would (the account's own limit is ten).
    direct = [
        _wrong_sign_in(
            proxied.portal.url,
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": f"203.0.113.{index}"},
            email="direct@example.com",
        )
        for index in range(6)
    ]
    assert direct == [400] * 6
    assert proxied.token_calls() - before == limit + 1 + 6


def _appears(text: str, log: Path, *, within: float = 5) -> bool:
    """Whether `text` is in `log` within a few seconds: a line is written once the answer
    has left."""
    deadline = time.monotonic() + within
    while text not in log.read_text():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_nginx_names_each_request_and_logs_no_query_string(proxied: Proxied) -> None:
    nginx, purchase = proxied.nginx, str(uuid.uuid4())
    answer = requests.get(
        f"{nginx.https}/en/invoices/complete?stripe_session_id={purchase}",
        headers={"X-Request-ID": "chosen-by-the-client"},
        verify=nginx.verify,
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303
    request_id = answer.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    for log in (nginx.access_log, proxied.portal.log):
        assert _appears(f"id={request_id}", log), log.name
        assert purchase not in log.read_text(), log.name
        assert "chosen-by-the-client" not in log.read_text(), log.name


def test_without_behind_proxy_forwarded_headers_are_trusted_from_nobody(proxied: Proxied) -> None:
    claims_https = {"X-Forwarded-Proto": "https"}
    # From loopback, straight to gunicorn: plain HTTP, whatever the header says.
    page = requests.get(
        f"{proxied.unproxied.url}/en/sign-in",
        headers=claims_https,
        allow_redirects=False,
        timeout=10,
    )
    assert page.status_code == 301
    assert page.headers["Location"].startswith("https://")
    probe = requests.get(f"{proxied.unproxied.url}/healthz", headers=claims_https, timeout=10)
    assert probe.status_code == 200
    assert "Strict-Transport-Security" not in probe.headers
    # The same requests to the portal behind nginx (BEHIND_PROXY on) are believed: the header
    # is what makes the difference, and only the proxy may send it.
    believed = requests.get(
        f"{proxied.portal.url}/en/sign-in",
        headers=claims_https,
        allow_redirects=False,
        timeout=10,
    )
    assert believed.status_code == 200
    assert "Strict-Transport-Security" in believed.headers


class SlowClients:
    """Sockets that each send a request one byte a second and never finish it: still sending
    its headers, or (`body`, over HTTPS) a sign-in's whole headers, with what passes the CSRF
    check up to reading the form, and then a trickle of the form, which the reading waits on."""

    def __init__(
        self, port: int, count: int, *, body: bool, tls: ssl.SSLContext | None = None
    ) -> None:
        self.sockets: list[socket.socket] = []
        self.stopped = threading.Event()
        for index in range(count):
            raw = socket.create_connection(("127.0.0.1", port), timeout=10)
            connection = tls.wrap_socket(raw, server_hostname="localhost") if tls else raw
            host = f"localhost:{port}"
            if body:
                request = (
                    f"POST /en/sign-in HTTP/1.1\r\nHost: {host}\r\nContent-Length: 9999\r\n"
                    f"Referer: https://{host}/en/sign-in\r\nCookie: csrftoken={'a' * 32}\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n\r\nemail="
                )
            else:
                request = f"GET /slow-client-{index} HTTP/1.1\r\nHost: {host}\r\nX-Slow: "
            connection.sendall(request.encode())
            self.sockets.append(connection)
        self.trickle = threading.Thread(target=self._trickle, daemon=True)
        self.trickle.start()

    def _trickle(self) -> None:
        # One more byte of the form, or of a header that never ends.
        while not self.stopped.wait(1):
            for connection in self.sockets:
                with contextlib.suppress(OSError):
                    connection.sendall(b"a")

    def still_waiting(self) -> int:
        """How many are still open with no answer: nobody gave up on them."""
        waiting = 0
        for connection in self.sockets:
            connection.setblocking(False)
            try:
                connection.recv(1)
            except (BlockingIOError, ssl.SSLWantReadError):
                waiting += 1
            except OSError:
                pass
        return waiting

    def close(self) -> None:
        self.stopped.set()
        self.trickle.join(timeout=5)
        for connection in self.sockets:
            connection.close()


def _probe_times(url: str, *, verify: str, count: int) -> list[float]:
    """`count` /healthz probes, a new connection each, as a load balancer sends them."""
    times = []
    for _ in range(count):
        started = time.monotonic()
        answer = requests.get(f"{url}/healthz", verify=verify, timeout=10)
        times.append(time.monotonic() - started)
        assert answer.status_code == 200
        time.sleep(0.05)
    return times


@pytest.mark.quiet
def test_slow_clients_wait_on_nginx_and_never_hold_a_gunicorn_thread(proxied: Proxied) -> None:
    nginx, portal = proxied.nginx, proxied.portal
    tls = ssl.create_default_context(cafile=nginx.certificate)
    # More half-sent bodies than gunicorn has threads: forwarded unbuffered, they would hold
    # every one of them.
    assert SLOW_CLIENTS > WORKERS * THREADS
    sign_ins = portal.log.read_text().count('"POST /en/sign-in"')
    slow = [
        SlowClients(nginx.https_port, SLOW_CLIENTS // 2, body=False, tls=tls),
        SlowClients(nginx.http_port, SLOW_CLIENTS - SLOW_CLIENTS // 2, body=False),
        SlowClients(nginx.https_port, SLOW_CLIENTS, body=True, tls=tls),
    ]
    try:
        time.sleep(1)  # every slow client has begun, and nginx waits on each
        probes = _probe_times(nginx.https, verify=nginx.verify, count=40)
        assert sum(clients.still_waiting() for clients in slow) == 2 * SLOW_CLIENTS
    finally:
        for clients in slow:
            clients.close()
    p99 = statistics.quantiles(probes, n=100)[98]
    assert p99 <= 0.25, f"healthz p99 {p99 * 1000:.0f} ms behind nginx with slow clients"

    # Straight to gunicorn, slow headers alone hold every thread of every worker: probes wait.
    # Enough of them that each worker process gets more than its threads, whichever accepts
    # which; given time to connect on a busy machine.
    direct = SlowClients(portal.port, 6 * WORKERS * THREADS, body=False)
    try:
        # Five probes after 3 s: a clean clone's run once found all three of 2 s answered.
        time.sleep(3)
        waited = 0
        for _ in range(5):
            try:
                requests.get(f"{portal.url}/healthz", timeout=2)
            except requests.Timeout:
                waited += 1
        assert waited >= 1, "slow clients straight to gunicorn held no thread: the control failed"
    finally:
        direct.close()
    portal.wait_ready(timeout=30)
    # None of the requests nginx held ever reached gunicorn, not even once they were cut off.
    log = portal.log.read_text()
    assert log.count('"POST /en/sign-in"') == sign_ins
    assert "slow-client" not in log
