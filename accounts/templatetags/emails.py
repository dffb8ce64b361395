"""Email addresses in a page: never broken at a hyphen (docs/accounts.md)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# A run of hyphens and the character after it: kept on one line together, so a line can break
# before a hyphen but never after one, where it would read as a word hyphenated.
_HYPHENATED = re.compile(r"(-+.)", re.S)


@register.filter
def email(address: object) -> SafeString:
    """The address, escaped, each hyphen bound to the character after it (`.nowrap`); CSS
    (`.email`) breaks a longer address anywhere else, where the line ends."""
    pieces = _HYPHENATED.split(str(address))
    html = "".join(
        f'<span class="nowrap">{escape(piece)}</span>' if index % 2 else escape(piece)
        for index, piece in enumerate(pieces)
    )
    return mark_safe(html)  # noqa: S308  (every piece is escaped above)
