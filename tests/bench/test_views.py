from __future__ import annotations

from django.test import RequestFactory

from bench.views import baseline


def test_the_baseline_does_nothing_but_answer() -> None:
    response = baseline(RequestFactory().get("/bench/baseline"))
    assert response.status_code == 200
    assert response.content == b"ok"
