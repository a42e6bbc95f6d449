"""The console's pure parts: edits and the kernel's refusals, cell states, undo and redo."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aptui.cli import load_scenario
from aptui.model.scenario import Request, Reserved
from aptui.console import cells as c
from aptui.console import edits
from aptui.console.edits import Refused
from aptui.console.session import Session

from tests.core.strategies import scenarios


@pytest.fixture
def s2018():
    return load_scenario("2018")


@pytest.fixture
def passthrough():
    return load_scenario("passthrough")


def test_refusals_name_the_kernel_reason(passthrough):
    with pytest.raises(Refused, match="assign_domain 0x04: EADDRINUSE: APQN 05.0004 .* sibling kvm1"):
        edits.set_ids(passthrough, "kvm2", "aqm", {4}, True)
    s = edits.set_ids(passthrough, "kvm2", "apm", {0x0A}, True)
    with pytest.raises(Refused, match="EADDRNOTAVAIL: APQN 0a.0047 is reserved for lpar1"):
        edits.set_ids(s, "kvm2", "aqm", {0x47}, True)
    with pytest.raises(Refused, match="PR/SM"):
        edits.set_ids(passthrough, "lpar2", "aqm", {4}, True)
    # unassigning is always allowed, control domains may be shared
    assert edits.set_ids(passthrough, "kvm2", "adm", {4}, True).guest("kvm2").control_domains == {4, 6, 7}
    assert edits.set_ids(passthrough, "kvm1", "apm", {5}, False).guest("kvm1").adapters == {6}


def test_refusals_in_the_kernels_order(passthrough):
    """vfio_ap_mdev_validate_masks checks the host's queues (EADDRNOTAVAIL) before sharing
    (EADDRINUSE); an id the machine does not have is ENODEV (domains = 85: 0x55 and up)."""
    s = edits.set_ids(passthrough, "kvm1", "apm", {0x0A}, True)
    s = edits.set_ids(s, "kvm1", "aqm", {0x10}, True)  # a queue no one else holds yet
    s = edits.set_ids(s, "kvm2", "apm", {0x0A}, True)
    with pytest.raises(Refused, match="EADDRNOTAVAIL"):  # 0a.0047 is lpar1's own, and kvm1 is not involved
        edits.set_ids(s, "kvm2", "aqm", {0x47}, True)
    both = edits.update_guest(s, "lpar1", reserved=Reserved(frozenset({0x0A}), frozenset({0x10, 0x47})))
    with pytest.raises(Refused, match="EADDRNOTAVAIL"):  # 0a.0010: reserved and kvm1's: reserved wins
        edits.set_ids(both, "kvm2", "aqm", {0x10}, True)
    with pytest.raises(Refused, match="assign_domain 0x55: ENODEV"):
        edits.set_ids(passthrough, "kvm1", "aqm", {0x55}, True)


def test_guest_edits(s2018):
    s = edits.rename_guest(s2018, "kvm1", "k")
    assert s.guest("nested1").parent == "k" and {r.guest for r in s.requests} == {"nested1", "k", "lpar1"}
    with pytest.raises(Refused, match="exists already"):
        edits.rename_guest(s2018, "kvm1", "lpar1")
    with pytest.raises(Refused, match="cycle"):
        edits.update_guest(s2018, "kvm1", parent="nested1")
    with pytest.raises(Refused, match="LPAR"):
        edits.update_guest(s2018, "kvm1", parent="host")  # an emulated LPAR
    assert edits.update_guest(s2018, "kvm1", parent="host", backend="passthrough").guest("kvm1").parent == "host"
    s = edits.remove_guest(s2018, "kvm1")
    assert [g.name for g in s.guests] == ["lpar1"] and all(r.guest == "lpar1" for r in s.requests)
    with pytest.raises(Refused, match="takes no APQN"):
        edits.make_request(s2018, "kvm1", "SCAN", "05.0004")
    assert edits.make_request(s2018, "kvm1", "NQAP", "05.0004", "3", "1.5") == Request("kvm1", "NQAP", (5, 4), 3, 1.5)


def test_cell_states_of_the_2018_case(s2018):
    sess = Session(s2018)
    nested = c.GuestCells(s2018, sess.topology, "nested1")
    assert nested.state(5, 4) == c.LOST_APIE and "no APIE chain" in nested.explain(5, 4)
    kvm1 = c.GuestCells(s2018, sess.topology, "kvm1")
    assert kvm1.state(5, 4) == c.EFFECTIVE and kvm1.state(6, 0x47) == c.HELD
    assert kvm1.state(6, 4) == c.FREE and kvm1.state(7, 4) == c.NONE
    assert kvm1.state(5, 4, "difference") == c.EFFECTIVE and kvm1.state(6, 4, "difference") == c.NONE
    lpar = c.GuestCells(s2018, sess.topology, "lpar1")
    assert lpar.state(5, 4, "configured") == c.ASSIGNED and lpar.state(5, 5, "effective") == c.FREE


def test_rows_with_the_same_facts_share_one_list():
    from aptui.model import Adapter, Guest, Host, Scenario

    ids = frozenset(range(256))
    s = Scenario("big", host=Host(True, tuple(Adapter(i) for i in range(256)), 256),
                 guests=(Guest("g", adapters=ids, usage_domains=ids, control_domains=ids),))
    cells = c.GuestCells(s, Session(s).topology, "g")
    cols = tuple(range(256))
    assert cells.row_states(3, cols, "states") is cells.row_states(200, cols, "states")


def test_undo_redo_and_dirty(s2018):
    sess = Session(s2018)
    a = edits.set_ids(s2018, "lpar1", "aqm", {5}, True)
    assert sess.apply(a, "one") and sess.dirty
    assert not sess.apply(a, "same again")
    assert sess.undo().label == "one" and not sess.dirty and sess.scenario == s2018
    assert sess.redo().label == "one" and sess.scenario == a
    assert sess.undo() and sess.undo() is None


def _fresh(scenario, results: int):
    """A headless run of a scenario's first `results` results: what every panel must show."""
    from aptui.engine import Engine

    e = Engine(scenario)
    e.run_blocking(breakpoints=(), results=results)
    return e


