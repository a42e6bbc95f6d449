"""Open demo, Open file and Save as from the command palette: switching scenarios without quitting,
and without losing unsaved work."""

from __future__ import annotations

from aptui import demos
from aptui.formats.scenario.file import load, save
from aptui.ui.screens.forms import Question, SaveAs
from aptui.ui.screens.transfer import AskPath
from aptui.ui.widgets.tree import TopologyTree

from tests.ui.test_files import _assign_domain_5

SIZE = (120, 36)


def _titles(app):
    return {c.title for c in app.get_system_commands(app.screen)}


async def test_the_palette_opens_demos_and_files_and_saves_as(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        titles = _titles(app)
        assert {"Open file…", "Save as…"} <= titles
        assert {f"Open demo {n}" for n in demos.names()} <= titles


async def test_open_demo_replaces_the_scenario_run_and_tree(make_app):
    app = make_app("2018")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        app.open_demo("passthrough")
        await pilot.pause()
        assert app.session.origin == "demo:passthrough" and app.session.path is None
        assert app.runner.scenario == app.session.scenario and app.runner.last_stop is None
        labels = " ".join(str(n.label) for n in app.screen.query_one(TopologyTree).root.children)
        assert "lpar2" in labels, labels
        assert not app.session.dirty


async def test_open_asks_before_it_drops_unsaved_work(make_app):
    app = make_app("2018")
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        edited = app.session.scenario
        app.open_demo("passthrough")
        await pilot.pause()
        assert isinstance(app.screen, Question) and "opening another" in str(app.screen.text)
        await pilot.press("c")
        assert app.session.scenario is edited  # cancelled: nothing changed
        app.open_demo("passthrough")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert app.session.origin == "demo:passthrough"


async def test_open_file_reports_an_input_error_and_keeps_the_scenario(make_app, tmp_path, notes):
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 1\n[[guest]]\nname = 3\n")
    good = tmp_path / "good.toml"
    app = make_app("2018")
    async with app.run_test(size=SIZE) as pilot:
        seen = notes(app)
        before = app.session.scenario
        app.open_file(str(bad))
        await pilot.pause()
        assert app.session.scenario is before
        assert any("bad.toml:3" in m and severity == "error" for m, _, severity in seen), seen
        save(make_app("queues").session.scenario, good)
        await app.run_action("open_file")
        await pilot.pause()
        assert isinstance(app.screen, AskPath)
        app.screen.query_one("#path").value = str(good)
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.path == str(good) and app.session.scenario == load(good)


async def test_save_as_asks_for_a_name_even_for_a_file(make_app, tmp_path):
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    save(make_app().session.scenario, first)
    app = make_app(load(first), str(first))
    async with app.run_test(size=SIZE) as pilot:
        app.save_then(None, True)
        await pilot.pause()
        assert isinstance(app.screen, SaveAs)
        app.screen.query_one("#path").value = str(second)
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.path == str(second) and load(second) == load(first)
