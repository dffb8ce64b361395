"""/healthz, /readyz, the request id and JSON logs."""

from __future__ import annotations

import json
import logging

import pytest
import requests
import responses
from django.test import Client, override_settings

from portal.health import READY_UPSTREAM_SECONDS
from tests.child import run_python
from tests.helpers import upstream_data
from tests.helpers.clock import Clock
from tests.helpers.harness import free_port
from tests.helpers.upstream import upstream_url
from upstream import endpoints


@pytest.fixture
def upstream_up(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    return upstream_http


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_all_is_up(
    client: Client, db: None, upstream_up: responses.RequestsMock
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "upstream": "ok"}


def test_readyz_when_the_upstream_is_down(
    client: Client, db: None, upstream_http: responses.RequestsMock
) -> None:
    upstream_http.get(
        upstream_url(endpoints.BUSINESS_CURRENT), body=requests.exceptions.ConnectionError()
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["upstream"] == "down"
    assert response.json()["database"] == "ok"


def test_readyz_asks_the_upstream_once_per_interval(
    client: Client, db: None, upstream_http: responses.RequestsMock, clock: Clock
) -> None:
    """Probes every few seconds from every balancer must not spend the tenant's budget: one
    call per READY_UPSTREAM_SECONDS, whatever the number of probes, its answer shared."""
    business = upstream_http.get(
        upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business()
    )
    assert {client.get("/readyz").status_code for _ in range(20)} == {200}
    assert business.call_count == 1
    clock.advance(READY_UPSTREAM_SECONDS + 1)
    assert client.get("/readyz").status_code == 200
    assert business.call_count == 2


def test_readyz_remembers_a_down_upstream_as_long(
    client: Client, db: None, upstream_http: responses.RequestsMock, clock: Clock
) -> None:
    down = upstream_http.get(
        upstream_url(endpoints.BUSINESS_CURRENT), body=requests.exceptions.ConnectionError()
    )
    assert {client.get("/readyz").status_code for _ in range(5)} == {503}
    assert down.call_count == 1


def test_readyz_when_the_cache_is_down(
    client: Client, db: None, upstream_up: responses.RequestsMock
) -> None:
    dead_redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    with override_settings(CACHES=dead_redis):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"


def test_readyz_when_the_database_is_down() -> None:
    """A real process whose DATABASE_URL points at a PostgreSQL port nobody listens on."""
    probe = (
        "import django, json; django.setup();"
        "from django.test import Client; c = Client();"
        "r = c.get('/readyz'); h = c.get('/healthz');"
        "print(json.dumps([r.status_code, r.json(), h.status_code]))"
    )
    result = run_python(
        probe,
        SECRET_KEY="a-test-secret",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"postgres://nobody@127.0.0.1:{free_port()}/nothing",
        UPSTREAM_URL=f"http://127.0.0.1:{free_port()}",
        UPSTREAM_GET_RETRIES="0",
    )
    assert result.returncode == 0, result.stderr
    ready_status, body, health_status = json.loads(result.stdout.strip().splitlines()[-1])
    assert ready_status == 503
    assert body["database"] == "down"
    assert body["upstream"] == "down"
    assert health_status == 200


def test_request_id_is_answered_logged_and_sent_upstream(
    client: Client, db: None, upstream_up: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="upstream"):
        response = client.get("/readyz", headers={"X-Request-ID": "proxy-id-12345"})
    assert response["X-Request-ID"] == "proxy-id-12345"
    sent = upstream_up.calls[0].request.headers["X-Request-ID"]
    assert sent == "proxy-id-12345"
    assert all(getattr(r, "request_id", None) == "proxy-id-12345" for r in caplog.records)


@pytest.mark.parametrize("offered", ["", "short", "x" * 65, "bad id with spaces", "<script>"])
def test_unacceptable_request_ids_are_replaced(client: Client, offered: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": offered})
    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


def test_json_logs_carry_the_request_id_and_stay_masked() -> None:
    program = (
        "import django, logging; django.setup();"
        "from portal.logging import request_id; request_id.set('req-abcdef12');"
        "logging.getLogger('portal.test').warning('GET /pdf?token=%s', 'SECRET-TOKEN-1')"
    )
    result = run_python(program, DEBUG="true", LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["request_id"] == "req-abcdef12"
    assert record["level"] == "WARNING"
    assert record["logger"] == "portal.test"
    assert record["message"] == "GET /pdf?token=***"
    assert "SECRET-TOKEN-1" not in result.stderr


def test_branding_remembers_a_failure_briefly(
    db: None, upstream_http: responses.RequestsMock
) -> None:
    from portal.business import business

    failing = upstream_http.get(
        upstream_url(endpoints.BUSINESS_CURRENT), body=requests.exceptions.ConnectionError()
    )
    assert business() is None
    assert business() is None
    assert failing.call_count == 1  # the second read is the remembered failure


def test_json_logs_mask_tracebacks() -> None:
    program = (
        "import django, logging; django.setup()\n"
        "try:\n"
        "    raise ValueError('GET /x?token=SECRET-TOKEN-2')\n"
        "except ValueError:\n"
        "    logging.getLogger('portal.test').exception('failed')\n"
    )
    result = run_python(program, DEBUG="true", LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    assert "SECRET-TOKEN-2" not in result.stderr
    assert "token=***" in result.stderr