def test_the_run_follows_an_edit_of_the_2018_case(s2018):
    """make kvm1 passthrough, n n, undo, n: the SCAN is nested1's under the configuration shown."""
    from aptui.console.runner import Runner

    passthrough = edits.update_guest(s2018, "kvm1", backend="passthrough")
    r = Runner(passthrough)
    r.next()
    r.next()
    assert r.follow(s2018) == 1
    fresh = _fresh(s2018, 1)
    assert list(r.engine.results) == list(fresh.results) and r.engine.counters() == fresh.counters()
    assert r.trace.op == "TAPQ" and r.trace.result.exception == "operation"
    r.next()  # the SCAN starts again, under the configuration the tree shows
    scan = r.engine.results[-1]
    assert scan.op == "SCAN" and not scan.ap_available


@given(scenarios(max_guests=4, max_requests=5), scenarios(max_guests=4, max_requests=5),
       st.lists(st.sampled_from("snab"), max_size=14))
def test_after_any_edits_and_steps_the_run_is_a_fresh_run_of_its_prefix(a, b, keys):
    """s steps, n nexts, a and b edit the scenario into A or B (any change, requests too)."""
    from aptui.console.runner import Runner

    r = Runner(a)
    for key in keys:
        if key == "s":
            r.step()
        elif key == "n":
            r.next()
        else:
            r.follow(a if key == "a" else b)
            e, fresh = r.engine, _fresh(r.scenario, len(r.engine.results))
            assert e.current is None and e.peek() == fresh.peek()
            assert e.counters() == fresh.counters() and e.time_us == fresh.time_us
        e = r.engine
        assert list(e.results) == list(_fresh(r.scenario, len(e.results)).results)


def _fresh_at(scenario, position: tuple[int, int]):
    """A headless engine run to `position` (instructions finished, transitions of the next)."""
    from aptui.engine import Engine

    e = Engine(scenario)
    e.run_blocking(breakpoints=(), instructions=position[0])
    for _ in range(position[1]):
        e.step_transition()
    return e


