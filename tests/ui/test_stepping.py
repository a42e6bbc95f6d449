"""Stepping with the debugger keys: s, n, c, space, r, b, Enter."""

from __future__ import annotations

import asyncio

from aptui.engine import Breakpoint
from aptui.ui.widgets.lanes import LaneList
from aptui.ui.widgets.path import PathView
from aptui.ui.widgets.requests import RequestList

SIZE = (120, 36)


async def test_s_walks_an_l3_instruction_hop_by_hop(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        r = app.runner
        await pilot.press("s")  # issue
        assert r.last_stop.event.kind == "issue" and r.trace.hops_done == 0 and r.trace.at is None
        lanes = []
        for _ in range(4):
            await pilot.press("s")
            assert r.trace.at == r.last_stop.event.lane
            lanes.append((r.last_stop.event.lane, r.last_stop.event.kind))
        assert lanes == [((1, "kernel"), "intercept"), ((2, "kernel"), "reflect"),
                         ((2, "userspace"), "exit"), ((2, "userspace"), "exception")]
        counters = r.engine.counters()
        assert counters[(2, "userspace")].exceptions == 1 and counters[(1, "kernel")].intercepts == 1
        await pilot.press("s")  # the answer comes back
        assert r.trace.done and r.last_stop.event.text == "operation exception"
        assert r.engine.results[0].exception == "operation"
        path = app.screen.query_one(PathView).render().plain
        assert "operation exception" in path and "reflect" in path and "50000" in path
        await pilot.press("4")  # at 120x36 the levels share the space under the matrix with the path
        assert app.screen.query_one(LaneList).display and not app.screen.query_one(PathView).display
        lanes_text = "\n".join(str(o.prompt) for o in app.screen.query_one(LaneList).options)
        assert "L2 user space" in lanes_text


async def test_n_finishes_and_enter_repeats(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s", "n")
        assert len(app.runner.engine.results) == 1 and app.runner.engine.current is None
        app.screen.query_one(RequestList).focus()
        await pilot.press("enter")  # repeats n: the QCI of request 2's SCAN
        assert app.runner.trace.op == "QCI" and app.runner.trace.done


async def test_c_runs_to_the_end_then_r_restarts(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        e = app.runner.engine
        assert e.finished and len(e.results) == 6
        prompts = [str(o.prompt) for o in app.screen.query_one(RequestList).options]
        assert "operation exception" in prompts[0] and "found 1: 05.0004" in prompts[2]
        assert "NORMAL" in prompts[5]
        await pilot.press("r")
        assert not e.results and e.time_us == 0


async def test_every_request_shows_its_answer_after_a_long_run(make_app):
    """The engine keeps only its latest results; the panel still shows how the first requests of
    a run of hundreds ended (a segment runs through them all)."""
    import attrs

    from aptui.cli import load_scenario
    from aptui.model import Request

    s = load_scenario("2018")
    s = attrs.evolve(s, requests=(*[Request("lpar1", "TAPQ", (5, 4), 1 + i % 2) for i in range(900)], *s.requests))
    app = make_app(s)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.runner.engine.finished and len(app.runner.engine.results) > 1024
        prompts = [str(o.prompt) for o in app.screen.query_one(RequestList).options]
        assert "NORMAL" in prompts[0] and "2/2" in prompts[1] and "NORMAL" in prompts[1]
        assert "operation exception" in prompts[900]


async def test_continue_stops_at_a_lane_breakpoint(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lanes = app.screen.query_one(LaneList)
        lanes.focus()
        lanes.highlighted = 1 + lanes.lanes.index((1, "userspace"))
        await pilot.press("b")
        assert Breakpoint.on_lane((1, "userspace")) in app.runner.engine.breakpoints
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        stop = app.runner.last_stop
        assert stop.reason == "breakpoint" and stop.event.lane == (1, "userspace")
        # kvm1's SCAN: its QCI is in flight, stopped on entering L1 user space.
        assert app.runner.engine.current.guest == "kvm1"
        assert app.runner.trace.at == (1, "userspace") and not app.runner.trace.done
        assert "stopped: L1 user space entered" in str(app.screen.query_one("#status").render())


async def test_request_breakpoint_and_pause(make_app):
    import attrs

    from aptui.model import Request

    s = make_app().session.scenario
    s = attrs.evolve(s, requests=s.requests + (Request("lpar1", "TAPQ", (5, 4), repeat=100_000),
                                               Request("kvm1", "TAPQ", (5, 4))))
    app = make_app(s)
    async with app.run_test(size=SIZE) as pilot:
        req = app.screen.query_one(RequestList)
        req.focus()
        req.highlighted = 7
        await pilot.press("b", "c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        e = app.runner.engine
        assert app.runner.last_stop.reason == "breakpoint" and e.peek().request == 7
        assert len(e.results) == 100_006
        assert "100000/100000" in str(req.options[6].prompt)
        await pilot.press("r")
        app.screen.action_cont()
        while not app.runner.running:
            await asyncio.sleep(0)
        await pilot.press("space")  # the key is taken while the run goes on
        await app.workers.wait_for_complete()
        assert app.runner.last_stop.reason == "paused"
        assert 0 < len(e.results) < 100_006
        await pilot.press("c")  # and continues from there to the breakpoint
        await app.workers.wait_for_complete()
        assert app.runner.last_stop.reason == "breakpoint" and len(e.results) == 100_006


async def test_restart_during_a_run_stops_it_first(make_app):
    import attrs

    from aptui.model import Request

    s = make_app().session.scenario
    s = attrs.evolve(s, requests=(Request("lpar1", "TAPQ", (5, 4), repeat=100_000),))
    app = make_app(s)
    async with app.run_test(size=SIZE) as pilot:
        app.runner.engine.toggle_breakpoint(Breakpoint.on_lane((9, "kernel")))  # never hit: a slower loop
        app.screen.action_cont()
        while not app.runner.running:
            await asyncio.sleep(0)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        e = app.runner.engine
        assert not app.runner.running and not e.results and e.time_us == 0
