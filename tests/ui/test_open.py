"""Open demo, Open file and Save as from the command palette: switching scenarios without quitting,
and without losing unsaved work."""

from __future__ import annotations

import attrs

from aptui import demos
from aptui.formats.opening import open_path
from aptui.formats.scenario.file import load, save
from aptui.model.vocabulary import Guessed
from aptui.ui.screens.forms import Question, SaveAs
from aptui.ui.screens.transfer import AskPath
from aptui.ui.widgets.tree import TopologyTree

from tests.formats.tools import FIXTURES
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


async def test_open_file_imports_a_real_format_as_aptui_file_does(make_app, tmp_path, notes):
    """An lszcrypt listing through Open file…: recognised as the command line recognises it, an
    import with no save path (ctrl+s asks for one), its guesses notified and marked in the tree."""
    listing = FIXTURES / "lszcrypt.txt"
    app = make_app("2018")
    async with app.run_test(size=SIZE) as pilot:
        seen = notes(app)
        app.open_file(str(listing))
        await pilot.pause()
        assert app.session.path is None and app.session.origin == f"import:lszcrypt:{listing.resolve()}"
        assert app.session.scenario == open_path(str(listing)).scenario
        assert any(t == "Imported" and "not a scenario file" in m for m, t, _ in seen), seen
        assert any("value(s) guessed" in t for _, t, _ in seen), seen
        tree = app.screen.query_one(TopologyTree)
        assert str(tree.root.label).endswith(" ?domains ?APXA")  # no QCI mask line, no -b features line
        cards = [str(n.label) for n in tree.root.children[0].children]
        assert cards and all(c.endswith(" d8 ?depth") for c in cards), cards  # no QDEPTH column
        s = app.session.scenario
        app.main.edit(attrs.evolve(s, host=attrs.evolve(s.host, domains=s.host.domains + 1)), "domains")
        await pilot.pause()
        assert (Guessed.DOMAINS, None) not in app.session.guessed()  # the operator's value now
        assert str(tree.root.label).endswith(" ?APXA")
        app.open_file(str(tmp_path / "nothing"))
        await pilot.pause()
        assert any(t == "Not opened" and "no such file" in m for m, t, _ in seen), seen


def test_a_guess_is_marked_until_its_value_is_edited():
    """mdevctl names adapters, not what they are: each one's type and depth are guessed, and stay
    marked while they are what the import put in."""
    from aptui.console.session import Session

    opened = open_path(str(FIXTURES / "mdevctl-list.json"))
    session = Session(opened.scenario, None, "import:mdevctl:x", opened.imported.guesses)
    ids = [a.id for a in opened.scenario.host.adapters]
    assert {(Guessed.TYPE, a) for a in ids} | {(Guessed.DEPTH, a) for a in ids} <= session.guessed()
    s = session.scenario
    typed = attrs.evolve(s.host.adapters[0], type="CEX7")
    session.apply(attrs.evolve(s, host=attrs.evolve(s.host, adapters=(typed, *s.host.adapters[1:]))), "type")
    assert (Guessed.TYPE, ids[0]) not in session.guessed() and (Guessed.DEPTH, ids[0]) in session.guessed()
    assert Session(s).guessed() == frozenset()  # a scenario file: nothing guessed
