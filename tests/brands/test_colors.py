"""Brand colours: parsed strictly, and every text colour readable (WCAG 2.1 AA, 4.5:1)."""

from __future__ import annotations

import pytest

from brands.colors import AA_NORMAL_TEXT, color_parse, contrast, palette_build


@pytest.mark.parametrize(
    ("given", "parsed"),
    [("#1F5F8B", "#1f5f8b"), ("1f5f8b", "#1f5f8b"), ("#abc", "#aabbcc"), (" #ffffff ", "#ffffff")],
)
def test_colours_are_normalised(given: str, parsed: str) -> None:
    assert color_parse(given) == parsed


@pytest.mark.parametrize(
    "hostile",
    [
        "red",
        "#12345",
        "#1234567",
        "#fff;background:url(https://evil.example/)",
        "#fff}</style><script>alert(1)</script>",
        "expression(alert(1))",
        "",
        None,
        12,
    ],
)
def test_anything_but_a_hex_colour_is_refused(hostile: object) -> None:
    assert color_parse(hostile) is None


def test_contrast_matches_the_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    # #767676 is the lightest grey that passes AA on white; #777777 just fails.
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#777777", "#ffffff") < AA_NORMAL_TEXT


@pytest.mark.parametrize(
    ("primary", "background", "text"),
    [
        ("#ffeb3b", "#ffffff", "#1b1f23"),  # yellow buttons: white text would be 1.3:1
        ("#1f5f8b", "#ffffff", "#1b1f23"),
        ("#000000", "#111111", "#222222"),  # everything dark
        ("#7f7f7f", "#808080", "#7e7e7e"),  # mid grey on mid grey
        ("#ffffff", "#ffffff", "#ffffff"),
    ],
)
def test_every_text_colour_of_a_palette_is_readable(
    primary: str, background: str, text: str
) -> None:
    palette = palette_build(primary=primary, background=background, text=text)
    assert contrast(palette.text, palette.background) >= AA_NORMAL_TEXT
    assert contrast(palette.on_primary, palette.primary) >= AA_NORMAL_TEXT
    assert contrast(palette.link, palette.background) >= AA_NORMAL_TEXT
    assert contrast(palette.muted, palette.background) >= AA_NORMAL_TEXT


def test_a_light_primary_gets_dark_button_text_and_says_so() -> None:
    palette = palette_build(primary="#ffeb3b")
    assert palette.on_primary != "#ffffff"
    assert contrast(palette.on_primary, "#ffeb3b") >= AA_NORMAL_TEXT
    assert any("text on primary uses" in note for note in palette.adjustments)
    # Links are drawn on the background, where yellow is unreadable: they take the text colour.
    assert palette.link == palette.text


def test_a_readable_brand_is_left_alone() -> None:
    palette = palette_build(primary="#1f5f8b", background="#ffffff", text="#1b1f23")
    assert (palette.primary, palette.on_primary, palette.link) == ("#1f5f8b", "#ffffff", "#1f5f8b")
    assert palette.adjustments == ()


def test_css_holds_only_parsed_colours() -> None:
    palette = palette_build(primary="#fff}</style><script>", text="red;}")
    css = palette.css()
    assert css.startswith(":root{--color-primary:#1f5f8b;")
    assert "<" not in css
    assert "script" not in css
    assert "red" not in css
