"""The engine API a console drives: transitions, steps, breakpoints, pause, reset, counters."""

import asyncio

import pytest

from aptui import demos
from aptui.engine import Breakpoint, Engine
from aptui.formats.scenario import file as sf


def demo(name):
    return sf.loads(demos.text(name), f"demo:{name}")


def test_an_l3_instruction_walks_up_hop_by_hop_in_the_2018_case():
    engine = Engine(demo("2018"))
    seen = []
    for _ in range(6):
        stop = engine.step_transition()
        seen.append((stop.event.kind, stop.event.level, stop.event.where, stop.event.cycles))
    assert seen == [
        ("issue", 3, "guest", 0),
        ("intercept", 1, "kernel", 3000),
        ("reflect", 2, "kernel", 16000),
        ("exit", 2, "userspace", 30000),
        ("exception", 2, "userspace", 1000),
        ("answer", 3, "guest", 0),
    ]
    assert engine.results[0].exception == "operation"
    assert engine.results[0].cycles == 50000
    assert stop.result is engine.results[0]  # the answering step brings the result back


def test_counters_grow_with_each_hop():
    engine = Engine(demo("2018"))
    engine.step_transition()  # issue
    engine.step_transition()  # L1 kernel
    c = engine.counters()
    assert c[(1, "kernel")].intercepts == 1 and c[(1, "kernel")].cycles == 3000
    assert c[(2, "kernel")].intercepts == 0
    engine.step_instruction()  # finish it
    c = engine.counters()
    assert c[(2, "kernel")].reflections == 1 and c[(2, "userspace")].exceptions == 1
    assert c[(2, "userspace")].userspace_exits == 1
    assert sum(x.cycles for x in c.values()) == 50000


def test_lanes_cover_every_hypervisor_level():
    engine = Engine(demo("2018"))
    assert engine.lanes() == [(0, "firmware"), (1, "kernel"), (1, "userspace"), (2, "kernel"), (2, "userspace")]


def test_step_instruction_runs_a_whole_scan_step_by_step():
    engine = Engine(demo("2018"))
    engine.step_instruction()  # nested1 TAPQ
    engine.step_instruction()  # nested1 SCAN: QCI fails, the SCAN is complete
    assert engine.results[-1].op == "SCAN" and engine.results[-1].ap_available is False
    stop = engine.step_instruction()  # kvm1 SCAN: its QCI
    assert stop.event.kind == "answer" and engine.peek().op == "TAPQ" and engine.peek().in_scan
    engine.step_instruction()  # its TAPQ
    assert engine.results[-1].found == [(5, 4)]


async def test_continue_stops_at_an_instruction_breakpoint_and_passes_it_on_resume():
    engine = Engine(demo("2018"))
    engine.toggle_breakpoint(Breakpoint.on_guest("lpar1"))
    stop = await engine.run()
    assert stop.reason == "breakpoint" and stop.instruction.guest == "lpar1"
    assert len(engine.results) == 5
    stop = await engine.run()
    assert stop.reason == "end" and len(engine.results) == 6


async def test_continue_stops_when_a_lane_is_entered():
    engine = Engine(demo("2018"))
    engine.toggle_breakpoint(Breakpoint.on_lane((1, "userspace")))
    stop = await engine.run()
    assert stop.reason == "breakpoint"
    assert (stop.event.level, stop.event.where, stop.event.kind) == (1, "userspace", "exit")
    assert stop.event.guest == "kvm1" and engine.current.op == "QCI"
    assert engine.hops_done == 2
    stop = await engine.run()  # the rest of that instruction, then kvm1's TAPQ enters L1 user space again
    assert stop.reason == "breakpoint" and engine.current.op == "TAPQ"
    assert engine.toggle_breakpoint(Breakpoint.on_lane((1, "userspace"))) is False
    assert (await engine.run()).reason == "end"


