"""Discoverability: the help screen lists every binding by area; the palette offers every action."""

from __future__ import annotations

import io

from rich.console import Console
from textual.binding import Binding
from textual.command import CommandPalette

from aptui.ui.app import AptuiApp
from aptui.ui.screens.help import HelpScreen

SIZE = (120, 36)


async def test_help_lists_every_binding_by_area(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        for title, cls in app.areas():
            console.print(app.screen.area_table(title, cls))
        console.print(app.screen.legend())
        text = console.export_text()
        for title, cls in app.areas():
            assert title in text
            for b in cls.BINDINGS:
                if isinstance(b, Binding):
                    assert (b.tooltip or b.description) in text, (title, b.action)
        assert "lost: no APIE chain" in text  # the matrix legend
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_every_action_is_in_the_command_palette(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title, cls in AptuiApp.AREAS:
            area = title.split(" (")[0]
            for b in cls.BINDINGS:
                if isinstance(b, Binding) and not b.action.startswith(("move(", "focus_panel")):
                    assert f"{area}: {b.description}" in titles
        assert "Theme" in {c.title for c in app.get_system_commands(app.screen)} or any(
            "theme" in t.lower() for t in titles)
        # Running one from the palette works like its key.
        step = next(c for c in app.get_system_commands(app.screen) if c.title == "Run: Step")
        await step.callback()
        assert app.runner.trace is not None
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")


async def test_mouse_selects_a_node_and_a_cell(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        tree = app.screen.query_one("#tree")
        await pilot.click(tree, offset=(6, 5))  # the lpar1 line (host, adapters, 05, 06 above)
        await pilot.pause()
        assert app.screen.selected == ("guest", "lpar1")
        grid = app.screen.query_one("#matrix")
        await pilot.click(grid, offset=(6 + 2 * 5, 4))  # adapter 05, domain 05
        assert grid.cursor_apqn == (5, 5)
        await pilot.press("u")
        assert 5 in app.session.scenario.guest("lpar1").usage_domains
