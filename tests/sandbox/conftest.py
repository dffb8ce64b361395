from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from sandbox import services
from sandbox.models import BasketSession

API = "/sandbox/api"
INVOICES = f"{API}/public/billing/invoices"

Purchase = Callable[..., BasketSession]


@pytest.fixture
def purchase(db: None) -> Purchase:
    """Makes a guest purchase through the simulated gateway."""

    def make(**kwargs: object) -> BasketSession:
        kwargs.setdefault("gateway", "stripe")
        return services.purchase_create(**kwargs)  # type: ignore[arg-type]

    return make


def expire(basket: BasketSession) -> None:
    BasketSession.objects.filter(pk=basket.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