@given(scenarios(max_guests=4, max_requests=5), st.lists(st.sampled_from("snSN"), max_size=16))
def test_stepping_back_is_a_fresh_run_of_the_shorter_prefix(s, keys):
    """S steps back one transition, N one instruction (a replay from time 0); the run, the
    history and the queue inspector then equal a fresh headless run to the same place, and a
    step forward after a step back comes back to the same place."""
    from aptui.console.inspector import queue_rows
    from aptui.console.runner import Runner

    r = Runner(s)
    for key in keys:
        before = (r.position(), list(r.engine.results), r.trace)
        if key in "SN":
            r.back(key == "N")
        else:
            (r.step if key == "s" else r.next)()
        e, fresh = r.engine, _fresh_at(s, r.position())
        assert list(e.results) == list(fresh.results) and e.counters() == fresh.counters()
        assert e.time_us == fresh.time_us and e.current == fresh.current and e.hops_done == fresh.hops_done
        assert e.last_qci == fresh.last_qci
        for g in s.guests:
            for apqn in g.matrix.apqns():
                assert queue_rows(e, g.name, apqn) == queue_rows(fresh, g.name, apqn)
        if key == "S" and before[0] != (0, 0):
            r.step()
            assert (r.position(), list(r.engine.results), r.trace) == before
            r.back()


def test_disabled_breakpoints_stay_listed_and_never_stop(s2018):
    import asyncio

    from aptui.console.runner import Runner
    from aptui.engine import Breakpoint

    r = Runner(s2018)
    bp = Breakpoint.on_request(3)
    r.engine.toggle_breakpoint(bp)
    off = r.engine.enable_breakpoint(bp, False)
    assert not off.enabled and off == bp and r.engine.breakpoints == [bp]
    assert asyncio.run(r.cont()).reason == "end"
    r.restart()
    r.engine.enable_breakpoint(bp, True)
    stop = asyncio.run(r.cont())
    assert stop.reason == "breakpoint" and stop.instruction.request == 3
    assert not r.engine.toggle_breakpoint(off) and not r.engine.breakpoints  # b on it again removes it


def test_finish_runs_the_rest_of_a_scan_and_of_a_repeat():
    import asyncio

    from aptui.console.runner import Runner

    s = load_scenario("queues")
    r = Runner(s)
    r.next()
    r.step()  # the first NQAP of three, issued
    stop = asyncio.run(r.finish())
    assert stop.reason == "reached" and r.engine.done(1) == 3 and r.engine.done(2) == 0
    r = Runner(load_scenario("passthrough"))
    while r.engine.peek().op != "QCI":
        r.next()
    r.next()  # a SCAN's QCI
    assert r.engine.scan_under_way is not None
    asyncio.run(r.finish())
    assert r.engine.scan_under_way is None and r.engine.results[-1].op == "SCAN"


def test_history_lists_finished_instructions_the_latest_first(s2018):
    from aptui.console.runner import Runner

    r = Runner(s2018)
    for _ in range(4):
        r.next()
    numbers = [p.number for p in r.history()]
    assert numbers == ["#3.2", "#3.1", "#2.1", "#1"]  # kvm1's SCAN is under way: its steps are finished
    assert all(p.trace.done and p.trace.hops_done == len(p.trace.route.hops) for p in r.history())


def test_the_queue_inspector_reads_the_queue_of_the_selected_apqn():
    from aptui.console.inspector import queue_rows
    from aptui.console.runner import Runner

    r = Runner(load_scenario("queues"))
    for _ in range(4):  # TAPQ, three NQAPs: the third refused, the queue holds 2
        r.next()
    rows = {x.label: x.value for x in queue_rows(r.engine, "lpar1", (5, 1))}
    assert rows["slots"].startswith("2 of 2 in use") and rows["TAPQ now"] == "--F-"
    assert rows["interrupts"].startswith("off") and rows["last QCI"] == "lpar1 has issued none yet"
    assert "deconfigured" in queue_rows(r.engine, "lpar1", (7, 1))[1].value
    assert "no queue answers: rc 0x01" in queue_rows(r.engine, "lpar1", (6, 2))[1].value


def test_the_inspector_says_what_the_last_qci_returned(s2018):
    from aptui.console.inspector import queue_rows
    from aptui.console.runner import Runner

    r = Runner(s2018)
    for _ in range(3):  # nested1's TAPQ, its SCAN's QCI (an exception), kvm1's QCI
        r.next()
    assert queue_rows(r.engine, "nested1", (5, 4))[-1].value == "t=10.0µs: operation exception"
    last = queue_rows(r.engine, "kvm1", (5, 4))[-1]
    assert last.label == "last QCI" and "APM 05 · AQM 0004" in last.value
