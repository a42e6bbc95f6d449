"""The debugger's panes and keys: History (7), Breakpoints (8), Queue (9), f, S, N, H."""

from __future__ import annotations

from aptui.engine import Breakpoint
from aptui.ui.widgets.breakpoints import BreakpointList
from aptui.ui.widgets.history import HistoryList
from aptui.ui.widgets.matrix import MatrixGrid
from aptui.ui.widgets.path import PathView
from aptui.ui.widgets.queue import QueueView
from aptui.ui.widgets.requests import RequestList

WIDE = (120, 36)
SMALL = (80, 24)


def _requests(app) -> list[str]:
    return [str(o.prompt) for o in app.screen.query_one(RequestList).options]


def _title(app) -> str:
    from textual.content import Content

    return Content.from_markup(str(app.screen.query_one("#path").border_title)).plain


def _panels(app) -> tuple:
    """What the Path, Requests and status show, and the run's own numbers."""
    e = app.runner.engine
    return (app.screen.query_one(PathView).render().plain, _title(app),
            _requests(app), str(app.screen.query_one("#status").render()), list(e.results), e.counters(),
            e.time_us, app.runner.trace)


async def test_history_shows_a_finished_instruction_in_the_path_until_h(make_app):
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n", "7")
        await pilot.pause()
        history = app.screen.query_one(HistoryList)
        path = app.screen.query_one(PathView)
        assert history.display and path.display  # at 120x36 the history keeps the path beside it
        assert [p.number for p in history.pasts] == ["#3.1", "#2.1", "#1"]
        await pilot.press("down", "down")
        await pilot.pause()
        assert app.screen.viewing.number == "#1"
        text = path.render().plain
        assert "history #1, not the live instruction" in text and "TAPQ 05.0004: operation exception" in text
        assert "history" in _title(app)
        assert "Path shows history #1" in str(app.screen.query_one("#status").render())
        await pilot.press("H")
        assert app.screen.viewing is None and "#3 kvm1 L2 QCI" in _title(app)
        await pilot.press("7", "down", "s")  # a step goes back to the live path
        assert app.screen.viewing is None and "history" not in path.render().plain


async def test_history_at_80x24_enter_shows_the_path_page(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("n", "n", "7")
        await pilot.pause()
        assert app.screen.query_one(HistoryList).display and not app.screen.query_one(PathView).display
        await pilot.press("down", "enter")
        await pilot.pause()
        path = app.screen.query_one(PathView)
        assert path.display and app.screen.focused is path and "history #1" in path.render().plain


async def test_breakpoints_pane_enable_disable_delete_clear_and_markers(make_app):
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        grid = app.screen.query_one(MatrixGrid)
        app.screen.select(("guest", "kvm1"))
        grid.focus()
        grid.go_to(5, 4)
        await pilot.press("b")  # an APQN breakpoint on 05.0004
        app.screen.query_one(RequestList).focus()
        app.screen.query_one(RequestList).highlighted = 3
        await pilot.press("b")  # and one on request 4
        await pilot.pause()
        e = app.runner.engine
        assert e.breakpoints == [Breakpoint.on_apqn((5, 4)), Breakpoint.on_request(3)]
        row = grid.render_line(4 + grid.rows.index(5)).text
        assert "•" in row and _requests(app)[3].startswith("●")
        await pilot.press("8")
        await pilot.pause()
        pane = app.screen.query_one(BreakpointList)
        assert pane.display and [str(o.prompt).split()[2:4] for o in pane.options] == [["APQN", "05.0004"],
                                                                                      ["request", "4"]]
        await pilot.press("e")  # disable the APQN one: kept, marked ◦, never stops
        await pilot.pause()
        assert not e.breakpoints[0].enabled and str(pane.options[0].prompt).startswith("○")
        assert "◦" in grid.render_line(4 + grid.rows.index(5)).text and "•" not in grid.render_line(
            4 + grid.rows.index(5)).text
        await pilot.press("down", "e")
        await pilot.pause()
        assert _requests(app)[3].startswith("○")
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert e.finished  # nothing enabled: the run goes to the end
        await pilot.press("8", "e", "r", "c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.runner.last_stop.reason == "breakpoint" and app.runner.last_stop.instruction.request == 3
        assert "stopped here" in str(pane.options[1].prompt)
        await pilot.press("8", "up", "enter")  # go to what it watches: the matrix cell
        assert app.screen.focused is grid and grid.cursor_apqn == (5, 4)
        await pilot.press("8", "d")
        assert e.breakpoints == [Breakpoint.on_request(3)]
        await pilot.press("8", "D")
        assert not e.breakpoints and not _requests(app)[3].startswith(("●", "○"))


async def test_f_finishes_a_repeated_request(make_app):
    app = make_app("queues")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "f")  # the TAPQ, the first NQAP of three, then the other two
        await app.workers.wait_for_complete()
        await pilot.pause()
        e = app.runner.engine
        assert e.done(1) == 3 and e.done(2) == 0 and len(e.results) == 4
        assert "3/3" in _requests(app)[1]


async def test_step_back_then_forward_gives_the_same_panels(make_app):
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "s", "s", "s")
        await pilot.pause()
        here = _panels(app)
        await pilot.press("S")
        await pilot.pause()
        assert app.runner.position() == (1, 2) and _panels(app) != here
        await pilot.press("s")
        await pilot.pause()
        assert _panels(app) == here
        await pilot.press("n")
        await pilot.pause()
        after_n = _panels(app)
        await pilot.press("N", "N", "n", "n")  # back to the start of this instruction, then the one before
        await pilot.pause()
        assert _panels(app) == after_n
        await pilot.press("r", "S")
        assert app.runner.position() == (0, 0)


async def test_queue_inspector_follows_the_matrix_cursor_and_the_run(make_app):
    app = make_app("queues")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("n", "n", "n", "n", "9")
        await pilot.pause()
        view = app.screen.query_one(QueueView)
        assert view.display
        text = view.render().plain
        assert "2 of 2 in use" in text and "TAPQ now   --F-" in text and "reply 2" in text
        app.screen.query_one(MatrixGrid).go_to(7, 1)
        await pilot.pause()
        assert "deconfigured" in view.render().plain
