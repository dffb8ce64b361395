"""The sequence of the operators' check (brands/contract/checker.py): every call of the portal,
in the order a customer meets them."""

from __future__ import annotations

import secrets
import time
import uuid
from functools import partial
from typing import Any

from brands.contract.checker import (
    BUSINESS,
    COLORS,
    DETAIL,
    PAGE,
    PREVIEW,
    TOKENS,
    Checker,
    Customer,
    Row,
    fields_differ,
)
from upstream import endpoints, parsing
from upstream.calls import business_current
from upstream.transport import pooled_session


def check(*, customer: Customer | None, checker: Checker) -> list[Row]:
    """Every call of the portal, in the order a customer meets them."""
    business_row, business = checker.call(
        "businesses/current", "GET", endpoints.BUSINESS_CURRENT, required=True
    )
    business_row.differences += fields_differ(business, BUSINESS)
    checker.judge(business_row, business_current)
    _guest_calls(checker)
    if customer is None:
        checker.rows.append(
            Row(call="customer calls", required=True, differences=["no test customer given"])
        )
        return checker.rows
    _customer_calls(checker, customer, business)
    return checker.rows


def _guest_calls(checker: Checker) -> None:
    # Every basket-token call, asked with a token no basket has: the contract says refused.
    ask = partial(checker.call, required=True, params={"token": str(uuid.uuid4())})
    row, _ = ask("checkout/status [ours]", "GET", endpoints.CHECKOUT_STATUS, expect=(401,))
    row.differences.append("asked with an unknown basket: 401 expected")
    ask("registerByToken", "POST", endpoints.register_by_token(1), expect=(401, 404), json_body={})
    ask("pdfByToken", "GET", endpoints.pdf_by_token(1), expect=(401, 404), pdf=True)
    # A refusal is what is asked for here: the PDF itself is not.
    checker.rows[-1].needs = checker.rows[-1].status in ("401", "404")


def _customer_calls(checker: Checker, customer: Customer, business: Any) -> None:
    client_id = f"portal-check-{secrets.token_hex(6)}"
    form = {"grant_type": "password", "username": customer.email, "password": customer.password}
    form["client_id"] = client_id
    if customer.totp:
        form["totp"] = customer.totp
    row, tokens = checker.call(
        "token (password grant)", "POST", endpoints.TOKEN, required=True, form=form
    )
    if row.status == "400" and isinstance(tokens, dict):
        # The error code only: a must_reset_password description is a reset token.
        row.differences.append(f"error {str(tokens.get('error'))[:40]}")
    row.differences += fields_differ(tokens, TOKENS) if row.status == "200" else []
    if row.status != "200" or not isinstance(tokens, dict):
        row.needs = False
        return
    bearer = str(tokens.get("access_token", ""))
    if isinstance(business, dict) and isinstance(business.get("Id"), int):
        colors = endpoints.business_colors(business["Id"])
        checker.call("colors (no bearer)", "GET", colors, required=False, expect=(401,))
        row, found = checker.call("colors", "GET", colors, required=False, bearer=bearer)
        row.differences += [d for d in fields_differ(found, COLORS) if d.startswith("missing")]
    first_id = _invoices(checker, bearer)
    row, media = checker.call(
        "auth/media/customer", "GET", endpoints.MEDIA_TOKEN, required=True, bearer=bearer
    )
    jwt = media.get("jwt") if isinstance(media, dict) else None
    if not isinstance(jwt, str):
        row.needs = False
        row.differences.append("no jwt")
    else:
        _pdfs(checker, business, first_id, jwt)
    _refreshes(checker, tokens, client_id)


def _invoices(checker: Checker, bearer: str) -> int | None:
    """invoices/my and the first invoice's detail; that invoice's id, if any."""
    params: dict[str, str | int] = {"page": 1, "size": 25}
    row, page = checker.call(
        "invoices/my", "GET", endpoints.INVOICES_MY, required=True, params=params, bearer=bearer
    )
    row.differences += fields_differ(page, PAGE)
    records = page.get("Records") if isinstance(page, dict) else None
    if not isinstance(records, list):
        row.needs = False
        return None
    checker.judge(row, lambda: [parsing.parse_invoice_preview(record) for record in records])
    if not records or not isinstance(records[0], dict) or not isinstance(records[0].get("Id"), int):
        row.differences.append("no invoice to read: the detail and PDF calls are not checked")
        return None
    row.differences += [f"a record: {note}" for note in fields_differ(records[0], PREVIEW)]
    _pay(checker, bearer, records)
    first_id = int(records[0]["Id"])
    detail_row, detail = checker.call(
        "invoices/{id}", "GET", endpoints.invoice(first_id), required=True, bearer=bearer
    )
    detail_row.differences += fields_differ(detail, DETAIL)
    checker.judge(detail_row, lambda: parsing.parse_invoice_detail(detail))
    return first_id if row.needs else None


