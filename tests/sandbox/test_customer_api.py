"""Authenticated customer calls: token grants, invoices, media JWTs and PDFs (CONTRACT.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sandbox import services
from sandbox.models import Customer, Invoice
from sandbox.tokens import Audience, token_issue
from tests.helpers.sign_in import DEMO_EMAIL, DEMO_PASSWORD
from tests.sandbox.conftest import API, INVOICES, Purchase, pdf_text

TOKEN = f"{API}/token"
MEDIA = f"{API}/auth/media/customer"


def _sign_in(client: Client, username: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> Any:
    """The sandbox's own password grant, as the portal sends it."""
    return client.post(
        TOKEN, {"grant_type": "password", "username": username, "password": password}
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def access(client: Client, demo_customer: Customer) -> str:
    token: str = _sign_in(client).json()["access_token"]
    return token


@pytest.fixture
def media_jwt(client: Client, access: str) -> str:
    jwt: str = client.get(MEDIA, headers=_bearer(access)).json()["jwt"]
    return jwt


# /api/token --------------------------------------------------------------------------------


def test_password_grant(client: Client, demo_customer: Customer) -> None:
    response = _sign_in(client, username="Demo@Example.com")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600


def test_wrong_password_and_unknown_email_get_one_answer(
    client: Client, demo_customer: Customer
) -> None:
    wrong = _sign_in(client, password="nope")
    unknown = _sign_in(client, username="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "invalid_grant"


def test_customer_without_password_cannot_sign_in(client: Client, purchase: Purchase) -> None:
    basket = purchase(email="guest@example.com")
    client.post(f"{INVOICES}/{basket.invoice_id}/registerByToken?token={basket.guid}")
    assert _sign_in(client, username="guest@example.com", password="").status_code == 400
    assert _sign_in(client, username="guest@example.com", password="x").status_code == 400


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password", "username": DEMO_EMAIL}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "garbage"}, "invalid_client"),
        (
            {"grant_type": "refresh_token", "refresh_token": "garbage", "client_id": "c"},
            "invalid_grant",
        ),
    ],
)
def test_token_errors(
    client: Client, demo_customer: Customer, data: dict[str, str], error: str
) -> None:
    response = client.post(TOKEN, data)
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_refresh_grant(client: Client, demo_customer: Customer) -> None:
    tokens = _sign_in(client).json()
    # Signed in without a client_id: Nexudus's default, the email, is the one to send.
    response = client.post(
        TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": "demo@example.com",
        },
    )
    assert response.status_code == 200
    fresh = response.json()["access_token"]
    assert fresh != tokens["access_token"]
    assert client.get(MEDIA, headers=_bearer(fresh)).status_code == 200
    # An access token is not a refresh token.
    misuse = client.post(
        TOKEN,
        {"grant_type": "refresh_token", "refresh_token": fresh, "client_id": "demo@example.com"},
    )
    assert misuse.status_code == 400


def test_token_endpoint_wants_post(client: Client, db: None) -> None:
    response = client.get(TOKEN)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


# bearer-protected calls ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [MEDIA, f"{INVOICES}/my", f"{INVOICES}/1"])
def test_bearer_required(client: Client, demo_customer: Customer, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers=_bearer("garbage")).status_code == 401
    assert client.get(path, headers={"Authorization": "Basic abc"}).status_code == 401
    response = client.get(path, headers=_bearer("garbage"))
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_media_jwt_is_never_a_bearer_token(client: Client, media_jwt: str) -> None:
    assert client.get(f"{INVOICES}/my", headers=_bearer(media_jwt)).status_code == 401
    assert client.get(MEDIA, headers=_bearer(media_jwt)).status_code == 401


def test_expired_access_token_is_401(client: Client, demo_customer: Customer) -> None:
    stale = token_issue(audience=Audience.ACCESS, subject=str(demo_customer.pk), seconds=-5)
    assert client.get(MEDIA, headers=_bearer(stale)).status_code == 401


# invoices/my -------------------------------------------------------------------------------


