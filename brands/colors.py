"""Brand colours: strict parsing, WCAG 2.1 contrast, and a palette that is always readable.

A colour reaches the pages only as a `#rrggbb` string that this module produced, so no brand
field or upstream answer can inject CSS or markup through a colour. Readability follows WCAG
2.1 AA for normal text (1.4.3, contrast ratio at least 4.5:1): where a brand's pair of colours
falls short, the palette swaps in a readable colour and records why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

AA_NORMAL_TEXT = 4.5
_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")

# The portal's own look, used for whatever neither the brand nor the upstream sets.
DEFAULT_PRIMARY = "#1f5f8b"
DEFAULT_SECONDARY = "#f2a541"
DEFAULT_BACKGROUND = "#ffffff"
DEFAULT_TEXT = "#1b1f23"
DEFAULT_MUTED = "#5a6470"
BLACK, WHITE = "#000000", "#ffffff"


def color_parse(value: object) -> str | None:
    """`#rrggbb` in lower case for `#rgb`, `#rrggbb` (with or without #); None otherwise."""
    if not isinstance(value, str):
        return None
    match = _HEX.fullmatch(value.strip())
    if match is None:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def validate_color(value: str) -> None:
    if color_parse(value) is None:
        raise ValidationError(_("Enter a colour as #rrggbb, for example #1f5f8b."), code="color")


def _luminance(color: str) -> float:
    """Relative luminance (WCAG 2.1, definition of relative luminance)."""

    def channel(offset: int) -> float:
        value = int(color[offset : offset + 2], 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)


def contrast(first: str, second: str) -> float:
    """The contrast ratio of two `#rrggbb` colours, from 1 to 21 (WCAG 2.1, 1.4.3)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on(background: str, *candidates: str) -> str:
    """The first candidate that reaches AA on the background, else black or white,
    whichever contrasts more (one of them always reaches 4.5:1)."""
    for candidate in candidates:
        if contrast(candidate, background) >= AA_NORMAL_TEXT:
            return candidate
    return max((BLACK, WHITE), key=lambda color: contrast(color, background))


@dataclass(frozen=True)
class Palette:
    """The colours a page uses, every text colour readable on what it is drawn over."""

    primary: str
    secondary: str
    background: str
    text: str
    on_primary: str  # text on primary buttons
    link: str  # links and the brand name, drawn on the background
    muted: str
    adjustments: tuple[str, ...] = field(default=())

    def css(self) -> str:
        """The custom properties for a `<style>` element: every value is a parsed colour."""
        names = ("primary", "secondary", "background", "text", "on_primary", "link", "muted")
        pairs = ";".join(f"--color-{n.replace('_', '-')}:{getattr(self, n)}" for n in names)
        return f":root{{{pairs}}}"


def palette_build(
    *, primary: str = "", secondary: str = "", background: str = "", text: str = ""
) -> Palette:
    """A readable palette from the given colours (invalid or empty ones take the default)."""
    notes: list[str] = []
    primary_color = color_parse(primary) or DEFAULT_PRIMARY
    background_color = color_parse(background) or DEFAULT_BACKGROUND
    wanted_text = color_parse(text) or DEFAULT_TEXT
    text_color = readable_on(background_color, wanted_text)
    if text_color != wanted_text:
        notes.append(
            f"text {wanted_text} on background {background_color} is "
            f"{contrast(wanted_text, background_color):.2f}:1; text uses {text_color}"
        )
    on_primary = readable_on(primary_color, WHITE, text_color, BLACK)
    if on_primary != WHITE:
        notes.append(
            f"white on primary {primary_color} is {contrast(WHITE, primary_color):.2f}:1; "
            f"text on primary uses {on_primary} ({contrast(on_primary, primary_color):.2f}:1)"
        )
    link = readable_on(background_color, primary_color, text_color)
    if link != primary_color:
        notes.append(
            f"primary {primary_color} on background {background_color} is "
            f"{contrast(primary_color, background_color):.2f}:1; links use {link}"
        )
    return Palette(
        primary=primary_color,
        secondary=color_parse(secondary) or DEFAULT_SECONDARY,
        background=background_color,
        text=text_color,
        on_primary=on_primary,
        link=link,
        muted=readable_on(background_color, DEFAULT_MUTED, text_color),
        adjustments=tuple(notes),
    )
