"""The segment engine against one instruction at a time: `aptui run` byte for byte, the clock's
float sums, the queue's answers to a run, the lines of a segment, and what the engine keeps."""

import io
import math
import tracemalloc
from itertools import accumulate, repeat

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aptui import demos
from aptui.engine import Breakpoint, Engine
from aptui.engine.clock import first_at_or_after, ticks_after
from aptui.engine.engine import KEPT
from aptui.engine.events import Segment
from aptui.engine.queues import Queue
from aptui.formats.output import results as out
from aptui.formats.output.lines import progression_lines
from aptui.formats.scenario import file as sf
from aptui.model import Adapter, Costs, Guest, Host, Request, Scenario

from . import reference
from .strategies import busy_scenarios, scenarios


def run_json(s) -> str:
    text = io.StringIO()
    out.write_json(text, s)
    return text.getvalue()


def run_table(s) -> str:
    text = io.StringIO()
    out.write_table(text, s)
    return text.getvalue()


@pytest.mark.parametrize("name", demos.names())
def test_every_demo_runs_as_one_instruction_at_a_time(name):
    s = attrs.evolve(sf.loads(demos.text(name), demos.label(name)), changes=())  # test_changes runs those
    assert run_json(s) == reference.run_json(s)
    assert run_table(s) == reference.run_table(s)


@given(busy_scenarios())
def test_run_output_is_byte_for_byte_one_instruction_at_a_time(s):
    s = attrs.evolve(s, changes=())  # the oracle knows no [[change]]: test_changes compares those runs
    assert run_json(s) == reference.run_json(s)
    assert run_table(s) == reference.run_table(s)


@given(scenarios())
def test_run_output_of_any_tree_is_one_instruction_at_a_time(s):
    s = attrs.evolve(s, changes=())
    assert run_json(s) == reference.run_json(s)
    assert run_table(s) == reference.run_table(s)


def entries(s, breakpoints=None, listen=False) -> list[dict]:
    """Every result of a run, as JSON, from the engine's sink; with breakpoints, resumed at each stop."""
    got = []
    engine = Engine(s, sink=got.append)
    if listen:
        engine.subscribe(lambda ev: None)
    if breakpoints is None:
        engine.run_blocking(breakpoints=())
    else:
        engine.breakpoints[:] = breakpoints
        while engine.run_blocking().reason != "end":
            pass
    flat = [x for e in got for x in ([e.result(k) for k in range(e.count)] if type(e) is Segment else [e])]
    return [out.result_json(r) for r in flat]


@given(busy_scenarios(), st.data())
def test_breakpoints_and_listeners_split_segments_without_changing_results(s, data):
    """A breakpoint stops before every instruction it names, so a segment stops short of it; a
    listener sees every transition. Neither changes a result."""
    plain = entries(s)
    if not s.requests:
        return
    r = data.draw(st.sampled_from(s.requests))
    bp = data.draw(st.sampled_from([Breakpoint.on_guest(r.guest), Breakpoint.on_op(r.op),
                                    Breakpoint.on_request(s.requests.index(r)),
                                    Breakpoint.on_lane((1, "kernel"))]))
    assert entries(s, [bp]) == plain
    assert entries(s, listen=True) == plain


def test_a_request_breakpoint_stops_before_each_repetition():
    s = Scenario("bp", host=Host(adapters=(Adapter(5),)),
                 guests=(Guest("l", adapters=frozenset({5}), usage_domains=frozenset({4})),),
                 requests=(Request("l", "TAPQ", (5, 4), 1000), Request("l", "NQAP", (5, 4), 100)))
    engine = Engine(s)
    engine.toggle_breakpoint(Breakpoint.on_request(1))
    assert engine.run_blocking().instruction.request == 1 and len(engine.results) == 1000
    for done in range(1, 4):
        stop = engine.run_blocking()
        assert stop.reason == "breakpoint" and len(engine.results) == 1000 + done
    assert [r.rc for r in engine.results[-3:]] == [0, 0, 0]