def test_my_invoices_newest_first_with_paging(client: Client, access: str) -> None:
    body = client.get(f"{INVOICES}/my", {"size": 5}, headers=_bearer(access)).json()
    assert body["TotalItems"] == 12
    assert body["TotalPages"] == 3
    assert body["CurrentPage"] == 1
    assert body["CurrentPageSize"] == 5
    assert body["HasNextPage"] is True
    assert body["HasPreviousPage"] is False
    created = [record["CreatedOn"] for record in body["Records"]]
    assert created == sorted(created, reverse=True)
    last = client.get(f"{INVOICES}/my", {"size": 5, "page": 3}, headers=_bearer(access)).json()
    assert len(last["Records"]) == 2
    assert last["HasNextPage"] is False
    assert last["HasPreviousPage"] is True
    beyond = client.get(f"{INVOICES}/my", {"size": 5, "page": 9}, headers=_bearer(access)).json()
    assert beyond["Records"] == []


def test_invoice_preview_shape(client: Client, access: str) -> None:
    record = client.get(f"{INVOICES}/my", headers=_bearer(access)).json()["Records"][0]
    assert set(record) == {
        "Id", "UniqueId", "InvoiceNumber", "Paid", "PaidOn", "DueDate", "Draft", "CreditNote",
        "TotalAmount", "DueAmount", "TotalFormated", "Currency", "BusinessWebAddress", "CreatedOn",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "count", "check"),
    [
        ({"paid": "true"}, 9, lambda r: r["Paid"]),
        ({"paid": "false"}, 3, lambda r: not r["Paid"]),
        ({"creditNotes": "true"}, 1, lambda r: r["CreditNote"]),
        ({"creditNotes": "false"}, 11, lambda r: not r["CreditNote"]),
        ({"paid": "true", "creditNotes": "false"}, 8, lambda r: r["Paid"] and not r["CreditNote"]),
    ],
)
def test_my_invoices_filters(
    client: Client, access: str, query: dict[str, str], count: int, check: Any
) -> None:
    body = client.get(f"{INVOICES}/my", query, headers=_bearer(access)).json()
    assert body["TotalItems"] == count
    assert all(check(record) for record in body["Records"])


@pytest.mark.parametrize(
    "query",
    [
        {"paid": "maybe"},
        {"creditNotes": "1"},
        {"page": "0"},
        {"page": "x"},
        # Found by schemathesis: a page this long overflowed the database's OFFSET.
        {"page": "183383138622719529807367234387968"},
        {"page": "1000001"},
        {"size": "+5"},
        {"size": "101"},
        {"size": "0"},
        {"size": "-3"},
    ],
)
def test_my_invoices_bad_parameters_are_400(
    client: Client, access: str, query: dict[str, str]
) -> None:
    response = client.get(f"{INVOICES}/my", query, headers=_bearer(access))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_parameter"


def test_my_invoices_only_mine(client: Client, access: str, purchase: Purchase) -> None:
    purchase(email="someone.else@example.com")
    body = client.get(f"{INVOICES}/my", headers=_bearer(access)).json()
    assert body["TotalItems"] == 12


# invoice detail ----------------------------------------------------------------------------


def test_invoice_detail(client: Client, access: str, demo_customer: Customer) -> None:
    invoice = demo_customer.invoices.filter(credit_note=True).get()
    body = client.get(f"{INVOICES}/{invoice.pk}", headers=_bearer(access)).json()
    assert body["InvoiceNumber"].startswith("CN-")
    assert body["TotalFormated"] == "-€60.50"
    assert body["Lines"][0]["UnitPriceFormated"] == "-€25.00"


def test_another_customers_invoice_is_404(client: Client, access: str, purchase: Purchase) -> None:
    basket = purchase(email="someone.else@example.com")
    assert client.get(f"{INVOICES}/{basket.invoice_id}", headers=_bearer(access)).status_code == 404
    assert client.get(f"{INVOICES}/999999", headers=_bearer(access)).status_code == 404
    assert client.get(f"{INVOICES}/abc", headers=_bearer(access)).status_code == 400


# media JWT and PDFs ------------------------------------------------------------------------


def test_media_jwt_opens_my_invoice_pdf(
    client: Client, media_jwt: str, demo_customer: Customer
) -> None:
    invoice = demo_customer.invoices.first()
    assert invoice is not None
    response = client.get(f"{INVOICES}/{invoice.pk}/pdf", {"t": media_jwt})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert invoice.invoice_number in pdf_text(response.content)


