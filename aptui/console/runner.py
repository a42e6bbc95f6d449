"""Drives the engine for the console: steps, runs, and keeps what the Path and Levels panels
draw (the instruction last stepped, the recent events of each lane).

An edit mid-run is followed at once: the engine is deterministic, so the run is replayed from
time 0 with the new configuration to as many results as it had (an instruction under way, or
a SCAN partly done, starts again). Every panel then shows what a fresh run of that prefix gives.

Events are recorded from the engine's listener while stepping; a continue runs without a
listener (the engine's fast path) and rebuilds the picture from the results afterwards, so
a run of 10^5 instructions costs what `aptui run` costs. No Textual here.
"""

from __future__ import annotations

from collections import deque
from itertools import islice

import attrs

from aptui.engine import Engine, Event, Result, Route, Stop, instruction_events
from aptui.engine.events import Hotplug, Segment
from aptui.model.routing import Lane
from aptui.model.scenario import Scenario
from aptui.model.vocabulary import HopKind, Op

RECENT = 8  # events kept per lane
HISTORY = 256  # finished instructions listed in the History panel, the latest first
REPLAY_NOW = 20_000  # results replayed at once after an edit (~0.1 s); a longer replay runs like a continue


@attrs.frozen
class Trace:
    """One instruction as the Path panel draws it: its route, the hops taken so far and, once
    answered, its result. A snapshot: the engine moves on, a Trace does not."""

    seq: int  # the result entry (spec 9): every step of a SCAN shares its SCAN's number
    guest: str
    level: int
    op: str
    apqn: tuple[int, int] | None
    route: Route
    hops_done: int
    result: Result | None = None

    @property
    def done(self) -> bool:
        return self.result is not None

    @property
    def at(self) -> Lane | None:
        """The lane the instruction is in while in flight, once it took a hop."""
        return self.route.hops[self.hops_done - 1].lane if self.hops_done and not self.done else None


@attrs.frozen
class Past:
    """A finished instruction as the History panel lists it: its trace and, for a step of a
    SCAN, which one (1 its QCI, then its TAPQs; 0 for an instruction of its own)."""

    trace: Trace
    step: int = 0

    @property
    def number(self) -> str:
        return f"#{self.trace.seq}" + (f".{self.step}" if self.step else "")