@given(busy_scenarios(), st.data())
def test_every_result_names_its_request_as_one_at_a_time(s, data):
    """A segment that runs on through requests repeating its instruction names, for each of its
    results, the request it belongs to; a request breakpoint stops it short of that request."""
    s = attrs.evolve(s, changes=())
    expected = [r.request for r in reference.results(s)]
    got = []
    engine = Engine(s, sink=got.append)
    if s.requests:
        engine.breakpoints[:] = [Breakpoint.on_request(data.draw(st.integers(0, len(s.requests) - 1)))]
    stops = []
    while (stop := engine.run_blocking()).reason != "end":
        stops.append((stop.instruction.request, engine.done(stop.instruction.request)))
    flat = [x for e in got for x in ([e.result(k) for k in range(e.count)] if type(e) is Segment else [e])]
    assert [r.request for r in flat] == expected
    assert all(done < s.requests[i].repeat for i, done in stops)
    assert [engine.done(i) for i in range(len(s.requests))] == [r.repeat for r in s.requests]


def test_requests_that_repeat_an_instruction_are_one_segment():
    s = Scenario("stretch", host=Host(adapters=(Adapter(5),)),
                 guests=(Guest("l", adapters=frozenset({5}), usage_domains=frozenset({4})),),
                 requests=(*(Request("l", "TAPQ", (5, 4), 1 + i % 3) for i in range(1000)),
                           Request("l", "TAPQ", (5, 4), 5, wait_us=2.0)))
    got = []
    Engine(s, sink=got.append).run_blocking()
    assert [type(e) for e in got] == [Segment, Segment]  # the wait begins another
    first = got[0]
    assert first.count == sum(1 + i % 3 for i in range(1000)) and list(first.spans())[:4] == [(0, 1, 0), (1, 2, 2), (2, 3, 5), (3, 1, 6)]
    assert [first.result(k).request for k in range(7)] == [0, 1, 1, 2, 2, 2, 3]
    assert got[1].request == 1000 and got[1].count == 5
    engine = Engine(s)
    engine.toggle_breakpoint(Breakpoint.on_request(500))
    stop = engine.run_blocking()
    assert stop.instruction.request == 500 and len(engine.results) == sum(1 + i % 3 for i in range(500))


# -- the clock ------------------------------------------------------------------------------
CLOCKS = st.sampled_from([0.0, 0.5, 0.1 * 3, 1000.0, 2.0**52 - 3, 2.0**53, 3e17]) | st.floats(0, 1e18)
CYCLES = st.sampled_from([0, 1, 3, 1000, 1234, 2**40 + 1]) | st.integers(0, 10**12)


@given(CLOCKS, CYCLES, st.integers(0, 3000))
def test_ticks_after_is_the_float_sum_one_addition_at_a_time(clock, cycles, times):
    x = clock
    for _ in range(times):
        x += cycles
    assert ticks_after(clock, cycles, times) == x


@given(CLOCKS, CYCLES, st.integers(1, 3000), st.floats(0, 2e18))
def test_first_at_or_after_is_the_first_sum_reaching_the_time(clock, cycles, count, t):
    sums = list(accumulate(repeat(cycles, count - 1), initial=clock))
    assert first_at_or_after(clock, cycles, count, t) == next((k for k, x in enumerate(sums) if x >= t), count)


# -- the queue ------------------------------------------------------------------------------
OPS = st.sampled_from(["TAPQ", "NQAP", "DQAP", "RAPQ", "ZAPQ", "AQIC", "QACT"])


@given(st.integers(1, 16), st.sampled_from([0, 1.5, 1500.0, 10**6]), st.sampled_from([0, 500.0, 10**5]),
       st.lists(st.tuples(OPS, st.sampled_from([0, 1, 300, 1000, 7777]), st.integers(1, 60), st.integers(0, 5000)),
                max_size=12))
def test_a_run_is_answered_as_its_instructions_one_by_one(depth, process, reset, runs):
    """execute_run answers as many instructions as get the first one's answer, and leaves the
    queue as they would; the next one, if any, is answered otherwise."""
    batch, single = Queue(depth, process, reset), Queue(depth, process, reset)
    clock = 0.0
    for op, cycles, count, wait in runs:
        clock += wait
        k, rc, status = batch.execute_run(op, clock, cycles, count)
        assert 1 <= k <= count
        for _ in range(k):
            assert single.execute(op, clock) == (rc, status)
            clock += cycles
        if k < count:
            probe = Queue(depth, process, reset)
            probe.slots, probe.irq, probe.reset_until = single.slots.copy(), single.irq, single.reset_until
            assert probe.execute(op, clock) != (rc, status)
        assert (list(batch.slots), batch.irq, batch.reset_until) == (list(single.slots), single.irq, single.reset_until)


