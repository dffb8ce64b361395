"""Filters for how the pages write numbers and dates (`{% load formats %}`)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def nowrap(value: object) -> SafeString:
    """An invoice number or amount kept on one line: browsers break at its hyphens or after
    a minus sign otherwise."""
    return format_html('<span class="nowrap">{}</span>', value)
