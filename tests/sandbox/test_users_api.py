"""The sandbox's password calls (CONTRACT.md, "Password reset and one-time sign-in"):
startPasswordReset and its outbox, completePasswordReset under the location's policy, and
exchange; single use under concurrency over real HTTP."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from sandbox import conf, demo, services
from sandbox.models import Business, Customer, OutboxEmail
from sandbox.tokens import Audience, token_issue
from tests.child import run_python
from tests.sandbox.conftest import API

START = f"{API}/sys/users/startPasswordReset"
COMPLETE = f"{API}/sys/users/completePasswordReset"
EXCHANGE = f"{API}/sys/users/exchange"
NEW_PASSWORD = "Harbour-view-2026"


def _post(client: Client, url: str, body: Any, **headers: str) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def _start(client: Client, email: str = "demo@example.com", **headers: str) -> Any:
    return _post(client, START, {"email": email, "businessId": 1}, **headers)


def _complete(client: Client, token: str, password: str = NEW_PASSWORD) -> Any:
    return _post(client, COMPLETE, {"Token": token, "Password": password, "BusinessId": 1})


def _link(email: OutboxEmail) -> str:
    found = re.search(r"https?://\S+/user/resetPassword\?token=\S+", email.body)
    assert found, email.body
    return found.group(0)


def _token(email: OutboxEmail) -> str:
    return parse_qs(urlsplit(_link(email)).query)["token"][0]


def _emailed_token(client: Client, email: str = "demo@example.com") -> str:
    assert _start(client, email).status_code == 200
    return _token(OutboxEmail.objects.first())  # type: ignore[arg-type]


def _signs_in(client: Client, email: str, password: str) -> bool:
    grant = {"grant_type": "password", "username": email, "password": password}
    return bool(client.post(f"{API}/token", grant).status_code == 200)


CONFIRMATION = {"WasSuccessful", "Value", "Status", "Message", "Errors"}


# startPasswordReset ---------------------------------------------------------------------------


def test_a_customer_gets_a_link_to_the_portal(
    client: Client, demo_customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conf, "PORTAL_URL", "http://portal.example:8000")
    response = _start(client, "Demo@Example.com")
    assert response.status_code == 200
    assert response.json() == {
        "WasSuccessful": True,
        "Value": None,
        "Status": 200,
        "Message": None,
        "Errors": None,
    }
    email = OutboxEmail.objects.get()
    assert email.to == "demo@example.com"
    assert email.subject == "Choose your password for Canal Street Coworking"
    assert _link(email).startswith("http://portal.example:8000/en/user/resetPassword?token=")
    # A real, short-lived JWT naming the email.
    claims = jwt.decode(_token(email), options={"verify_signature": False})
    assert claims["email"] == "demo@example.com"
    assert claims["aud"] == "password-reset"
    assert claims["exp"] - claims["iat"] == conf.RESET_TOKEN_SECONDS


def test_an_unknown_email_gets_the_same_answer_and_no_email(
    client: Client, demo_customer: Customer
) -> None:
    known = _start(client, "demo@example.com")
    unknown = _start(client, "nobody@example.com")
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert OutboxEmail.objects.count() == 1


def test_the_link_follows_the_callers_language(client: Client, demo_customer: Customer) -> None:
    _post(client, START, {"email": "demo@example.com"}, **{"Accept-Language": "de"})
    email = OutboxEmail.objects.first()
    assert email is not None
    assert "/de/user/resetPassword?token=" in _link(email)
    assert email.subject == "Wählen Sie Ihr Passwort für Canal Street Coworking"


def test_each_tenant_links_to_its_own_portal(
    client: Client, settings: SettingsWrapper, db: None
) -> None:
    """The link points at the portal of the brand the reset was started from: the tenant (the
    host the call arrives on) knows its portal's address, as a Nexudus tenant does."""
    settings.ALLOWED_HOSTS = ["testserver", "harbour.example"]
    services.demo_business_get_or_create()
    harbour = Business.objects.create(
        id=2, name="Harbour", web_address="harbour.example", portal_url="https://portal.harbour"
    )
    services.customer_get_or_create(business=harbour, email="h@example.com")
    response = _post(
        client, START, {"email": "h@example.com", "businessId": 2}, Host="harbour.example"
    )
    assert response.status_code == 200
    assert _link(OutboxEmail.objects.get()).startswith("https://portal.harbour/en/user/")
    # The same email at the other tenant's host is unknown there.
    _post(client, START, {"email": "h@example.com"})
    assert OutboxEmail.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "Email"),
        ({"email": "   "}, "Email"),
        ({"email": 42}, "Email"),
        ("not an object", "Email"),
        ({"email": "demo@example.com", "businessId": 99}, "BusinessId"),
        ({"email": "demo@example.com", "businessId": "1"}, "BusinessId"),
    ],
)
def test_start_refuses_what_is_missing_or_wrong(
    client: Client, demo_customer: Customer, body: Any, field: str
) -> None:
    response = _post(client, START, body)
    assert response.status_code == 400
    answer = response.json()
    assert set(answer) == CONFIRMATION
    assert answer["WasSuccessful"] is False
    assert [error["PropertyName"] for error in answer["Errors"]] == [field]
    assert not OutboxEmail.objects.exists()


