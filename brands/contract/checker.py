"""The operators' check of an upstream (`manage.py upstream_check`, docs/operators.md): every call
the portal makes, with a test customer, compared with CONTRACT.md.

Each row says whether the call was reached, its status and time, whether the answer holds what
the pages need (the client's own parsing decides), and what differs from the contract: missing
or extra fields, other statuses. Nothing secret is kept in a row: no token, password or body.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from upstream.errors import Throttled, UpstreamError
from upstream.sending import json_object, send_raw


def _names(text: str) -> set[str]:
    return set(text.split())


# The documented fields of each shape (CONTRACT.md); what a tenant adds or leaves out is shown.
BUSINESS = _names(
    "Id UniqueId Name WebAddress NativeHomeUrl Currency LanguageCulture TimeZone Address "
    "TownCity PostalCode Country"
)
TOKENS = {"access_token", "token_type", "expires_in", "refresh_token"}
PAGE = _names(
    "Records CurrentPage CurrentPageSize CurrentOrderField CurrentSortDirection FirstItem "
    "LastItem TotalItems TotalPages HasNextPage HasPreviousPage"
)
PREVIEW = _names(
    "Id UniqueId InvoiceNumber Paid PaidOn DueDate Draft CreditNote TotalAmount DueAmount "
    "TotalFormated Currency BusinessWebAddress CreatedOn"
)
DETAIL = PREVIEW | {"BillToName", "BillToEmail", "Lines", "SubTotalFormated", "TaxFormated"}
COLORS = {"primaryColor", "secondaryColor", "backgroundColor", "textColor"}
# Known to appear without notice ([docs]); not worth a line.
KNOWN_EXTRA = {"PageNumber", "PageSize", ".issued", ".expires", "TaxAmountFormated", "Payments"}


@dataclass
class Row:
    call: str
    required: bool
    reached: bool = False
    status: str = "-"
    ms: int = 0
    needs: bool | None = None  # None: not judged (the call was not reached, or skipped)
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.required or (self.reached and self.needs is True)


@dataclass
class Customer:
    email: str
    password: str
    totp: str | None = None


def fields_differ(data: Any, documented: set[str]) -> list[str]:
    if not isinstance(data, dict):
        return []
    missing = sorted(documented - set(data))
    extra = sorted(set(data) - documented - KNOWN_EXTRA)
    notes = [f"missing {', '.join(missing)}"] if missing else []
    return notes + ([f"extra {', '.join(extra)}"] if extra else [])


# [docs] A tenant allows a client about one call per 100 ms (and 120 a minute, which the check's
# few dozen calls stay under): the check keeps to it, with a margin, and when it is throttled all
# the same (the tenant's other clients share the budget) waits as Retry-After says, this long at
# most, and asks again. A throttled check must never say that the portal will not work.
PACE_SECONDS = 0.12
THROTTLED_TRIES = 3
LONGEST_WAIT_SECONDS = 60


class Checker:
    def __init__(
        self,
        *,
        pdf_url: Callable[[str, str, dict[str, str]], str],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # The PDF link a browser gets (web address, path, params): the portal's own builder.
        self.pdf_url = pdf_url
        self.rows: list[Row] = []
        self._sleep = sleep
        self._last_call = -PACE_SECONDS

    def pace(self) -> None:
        """Waits until the next call keeps to the tenant's documented rate."""
        wait = self._last_call + PACE_SECONDS - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        self._last_call = time.monotonic()

    def _send(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any, bytes, int]:
        """send_raw, paced, and asked again after the wait a throttled answer names; with the
        milliseconds the last try took."""
        for attempt in range(1, THROTTLED_TRIES + 1):
            self.pace()
            started = time.monotonic()
            try:
                status, headers, body = send_raw(method, path, **kwargs)  # type: ignore[arg-type]
            except Throttled as spent:
                # The portal's own budget of the tenant (upstream/budget.py) has no room yet.
                if spent.retry_after > LONGEST_WAIT_SECONDS or attempt == THROTTLED_TRIES:
                    raise
                self._sleep(spent.retry_after)
                continue
            retry_after = headers.get("Retry-After", "")
            if status not in (409, 429) or not retry_after.isdigit():
                break
            if int(retry_after) > LONGEST_WAIT_SECONDS:
                break
            self._sleep(int(retry_after))
        return status, headers, body, round((time.monotonic() - started) * 1000)

    def call(
        self,
        name: str,
        method: str,
        path: str,
        *,
        required: bool,
        expect: tuple[int, ...] = (200,),
        pdf: bool = False,
        **kwargs: Any,
    ) -> tuple[Row, Any]:
        """One call, recorded; the decoded JSON (or None) for the next steps."""
        row = Row(call=name, required=required)
        self.rows.append(row)
        try:
            status, headers, body, ms = self._send(
                method,
                path,
                params=kwargs.get("params"),
                form=kwargs.get("form"),
                json_body=kwargs.get("json_body"),
                bearer=kwargs.get("bearer"),
                expect="pdf" if pdf else "json",
            )
        except UpstreamError as error:
            row.differences.append(f"not reached: {type(error).__name__}")
            return row, None
        row.reached, row.ms = True, ms
        row.status = str(status)
        kind = headers.get("Content-Type", "")
        if status in (409, 429):
            row.differences.append(f"throttled, Retry-After {headers.get('Retry-After', '-')}")
        if "text/html" in kind:
            row.differences.append("answers HTML: a portal domain rather than the API host?")
        if status not in expect:
            row.differences.append(f"status {status} (contract: {'/'.join(map(str, expect))})")
        if pdf:
            row.needs = status == 200 and kind.startswith("application/pdf")
            return row, None
        data = None
        if kind.startswith("application/json") and body:
            try:
                data = json_object(body, path)
            except UpstreamError:
                row.differences.append("malformed JSON")
        row.needs = status in expect and (data is not None or status != 200)
        return row, data

    def judge(self, row: Row, reader: Callable[[], object]) -> None:
        """Whether the client reads the answer: the pages' needs, as the client decides them."""
        if not row.needs:
            return
        try:
            # The reader asks the upstream itself, through the client: paced like the rest.
            self.pace()
            reader()
        except UpstreamError as error:
            row.needs = False
            row.differences.append(f"the pages cannot read it: {error}")