def test_media_pdf_refusals(
    client: Client, access: str, media_jwt: str, demo_customer: Customer, purchase: Purchase
) -> None:
    invoice = demo_customer.invoices.first()
    assert invoice is not None
    url = f"{INVOICES}/{invoice.pk}/pdf"
    assert client.get(url).status_code == 400
    assert client.get(url, {"t": "garbage"}).status_code == 401
    # An access token is not a media token.
    assert client.get(url, {"t": access}).status_code == 401
    stale = token_issue(audience=Audience.MEDIA, subject=str(demo_customer.pk), seconds=-5)
    assert client.get(url, {"t": stale}).status_code == 401
    others = purchase(email="someone.else@example.com").invoice_id
    assert client.get(f"{INVOICES}/{others}/pdf", {"t": media_jwt}).status_code == 404


def test_the_first_failed_check_answers(client: Client, access: str) -> None:
    # The invoice detail wants a bearer before it reads the id.
    assert client.get(f"{INVOICES}/x1").status_code == 401
    bad_id = client.get(f"{INVOICES}/x1", headers=_bearer(access))
    assert (bad_id.status_code, bad_id.json()["error"]) == (400, "invalid_invoice_id")
    # A PDF by media JWT reads the id first, then the JWT, then looks for the invoice.
    bad_id = client.get(f"{INVOICES}/x1/pdf", {"t": "garbage"})
    assert (bad_id.status_code, bad_id.json()["error"]) == (400, "invalid_invoice_id")
    unknown = client.get(f"{INVOICES}/999999/pdf", {"t": "garbage"})
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_token")
    assert unknown["WWW-Authenticate"].startswith("Bearer")


def test_media_jwt_lives_60_seconds(client: Client, media_jwt: str) -> None:
    import jwt

    claims = jwt.decode(media_jwt, options={"verify_signature": False})
    assert claims["aud"] == "media"
    assert claims["exp"] - claims["iat"] == 60


def test_statement_pdf(client: Client, media_jwt: str, demo_customer: Customer) -> None:
    response = client.get(f"{INVOICES}/statements/pdf", {"t": media_jwt})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "STATEMENT" in text
    for invoice in Invoice.objects.filter(customer=demo_customer):
        assert invoice.invoice_number in text
    assert client.get(f"{INVOICES}/statements/pdf").status_code == 400
    assert client.get(f"{INVOICES}/statements/pdf", {"t": "x"}).status_code == 401


# white-label data and unknown paths ----------------------------------------------------------


def test_business_current(client: Client, business: Any) -> None:
    body = client.get(f"{API}/public/businesses/current").json()
    assert body["Name"] == "Canal Street Coworking"
    assert body["WebAddress"] == "testserver"
    assert body["Currency"]["Code"] == "EUR"
    assert body["Country"] == {"Name": "Netherlands", "TwoDigitsCode": "NL"}
    assert set(body) >= {"Id", "LanguageCulture", "TimeZone", "Address", "TownCity", "PostalCode"}


def test_business_colors(client: Client, demo_customer: Customer) -> None:
    business = demo_customer.business
    # [docs] A customer's bearer only.
    assert client.get(f"{API}/sys/businesses/{business.pk}/colors").status_code == 401
    tokens = _sign_in(client).json()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {tokens['access_token']}"
    body = client.get(f"{API}/sys/businesses/{business.pk}/colors").json()
    assert body == {
        "primaryColor": "#1f5f8b",
        "secondaryColor": "#f2a541",
        "backgroundColor": "#ffffff",
        "textColor": "#1b1f23",
    }
    assert client.get(f"{API}/sys/businesses/999/colors").status_code == 404
    assert client.get(f"{API}/sys/businesses/x/colors").status_code == 400


@pytest.mark.parametrize(
    "path", [f"{API}/nothing", f"{INVOICES}/1/2/pdf", f"{API}/public/billing/invoices/my/extra"]
)
def test_unknown_api_paths_are_json_404(client: Client, db: None, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_wrong_methods_are_json_405(client: Client, db: None) -> None:
    for path in [MEDIA, f"{INVOICES}/my", f"{API}/public/checkout/status"]:
        response = client.delete(path)
        assert response.status_code == 405, path
        assert response.json()["error"] == "method_not_allowed"


def test_business_with_own_web_address(client: Client, business: Any) -> None:
    services.purchase_create(gateway="paypal")
    business.web_address = "spaces.example.com"
    business.save()
    body = client.get(f"{API}/public/businesses/current").json()
    assert body["WebAddress"] == "spaces.example.com"
