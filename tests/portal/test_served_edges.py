"""The edges against gunicorn as `make serve` runs it (tests/servers.py), where the bare 500s
and the tracebacks were seen: Django's test client skips the CSRF check of its error pages and
shares one process, gunicorn does neither."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

import pytest
import requests

from tests.child import run_python
from tests.helpers.servers import Served, served

FORMS = ["/en/sign-in", "/en/sign-out", "/admin/login/", "/admin/logout/", "/sandbox/"]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("served")) as server:
        yield server


def _browser(portal: Served) -> tuple[requests.Session, str]:
    """A session that has loaded the sign-in page: its CSRF cookie and the form's token."""
    session = requests.Session()
    page = session.get(f"{portal.url}/en/sign-in", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    return session, token.group(1)


@pytest.mark.parametrize("charset", ["latin1", "utf-16", "garbage"])
def test_a_form_in_another_charset_is_a_400_without_a_traceback(
    portal: Served, charset: str
) -> None:
    session, token = _browser(portal)
    before = len(portal.log_text())
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": "a@example.com"})
    body = form.encode("utf-16" if charset == "utf-16" else "ascii")
    for path in FORMS:
        response = session.post(
            f"{portal.url}{path}",
            data=body,
            headers={
                "Content-Type": f"application/x-www-form-urlencoded; charset={charset}",
                "Referer": f"{portal.url}/en/sign-in",
            },
            timeout=10,
        )
        assert response.status_code == 400, path
        assert "We could not understand that request" in response.text
    log = portal.log_text()[before:]
    assert "Traceback" not in log
    assert "[ERROR]" not in log
    assert len(re.findall(r" WARNING \[[0-9a-f]{32}\] django.request .*charset", log)) == 5


def test_a_disallowed_host_is_one_warning_line(portal: Served) -> None:
    before = len(portal.log_text())
    response = requests.get(f"{portal.url}/en/", headers={"Host": "evil.example"}, timeout=10)
    assert response.status_code == 400
    assert "This address is not set up" in response.text
    request_id = response.headers["X-Request-ID"]
    log = portal.log_after(before, until=f"id={request_id}")
    # The application's one line and gunicorn's access line, both with the request id; no line
    # of the application without one (another worker's start-up notice may come in between).
    assert f"id={request_id}" in log
    assert " [-] " not in log
    app_lines = [line for line in log.splitlines() if f"[{request_id}]" in line]
    assert len(app_lines) == 1
    assert " WARNING " in app_lines[0]
    assert "Host not allowed ('evil.example'): /en/" in app_lines[0]
    assert "Traceback" not in log


def test_forwarded_proto_is_trusted_from_nobody_without_behind_proxy(portal: Served) -> None:
    # Over plain HTTP from loopback: were X-Forwarded-Proto believed, the answer would be an
    # HTTPS one and carry HSTS (on by default with DEBUG off).
    forged = requests.get(
        f"{portal.url}/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=10
    )
    assert forged.status_code == 200
    assert "Strict-Transport-Security" not in forged.headers


@pytest.mark.parametrize(
    ("variables", "trusted"),
    [
        ({}, ""),
        ({"BEHIND_PROXY": "false", "FORWARDED_ALLOW_IPS": "127.0.0.1"}, ""),
        ({"BEHIND_PROXY": "true"}, "127.0.0.1"),
        ({"BEHIND_PROXY": "on", "FORWARDED_ALLOW_IPS": "10.0.0.5"}, "10.0.0.5"),
    ],
)
def test_gunicorn_trusts_forwarded_headers_only_behind_a_proxy(
    variables: dict[str, str], trusted: str
) -> None:
    result = run_python(
        "import runpy\nprint(repr(runpy.run_path('gunicorn.conf.py')['forwarded_allow_ips']))",
        SECRET_KEY="gunicorn-settings-only",
        UPSTREAM_URL="https://example.spaces.nexudus.com",
        **variables,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(trusted)


def test_twenty_wrong_admin_passwords_across_the_workers_reach_authentication_five_times(
    portal: Served,
) -> None:
    portal.manage(
        "createsuperuser",
        "--noinput",
        "--username=operator",
        "--email=op@example.com",
        DJANGO_SUPERUSER_PASSWORD="the-right-one",
    )
    answers = []
    for number in range(20):
        # A new browser each time, as a guessing script would be; gunicorn spreads them over
        # its workers, which count in the shared cache.
        with requests.Session() as browser:
            form = browser.get(f"{portal.url}/admin/login/", timeout=10)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            assert token
            answers.append(
                browser.post(
                    f"{portal.url}/admin/login/",
                    data={
                        "csrfmiddlewaretoken": token.group(1),
                        "username": "operator",
                        "password": f"guess-{number}",
                    },
                    headers={"Referer": f"{portal.url}/admin/login/"},
                    timeout=10,
                )
            )
    # Django's own refusal, once per password its backend checked; then the limit's.
    checked = [answer for answer in answers if "Please enter the correct username" in answer.text]
    limited = [answer for answer in answers if "Too many attempts" in answer.text]
    assert len(checked) == 5
    assert len(limited) == 15
    assert {answer.status_code for answer in limited} == {429}
    workers = set(re.findall(r"Booting worker with pid: (\d+)", portal.log_text()))
    assert len(workers) == 3


def test_head_answers_carry_no_body_and_write_no_line_of_their_own(portal: Served) -> None:
    before = len(portal.log_text())
    for path, host in [
        ("/en/sign-in", "127.0.0.1"),
        ("/en/sign-out", "127.0.0.1"),
        ("/en/", "evil.example"),
        ("/static/css/portal.css", "127.0.0.1"),
    ]:
        head = requests.head(f"{portal.url}{path}", headers={"Host": host}, timeout=10)
        get = requests.get(f"{portal.url}{path}", headers={"Host": host}, timeout=10)
        assert head.status_code == get.status_code, path
        # The GET's length (a static file's compressed one, as sent).
        length = get.headers.get("Content-Length", str(len(get.content)))
        assert head.headers.get("Content-Length") == length, path
        assert head.content == b""
    log = portal.log_after(before, until=f'"GET /static/css/portal.css" {get.status_code}')
    # gunicorn drops a HEAD answer's body with a WARNING line outside any request.
    assert "no-body response" not in log
    assert " [-] " not in log


def test_one_request_is_one_access_line_whatever_its_path_holds(portal: Served) -> None:
    """A path with a newline, a terminal escape and a NUL: decoded by gunicorn, written
    escaped, so no request can forge a line of its own or colour an operator's terminal."""
    forged = '127.0.0.1 "GET /forged" 200 0 1ms id=forged'
    path = "/en/probe" + urllib.parse.quote(f"\n{forged}\r\x1b[31m\x00end")
    before = len(portal.log_text())
    response = requests.get(f"{portal.url}{path}", timeout=10)
    assert response.status_code == 404
    # Gunicorn's access line comes after Django's own warning, which names the path too.
    log = portal.log_after(before, until='end" 404')
    # The access line; Django's own "Not Found" warning escapes the path by itself.
    [line] = [line for line in log.splitlines() if line.startswith('127.0.0.1 "GET /en/probe')]
    assert "\\x0a127.0.0.1" in line
    assert "\\x1b[31m\\x00end" in line
    assert not any(line.startswith(forged) for line in log.splitlines())
    assert "\x1b" not in log
    assert "\x00" not in log
