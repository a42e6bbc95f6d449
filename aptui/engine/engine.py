"""The async engine: runs a scenario's requests on a simulated clock (spec 4-6).

Deterministic: the same scenario always gives the same results. A console drives it with
run / step_instruction / step_transition / pause / reset; every transition of an
instruction is emitted as an Event to the subscribed listeners. With no listener and no
transition breakpoint the engine replays cached routes without building events, and a run of
identical instructions (a request's repetitions, and those of the requests after it that repeat
its instruction with no wait, as far as the queue answers them alike) is one Segment, computed
in one step: the cost of a run follows its requests, not its instructions.
Results are handed to `sink` as they complete and only the latest are kept (`results`).

A scenario's [[change]]s (model.hotplug) happen between instructions: before the first one
issued at or after the change's time, the parent's vfio_ap resets the queues that leave the
guest (ZAPQ, routed and counted as the parent's instructions) and the topology becomes the
changed scenario's. The CRYCB update itself (vcpus blocked, vSIE restarted) costs no cycles here:
neither the spec nor the reference gives a figure for it.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator

import attrs

from aptui.engine.breakpoints import Breakpoint, BreakpointKind
from aptui.engine.clock import first_at_or_after, ticks_after
from aptui.engine.events import (Event, Hotplug, Instruction, LaneCounters, Result, Results, Segment, Stop,
                                 instruction_events, result_text)
from aptui.engine.queues import Queue
from aptui.model.facilities import ap_bus_probe_apqns
from aptui.model.hotplug import Applied, applied_changes, change_text, hot_unplugged
from aptui.model.routing import COUNTERS, Lane, Route, compute_route, lane_counts
from aptui.model.vocabulary import Feature, Op, Outcome
from aptui.model.scenario import Scenario
from aptui.model.topology import Topology

class _Use:
    """A cached route and how many instructions took it (the counters derive from this)."""

    __slots__ = ("route", "count")

    def __init__(self, route: Route):
        self.route = route
        self.count = 0


@attrs.define
class _Scan:
    result: Result
    todo: deque
    wait_ticks: float = 0  # the request's wait, before a probing scan's first TAPQ
    probing: bool = False  # no QCI (no apqci): every APQN up to 3f.000f is tried by TAPQ


@attrs.define
class _InFlight:
    instr: Instruction
    use: _Use
    issue_time: float
    events: Iterator[Event] | None = None  # its instruction_events, one per step
    next_hop: int = 0
    result: Result | None = None  # once answered


KEPT = 1024  # results kept: the console's panels read the latest few


class Engine:
    def __init__(self, scenario: Scenario, sink: Callable[[Result | Segment], None] | None = None,
                 on_change: Callable[[Hotplug], None] | None = None):
        """`sink` is given every result as it completes, in order: a Segment for a run of
        identical ones, else a Result (a SCAN, an instruction stepped or listened to).
        `on_change` is given each change as the run reaches it, between those results."""
        self.breakpoints: list[Breakpoint] = []
        self._listeners: list[Callable[[Event], None]] = []
        self._sink = sink
        self._on_change = on_change
        self.reset(scenario)

    # -- state ---------------------------------------------------------------------------
    def reset(self, scenario: Scenario | None = None) -> None:
        """Back to time 0, with a new configuration if given; breakpoints and listeners stay."""
        if scenario is not None:
            self.scenario = scenario
        s = self.scenario
        self.topology = Topology(s)
        self._mhz = s.costs.clock_mhz
        self._level = {name: v.level for name, v in self.topology.views.items()}
        self._uses: dict[tuple, _Use] = {}
        self._physical: dict[tuple[int, int], Queue] = {}
        self._emulated: dict[tuple[str, tuple[int, int]], Queue] = {}
        self.results = Results(KEPT)
        self.executed = 0
        self.clock = 0.0  # ticks: CPU cycles at clock_mhz
        self._req = 0
        self._rep = 0
        self._scan: _Scan | None = None
        self._next: Instruction | None = None
        self._inflight: _InFlight | None = None
        self._pause = False
        self._pending: deque[Applied] = deque(applied_changes(s, self.topology))
        self._retired: list[_Use] = []  # the routes of the topologies before the latest change, with their counts
        self.changes: list[Hotplug] = []  # the changes reached so far
        self.last_qci: dict[str, Result] = {}  # guest -> the answer of its latest QCI (a SCAN's first step too)
        self._unscanned: dict[str, list[Hotplug]] = {}  # guest -> changes its AP bus has not scanned since

    def extend_requests(self, scenario: Scenario) -> None:
        """Take a scenario that only appends requests to the running one, without a restart:
        routes depend only on the configuration, and requests are read as the run reaches them."""
        old = self.scenario
        if attrs.evolve(scenario, requests=old.requests) != old or scenario.requests[: len(old.requests)] != old.requests:
            raise ValueError("extend_requests takes the same scenario with requests appended; reset() for other changes")
        self.scenario = scenario

    @property
    def time_us(self) -> float:
        return self.clock / self._mhz

    @property
    def finished(self) -> bool:
        return self._inflight is None and self.peek() is None

    @property
    def current(self) -> Instruction | None:
        """The instruction in flight (after a transition step), else None."""
        return self._inflight.instr if self._inflight else None

    @property
    def current_route(self) -> Route | None:
        return self._inflight.use.route if self._inflight else None

    @property
    def hops_done(self) -> int:
        return self._inflight.next_hop if self._inflight else 0

    def route(self, guest: str, op: str, apqn: tuple[int, int] | None) -> Route:
        return self._use(guest, op, apqn).route

    def done(self, request: int) -> int:
        """How many results of the request are complete."""
        if request == self._req:
            return self._rep
        return self.scenario.requests[request].repeat if request < self._req else 0

    # -- listeners and breakpoints -------------------------------------------------------
    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.remove(listener)

    def toggle_breakpoint(self, bp: Breakpoint) -> bool:
        """Add or remove; True when it is now set."""
        if bp in self.breakpoints:
            self.breakpoints.remove(bp)
            return False
        self.breakpoints.append(bp)
        return True

    def enable_breakpoint(self, bp: Breakpoint, on: bool) -> Breakpoint:
        """Enable or disable a breakpoint set (gdb's enable/disable): it keeps its place in the list."""
        i = self.breakpoints.index(bp)
        self.breakpoints[i] = attrs.evolve(self.breakpoints[i], enabled=on)
        return self.breakpoints[i]

    def queue_of(self, guest: str | None, apqn: tuple[int, int]) -> tuple[Route | None, Queue | None]:
        """The queue that answers `guest`'s instructions on `apqn` (the physical one for None: the
        machine), with the route an NQAP takes to it; the queue is None when the route answers
        without one, or when no instruction has reached it yet. Looking creates no queue."""
        if guest is None:
            return None, self._physical.get(apqn)
        route = self.route(guest, Op.NQAP, apqn)
        place = self._queue_place(route, apqn)
        return route, None if place is None else place[0].get(place[1])

    @property
    def scan_under_way(self) -> Result | None:
        """The result so far of a SCAN under way: its steps (QCI, TAPQs) are finished
        instructions that are not in `results` yet."""
        return self._scan.result if self._scan is not None else None

    def pause(self) -> None:
        """Ask a running `run` to stop at the next instruction or transition."""
        self._pause = True

    # -- driving -------------------------------------------------------------------------
    async def run(self, breakpoints: Iterable[Breakpoint] | None = None, batch: int = 4096,
                  results: int | None = None, instructions: int | None = None) -> Stop:
        """Continue until a breakpoint, a pause or the end, yielding to the event loop every
        `batch` instructions. An instruction breakpoint at the instruction we are stopped
        before does not stop us again (as in gdb); a disabled one never stops. With `results`,
        stop ("reached") before the instruction after that many results: a replay to where a
        run had got; with `instructions`, once that many instructions are done (SCAN steps count)."""
        import asyncio  # here, not at the top: `aptui run` drives the same loop without asyncio

        loop = self._loop(breakpoints, batch, results, instructions)
        while True:
            try:
                next(loop)
            except StopIteration as done:
                return done.value
            await asyncio.sleep(0)

    def run_blocking(self, breakpoints: Iterable[Breakpoint] | None = None, results: int | None = None,
                     instructions: int | None = None) -> Stop:
        """`run` without an event loop (the command line, a short replay)."""
        loop = self._loop(breakpoints, 1 << 30, results, instructions)
        while True:
            try:
                next(loop)
            except StopIteration as done:
                return done.value

    def _loop(self, breakpoints: Iterable[Breakpoint] | None, batch: int, until: int | None = None,
              upto: int | None = None) -> Generator[None, None, Stop]:
        self._pause = False
        results = self.results
        until = sys.maxsize if until is None else until
        upto = sys.maxsize if upto is None else upto
        bps = [b for b in (self.breakpoints if breakpoints is None else breakpoints) if b.enabled]
        on_instr = [b for b in bps if not b.on_transition]
        on_trans = [b for b in bps if b.on_transition]
        any_condition = any(b.kind == BreakpointKind.TRANSITION_IF for b in on_trans)
        watched = {b.value for b in on_trans if b.kind == BreakpointKind.LANE}
        # Other instruction breakpoints test what all repetitions of a request share: if one
        # hits the first instruction of a segment, it hits every one.
        segments = not any(b.kind == BreakpointKind.INSTRUCTION_IF for b in on_instr)
        stops = frozenset(b.value for b in on_instr if b.kind == BreakpointKind.REQUEST)  # a segment ends short of them
        skip = self._inflight is None
        n = 0
        while True:
            if n >= batch:
                n = 0
                yield
            if self._pause:
                self._pause = False
                return Stop("paused")
            n += 1
            if len(results) >= until or self.executed >= upto:
                return Stop("reached")
            if self._inflight is not None:
                ev = self._step_inflight()
                for b in on_trans:
                    if b.hits_event(ev):
                        return Stop("breakpoint", event=ev, breakpoint=b)
                continue
            instr = self.peek()
            if instr is None:
                return Stop("end")
            hit = next((b for b in on_instr if b.hits_instruction(instr)), None)
            if hit is not None and not skip:
                return Stop("breakpoint", instruction=instr, breakpoint=hit)
            skip = False
            use = self._use(instr.guest, instr.op, instr.apqn)
            if self._listeners or any_condition or (watched and any(h.lane in watched for h in use.route.hops)):
                self._begin(instr, use)
            elif segments and not instr.in_scan:
                n += self._segment(use, 1 if hit is not None else
                                   min(batch - n + 1, until - len(results), upto - self.executed), stops) - 1
            else:
                self._complete(instr, use, self.clock + instr.wait_ticks)

    async def run_to_end(self) -> list[Result]:
        """Run everything, ignoring breakpoints: every result, if all are kept."""
        await self.run(breakpoints=())
        return list(self.results)

    def step_transition(self) -> Stop:
        """One transition: issue, one hop, or the answer back to the guest (with the result)."""
        if self._inflight is None:
            instr = self.peek()
            if instr is None:
                return Stop("end")
            return Stop("step", event=self._begin(instr, self._use(instr.guest, instr.op, instr.apqn)))
        f = self._inflight
        ev = self._step_inflight()
        return Stop("step", event=ev, result=f.result)

    def step_instruction(self) -> Stop:
        """Finish the instruction in flight, or run the next one whole."""
        if self._inflight is None:
            instr = self.peek()
            if instr is None:
                return Stop("end")
            ev = self._begin(instr, self._use(instr.guest, instr.op, instr.apqn))
        f = self._inflight
        while self._inflight is not None:
            ev = self._step_inflight()
        return Stop("step", event=ev, result=f.result)

    # -- counters ------------------------------------------------------------------------
    def lanes(self) -> list[Lane]:
        """Every place an instruction can be handled: firmware, then kernel and user space of each hypervisor level."""
        out: list[Lane] = [(0, "firmware")]
        for level in range(1, self.topology.depth):
            out += [(level, "kernel"), (level, "userspace")]
        return out

    def counters(self) -> dict[Lane, LaneCounters]:
        width = len(COUNTERS) + 1  # and the cycles
        acc: dict[Lane, list[int]] = {lane: [0] * width for lane in self.lanes()}

        def add(counts, times):
            for lane, vec in counts:
                a = acc.setdefault(lane, [0] * width)
                for i, x in enumerate(vec):
                    a[i] += x * times

        for use in (*self._retired, *self._uses.values()):
            if use.count:
                add(use.route.lane_counts, use.count)
        if self._inflight is not None:
            add(lane_counts(self._inflight.use.route.hops[: self._inflight.next_hop]), 1)
        return {lane: LaneCounters(*v) for lane, v in acc.items()}

    # -- internals -----------------------------------------------------------------------
    def peek(self) -> Instruction | None:
        """The next instruction to issue (None at the end). SCAN expands into QCI + TAPQs."""
        if self._next is not None:
            return self._next
        if self._pending and self._inflight is None:
            self._apply_due()
        reqs = self.scenario.requests
        if self._scan is None and self._req < len(reqs) and reqs[self._req].op == Op.SCAN \
                and Feature.APQCI not in self.topology.guests[reqs[self._req].guest].features:
            self._scan = self._probing_scan(reqs[self._req])
        if self._scan is not None:
            sc = self._scan
            self._next = Instruction(self.executed + 1, sc.result.seq, self._req, sc.result.guest, Op.TAPQ,
                                     sc.todo[0], sc.wait_ticks, True)
            sc.wait_ticks = 0
            return self._next
        if self._req >= len(reqs):
            return None
        r = reqs[self._req]
        wait = r.wait_us * self._mhz if self._rep == 0 else 0
        scan = r.op == Op.SCAN
        self._next = Instruction(self.executed + 1, len(self.results) + 1, self._req, r.guest,
                                 Op.QCI if scan else r.op, None if scan else r.apqn, wait, scan)
        return self._next

    def _use(self, guest: str, op: str, apqn) -> _Use:
        key = (guest, op, apqn)
        use = self._uses.get(key)
        if use is None:
            s = self.scenario
            use = self._uses[key] = _Use(compute_route(self.topology, s.costs, s.policy, guest, op, apqn))
        return use

    def _queue(self, route: Route, apqn: tuple[int, int]) -> Queue | None:
        """The queue that answers the route's instructions: physical, emulated, or none (a fixed answer)."""
        place = self._queue_place(route, apqn)
        if place is None:
            return None
        queues, key = place
        q = queues.get(key)
        if q is None:
            q = queues[key] = self._new_queue(apqn[0])
        return q

    def _queue_place(self, route: Route, apqn: tuple[int, int]) -> tuple[dict, object] | None:
        """Where the route's queue is kept (the table and its key), None for a fixed answer."""
        outcome = route.outcome
        if outcome is Outcome.PHYSICAL or outcome is Outcome.IRQ:
            return self._physical, apqn
        if outcome is Outcome.EMULATED:
            return self._emulated, (route.owner, apqn)
        return None

    def _new_queue(self, adapter_id: int) -> Queue:
        a = self.scenario.host.adapter_or_default(adapter_id)
        c = self.scenario.costs
        return Queue(a.depth, c.processing_us(a.mode) * self._mhz, c.reset_us * self._mhz, a.state)

    def _complete(self, instr: Instruction, use: _Use, issue_time: float) -> Result:
        route = use.route
        use.count += 1
        self.executed += 1
        self._next = None
        queue = self._queue(route, instr.apqn)
        rc, status = (route.rc, None) if queue is None else queue.execute(instr.op, issue_time)
        res = Result(instr.seq, instr.request, instr.guest, self._level[instr.guest], instr.op, instr.apqn,
                     rc, route.exception, route, route.cycles, issue_time / self._mhz, status)
        self.clock = issue_time + route.cycles
        if instr.op == Op.QCI:
            self.last_qci[instr.guest] = res
        if instr.in_scan:
            self._scan_step(res)
        else:
            self._add(res)
            self._next_repetition()
        return res

    def _segment(self, use: _Use, limit: int, stops: frozenset[int]) -> int:
        """The next instructions of the current request (no SCAN), and of the requests after it
        that repeat its instruction with no wait (short of a request in `stops`), up to `limit`,
        as far as they get the same answer: one Segment, with no events and no breakpoints. How many."""
        reqs = self.scenario.requests
        r = reqs[self._req]
        route = use.route
        issue = self.clock + (r.wait_us * self._mhz if self._rep == 0 else 0)
        total = r.repeat - self._rep
        ends = [total]  # where each request of the stretch ends, counted from its start
        guest, op, apqn = r.guest, r.op, r.apqn
        for j in range(self._req + 1, len(reqs)):  # the requests that issue the same instruction with no wait
            if total >= limit:
                break
            q = reqs[j]
            if q.wait_us or q.op != op or q.apqn != apqn or q.guest != guest or j in stops:
                break
            total += q.repeat
            ends.append(total)
        count = min(limit, total)
        if self._pending:  # the run stops before the first instruction at or after the next change
            count = first_at_or_after(issue, route.cycles, count, self._pending[0].change.at_us * self._mhz)
        queue = self._queue(route, r.apqn)
        if queue is None:
            rc, status = route.rc, None
        else:
            count, rc, status = queue.execute_run(r.op, issue, route.cycles, count)
        seg = Segment(len(self.results) + 1, self._req, r.guest, self._level[r.guest], r.op, r.apqn, route, rc,
                      status, issue, count, self._mhz, tuple(ends[: bisect_left(ends, count)]))
        self._add(seg)
        if r.op == Op.QCI:
            self.last_qci[r.guest] = seg.result(count - 1)
        self.clock = ticks_after(issue, route.cycles, count)
        use.count += count
        self.executed += count
        self._next = None
        done = bisect_right(ends, count)  # the requests it finished
        if done:
            self._req += done
            self._rep = count - ends[done - 1]
        else:
            self._rep += count
        return count

    def _add(self, entry: Result | Segment) -> None:
        self.results.add(entry)
        if self._sink is not None:
            self._sink(entry)

    def _scan_step(self, res: Result) -> None:
        """SCAN (spec 6): QCI, then TAPQ on every APQN of its answer, APID then APQI order."""
        if res.op == Op.QCI:
            available = res.exception is None
            apqns = deque(res.route.matrix.apqns()) if available else deque()
            top = Result(res.seq, res.request, res.guest, res.level, Op.SCAN, None, None, None, None, res.cycles,
                         res.time_us, ap_available=available, found=[], steps=[res])
            res.seq = 1
            if apqns:
                self._scan = _Scan(top, apqns)
                return
        else:
            top = self._scan.result
            if not top.steps:
                top.time_us = res.time_us
            top.steps.append(res)
            res.seq = len(top.steps)
            top.cycles += res.cycles
            if res.rc == 0:
                top.found.append(res.apqn)
            self._scan.todo.popleft()
            if self._scan.probing and len(top.steps) == 1 and res.exception is not None:
                top.ap_available = False  # ap_instructions_available(): the first TAPQ program-checked
                self._scan.todo.clear()
            if self._scan.todo:
                return
        self._scan = None
        for change in self._unscanned.pop(top.guest, ()):
            change.found_by[top.guest] = top.seq
        self._add(top)
        self._next_repetition()

    def _probing_scan(self, r) -> _Scan:
        """SCAN from a guest without apqci: no QCI step, a TAPQ on every APQN up to 3f.000f."""
        top = Result(len(self.results) + 1, self._req, r.guest, self._level[r.guest], Op.SCAN, None, None, None, None,
                     0, self.clock / self._mhz, ap_available=True, found=[], steps=[])
        wait = r.wait_us * self._mhz if self._rep == 0 else 0
        return _Scan(top, deque(ap_bus_probe_apqns()), wait, probing=True)

    def _next_issue(self) -> float | None:
        """When the next instruction will be issued (its request's wait included); None at the end."""
        if self._scan is not None:
            return self.clock + self._scan.wait_ticks
        reqs = self.scenario.requests
        if self._req >= len(reqs):
            return None
        return self.clock + (reqs[self._req].wait_us * self._mhz if self._rep == 0 else 0)

    def _apply_due(self) -> None:
        """Every change due by the next instruction's issue, in time order."""
        issue = self._next_issue()
        while self._pending and issue is not None and self._pending[0].change.at_us * self._mhz <= issue:
            self._apply(self._pending.popleft())

    def _apply(self, a: Applied) -> None:
        """The ap_config write at the change's time: refused whole, or the parent's vfio_ap resets
        (ZAPQ) each queue that leaves the guest, one after another, and the guest and its
        descendants run on the changed scenario's views from now on."""
        name = a.change.guest
        old = self.topology
        t = a.change.at_us * self._mhz
        resets: list[Result] = []
        if not a.refused:
            parent = old.guests[name].parent
            for q in hot_unplugged(old.view(name), a.topology.view(name)):
                use = self._use(parent, Op.ZAPQ, q)
                use.count += 1
                route = use.route
                queue = self._queue(route, q)
                rc, _ = (route.rc, None) if queue is None else queue.execute(Op.ZAPQ, t)
                resets.append(Result(len(resets) + 1, -1, parent, self._level[parent], Op.ZAPQ, q, rc,
                                     route.exception, route, route.cycles, t / self._mhz))
                t += route.cycles
            self._retired += [u for u in self._uses.values() if u.count]
            self._uses = {}
            self.topology = a.topology
        change = Hotplug(a.number, name, self._level[name], float(a.change.at_us), change_text(a), a.new, a.verdict, resets,
                         [] if a.refused else a.seen(old), callout=a.callout)
        for seen in change.seen:
            if seen.gained:
                self._unscanned.setdefault(seen.guest, []).append(change)
        self.changes.append(change)
        if self._on_change is not None:
            self._on_change(change)

    def _next_repetition(self) -> None:
        self._rep += 1
        if self._rep >= self.scenario.requests[self._req].repeat:
            self._req += 1
            self._rep = 0

    def _begin(self, instr: Instruction, use: _Use) -> Event:
        issue = self.clock + instr.wait_ticks
        self.clock = issue
        f = self._inflight = _InFlight(instr, use, issue)
        f.events = instruction_events(instr.number, instr.seq, instr.guest, self._level[instr.guest], instr.op,
                                      instr.apqn, use.route.hops, issue / self._mhz, lambda: self._answer(f))
        return self._emit(next(f.events))

    def _step_inflight(self) -> Event:
        f = self._inflight
        if f.next_hop < len(f.use.route.hops):
            f.next_hop += 1
        else:
            self._inflight = None  # the answer: instruction_events asks _answer for it
        return self._emit(next(f.events))

    def _answer(self, f: _InFlight) -> str:
        f.result = self._complete(f.instr, f.use, f.issue_time)
        return result_text(f.result)

    def _emit(self, ev: Event) -> Event:
        for listener in self._listeners:
            listener(ev)
        return ev

