"""`manage.py upstream_check`: passes against the sandbox, fails with a clear table against an
upstream that lacks a required field or answers HTML, and never prints a password or token."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from brands.contract import sequence
from brands.contract.checker import PACE_SECONDS, Checker
from brands.models import Brand
from sandbox import conf as sandbox_conf
from sandbox import demo, grants
from sandbox.models import BasketSession
from tests.helpers import strict_upstream as fake
from tests.helpers import upstream_data
from tests.helpers.strict_upstream import StrictState, strict_upstream
from tests.helpers.upstream import upstream_url
from upstream import endpoints

JWT = re.compile(r"eyJ[\w-]+\.")


def _run(monkeypatch: pytest.MonkeyPatch, password: str, *args: str) -> tuple[str, str | None]:
    """The command's output and, when it failed, its error."""
    monkeypatch.setenv("UPSTREAM_CHECK_PASSWORD", password)
    out = io.StringIO()
    try:
        call_command("upstream_check", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def _row(output: str, call: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith(call + " ")]
    return line


def test_passes_against_the_sandbox(portal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    demo.demo_seed()
    output, failed = _run(monkeypatch, demo.DEMO_PASSWORD, "--email", demo.DEMO_EMAIL)
    assert failed is None, output
    assert "The portal will work with this upstream." in output
    for call in ("businesses/current", "token (password grant)", "invoices/my", "invoices/{id}"):
        assert re.search(r"\byes\s+200\s+\d+\s+yes\b", _row(output, call)), output
    assert "invoices/{id}/pdf (browser link)" in output
    # The sandbox rotates refresh tokens and wants client_id, as the contract says.
    assert re.search(r"yes\s+400\s+\d+\s+yes\s+-$", _row(output, "token (refresh, earlier token)"))
    assert re.search(r"yes\s+400\s+\d+\s+yes\s+-$", _row(output, "token (refresh, no client_id)"))
    # Pay's [ours] call, asked of a paid invoice: refused, so no payment was started.
    pay = _row(output, "invoices/{id}/checkout [ours] (optional)")
    assert re.search(r"yes\s+409\b", pay), pay
    assert "Pay goes through the billing system's checkout" in pay
    assert not BasketSession.objects.filter(kind=BasketSession.Kind.INVOICE).exists()
    assert demo.DEMO_PASSWORD not in output
    assert not JWT.search(output)


def test_a_two_factor_customer_needs_the_code(portal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    demo.demo_seed()
    output, failed = _run(monkeypatch, demo.DEMO_PASSWORD, "--email", grants.DEMO_2FA_EMAIL)
    assert failed is not None
    assert "error two_factor_auth_check" in _row(output, "token (password grant)")


@pytest.fixture
def strict(settings: SettingsWrapper, transactional_db: None) -> Iterator[StrictState]:
    with strict_upstream() as (url, state):
        Brand.objects.create(slug="strict", upstream_url=url, pdf_link_scheme="http")
        # The business names the fake itself, so the PDF links reach it.
        state.web_address = url.removeprefix("http://")
        yield state


def _secrets_absent(output: str, state: StrictState) -> None:
    assert fake.PASSWORD not in output
    assert fake.RESET_TOKEN not in output
    for token in [*state.access, *state.refresh.values()]:
        assert token not in output
    assert not JWT.search(output)


def test_passes_against_the_strict_fake(
    strict: StrictState, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, failed = _run(monkeypatch, fake.PASSWORD, "--brand", "strict", "--email", fake.PLAIN)
    assert failed is None, output
    # What the fake leaves out of the contract is said, and does not fail the check.
    assert "missing" in _row(output, "invoices/{id}")
    # The fake has no Pay call: the check says what a brand does instead, and still passes.
    assert "set the brand's Paying invoices" in output
    _secrets_absent(output, strict)


def test_fails_on_a_missing_required_field(
    strict: StrictState, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict.drop_from_records = {"InvoiceNumber"}
    output, failed = _run(monkeypatch, fake.PASSWORD, "--brand", "strict", "--email", fake.PLAIN)
    assert failed is not None
    assert "invoices/my" in failed
    row = _row(output, "invoices/my")
    assert " NO " in row
    assert "InvoiceNumber" in row
    _secrets_absent(output, strict)


def test_fails_on_html(strict: StrictState, monkeypatch: pytest.MonkeyPatch) -> None:
    strict.html = True
    output, failed = _run(monkeypatch, fake.PASSWORD, "--brand", "strict", "--email", fake.PLAIN)
    assert failed is not None
    assert "businesses/current" in failed
    assert "answers HTML" in _row(output, "businesses/current")
    assert "answers HTML" in _row(output, "token (password grant)")
    _secrets_absent(output, strict)


def test_a_forced_reset_prints_no_token(
    strict: StrictState, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, failed = _run(
        monkeypatch, fake.PASSWORD, "--brand", "strict", "--email", fake.MUST_RESET
    )
    assert failed is not None
    assert "error must_reset_password" in _row(output, "token (password grant)")
    _secrets_absent(output, strict)
    assert fake.RESET_TOKEN not in str(failed)


def test_without_a_customer_it_cannot_pass(
    strict: StrictState, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, failed = _run(monkeypatch, fake.PASSWORD, "--brand", "strict")
    assert failed is not None
    assert "no test customer given" in output


def test_the_check_keeps_to_the_documented_rate(
    portal: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against the sandbox at its documented limits (10 a second, 120 a minute, [docs]): no
    call of the check is throttled, and it passes (it said "will not work" in 4 of 9 runs when
    it sent its calls as fast as it could)."""
    monkeypatch.setattr(sandbox_conf, "RATE_LIMITS", sandbox_conf.rate_limits("10/s,120/m"))
    demo.demo_seed()
    output, failed = _run(monkeypatch, demo.DEMO_PASSWORD, "--email", demo.DEMO_EMAIL)
    assert failed is None, output
    assert "throttled" not in output
    # Pay's call answers 409 "already paid" (the paid invoice it is asked of), not a throttle.
    pay = _row(output, "invoices/{id}/checkout [ours] (optional)")
    assert " 409 " not in output.replace(pay, "")


def test_a_throttled_call_waits_as_told_and_is_asked_again(upstream_http: Any) -> None:
    """The tenant's other clients share its budget: a 409 with Retry-After is waited out and
    the call asked again, never reported as a failure."""
    url = upstream_url(endpoints.BUSINESS_CURRENT)
    upstream_http.get(url, status=409, headers={"Retry-After": "3"}, json={})
    upstream_http.get(url, json=upstream_data.business())
    slept: list[float] = []
    checker = Checker(pdf_url=lambda *_args: "", sleep=slept.append)
    row, data = checker.call("businesses/current", "GET", endpoints.BUSINESS_CURRENT, required=True)
    assert row.status == "200"
    assert row.ok
    assert data["Name"]
    assert 3 in slept
    assert len(upstream_http.calls) == 2


def test_calls_are_spaced_by_the_documented_rate(upstream_http: Any) -> None:
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    checker = Checker(pdf_url=lambda *_args: "")
    started = time.monotonic()
    for _ in range(5):
        checker.call("businesses/current", "GET", endpoints.BUSINESS_CURRENT, required=True)
    assert time.monotonic() - started >= 4 * PACE_SECONDS
    assert PACE_SECONDS >= 0.1  # [docs] about one call per 100 ms


@pytest.mark.parametrize(
    ("answer", "said", "needs"),
    [
        ({"status": 409, "json": {}}, "Pay goes through the billing system's checkout", True),
        ({"status": 404, "json": {}}, "no such call", False),
        # A throttle, waited out three times and still one: nothing is known of the call.
        (
            {"status": 409, "json": {}, "headers": {"Retry-After": "1"}},
            "throttled: not checked",
            None,
        ),
    ],
)
def test_the_pay_row_tells_already_paid_from_a_throttle(
    upstream_http: Any, answer: dict[str, Any], said: str, needs: bool | None
) -> None:
    upstream_http.post(upstream_url(endpoints.invoice_checkout(7)), **answer)
    checker = Checker(pdf_url=lambda *_args: "", sleep=lambda _seconds: None)
    sequence._pay(checker, "bearer", [{"Id": 7, "Paid": True}])
    [row] = checker.rows
    assert said in row.differences[-1]
    assert row.needs is needs
    assert row.ok  # optional: it never fails the check
