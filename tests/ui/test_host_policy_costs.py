"""Editing the machine (host form on `e`), the policy and the costs (command palette): one undoable
step each, bad input refused with a message naming the line or field, data shown literally."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, TextArea

from aptui.ui.screens.forms import CostsForm, HostForm, PolicyForm
from aptui.ui.widgets.tree import TopologyTree

SIZE = (120, 36)
HOSTILE = "[/]x[@click=app.quit]q[/] [VM1] [$accent]a foo[/bold] [/"


async def _palette(app, pilot, title):
    """Run a command palette entry by its title, as choosing it would."""
    cmd = next(c for c in app.get_system_commands(app.screen) if c.title == title)
    cmd.callback()
    await pilot.pause()
    return app.screen


async def _host_form(app, pilot) -> HostForm:
    app.screen.select(("host", None))
    app.screen.query_one(TopologyTree).focus()
    await pilot.pause()
    await pilot.press("e")
    assert isinstance(app.screen, HostForm)
    return app.screen


async def test_edit_host_and_undo(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.scenario
        form = await _host_form(app, pilot)
        area = form.query_one("#adapters", TextArea)
        assert area.text.splitlines() == ["0x05 CEX8 cca 8 online", "0x06 CEX8 accel 16 online"]
        form.query_one("#apxa", Checkbox).value = False
        await pilot.click("#add-adapter")  # the lowest free id, a CEX8 cca depth 8
        assert area.text.splitlines()[-1] == "0x00 CEX8 cca 8 online"
        area.text = area.text.replace("0x05 CEX8 cca 8 online", "0x05 CEX8 cca 4 online")
        await pilot.click("#ok")
        await pilot.pause()
        assert not isinstance(app.screen, HostForm)
        h = app.session.scenario.host
        assert not h.apxa and [a.id for a in h.adapters] == [0, 5, 6] and h.adapter(5).depth == 4
        assert app.session.scenario.guests == before.guests
        assert app.runner.scenario.host == h  # the run (not started) follows the edit
        tree = app.screen.query_one(TopologyTree)
        assert ("adapter", 0) in tree._node_of
        await pilot.press("ctrl+z")  # one edit, one undo step
        await pilot.pause()
        assert app.session.scenario == before and not app.session.dirty
        assert ("adapter", 0) not in tree._node_of


async def test_bad_adapter_line_is_refused(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.scenario
        form = await _host_form(app, pilot)
        area = form.query_one("#adapters", TextArea)
        area.text += "\n0x07 CEX9 cca 8 online"
        await pilot.click("#ok")
        await pilot.pause()
        assert app.screen is form
        error = str(form.query_one(".error").render())
        assert "adapter line 3" in error and "CEX9" in error
        area.text = "0x05 CEX8 cca 17 online"
        form.submit()
        assert "depth: 17 is outside 1..16" in str(form.query_one(".error").render())  # the loader's words
        area.text = "0x05 CEX8 cca 8 online\n0x07 CEX3 ep11"
        form.submit()
        assert "adapter line 2" in str(form.query_one(".error").render())
        assert "CEX3 has no ep11 mode" in str(form.query_one(".error").render())
        area.text = "0x05\n5 CEX7"
        form.submit()
        assert "listed twice" in str(form.query_one(".error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.session.scenario is before and not app.session.dirty


async def test_policy_changes_the_first_result_and_undo_restores(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        first = app.runner.engine.results[0]
        assert first.guest == "nested1" and first.op == "TAPQ" and first.exception is not None
        await pilot.press("r")
        form = await _palette(app, pilot, "Edit policy…")
        assert isinstance(form, PolicyForm)
        form.query_one("#nested_emulation", Checkbox).value = True
        await pilot.click("#ok")
        await pilot.pause()
        assert app.session.scenario.policy.nested_emulation
        await pilot.press("n")
        first = app.runner.engine.results[0]
        assert first.rc == 0 and first.exception is None and first.cycles == 38000
        await pilot.press("ctrl+z", "r", "n")
        await pilot.pause()
        assert not app.session.scenario.policy.nested_emulation and not app.session.dirty
        assert app.runner.engine.results[0].exception is not None


async def test_costs_edit_changes_a_cycles_figure(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        base = app.runner.engine.results[0].cycles
        interpret = app.session.scenario.costs.interpret
        await pilot.press("r")
        form = await _palette(app, pilot, "Edit costs…")
        assert isinstance(form, CostsForm)
        form.query_one("#cost-clock_mhz", Input).value = "0"
        form.submit()
        assert "clock_mhz" in str(form.query_one(".error").render()) and app.screen is form
        form.query_one("#cost-clock_mhz", Input).value = "5000"
        form.query_one("#cost-cca_us", Input).value = "-1"
        form.submit()
        assert "cca_us" in str(form.query_one(".error").render())
        form.query_one("#cost-cca_us", Input).value = "300"
        form.query_one("#cost-exception", Input).value = "101000"
        form.submit()
        await pilot.pause()
        assert app.session.scenario.costs.exception == 101000
        assert app.session.scenario.costs.interpret == interpret
        await pilot.press("n")
        assert app.runner.engine.results[0].cycles == base + 100000
        await pilot.press("ctrl+z")
        assert app.session.scenario.costs.exception == 1000


async def test_hostile_text_in_an_input_is_literal(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.scenario
        form = await _host_form(app, pilot)
        domains = form.query_one("#domains", Input)
        domains.value = HOSTILE
        form.query_one("#adapters", TextArea).text = HOSTILE
        await pilot.pause()
        form.submit()
        await pilot.pause()
        assert app.is_running and app.screen is form
        assert HOSTILE in str(form.query_one(".error").render())  # the refusal quotes it literally
        domains.value = "85"
        form.submit()
        await pilot.pause()
        assert HOSTILE.strip() in str(form.query_one(".error").render())
        assert app.session.scenario is before
        await pilot.press("escape")
        form = await _palette(app, pilot, "Edit costs…")
        form.query_one("#cost-interpret", Input).value = HOSTILE
        form.submit()
        await pilot.pause()
        assert app.is_running and HOSTILE in str(form.query_one(".error").render())