def test_member_names_are_read_in_any_case(client: Client, demo_customer: Customer) -> None:
    assert _post(client, START, {"EMAIL": "demo@example.com", "BusinessID": 1}).status_code == 200
    assert OutboxEmail.objects.count() == 1


def test_a_body_that_is_not_json_is_a_400(client: Client, db: None) -> None:
    response = client.post(START, b"\xff\xfe", content_type="application/json")
    assert response.status_code == 400


# completePasswordReset ------------------------------------------------------------------------


def test_a_new_password_from_the_link(client: Client, demo_customer: Customer) -> None:
    token = _emailed_token(client)
    response = _complete(client, token)
    assert response.status_code == 200
    answer = response.json()
    assert answer["WasSuccessful"] is True
    assert answer["Errors"] is None
    one_time = jwt.decode(answer["Value"], options={"verify_signature": False})
    assert one_time["aud"] == "one-time"
    assert _signs_in(client, "demo@example.com", NEW_PASSWORD)
    assert not _signs_in(client, "demo@example.com", "demo-password")


def test_a_new_customer_has_no_password_until_the_link(client: Client, purchase: Any) -> None:
    basket = purchase(email="fresh@example.com")
    services.basket_register(
        business=basket.invoice.business, invoice_id=basket.invoice_id, guid=basket.guid
    )
    assert not _signs_in(client, "fresh@example.com", "")
    assert _complete(client, _emailed_token(client, "fresh@example.com")).status_code == 200
    assert _signs_in(client, "fresh@example.com", NEW_PASSWORD)


def test_the_locations_policy_refuses_with_one_error_per_rule(
    client: Client, demo_customer: Customer
) -> None:
    Business.objects.filter(pk=1).update(password_min_length=12)
    token = _emailed_token(client)
    response = _complete(client, token, password="short")
    assert response.status_code == 400
    answer = response.json()
    assert answer["WasSuccessful"] is False
    assert answer["Errors"] == [
        {
            "AttemptedValue": None,
            "Message": "The password must have at least 12 characters.",
            "PropertyName": "Password",
        },
        {
            "AttemptedValue": None,
            "Message": "The password must contain a digit.",
            "PropertyName": "Password",
        },
    ]
    assert "short" not in response.content.decode()
    # A refused password leaves the link usable.
    assert _complete(client, token, password="Long-enough-2026").status_code == 200


def _refused_for_the_token(response: Any) -> None:
    assert response.status_code == 400
    assert [e["PropertyName"] for e in response.json()["Errors"]] == ["Token"]


def test_a_link_works_once(client: Client, demo_customer: Customer) -> None:
    token = _emailed_token(client)
    assert _complete(client, token).status_code == 200
    _refused_for_the_token(_complete(client, token, password="Another-one-99"))
    assert _signs_in(client, "demo@example.com", NEW_PASSWORD)


def test_an_older_link_dies_with_a_new_password(client: Client, demo_customer: Customer) -> None:
    older = _emailed_token(client)
    newer = _emailed_token(client)
    assert _complete(client, newer).status_code == 200
    _refused_for_the_token(_complete(client, older, password="Another-one-99"))


def test_an_expired_link_is_refused(
    client: Client, demo_customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conf, "RESET_TOKEN_SECONDS", -1)
    _refused_for_the_token(_complete(client, _emailed_token(client)))


@pytest.mark.parametrize("audience", [Audience.ACCESS, Audience.ONE_TIME, Audience.MEDIA])
def test_another_kind_of_token_is_refused(
    client: Client, demo_customer: Customer, audience: Audience
) -> None:
    token = token_issue(audience=audience, subject=str(demo_customer.pk), seconds=60)
    _refused_for_the_token(_complete(client, token))


def test_a_made_up_token_is_refused(client: Client, demo_customer: Customer) -> None:
    _refused_for_the_token(_complete(client, "not-a-jwt"))


