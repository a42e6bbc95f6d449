"""Drives the engine for the console: steps, runs, and keeps what the Path and Levels panels
draw (the transitions of the current instruction, the recent events of each lane).

Events are recorded from the engine's listener while stepping; a continue runs without a
listener (the engine's fast path) and rebuilds the picture from the results afterwards, so
a run of 10^5 instructions costs what `aptui run` costs. No Textual here.
"""

from __future__ import annotations

from collections import deque

import attrs

from aptui.engine import Engine, Event, Result, Stop, instruction_events, result_text
from aptui.model.routing import Lane
from aptui.model.scenario import Scenario

RECENT = 8  # events kept per lane


@attrs.frozen
class Trace:
    """The transitions of one instruction, as the Path panel draws them."""

    seq: int  # the result entry (spec 9): every step of a SCAN shares its SCAN's number
    guest: str
    level: int
    op: str
    apqn: tuple[int, int] | None
    events: tuple[Event, ...]  # issue, hops, answer (the answer only once it came back)
    done: bool


class Runner:
    def __init__(self, scenario: Scenario):
        self.engine = Engine(scenario)
        self.recent: dict[Lane, deque[Event]] = {}
        self.trace: Trace | None = None
        self.last_stop: Stop | None = None
        self.running = False
        self._events: list[Event] = []
        self.engine.subscribe(self._record)

    @property
    def scenario(self) -> Scenario:
        return self.engine.scenario

    @property
    def at_start(self) -> bool:
        e = self.engine
        return not e.results and e.current is None and e.executed == 0 and self.trace is None

    def restart(self, scenario: Scenario | None = None) -> None:
        self.engine.reset(scenario)
        self.recent.clear()
        self.trace = None
        self.last_stop = None
        self._events = []

    def extend_requests(self, scenario: Scenario) -> None:
        """Take a scenario that only appends requests to the one running, without a restart."""
        self.engine.extend_requests(scenario)

    # -- stepping ----------------------------------------------------------------------
    def step(self) -> Stop:
        return self._stopped(self.engine.step_transition())

    def next(self) -> Stop:
        return self._stopped(self.engine.step_instruction())

    async def cont(self, batch: int = 64) -> Stop:
        """Until a breakpoint, a pause or the end; events are rebuilt from the results afterwards."""
        e = self.engine
        e.unsubscribe(self._record)
        self.running = True
        before = len(e.results)
        try:
            stop = await e.run(batch=batch)
        finally:
            self.running = False
            e.subscribe(self._record)
        self._rebuild(e.results[max(before, len(e.results) - RECENT):])
        return self._stopped(stop)

    def _stopped(self, stop: Stop) -> Stop:
        self.last_stop = stop
        return stop

    # -- what the panels draw ----------------------------------------------------------
    def _record(self, ev: Event) -> None:
        if ev.kind == "issue":
            self._events = [ev]
        else:
            self._events.append(ev)
            if ev.kind != "answer":
                self.recent.setdefault(ev.lane, deque(maxlen=RECENT)).append(ev)
        first = self._events[0]
        self.trace = Trace(first.seq, first.guest, first.level, first.op, first.apqn,
                           tuple(self._events), ev.kind == "answer")

    def _rebuild(self, results: list[Result]) -> None:
        """After a run: the recent events of each lane and the last instruction's path, from routes."""
        steps: list[tuple[Result, int]] = []
        for r in results:
            steps += [(x, r.seq) for x in r.steps] if r.op == "SCAN" else [(r, r.seq)]
        for r, seq in steps[-RECENT:]:
            for ev in _events_of(r, seq)[1:-1]:
                self.recent.setdefault(ev.lane, deque(maxlen=RECENT)).append(ev)
        e = self.engine
        if e.current is not None:  # stopped inside an instruction (a lane breakpoint)
            i = e.current
            level = e.topology.views[i.guest].level
            evs = tuple(instruction_events(i.number, i.seq, i.guest, level, i.op, i.apqn,
                                           e.current_route.hops[: e.hops_done], e.time_us))
            self._events = list(evs)
            self.trace = Trace(i.seq, i.guest, level, i.op, i.apqn, evs, False)
        elif steps:
            r, seq = steps[-1]
            evs = _events_of(r, seq)
            self._events = list(evs)
            self.trace = Trace(seq, r.guest, r.level, r.op, r.apqn, evs, True)


def _events_of(r: Result, seq: int) -> tuple[Event, ...]:
    """The transitions of a finished instruction, rebuilt from its route."""
    return tuple(instruction_events(seq, seq, r.guest, r.level, r.op, r.apqn, r.route.hops, r.time_us,
                                    lambda: result_text(r)))
