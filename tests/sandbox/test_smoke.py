from __future__ import annotations

from django.test import Client

from sandbox import services


def test_purchase_then_status(client: Client, db: None) -> None:
    basket = services.purchase_create(gateway="stripe")
    response = client.get("/sandbox/api/public/checkout/status", {"token": str(basket.guid)})
    assert response.status_code == 200
    assert response.json()["Status"] == "Paid"
