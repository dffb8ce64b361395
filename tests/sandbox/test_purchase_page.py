"""The sandbox's purchase page: a person clicks through a simulated payment."""

from __future__ import annotations

from django.test import Client

from sandbox.models import BasketSession, OutboxEmail


def test_form_is_shown(client: Client, db: None) -> None:
    response = client.get("/sandbox/")
    assert response.status_code == 200
    assert b'name="gateway"' in response.content


def test_purchase_shows_the_completion_url(client: Client, db: None) -> None:
    response = client.post(
        "/sandbox/",
        {"gateway": "spreedly", "email": "page@example.com", "pending_seconds": "0"},
    )
    assert response.status_code == 200
    basket = BasketSession.objects.get()
    assert basket.gateway == "spreedly"
    assert basket.buyer_email == "page@example.com"
    expected = f"/en/invoices/complete?spreedly_session_id={basket.guid}"
    assert expected.encode() in response.content
    assert response["Referrer-Policy"] == "no-referrer"


def test_invalid_form_is_400_and_creates_nothing(client: Client, db: None) -> None:
    response = client.post("/sandbox/", {"gateway": "bitcoin", "pending_seconds": "-5"})
    assert response.status_code == 400
    assert not BasketSession.objects.exists()


def test_its_pages_answer_their_own_methods(client: Client, db: None) -> None:
    # The sandbox is a system of its own: the portal's 405 page is not its answer.
    assert client.put("/sandbox/").status_code == 405
    assert client.post("/sandbox/outbox").status_code == 405
    assert client.get("/sandbox/outbox").status_code == 200


def test_its_pages_have_their_own_layout(client: Client, db: None) -> None:
    page = client.get("/sandbox/").content.decode()
    assert "sandbox/sandbox.css" in page
    assert "css/portal.css" not in page


def test_the_language_switcher_chooses_the_portal_language_to_return_to(
    client: Client, db: None
) -> None:
    page = client.get("/sandbox/?language=fr").content.decode()
    assert '<a href="?language=fr" lang="fr" aria-current="true">Français</a>' in page
    assert 'name="language" value="fr"' in page
    response = client.post(
        "/sandbox/", {"gateway": "stripe", "pending_seconds": "0", "language": "fr"}
    )
    basket = BasketSession.objects.get()
    assert f"/fr/invoices/complete?stripe_session_id={basket.guid}".encode() in response.content
    # The receipt email is in the buyer's language too.
    assert OutboxEmail.objects.get().subject.startswith("Reçu")
    # An unknown language is English, the page's default.
    assert 'name="language" value="en"' in client.get("/sandbox/?language=xx").content.decode()
