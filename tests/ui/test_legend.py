"""The legend of the tree's tokens and of the Levels columns: every token the tree can show has
an entry that describes it, every entry is shown by some demo, the help and the tooltips show
them, `z` gives each panel the whole screen, and the 3270 borders are ansi colours."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from rich.console import Console
from textual.color import Color

from aptui.cli import load_scenario
from aptui.console import tokens as tk
from aptui.model.vocabulary import Guessed
from aptui.console.session import Session
from aptui.model.routing import COUNTERS
from aptui.model.topology import Topology
from aptui.ui import themes
from aptui.ui.screens.help import HelpScreen
from aptui.ui.screens.main import PANELS
from aptui.ui.widgets.lanes import LaneList
from aptui.ui.widgets.tree import TopologyTree
from tests.core.strategies import scenarios

DEMOS = sorted(p.stem for p in (Path(tk.__file__).parents[1] / "demos").glob("*.toml"))
SIZES = ((80, 24), (120, 36), (200, 60))


def every_token(scenario, marked: bool | None) -> list[tk.Token]:
    """What the tree can show of a scenario: each node's tokens, and each guest's badges
    (`marked`: every guest's breakpoint enabled, disabled, or none)."""
    session = Session(scenario, None, "test")
    topo: Topology = session.topology
    out = tk.host_tokens(topo) + tk.adapters_tokens(len(topo.host.adapters))
    for a in topo.host.adapters:
        out += tk.adapter_tokens(a)
    for name in topo.walk():
        out += tk.guest_tokens(topo, name, marked)
    for guest in {d.guest for d in session.diagnostics}:
        out += tk.badge_tokens(d for d in session.diagnostics if d.guest == guest)
    return out


def assert_described(tokens: list[tk.Token]) -> None:
    for key, text in tokens:
        assert key in tk.TREE_ENTRY, key
        assert tk.TREE_ENTRY[key].matches(text), (key, text, tk.TREE_ENTRY[key].pattern)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_token_of_any_scenario_has_a_legend_entry(scenario):
    assert_described(every_token(scenario, marked=True) + every_token(scenario, marked=False))


def test_every_legend_entry_is_shown_by_a_demo_or_an_import():
    shown = {key for demo in DEMOS for marked in (True, False) for key, text in every_token(load_scenario(demo), marked)}
    assert_described([(k, t) for demo in DEMOS for k, t in every_token(load_scenario(demo), marked=None)])
    guesses = [t for what in Guessed for t in tk.guess_tokens(frozenset({(what, None), (what, 5)}), 5)]
    guesses += tk.guess_tokens(frozenset((what, None) for what in Guessed), None)
    assert_described(guesses)  # an import's guesses (a demo has none)
    shown |= {key for key, _ in guesses}
    assert shown == set(tk.TREE_ENTRY)  # no entry for a token that no longer exists


@pytest.mark.parametrize("demo", ["2018", "format-mismatch", "depth4-no-apxa"])
async def test_the_tree_shows_its_tokens_and_explains_them_on_hover(make_app, demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        tree = app.screen.query_one(TopologyTree)
        line = 0
        while (node := tree._get_node(line)) is not None:
            tokens = tree._tokens[node.id]
            assert node.label.plain == " ".join(text for _, text in tokens)  # nothing but tokens
            assert_described(list(tokens))
            tree.hover_line = line
            await pilot.pause()
            tip = str(tree.tooltip)
            for key, text in tokens:
                if key != "name":
                    assert f"{text}  {tk.TREE_ENTRY[key].meaning}" in tip
            line += 1
        assert line > 4


@pytest.mark.parametrize("size", SIZES)
async def test_the_levels_header_names_only_legend_columns(make_app, size):
    """Whole words at any width (at 80x24 they were cut to `icp ref exi`, which no legend has)."""
    legend = dict(tk.LEVELS_LEGEND)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("n", "n", "4")
        await pilot.pause()
        lanes = app.screen.query_one(LaneList)
        header = lanes.get_option_at_index(0).prompt.plain
        assert len(header) <= lanes.scrollable_content_region.width  # nothing cut
    words = header.replace("last event", "last_event").split()
    narrow = size == (80, 24)  # the events go under each row there
    columns = ["lane", *(c.short for c in COUNTERS), "cycles", *([] if narrow else ["last event"])]
    assert [w.replace("_", " ") for w in words] == columns
    assert all(w.replace("_", " ") in legend for w in words)
    assert all(c.meaning in legend[c.short] for c in COUNTERS)


async def test_help_and_levels_tooltip_show_the_legends(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        assert "icpt" in str(app.screen.query_one(LaneList).tooltip)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        for static in app.screen.query("Static.area"):
            console.print(static.render())
        text = console.export_text()
        for e in tk.TREE_LEGEND:
            assert f"{e.shows}  {e.meaning}" in text
        for column, meaning in tk.LEVELS_LEGEND:
            assert f"{column}  {meaning}" in text


@pytest.mark.parametrize("size", SIZES)
async def test_zoom_gives_every_panel_the_whole_screen(make_app, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        for i, panel in enumerate(PANELS, 1):
            await pilot.press(str(i), "z")
            await pilot.pause()
            zoomed = app.screen.maximized
            assert zoomed is not None and zoomed.id in (panel, f"{panel}-panel"), panel
            assert (zoomed.region.width, zoomed.region.height) == (size[0], size[1] - 1), panel  # all but the footer
            await pilot.press("z")
            assert app.screen.maximized is None


def test_3270_borders_are_ansi_colours():
    theme = themes.load_theme(themes.builtin_dir() / "aptui-3270.toml")
    for name in themes.PANEL_VARIABLES:
        assert Color.parse(theme.variables[name]).ansi is not None, name


async def test_3270_panels_are_drawn_in_ansi_colours(make_app):
    app = make_app(theme="aptui-3270")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for panel in ("#tree", "#requests", "#matrix-panel", "#path", "#diagnostics"):
            styles = app.screen.query_one(panel).styles
            assert styles.border_top[1].ansi is not None, panel
            assert styles.border_subtitle_color.ansi is not None, panel