def _pay(checker: Checker, bearer: str, records: list[Any]) -> None:
    """[ours] Pay through the upstream's checkout, asked of an invoice already paid: a tenant
    that has the call refuses it (409 without Retry-After) and no payment starts. Optional:
    without it a brand sends Pay to its own payment page, or turns Pay off."""
    paid = [
        r["Id"]
        for r in records
        if isinstance(r, dict) and r.get("Paid") is True and not r.get("CreditNote")
    ]
    if not paid or not isinstance(paid[0], int):
        row = Row(call="invoices/{id}/checkout [ours]", required=False)
        row.differences.append("no paid invoice to ask about: Pay not checked")
        checker.rows.append(row)
        return
    form = {"gateway": "stripe", "returnUrl": "https://portal.invalid/en/invoices/complete"}
    path = endpoints.invoice_checkout(paid[0])
    row, _ = checker.call(
        "invoices/{id}/checkout [ours]",
        "POST",
        path,
        required=False,
        expect=(409,),
        form=form,
        bearer=bearer,
    )
    # A 409 is "already paid" only without Retry-After; with it, the tenant was throttling.
    throttled = [d for d in row.differences if d.startswith("throttled")]
    row.differences = [d for d in row.differences if d not in throttled]
    if throttled and not throttled[0].endswith(" -"):
        row.needs = None
        row.differences.append("throttled: not checked, run the check again later")
    elif row.needs:
        row.differences.append("Pay goes through the billing system's checkout")
    else:
        row.differences.append(
            "no such call: set the brand's Paying invoices to a payment page of yours, or off"
        )


def _pdfs(checker: Checker, business: Any, invoice_id: int | None, jwt: str) -> None:
    """The PDFs at the links a browser gets: the business's web address, the brand's prefix."""
    web_address = parsing.web_address_host(
        business.get("WebAddress") if isinstance(business, dict) else None
    )
    links = [("statements/pdf", endpoints.STATEMENT_PDF)]
    if invoice_id is not None:
        links.insert(0, ("invoices/{id}/pdf", endpoints.pdf(invoice_id)))
    for name, path in links:
        row = Row(call=f"{name} (browser link)", required=True)
        checker.rows.append(row)
        if not web_address:
            row.differences.append("no WebAddress: no link to build")
            continue
        checker.pace()
        row.reached, row.status, row.ms, row.needs, notes = _fetch_pdf(
            checker.pdf_url(web_address, path, {"t": jwt})
        )
        row.differences += notes


def _fetch_pdf(url: str) -> tuple[bool, str, int, bool, list[str]]:
    started = time.monotonic()
    try:
        with pooled_session(retrying=False).get(
            url, headers={"Accept": "application/pdf"}, timeout=(3.05, 10), allow_redirects=False
        ) as answer:
            kind = answer.headers.get("Content-Type", "")
            status = answer.status_code
    except OSError as error:  # requests' errors are OSErrors
        return False, "-", 0, False, [f"not reached: {type(error).__name__}"]
    ms = round((time.monotonic() - started) * 1000)
    good = status == 200 and kind.startswith("application/pdf")
    return True, str(status), ms, good, [] if good else [f"answers {kind or 'no content type'}"]


def _refreshes(checker: Checker, tokens: dict[str, Any], client_id: str) -> None:
    old = str(tokens.get("refresh_token", ""))
    form = {"grant_type": "refresh_token", "refresh_token": old, "client_id": client_id}
    row, fresh = checker.call(
        "token (refresh grant)", "POST", endpoints.TOKEN, required=True, form=form
    )
    if row.status != "200" or not isinstance(fresh, dict):
        row.needs = False
        return
    rotated = fresh.get("refresh_token")
    row.differences += (
        [] if rotated != old else ["the same refresh token again (contract: rotated)"]
    )
    # [docs] Rotation: the earlier token is dead now. Informational: the portal copes either way.
    checker.call(
        "token (refresh, earlier token)",
        "POST",
        endpoints.TOKEN,
        required=False,
        expect=(400,),
        form=form,
    )
    without = {"grant_type": "refresh_token", "refresh_token": str(rotated)}
    checker.call(
        "token (refresh, no client_id)",
        "POST",
        endpoints.TOKEN,
        required=False,
        expect=(400,),
        form=without,
    )
