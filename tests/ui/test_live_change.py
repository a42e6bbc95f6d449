"""The console's "apply this edit to the running guest" (L): a matrix edit becomes a [[change]]
at the run's current time, and stepping reaches it in the Path and Levels panels."""

from __future__ import annotations

import attrs

from aptui import demos
from aptui.formats.scenario import file as sf
from aptui.model.scenario import Change
from aptui.ui.widgets.lanes import LaneList
from aptui.ui.widgets.matrix import MatrixGrid
from aptui.ui.widgets.path import PathView

SIZE = (120, 36)


def _scenario():
    return attrs.evolve(sf.loads(demos.text("live-change"), demos.label("live-change")), changes=())


async def test_an_edit_applied_to_the_running_guest_is_a_change_stepping_reaches(make_app, notes):
    app = make_app(_scenario())
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        r = app.runner
        await pilot.press("n", "n", "n")  # kvm1's SCAN (QCI, TAPQ), then its NQAP to 05.0004
        now = r.engine.time_us
        assert len(r.engine.results) == 2 and now > 0
        app.screen.select(("guest", "kvm1"))
        grid = app.screen.query_one(MatrixGrid)
        grid.focus()
        grid.go_to(5, 4)
        await pilot.pause()
        await pilot.press("a")  # unassign adapter 05: for now an edit of kvm1's matrix from time 0
        await pilot.pause()
        assert app.session.scenario.guest("kvm1").adapters == frozenset()
        await pilot.press("L")
        await pilot.pause()
        s = app.session.scenario
        assert s.guest("kvm1").adapters == {5}  # kvm1 keeps adapter 05 until the change
        assert s.changes == (Change("kvm1", now, adapters=frozenset()),)
        assert any("change 1 writes ap_config" in m for m, _, _ in seen)
        assert len(r.engine.results) == 2 and r.engine.time_us == now  # the run followed, to the same point
        assert [c.number for c in r.engine.changes] == [1]  # due before the next instruction: reached
        path = app.screen.query_one(PathView).render().plain
        assert "change 1 at" in path and "lpar1's vfio_ap resets 05.0004" in path
        lanes = "\n".join(str(o.prompt) for o in app.screen.query_one(LaneList).options)
        assert "change 1 interpret" in lanes
        await pilot.press("n")  # nested1's TAPQ of 05.0004: gone from its vSIE shadow too
        assert r.engine.results[2].rc == 0x01
        await pilot.press("ctrl+z")  # back to the edit from time 0
        await pilot.pause()
        assert app.session.scenario.changes == () and app.session.scenario.guest("kvm1").adapters == frozenset()


async def test_live_needs_a_matrix_edit_of_a_guest_with_an_mdev(make_app, notes):
    app = make_app(_scenario())
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.select(("guest", "kvm1"))
        await pilot.press("L")
        await pilot.pause()
        assert app.session.scenario.changes == ()
        assert any("edit it first" in m for m, _, _ in seen)
        app.screen.select(("guest", "lpar1"))
        grid = app.screen.query_one(MatrixGrid)
        grid.focus()
        grid.go_to(7, 4)
        await pilot.pause()
        await pilot.press("a", "L")
        await pilot.pause()
        assert app.session.scenario.changes == ()
        assert any("is an L1, an LPAR" in m and sev == "error" for m, _, sev in seen)
