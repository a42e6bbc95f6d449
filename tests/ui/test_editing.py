"""Matrix edits (refused, accepted, surprising), guest and request forms, undo and redo."""

from __future__ import annotations

import attrs
import pytest

from aptui.model.scenario import Reserved, Scenario
from aptui.model.vocabulary import Loss
from aptui.ui.screens.forms import GuestForm, RequestForm
from aptui.ui.widgets.diagnostics import DiagnosticList
from aptui.ui.widgets.matrix import MatrixGrid
from aptui.ui.widgets.tree import TopologyTree
from textual.widgets import Checkbox, Input, Select

SIZE = (120, 36)


async def _on(pilot, app, guest, adapter, domain):
    app.screen.select(("guest", guest))
    grid = app.screen.query_one(MatrixGrid)
    grid.focus()
    grid.go_to(adapter, domain)
    await pilot.pause()
    return grid


async def test_edit_updates_effective_view_and_diagnostics(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        grid = await _on(pilot, app, "lpar1", 5, 5)
        assert grid.cells.state(5, 5) == "free"
        await pilot.press("u")
        await pilot.pause()
        assert app.session.scenario.guest("lpar1").usage_domains == {4, 5, 0x47}
        assert grid.cells.state(5, 5) == "effective" and grid.cells.state(6, 5) == "effective"
        codes = [d.code for d in app.screen.query_one(DiagnosticList).diagnostics]
        assert "usage-not-control" in codes
        assert "modified" in str(app.screen.query_one("#title").render())
        await pilot.press("o")  # and the control domain: the info diagnostic goes away
        await pilot.pause()
        codes = [d.code for d in app.screen.query_one(DiagnosticList).diagnostics]
        assert "usage-not-control" not in codes
        await pilot.press("ctrl+z", "ctrl+z")
        await pilot.pause()
        assert app.session.scenario == app.session.saved and grid.cells.state(5, 5) == "free"
        await pilot.press("ctrl+y")
        assert app.session.scenario.guest("lpar1").usage_domains == {4, 5, 0x47}


async def test_eaddrinuse_is_refused(make_app, notes):
    app = make_app("passthrough")
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await _on(pilot, app, "kvm2", 5, 4)
        before = app.session.scenario
        await pilot.press("u")
        assert app.session.scenario is before
        assert any("EADDRINUSE" in m and "05.0004" in m and "kvm1" in m and sev == "error" for m, _, sev in seen)


async def test_eaddrnotavail_is_refused(make_app, notes):
    app = make_app("passthrough")
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await _on(pilot, app, "kvm2", 0x0A, 0x47)
        await pilot.press("a")  # adapter 0a alone: its queues 0a.0006/7 are free
        assert 0x0A in app.session.scenario.guest("kvm2").adapters
        await pilot.press("u")  # domain 47 would make 0a.0047, lpar1's own
        assert 0x47 not in app.session.scenario.guest("kvm2").usage_domains
        assert any("EADDRNOTAVAIL" in m and "0a.0047" in m for m, _, _ in seen)


async def test_id_beyond_the_format_is_accepted_and_lost(make_app, notes):
    """v2 row 12: KVM accepts an id its guest's CRYCB format cannot hold and drops it."""
    s = make_app("passthrough").session.scenario
    kvm3 = attrs.evolve(s.guest("kvm3"), crycb_format=1)
    s = attrs.evolve(s, guests=tuple(kvm3 if g.name == "kvm3" else g for g in s.guests))
    app = make_app(s)
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        grid = await _on(pilot, app, "kvm3", 3, 4)
        await pilot.press("w")
        grid.go_to(3, 0x47)
        await pilot.press("u")
        assert 0x47 in app.session.scenario.guest("kvm3").usage_domains
        assert any(t == "Applied, but" and "format 1" in m for m, t, _ in seen)


async def test_surprising_edit_applies_with_a_warning(make_app, notes):
    app = make_app()
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        grid = await _on(pilot, app, "nested1", 5, 4)
        await pilot.press("w")
        grid.go_to(5, 5)
        await pilot.press("u")
        assert 5 in app.session.scenario.guest("nested1").usage_domains
        assert grid.cells.state(5, 5) == Loss.NOT_IN_PARENT
        assert any(t == "Applied, but" and "not in kvm1's configuration" in m and sev == "warning" for m, t, sev in seen)


async def test_range_selection_toggles_many(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        grid = await _on(pilot, app, "lpar1", 5, 0)
        await pilot.press("v", "right", "right", "right", "u")
        assert {0, 1, 2, 3} <= app.session.scenario.guest("lpar1").usage_domains
        await pilot.press("u")  # all set: the same keys clear them
        assert not {0, 1, 2, 3} & app.session.scenario.guest("lpar1").usage_domains
        await pilot.press("escape")
        assert grid.anchor is None


async def test_guest_add_rename_reparent_remove_and_undo(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        tree = app.screen.query_one(TopologyTree)
        tree.focus()
        app.screen.select(("guest", "lpar1"))
        await pilot.press("plus")
        form = app.screen
        assert isinstance(form, GuestForm)
        form.query_one("#name", Input).value = "kvm2"
        form.submit()
        await pilot.pause()
        s = app.session.scenario
        assert s.guest("kvm2").parent == "lpar1" and app.screen.selected == ("guest", "kvm2")
        # rename kvm1 (requests follow) and re-parent nested1 under the new kvm2
        app.screen.select(("guest", "kvm1"))
        await pilot.press("e")
        form = app.screen
        form.query_one("#name", Input).value = "qemu-kvm1"
        form.submit()
        await pilot.pause()
        s = app.session.scenario
        assert "kvm1" not in {g.name for g in s.guests}
        assert s.guest("nested1").parent == "qemu-kvm1"
        assert {r.guest for r in s.requests} == {"nested1", "qemu-kvm1", "lpar1"}
        app.screen.select(("guest", "nested1"))
        await pilot.press("e")
        form = app.screen
        form.query_one("#parent").value = "kvm2"
        form.submit()
        await pilot.pause()
        assert app.session.scenario.guest("nested1").parent == "kvm2"
        app.screen.select(("guest", "kvm2"))
        await pilot.press("delete")
        s = app.session.scenario
        assert {g.name for g in s.guests} == {"lpar1", "qemu-kvm1"}
        assert all(r.guest != "nested1" for r in s.requests)
        await pilot.press("ctrl+z")
        assert app.session.scenario.guest("nested1").parent == "kvm2"


async def test_guest_form_refuses_a_cycle_and_an_lpar_backend(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.select(("guest", "lpar1"))
        app.screen.query_one(TopologyTree).focus()
        await pilot.press("e")
        form = app.screen
        form.query_one("#backend").value = "emulated"
        form.submit()
        await pilot.pause()
        assert isinstance(app.screen, GuestForm)
        assert "LPAR" in str(form.query_one(".error").render())
        await pilot.press("escape")
        assert app.session.scenario == app.session.saved


async def test_add_request_form_and_scan_action(make_app, notes):
    app = make_app()
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#requests").focus()
        await pilot.press("plus")
        form = app.screen
        assert isinstance(form, RequestForm)
        form.query_one("#guest").value = "kvm1"
        form.query_one("#op").value = "NQAP"
        form.query_one("#apqn", Input).value = "05.0004"
        form.query_one("#repeat", Input).value = "3"
        form.submit()
        await pilot.pause()
        s = app.session.scenario
        assert s.requests[-1].guest == "kvm1" and s.requests[-1].repeat == 3
        assert app.runner.scenario == s  # the run had not started: it follows the edit
        await pilot.press("plus")
        app.screen.query_one("#apqn", Input).value = "zz"
        app.screen.submit()
        await pilot.pause()
        assert "aa.dddd" in str(app.screen.query_one(".error").render())
        app.screen.query_one("#apqn", Input).value = "05.0004"
        app.screen.query_one("#repeat", Input).value = "100000000"  # more than the loader takes
        app.screen.submit()
        await pilot.pause()
        assert "repeat: 100000000 is outside 1..10000000" in str(app.screen.query_one(".error").render())
        await pilot.press("escape")
        app.screen.select(("guest", "kvm1"))
        app.screen.query_one(TopologyTree).focus()
        await pilot.press("x")
        assert app.session.scenario.requests[-1].op == "SCAN"
        assert any("found 1: 05.0004" in m for m, _, _ in seen)


async def test_an_edit_mid_run_is_followed_at_once(make_app, notes):
    """Issue 10, the 2018 demo: make kvm1 passthrough, n n, ctrl+z, n. The run used to keep
    kvm1 passthrough, and its SCAN found 05.0004 while the tree said nested1 gets nothing."""
    from aptui.console import edits
    from aptui.engine import Engine, result_text

    app = make_app()
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        s = app.session.scenario
        app.screen.edit(edits.update_guest(s, "kvm1", backend="passthrough"), "edit guest kvm1", focus="kvm1")
        await pilot.press("n", "n")  # nested1's TAPQ, then its SCAN's QCI
        assert app.runner.engine.results[0].rc == 0
        await pilot.press("ctrl+z", "n")
        await pilot.pause()
        e = app.runner.engine
        assert e.scenario == app.session.scenario
        first, scan = e.results
        assert first.exception == "operation" and scan.op == "SCAN" and not scan.ap_available
        fresh = Engine(app.session.scenario)
        fresh.run_blocking(breakpoints=(), results=2)
        assert [result_text(r) for r in fresh.results] == [result_text(r) for r in e.results]
        assert fresh.counters() == e.counters() and fresh.time_us == e.time_us
        prompts = [str(o.prompt) for o in app.screen.query_one("#requests").options]
        assert "operation exception" in prompts[0] and "no AP" in prompts[1]
        assert any("replayed from time 0 with it to result #1" in m for m, _, _ in seen)
        status = str(app.screen.query_one("#status").render())
        assert "r restarts" not in status and "taking the edit" not in status


@pytest.mark.parametrize("now", [10**9, 10])
async def test_an_edit_during_a_continue_pauses_and_replays_it(make_app, monkeypatch, now):
    """The continue pauses for the edit, and the run is replayed with it to where it got: at
    once, or (past `now` results) like a continue."""
    import asyncio

    from aptui.console import runner

    from aptui.console import edits
    from aptui.engine import Engine, result_text
    from aptui.model import Request

    s = make_app().session.scenario
    s = attrs.evolve(s, requests=s.requests + (Request("nested1", "TAPQ", (5, 4), repeat=300_000),))
    monkeypatch.setattr(runner, "REPLAY_NOW", now)
    replays = []
    replay = runner.Runner.replay

    async def counted(self, **kw):
        replays.append(self.replay_to)
        return await replay(self, **kw)

    monkeypatch.setattr(runner.Runner, "replay", counted)
    app = make_app(s)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.action_cont()
        while not app.runner.running:
            await asyncio.sleep(0)
        await asyncio.sleep(0.05)
        app.screen.edit(edits.update_guest(app.session.scenario, "kvm1", backend="passthrough"), "edit guest kvm1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        r = app.runner
        e = r.engine
        assert e.scenario == app.session.scenario and not r.running and r.replay_to is None
        assert 6 < len(e.results) < 300_006
        assert replays == ([] if now > 10 else [len(e.results)])
        fresh = Engine(app.session.scenario)
        fresh.run_blocking(breakpoints=(), results=len(e.results))
        assert fresh.counters() == e.counters()
        assert result_text(e.results[-1]) == result_text(fresh.results[-1])
        assert result_text(e.results[-1]).startswith("rc 0x00 NORMAL")  # nested1 gets 05.0004 now


async def test_enter_on_a_diagnostic_jumps_to_the_guest_and_apqn(make_app):
    app = make_app("sibling-conflict")
    async with app.run_test(size=SIZE) as pilot:
        diags = app.screen.query_one(DiagnosticList)
        await pilot.pause()
        d = diags.diagnostics[0]
        assert d.code == "apqn-in-use"
        app.screen.set_focus(diags)
        await pilot.press("enter")
        grid = app.screen.query_one(MatrixGrid)
        assert app.screen.selected == ("guest", d.guest) and app.focused is grid
        assert "%02x.%04x" % grid.cursor_apqn == d.apqns[0]
        assert grid.cells.state(*grid.cursor_apqn) == "conflict"


async def test_a_request_needs_a_guest(make_app, notes):
    app = make_app(Scenario("empty"))
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#requests").focus()
        await pilot.press("plus")
        assert not isinstance(app.screen, RequestForm)
        assert any("add one first" in m for m, _, _ in seen)


async def test_guest_form_edits_start_active_and_the_persistent_masks(make_app):
    """The keys of an mdev (start, active) and a hypervisor's masks from boot on, checked as the
    loader checks them (model.bounds): an L1 has no mdev, a guest with requests must run."""
    app = make_app("host-reserved")
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one(TopologyTree).focus()
        app.screen.select(("guest", "lpar1"))
        await pilot.press("e")
        form = app.screen
        assert form.query_one("#persistent-same", Checkbox).value
        assert form.query_one("#persistent-adapters", Input).disabled
        await pilot.click("#persistent-same")
        assert not form.query_one("#persistent-adapters", Input).disabled
        form.query_one("#persistent-adapters", Input).value = "0x05, 0x100"
        form.submit()
        await pilot.pause()
        assert "persistent adapters: 256 is outside 0..255" in str(form.query_one(".error").render())
        form.query_one("#persistent-adapters", Input).value = "0x05"
        form.query_one("#start", Select).value = "manual"
        form.submit()
        await pilot.pause()
        assert "start: an L1 is an LPAR, it has no mdev" in str(form.query_one(".error").render())
        form.query_one("#start", Select).value = "auto"
        form.submit()
        await pilot.pause()
        l1 = app.session.scenario.guest("lpar1")
        assert l1.persistent_reserved == Reserved(frozenset({5}), frozenset({4})) != l1.reserved
        app.screen.select(("guest", "kvm3"))
        await pilot.press("e")
        app.screen.query_one("#start", Select).value = "manual"
        app.screen.submit()
        await pilot.pause()
        assert app.session.scenario.guest("kvm3").start == "manual"
        app.screen.select(("guest", "lpar1"))
        await pilot.press("plus")  # a standby definition: defined, not started
        form = app.screen
        form.query_one("#name", Input).value = "standby"
        form.query_one("#start", Select).value = "manual"
        form.query_one("#active", Checkbox).value = False
        form.submit()
        await pilot.pause()
        g = app.session.scenario.guest("standby")
        assert (g.parent, g.start, g.active) == ("lpar1", "manual", False)
        app.screen.select(("guest", "kvm1"))
        await pilot.press("e")
        form = app.screen
        form.query_one("#active", Checkbox).value = False
        form.submit()
        await pilot.pause()
        assert isinstance(app.screen, GuestForm)  # kvm1 has requests: it must run
        assert '"kvm1" is not running (active = false' in str(form.query_one(".error").render())
        await pilot.press("escape")
        app.screen.select(("guest", "lpar1"))
        await pilot.press("e")
        form = app.screen  # back to one set of masks: the scenario spells it as none of its own
        assert not form.query_one("#persistent-same", Checkbox).value
        form.query_one("#persistent-same", Checkbox).value = True
        await pilot.pause()
        form.submit()
        await pilot.pause()
        assert app.session.scenario.guest("lpar1").persistent_reserved is None
