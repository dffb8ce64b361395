"""Two gunicorn instances behind one (imagined) load balancer, sharing a database and a cache.

With DATABASE_URL and CACHE_URL set to PostgreSQL and Redis (`make test-services`, CI) the
instances share those; otherwise a SQLite file and Django's database cache, which are shared
between processes on one machine too. Requests alternate between the instances. The upstream
is the sandbox in a third gunicorn process, as in production (an instance calling its own
sync workers could wait on itself); its access log counts the upstream calls.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests

from accounts import services as accounts
from tests.helpers.harness import BASE_DIR, demo_sign_in, free_port, python_in
from tests.helpers.html import Page
from tests.settings import XDIST_WORKER

GUNICORN = Path(sys.executable).with_name("gunicorn")


@dataclass
class Instances:
    a: str
    b: str
    env: dict[str, str]
    upstream_log: Path

    def upstream_calls(self, pattern: str) -> int:
        return len(re.findall(pattern, self.upstream_log.read_text()))

    def manage(self, *args: str) -> str:
        result = python_in(self.env, "manage.py", *args, timeout=120)
        result.check_returncode()
        return result.stdout


def _shared_services(tmp: Path) -> tuple[dict[str, str], Iterator[None]]:
    """The database and cache the two instances share, and how to drop them afterwards."""
    database = os.environ.get("DATABASE_URL", "")
    cache = os.environ.get("CACHE_URL", "")
    if database.startswith("postgres"):
        name = f"portal_instances_{uuid.uuid4().hex[:8]}"
        server = urlsplit(database)
        admin = urlunsplit(server._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

        def drop() -> Iterator[None]:
            yield
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        database = urlunsplit(server._replace(path=f"/{name}"))
    else:
        database = f"sqlite:///{tmp / 'shared.sqlite3'}"

        def drop() -> Iterator[None]:
            yield

    if cache.startswith("redis"):
        # Another Redis database than the suite's (tests/settings.py), one per xdist worker,
        # emptied first.
        cache = re.sub(r"/\d*$", "", cache) + f"/{8 + XDIST_WORKER}"
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", f"import redis; redis.from_url({cache!r}).flushdb()"],
            check=True,
            timeout=30,
        )
    else:
        cache = "dbcache://portal_cache"
    return {"DATABASE_URL": database, "CACHE_URL": cache}, drop()


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instances]:
    tmp = tmp_path_factory.mktemp("instances")
    shared, drop = _shared_services(tmp)
    next(drop)
    port_a, port_b, port_upstream = free_port(), free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": "two-instances-share-this-secret",
        "SANDBOX_ENABLED": "true",
        # Raised: every request here comes from one address (sandbox/conf.py).
        "SANDBOX_RATE_LIMITS": "100000/m",
        "SANDBOX_WRITE_RATE_LIMITS": "100000/m",
        # And the portal's budget of them, shared by both instances through the cache: counted,
        # never full (tests/portal/test_api_budget.py holds the documented limits).
        "UPSTREAM_BUDGET": "100000/s",
        "UPSTREAM_WRITE_BUDGET": "100000/s",
        # Access tokens the portal refreshes 3 s after sign-in (30 s before their expiry).
        "SANDBOX_ACCESS_TOKEN_SECONDS": str(accounts.REFRESH_MARGIN_SECONDS + 3),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "SECURE_SSL_REDIRECT": "false",
        "PDF_LINK_SCHEME": "http",
        "UPSTREAM_URL": f"http://127.0.0.1:{port_upstream}/sandbox",
        "SANDBOX_PORTAL_URL": f"http://127.0.0.1:{port_a}",
        "STATIC_ROOT": str(tmp / "static"),
        "WEB_CONCURRENCY": "2",
        **shared,
    }
    setup = Instances(a="", b="", env=env, upstream_log=tmp / "upstream.log")
    setup.manage("migrate", "--noinput")
    if env["CACHE_URL"].startswith("dbcache"):
        setup.manage("createcachetable")
    setup.manage("collectstatic", "--noinput")
    setup.manage("sandbox_seed")

    processes = []
    ports = {port_upstream: "upstream", port_a: "a", port_b: "b"}
    # The upstream is the sandbox alone (sandbox.settings) on the same database and cache.
    sandbox_alone = {"DJANGO_SETTINGS_MODULE": "sandbox.settings"}
    apps = {"upstream": ["sandbox.wsgi", "-c", "sandbox/gunicorn.conf.py"]}
    for port, name in ports.items():
        log = tmp / f"{name}.log"
        with log.open("w") as output:
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [str(GUNICORN), *apps.get(name, ["portal.wsgi", "-c", "gunicorn.conf.py"])],
                    env={**env, "PORT": str(port), **(sandbox_alone if name == "upstream" else {})},
                    cwd=BASE_DIR,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            )
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        # A loaded machine (CI, several suites at once) can take a while to answer the first time.
        deadline = time.monotonic() + 90
        for url in urls:
            while True:
                try:
                    if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, f"{url} did not start"
                time.sleep(0.2)
        yield Instances(a=urls[1], b=urls[2], env=env, upstream_log=tmp / "upstream.log")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        next(drop, None)


def _sign_in(browser: requests.Session, url: str) -> None:
    assert demo_sign_in(browser, url, timeout=10).status_code == 200


def test_both_are_ready(instances: Instances) -> None:
    for url in (instances.a, instances.b):
        ready = requests.get(f"{url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["database"] == ready.json()["cache"] == "ok"


def test_completion_registers_once_across_both(instances: Instances) -> None:
    completion = instances.manage("sandbox_purchase", "--gateway", "stripe").strip().splitlines()
    url = completion[-1]
    invoice_id = re.search(r"\(id (\d+)\)", completion[0])
    assert invoice_id
    register = rf"POST /sandbox/api/public/billing/invoices/{invoice_id.group(1)}/registerByToken"
    with requests.Session() as browser:
        landing = browser.get(url, allow_redirects=False, timeout=10)
        assert landing.status_code == 303
        path = landing.headers["Location"]
        cookies = browser.cookies.get_dict()

    def load(index: int) -> bool:
        with requests.Session() as tab:
            tab.cookies.update(cookies)
            base = (instances.a, instances.b)[index % 2]
            return "Thank you" in tab.get(f"{base}{path}", timeout=30).text

    # Nothing has registered yet: twenty loads in one session race across both instances.
    with ThreadPoolExecutor(max_workers=10) as pool:
        parallel = list(pool.map(load, range(20)))
    reloads = [load(index) for index in range(4)]
    assert all(parallel)
    assert all(reloads)
    assert instances.upstream_calls(register) == 1


def test_sign_in_on_one_my_invoices_on_the_other(instances: Instances) -> None:
    with requests.Session() as browser:
        _sign_in(browser, instances.a)
        page = browser.get(f"{instances.b}/en/invoices/", timeout=10)
        assert page.status_code == 200
        assert page.url == f"{instances.b}/en/invoices/"
        assert page.text.count('id="pdf-link-') == 12


def test_media_jwt_cache_is_shared(instances: Instances) -> None:
    media = r"GET /sandbox/api/auth/media/customer"
    before = instances.upstream_calls(media)
    with requests.Session() as browser:
        _sign_in(browser, instances.b)
        listing = browser.get(f"{instances.a}/en/invoices/", timeout=10).text
        [poller] = Page(listing).having("data-media-links")
        fragment_path = poller["hx-get"]
        for base in (instances.a, instances.b, instances.a, instances.b):
            fragment = browser.get(
                f"{base}{fragment_path}", headers={"HX-Request": "true"}, timeout=10
            )
            assert "data-refresh-in" in fragment.text
            pdf = browser.get(f"{base}/en/invoices/1/pdf", timeout=10)
            assert pdf.headers["Content-Type"] == "application/pdf"
    assert instances.upstream_calls(media) - before == 1


def test_refreshes_racing_across_both_keep_the_customer_signed_in(instances: Instances) -> None:
    """[docs] The upstream rotates refresh tokens, so of two refreshes with one token the
    second fails: requests of one session racing on both instances refresh once, and the
    customer stays signed in. The sandbox checks client_id and rotation as Nexudus does."""
    grants = r"POST /sandbox/api/token"
    with requests.Session() as browser:
        _sign_in(browser, instances.a)
        cookies = browser.cookies.get_dict()
    before = instances.upstream_calls(grants)
    time.sleep(3.5)  # the access token is now due for a refresh

    def load(index: int) -> tuple[int, str]:
        with requests.Session() as tab:
            tab.cookies.update(cookies)
            base = (instances.a, instances.b)[index % 2]
            page = tab.get(f"{base}/en/invoices/", timeout=30)
            return page.status_code, page.url

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(load, range(8)))
    assert all(status == 200 for status, _url in results), results
    assert all(url.endswith("/en/invoices/") for _status, url in results), results
    assert instances.upstream_calls(grants) - before == 1
    # Signed in still, with the rotated tokens, on both.
    for index in range(2):
        status, url = load(index)
        assert (status, url.endswith("/en/invoices/")) == (200, True)