async def test_request_and_apqn_breakpoints_and_predicates():
    engine = Engine(demo("queues"))
    engine.toggle_breakpoint(Breakpoint.on_request(6))
    stop = await engine.run()
    assert stop.instruction.request == 6 and stop.instruction.op == "RAPQ"
    engine.breakpoints.clear()
    engine.toggle_breakpoint(Breakpoint.on_apqn((7, 1)))
    assert (await engine.run()).instruction.apqn == (7, 1)
    engine.breakpoints[:] = [Breakpoint.transition_if(lambda e: e.kind == "interpret" and e.apqn == (8, 1))]
    stop = await engine.run()
    assert stop.event.apqn == (8, 1) and stop.event.kind == "interpret"


async def test_pause_stops_a_long_run_and_continue_finishes_it():
    s = sf.loads('format = 1\nname = "long"\n[host]\nadapters = [{ id = 1 }]\n[[guest]]\nname = "l"\n'
                 'adapters = [1]\nusage_domains = [0]\n[[request]]\nguest = "l"\nop = "TAPQ"\n'
                 'apqn = "01.0000"\nrepeat = 200000\n')
    engine = Engine(s)
    task = asyncio.create_task(engine.run(batch=1000))
    await asyncio.sleep(0)
    engine.pause()
    stop = await task
    assert stop.reason == "paused" and 0 < len(engine.results) < 200000
    assert (await engine.run()).reason == "end"
    assert len(engine.results) == 200000
    assert [r.seq for r in engine.results[-3:]] == [199998, 199999, 200000]


async def test_reset_goes_back_to_time_zero_with_a_new_configuration():
    engine = Engine(demo("2018"))
    await engine.run()
    assert engine.time_us > 0
    s = demo("2018-nested-emulation")
    engine.reset(s)
    assert engine.time_us == 0 and len(engine.results) == 0 and engine.executed == 0
    await engine.run()
    assert engine.results[0].rc == 0 and engine.results[0].cycles == 38000
    assert engine.results[1].found == [(5, 4)]


async def test_listeners_see_every_transition_during_a_run():
    engine = Engine(demo("passthrough"))
    events = []
    engine.subscribe(events.append)
    await engine.run()
    issued = [e for e in events if e.kind == "issue"]
    assert len(issued) == engine.executed
    engine.unsubscribe(events.append)


@pytest.mark.parametrize("name", demos.names())
async def test_every_demo_runs_to_the_end(name):
    engine = Engine(demo(name))
    assert (await engine.run()).reason == "end"
    assert engine.results


async def test_requests_can_be_appended_to_a_running_queue():
    import attrs

    from aptui.model import Request

    s = demo("2018")
    engine = Engine(s)
    await engine.run()
    more = attrs.evolve(s, requests=s.requests + (Request("lpar1", "TAPQ", (5, 4)),))
    engine.extend_requests(more)
    assert (await engine.run()).reason == "end" and len(engine.results) == 7
    with pytest.raises(ValueError):
        engine.extend_requests(attrs.evolve(more, name="other"))


NO_QCI = """format = 1
[host]
adapters = [{ id = 5 }, { id = 0x47 }]
[[guest]]
name = "lpar1"
adapters = [5, 0x47]
usage_domains = [4, 0x20]
[[guest]]
name = "kvm1"
parent = "lpar1"
adapters = [5, 0x47]
usage_domains = [4, 0x20]
features = ["ap", "apft"]
[[request]]
guest = "kvm1"
op = "QCI"
[[request]]
guest = "kvm1"
op = "SCAN"
"""


def test_without_apqci_qci_is_a_specification_exception_and_scan_probes():
    """apqci gates QCI (spec 8): facility 12 missing, PQAP(QCI) program-checks; the AP bus then
    probes 00.0000..3f.000f (spec 6) and finds what is in hw within that range only."""
    engine = Engine(sf.loads(NO_QCI, "noqci.toml"))
    engine.run_blocking()
    qci, scan = engine.results
    assert qci.exception == "specification" and qci.cycles == 1000
    assert scan.ap_available and scan.found == [(5, 4)] and len(scan.steps) == 1024
    assert all(step.op == "TAPQ" for step in scan.steps)