def test_another_tenants_link_is_refused(
    client: Client, settings: SettingsWrapper, db: None
) -> None:
    settings.ALLOWED_HOSTS = ["testserver", "harbour.example"]
    canal = services.demo_business_get_or_create()
    services.customer_get_or_create(business=canal, email="both@example.com")
    token = _emailed_token(client, "both@example.com")
    Business.objects.create(id=2, name="Harbour", web_address="harbour.example")
    response = _post(
        client, COMPLETE, {"Token": token, "Password": NEW_PASSWORD}, Host="harbour.example"
    )
    _refused_for_the_token(response)


def test_complete_says_which_members_are_missing(client: Client, db: None) -> None:
    response = _post(client, COMPLETE, {"Token": "", "BusinessId": 1})
    assert response.status_code == 400
    assert [e["PropertyName"] for e in response.json()["Errors"]] == ["Token", "Password"]


# exchange -------------------------------------------------------------------------------------


def _one_time(client: Client) -> str:
    value: str = _complete(client, _emailed_token(client)).json()["Value"]
    return value


def test_exchange_signs_in_once(client: Client, demo_customer: Customer) -> None:
    one_time = _one_time(client)
    response = client.post(f"{EXCHANGE}?token={one_time}")
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token"}
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get(f"{API}/public/billing/invoices/my", headers=bearer).status_code == 200
    again = client.post(f"{EXCHANGE}?token={one_time}")
    assert again.status_code == 401


def test_exchange_refuses_other_tokens_and_methods(client: Client, demo_customer: Customer) -> None:
    reset = _emailed_token(client)
    assert client.post(f"{EXCHANGE}?token={reset}").status_code == 401
    assert client.post(EXCHANGE).status_code == 400
    assert client.get(f"{EXCHANGE}?token={_one_time(client)}").status_code == 405


def test_an_expired_one_time_token_is_refused(
    client: Client, demo_customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conf, "ONE_TIME_TOKEN_SECONDS", -1)
    assert client.post(f"{EXCHANGE}?token={_one_time(client)}").status_code == 401


# Single use under concurrency ----------------------------------------------------------------


def _concurrently(calls: int, send: Any) -> Counter[int]:
    barrier = threading.Barrier(calls)

    def one(_: int) -> int:
        with requests.Session() as session:
            barrier.wait()
            return int(send(session))

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return Counter(pool.map(one, range(calls)))


def test_one_link_and_one_exchange_succeed_once_at_the_same_time(
    live_server: LiveServer, transactional_db: None
) -> None:
    demo.demo_seed()
    base = f"{live_server.url}/sandbox/api/sys/users"
    requests.post(f"{base}/startPasswordReset", json={"email": "demo@example.com"}, timeout=30)
    token = _token(OutboxEmail.objects.get())
    body = {"Token": token, "Password": NEW_PASSWORD}
    statuses = _concurrently(
        20,
        lambda s: s.post(f"{base}/completePasswordReset", json=body, timeout=30).status_code,
    )
    assert statuses == {200: 1, 400: 19}
    # A second link, to get a one-time JWT to race on.
    requests.post(f"{base}/startPasswordReset", json={"email": "demo@example.com"}, timeout=30)
    body = {"Token": _token(OutboxEmail.objects.first()), "Password": "Another-one-99"}  # type: ignore[arg-type]
    answer = requests.post(f"{base}/completePasswordReset", json=body, timeout=30).json()
    one_time = answer["Value"]
    statuses = _concurrently(
        20, lambda s: s.post(f"{base}/exchange", params={"token": one_time}, timeout=30).status_code
    )
    assert statuses == {200: 1, 401: 19}


# The outbox -----------------------------------------------------------------------------------


def test_the_outbox_shows_the_newest_first_with_clickable_links(
    client: Client, demo_customer: Customer
) -> None:
    empty = client.get("/sandbox/outbox")
    assert empty.status_code == 200
    assert "No email yet" in empty.content.decode()
    _start(client)
    services.customer_get_or_create(business=demo_customer.business, email="second@example.com")
    _start(client, "second@example.com")
    response = client.get("/sandbox/outbox")
    page = response.content.decode()
    assert page.index("second@example.com") < page.index("demo@example.com")
    for email in OutboxEmail.objects.all():
        assert f'<a href="{_link(email)}"' in page.replace("&amp;", "&")
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_outbox_is_off_in_production() -> None:
    code = (
        "import django\ndjango.setup()\nfrom django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/sandbox/outbox')\n    print('routed')\n"
        "except Resolver404:\n    print('not routed')\n"
    )
    production = run_python(code, SECRET_KEY="s", UPSTREAM_URL="https://tenant.example.com")
    assert production.stdout.strip() == "not routed", production.stderr
    development = run_python(code, DEBUG="true")
    assert development.stdout.strip() == "routed", development.stderr