# -- the lines of a segment -------------------------------------------------------------------
@given(st.integers(1, 10**7), st.integers(0, 10**13), st.sampled_from([0, 1, 2, 6, 10, 32, 100, 123, 5 * 10**5])
       | st.integers(0, 10**8), st.integers(1, 5000), st.integers(0, 12), st.integers(0, 18))
def test_segment_lines_print_each_number_as_repr_and_rjust_would(seq, first, step, count, seq_width, time_width):
    lines = "".join(progression_lines("<", " | ", ">\n", seq, first, step, count, seq_width, time_width))
    assert lines == "".join(f"<{str(seq + k).rjust(seq_width)} | {repr((first + k * step) / 10).rjust(time_width)}>\n"
                            for k in range(count))


# -- what the engine keeps --------------------------------------------------------------------
def test_the_engine_keeps_the_latest_results_and_counts_all():
    s = Scenario("many", host=Host(adapters=(Adapter(5),)),
                 guests=(Guest("l", adapters=frozenset({5}), usage_domains=frozenset({4})),),
                 requests=tuple(Request("l", op, (5, 4), 900) for op in ("TAPQ", "NQAP", "DQAP", "TAPQ")))
    engine = Engine(s)
    engine.run_blocking()
    assert len(engine.results) == 3600 and engine.executed == 3600
    kept = engine.results[-KEPT:]
    assert [r.seq for r in kept] == list(range(3601 - KEPT, 3601))
    assert kept[-1].op == "TAPQ" and all(a.time_us < b.time_us for a, b in zip(kept, kept[1:]))
    with pytest.raises(IndexError):
        engine.results[0]
    with pytest.raises(IndexError):
        list(engine.results)
    assert [engine.done(i) for i in range(4)] == [900] * 4


def test_run_memory_does_not_grow_with_the_instructions():
    def peak(n: int) -> int:
        s = Scenario("n", host=Host(adapters=(Adapter(5),)),
                     guests=(Guest("l", adapters=frozenset({5}), usage_domains=frozenset({4})),),
                     requests=(Request("l", "TAPQ", (5, 4), n), Request("l", "NQAP", (5, 4), n)))
        tracemalloc.start()
        out.write_json(_Discard(), s)
        out.write_table(_Discard(), s)
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    small, large = peak(10**4), peak(10**5)
    assert large < small * 1.2, (small, large)


class _Discard:
    def write(self, text: str) -> None:
        pass


def test_a_clock_beyond_2_to_the_53_adds_as_floats_do():
    """At 10**17 ticks the ulp is 16: adding 1001 cycles rounds at every instruction, and the
    segment's times round alike."""
    s = Scenario("far", host=Host(adapters=(Adapter(5),)),
                 guests=(Guest("l", adapters=frozenset({5}), usage_domains=frozenset({4})),),
                 requests=(Request("l", "TAPQ", (5, 4), 50, wait_us=1e11),), costs=Costs(interpret=1001, clock_mhz=10**6))
    assert math.ulp(1e17) == 16
    assert run_json(s) == reference.run_json(s)
    assert run_table(s) == reference.run_table(s)


def test_results_read_across_results_and_segments_like_the_tail_of_a_list():
    s = Scenario("mix", host=Host(adapters=(Adapter(5),)),
                 guests=(Guest("l", adapters=frozenset({5}), usage_domains=frozenset({4})),),
                 requests=(Request("l", "TAPQ", (5, 4), 3), Request("l", "QACT", (5, 4), 40), Request("l", "TAPQ", (5, 4))))
    stepped, run = Engine(s), Engine(s)
    stepped.step_instruction()  # a Result, then segments
    stepped.run_blocking()
    run.run_blocking()
    expected = [out.result_json(r) for r in reference.results(s)]
    assert [out.result_json(r) for r in stepped.results] == expected == [out.result_json(r) for r in run.results]
    assert [r.seq for r in run.results[1:44:7]] == [2, 9, 16, 23, 30, 37, 44]
    assert run.results[-1].seq == 44 and run.results[-44].seq == 1
