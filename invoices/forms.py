"""The accountant's export form: a period (this or last month or year, or from/to dates), or
the invoices ticked on the export page."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.http import small_number

PERIODS = ("this-month", "last-month", "this-year", "last-year", "range", "picked")
# Longer than any upstream invoice id; more ticks than this are junk, not a choice.
MAX_INVOICE_ID = 99_999_999_999
MAX_TICKED = 1000
# A range longer than this is a typing error (year 2O26), never an accountant's period.
LONGEST_RANGE = timedelta(days=3660)


@dataclass(frozen=True)
class Choice:
    """What to download: the invoices dated from `start` to `end` (both included), or `ids`."""

    start: date | None = None
    end: date | None = None
    ids: tuple[int, ...] = ()


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_bounds(period: str, today: date) -> tuple[date, date]:
    """The first and last day of a named period around `today`."""
    if period == "this-month":
        return today.replace(day=1), _month_end(today)
    if period == "last-month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    year = today.year if period == "this-year" else today.year - 1
    return date(year, 1, 1), date(year, 12, 31)


class ExportForm(forms.Form):
    period = forms.ChoiceField(choices=[(name, name) for name in PERIODS])
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, data: Any, ticked: list[str]) -> None:
        super().__init__(data)
        self.ticked = ticked[:MAX_TICKED]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Ticking invoices is choosing them, whichever period was left checked (the page opens
        # with one checked).
        if self.ids():
            cleaned["period"] = "picked"
        period = cleaned.get("period")
        if period == "range":
            start, end = cleaned.get("date_from"), cleaned.get("date_to")
            if start is None or end is None:
                raise forms.ValidationError(_("Enter both dates, as year-month-day."))
            if start > end:
                raise forms.ValidationError(_("The first date must come before the second."))
            if end - start > LONGEST_RANGE:
                raise forms.ValidationError(_("Choose a period of at most ten years."))
        if period == "picked" and not self.ids():
            raise forms.ValidationError(_("Tick at least one invoice."))
        return cleaned

    def ids(self) -> tuple[int, ...]:
        """The ticked invoice ids, each once, in the order given; junk is left out."""
        found = (small_number(raw, maximum=MAX_INVOICE_ID) for raw in self.ticked)
        return tuple(dict.fromkeys(number for number in found if number))

    def choice(self) -> Choice:
        period = self.cleaned_data["period"]
        if period == "picked":
            return Choice(ids=self.ids())
        if period == "range":
            return Choice(start=self.cleaned_data["date_from"], end=self.cleaned_data["date_to"])
        start, end = period_bounds(period, timezone.localdate())
        return Choice(start=start, end=end)
