"""Single use under concurrency, over real HTTP against the live server (threads)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from django.db import connection, transaction
from pytest_django.live_server_helper import LiveServer

from sandbox import services, writes
from sandbox.models import BasketSession, Customer

CALLS = 100


def _concurrently(urls: list[str]) -> list[int]:
    """POSTs every URL at once (a barrier releases all threads together); returns statuses."""
    barrier = threading.Barrier(len(urls))

    def post(url: str) -> int:
        with requests.Session() as session:
            barrier.wait()
            return session.post(url, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        return list(pool.map(post, urls))


def _register_url(live_server: LiveServer, basket: BasketSession) -> str:
    return (
        f"{live_server.url}/sandbox/api/public/billing/invoices/{basket.invoice_id}"
        f"/registerByToken?token={basket.guid}"
    )


def test_one_token_registers_once(live_server: LiveServer, transactional_db: None) -> None:
    basket = services.purchase_create(gateway="stripe", email="race@example.com")
    statuses = _concurrently([_register_url(live_server, basket)] * CALLS)
    assert Counter(statuses) == {200: 1, 401: CALLS - 1}
    assert Customer.objects.filter(email__iexact="race@example.com").count() == 1
    basket.refresh_from_db()
    assert basket.registered_at is not None


def test_one_email_from_many_invoices_makes_one_customer(
    live_server: LiveServer, transactional_db: None
) -> None:
    baskets = [
        services.purchase_create(gateway="paypal", email=email)
        for email in ["Same@example.com", "same@example.com", "SAME@EXAMPLE.COM"] * 4
    ]
    statuses = _concurrently([_register_url(live_server, basket) for basket in baskets])
    assert statuses == [200] * len(baskets)
    assert Customer.objects.filter(email__iexact="same@example.com").count() == 1
    customer = Customer.objects.get()
    assert set(BasketSession.objects.values_list("registered_customer", flat=True)) == {customer.pk}


def test_a_purchase_settled_in_its_own_transaction_does_not_wait_for_other_writers(
    transactional_db: None,
) -> None:
    """purchase_create settles its basket inside its own transaction. Another thread that is
    already writing (one_writer) waits for that transaction to end: the purchase must not in
    turn wait for that thread, or both stall until SQLite gives up on its lock."""
    other_writing = threading.Event()

    def other_writer() -> None:
        other_writing.set()
        with writes.one_writer():
            services.demo_business_get_or_create()
        connection.close()

    other = threading.Thread(target=other_writer)
    with transaction.atomic():
        services.demo_business_get_or_create()  # this transaction writes first
        other.start()
        other_writing.wait(timeout=5)
        time.sleep(0.2)  # the other thread is now inside one_writer, waiting for the database
        started = time.monotonic()
        basket = services.purchase_create(gateway="stripe", email="buyer@example.com")
        elapsed = time.monotonic() - started
    other.join(timeout=30)
    assert not other.is_alive()
    assert basket.status == BasketSession.Status.PAID
    assert elapsed < 2, elapsed
