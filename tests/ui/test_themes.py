"""Themes from files (bad ones skipped, never fatal), the remembered choice, NO_COLOR and ansi."""

from __future__ import annotations

from pathlib import Path

import pytest

from aptui.ui import themes
from aptui.ui.widgets.matrix import MatrixGrid

SIZE = (120, 36)
REPO = Path(__file__).resolve().parents[2]


def test_repo_themes_load_and_are_packaged():
    found, bad = themes.load_themes([REPO / "themes"])
    assert not bad
    assert {"aptui-dark", "aptui-light", "aptui-high-contrast", "aptui-3270"} <= {t.name for t in found}
    assert (REPO / "themes").resolve() == (REPO / "aptui" / "ui" / "themes").resolve()  # one copy, linked


def test_bad_theme_files_are_reported(tmp_path):
    d = tmp_path / "themes"
    d.mkdir()
    (d / "a-broken.toml").write_text("name = \n")
    (d / "b-colour.toml").write_text('name = "x"\nprimary = "notacolour"\n')
    (d / "c-key.toml").write_text('name = "y"\nprimary = "#000000"\nsparkle = true\n')
    (d / "d-ok.toml").write_text('name = "mine"\nprimary = "#123456"\n')
    (d / "e-osc52.toml").write_text('name = "z\\u001b]52;c;QUFBQQ==\\u0007"\nprimary = "#123456"\n')
    found, bad = themes.load_themes([d])
    assert [t.name for t in found] == ["mine"]
    assert [p.name for p, _ in bad] == ["a-broken.toml", "b-colour.toml", "c-key.toml", "e-osc52.toml"]


async def test_invalid_user_theme_is_skipped_with_a_notification(make_app, dirs, notes):
    user = dirs["config_dir"] / "themes"
    user.mkdir(parents=True)
    (user / "bad.toml").write_text('name = "bad"\nprimary = "nope"\n')
    (user / "good.toml").write_text('name = "good"\nprimary = "#336699"\n')
    app = make_app()
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "good" in app.available_themes and "bad" not in app.available_themes
        assert app.theme == "aptui-dark"
        assert "textual-light" in app.available_themes  # built-ins stay
    assert any(t == "Theme skipped" and "bad.toml" in m for m, t, _ in seen)


async def test_theme_choice_is_remembered(make_app, dirs):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "aptui-3270"
        await pilot.pause()
    assert themes.remembered(dirs["config_dir"]) == "aptui-3270"
    app = make_app()
    async with app.run_test(size=SIZE):
        assert app.theme == "aptui-3270"


async def test_matrix_restyles_on_theme_change(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        grid = app.screen.query_one(MatrixGrid)
        before = grid.style_of("effective")
        app.theme = "aptui-light"
        await pilot.pause()
        assert grid.style_of("effective") != before


@pytest.mark.parametrize("theme", ["ansi-dark", "ansi-light", "aptui-high-contrast"])
async def test_ansi_and_no_color_stay_readable(make_app, monkeypatch, theme):
    """Under NO_COLOR and the terminal's own palette every state keeps a distinct glyph."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app("passthrough", theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert app.no_color and app.theme == theme
        svg = app.export_screenshot()
        for text in ("Topology", "Matrix", "Requests", "Path", "Diagnostics", "firmware"):
            assert text in svg
        await pilot.press("4")  # at 120x36 the levels share their place with the path
        assert "Levels" in app.export_screenshot()