class Runner:
    def __init__(self, scenario: Scenario):
        self.engine = Engine(scenario, sink=self._keep_answer, on_change=self._changed)
        self._answers: dict[int, tuple[Result | Segment, int]] = {}  # request -> its latest result (entry, index)
        self.recent: dict[Lane, deque[Event]] = {}
        self.reached: list[Hotplug] = []  # the changes the run reached since the last step or continue began
        self.trace: Trace | None = None  # the instruction last stepped (or stopped in)
        self.last_stop: Stop | None = None
        self.running = False
        self.replay_to: int | None = None  # the results a replay after an edit is getting back to
        self.engine.subscribe(self._record)

    @property
    def scenario(self) -> Scenario:
        return self.engine.scenario

    def restart(self, scenario: Scenario | None = None) -> None:
        self.engine.reset(scenario)
        self._answers.clear()
        self.recent.clear()
        self.reached.clear()
        self.trace = None
        self.last_stop = None
        self.replay_to = None

    def follow(self, scenario: Scenario) -> int:
        """Take an edited scenario: restart with it and replay to the results the run had (or a
        replay under way was getting back to). A short replay is done here; after a longer one
        `replay_to` stays set for `replay`. Returns the results to get back to."""
        target = self.replay_to if self.replay_to is not None else len(self.engine.results)
        self.restart(scenario)
        if target:
            self.replay_to = target
            if target <= REPLAY_NOW:
                e = self.engine
                e.unsubscribe(self._record)
                try:
                    stop = e.run_blocking(breakpoints=(), results=target)
                finally:
                    e.subscribe(self._record)
                self._replayed(stop)
        return target

    async def replay(self, batch: int = 4096) -> Stop:
        """The rest of a long replay, yielding to the event loop like a continue."""
        return self._replayed(await self._run(breakpoints=(), results=self.replay_to, batch=batch))

    def _replayed(self, stop: Stop) -> Stop:
        if stop.reason != "paused":  # reached, or the end of a queue that got shorter
            self.replay_to = None
        self._rebuild(self.engine.results[-RECENT:])
        return stop

    def answer(self, request: int) -> Result | None:
        """The latest result of the request, however long ago the run got it (the engine keeps
        only its latest results)."""
        kept = self._answers.get(request)
        if kept is None:
            return None
        entry, k = kept
        return entry.result(k) if type(entry) is Segment else entry

    def _keep_answer(self, entry: Result | Segment) -> None:
        if type(entry) is Segment:
            for request, _, final in entry.spans():
                self._answers[request] = (entry, final)
        else:
            self._answers[entry.request] = (entry, 0)

    def time_with(self, scenario: Scenario) -> float:
        """The simulated time `scenario` reaches after as many results as this run has (a replay
        without the panels): the "now" of an edit made as a change of the running guest."""
        e = Engine(scenario)
        e.run_blocking(breakpoints=(), results=len(self.engine.results))
        return e.time_us

    def extend_requests(self, scenario: Scenario) -> None:
        """Take a scenario that only appends requests to the one running, without a restart."""
        self.engine.extend_requests(scenario)

    # -- stepping ----------------------------------------------------------------------
    def step(self) -> Stop:
        self.replay_to = None
        self.reached.clear()
        return self._stepped(self.engine.step_transition())

    def next(self) -> Stop:
        self.replay_to = None
        self.reached.clear()
        return self._stepped(self.engine.step_instruction())

    async def cont(self, batch: int = 64, results: int | None = None) -> Stop:
        """Until a breakpoint, a pause or the end (or `results` results: "reached"); events are
        rebuilt from the results afterwards."""
        self.replay_to = None
        self.reached.clear()
        before = len(self.engine.results)
        stop = await self._run(batch=batch, results=results)
        self._rebuild(self.engine.results[max(before, len(self.engine.results) - RECENT):])
        return self._stopped(stop)

    async def finish(self, batch: int = 64) -> Stop:
        """gdb's finish: run the rest of the current request (every repetition left, a SCAN to
        its last TAPQ), stopping at a breakpoint as a continue would ("reached" when done)."""
        e = self.engine
        nxt = e.current or e.peek()
        if nxt is None:
            return self._stopped(Stop("end"))
        left = e.scenario.requests[nxt.request].repeat - e.done(nxt.request)
        return await self.cont(batch, results=len(e.results) + left)

    def position(self) -> tuple[int, int]:
        """Where the run is: instructions finished (SCAN steps count), and transitions taken by
        the one in flight (its issue, then one per hop; 0 between instructions)."""
        e = self.engine
        return e.executed, (1 + e.hops_done) if e.current is not None else 0

    def back(self, instruction: bool = False) -> Stop | None:
        """Step back (gdb's reverse-step, or reverse-next with `instruction`): the engine is
        deterministic, so restart and replay from time 0 to one transition (or one instruction)
        before where the run is. None at time 0."""
        done, taken = self.position()
        if instruction:
            return self._replay_to(done if taken else done - 1, 0)
        if taken:
            return self._replay_to(done, taken - 1)
        return self._replay_to(done - 1, -1)  # the last one's answer not yet back

    def _replay_to(self, done: int, taken: int) -> Stop | None:
        """Restart and replay to `done` instructions finished, the last one stepped here (so the
        Path shows it as a step would), then `taken` transitions of the next (-1: all its hops)."""
        if done < 0:
            return None
        self.restart(self.scenario)
        e = self.engine
        stop = None
        if done:
            e.unsubscribe(self._record)
            try:
                e.run_blocking(breakpoints=(), instructions=done - 1)
            finally:
                e.subscribe(self._record)
            self._rebuild(e.results[-RECENT:])
            self.reached.clear()
            stop = self._stepped(e.step_instruction())
        while taken and not (e.current is not None and taken < 0 and e.hops_done == len(e.current_route.hops)):
            self.reached.clear()
            stop = self._stepped(e.step_transition())
            taken -= 1
        return stop

    def history(self) -> list[Past]:
        """The finished instructions the engine still holds (a SCAN's steps each), the latest first."""
        e = self.engine
        out: list[Past] = []
        scan = e.scan_under_way
        if scan is not None:
            out += [Past(_answered(x, scan.seq), x.seq) for x in reversed(scan.steps)]
        for r in reversed(e.results[max(0, len(e.results) - HISTORY):]):
            if len(out) >= HISTORY:
                break
            if r.op == Op.SCAN:
                out += [Past(_answered(x, r.seq), x.seq) for x in reversed(r.steps)]
            else:
                out.append(Past(_answered(r, r.seq)))
        return out[:HISTORY]

    async def _run(self, **run) -> Stop:
        """The engine's run without the listener: its fast path (the panels are rebuilt after)."""
        e = self.engine
        e.unsubscribe(self._record)
        self.running = True
        try:
            return await e.run(**run)
        finally:
            self.running = False
            e.subscribe(self._record)

    def _stepped(self, stop: Stop) -> Stop:
        if stop.result is not None:
            self.trace = _answered(stop.result, stop.event.seq)
        elif stop.event is not None:
            self.trace = self._in_flight()
        return self._stopped(stop)

    def _stopped(self, stop: Stop) -> Stop:
        self.last_stop = stop
        return stop

    # -- what the panels draw ----------------------------------------------------------
    def path(self) -> Trace | None:
        """What the Path panel draws: the instruction last stepped, else the next one, no hop taken.
        Looking at the next instruction makes the changes due before it happen (`reached`)."""
        e = self.engine
        nxt = e.peek() if e.current is None else None
        if self.trace is not None:
            return self.trace
        if nxt is None:
            return None
        return Trace(nxt.seq, nxt.guest, e.topology.views[nxt.guest].level, nxt.op, nxt.apqn,
                     e.route(nxt.guest, nxt.op, nxt.apqn), 0)

    def _changed(self, change: Hotplug) -> None:
        """A change reached: the Path panel names it, and its resets join the lanes' recent events."""
        self.reached.append(change)
        for r in change.resets:
            for ev in islice(instruction_events(0, 0, r.guest, r.level, r.op, r.apqn, r.route.hops, r.time_us), 1, None):
                self.recent.setdefault(ev.lane, deque(maxlen=RECENT)).append(attrs.evolve(ev, change=change.number))

    def _record(self, ev: Event) -> None:
        if ev.kind not in (HopKind.ISSUE, HopKind.ANSWER):
            self.recent.setdefault(ev.lane, deque(maxlen=RECENT)).append(ev)

    def _in_flight(self) -> Trace:
        e = self.engine
        i = e.current
        return Trace(i.seq, i.guest, e.topology.views[i.guest].level, i.op, i.apqn, e.current_route, e.hops_done)

    def _rebuild(self, results: list[Result]) -> None:
        """After a run: the recent events of each lane and the last instruction's trace, from routes."""
        steps: list[tuple[Result, int]] = []
        for r in results:
            steps += [(x, r.seq) for x in r.steps] if r.op == Op.SCAN else [(r, r.seq)]
        for r, seq in steps[-RECENT:]:
            events = instruction_events(seq, seq, r.guest, r.level, r.op, r.apqn, r.route.hops, r.time_us)
            for ev in islice(events, 1, None):  # the hops
                self.recent.setdefault(ev.lane, deque(maxlen=RECENT)).append(ev)
        if self.engine.current is not None:  # stopped inside an instruction (a lane breakpoint)
            self.trace = self._in_flight()
        elif steps:
            self.trace = _answered(*steps[-1])


def _answered(r: Result, seq: int) -> Trace:
    return Trace(seq, r.guest, r.level, r.op, r.apqn, r.route, len(r.route.hops), r)
