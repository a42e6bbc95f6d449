"""Text the panels draw is readable in every packaged theme: WCAG 2 contrast of at least 4.5:1
between each piece of text and its background, dim text taken as Textual dims it."""

from __future__ import annotations

import pytest
from rich.color import Color
from textual.filter import dim_color

from aptui.ui import themes

SIZE = (120, 36)
PACKAGED = sorted(t.name for t in themes.load_themes([themes.builtin_dir()])[0])
GUIDES = set(" │├└─╰╭▼▶")  # the tree's guide lines: drawing, not text


def luminance(rgb) -> float:
    def channel(v: int) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_is_wcag():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast((0x3A, 0x3A, 0x3A), (0, 0, 0)) < 2  # xterm 237 on black: the header it was


def low_contrast(widget) -> list[tuple]:
    """(line, text, ratio) of each piece of text on the panel's background under 4.5:1 (a cursor
    line has Textual's $block-cursor colours)."""
    bad = []
    base = widget.background_colors[1].rgb
    for y in range(widget.size.height):
        for seg in widget.render_line(y):
            st = seg.style
            if st is None or st.color is None or st.bgcolor is None or set(seg.text) <= GUIDES:
                continue
            if st.bgcolor.get_truecolor() != base:
                continue
            bg = Color.from_triplet(st.bgcolor.get_truecolor())
            fg = Color.from_triplet(st.color.get_truecolor())
            if st.dim:
                fg = dim_color(bg, fg)
            ratio = contrast(fg.get_truecolor(), bg.get_truecolor())
            if ratio < 4.5:
                bad.append((y, seg.text, round(ratio, 2)))
    return bad


@pytest.mark.parametrize("theme", PACKAGED)
async def test_headers_and_muted_text_are_readable(make_app, theme):
    app = make_app(theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s", "3", "4")  # the levels in view, a path under way
        await pilot.pause()
        for panel in ("#lanes", "#tree", "#requests", "#status", "#title", "#diagnostics"):
            assert low_contrast(app.screen.query_one(panel)) == [], (theme, panel)


async def test_a_theme_change_restyles_the_levels_and_requests(make_app):
    app = make_app(theme="aptui-dark")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "4")
        app.theme = "aptui-light"
        await pilot.pause()
        for panel in ("#lanes", "#requests"):
            assert low_contrast(app.screen.query_one(panel)) == [], panel
