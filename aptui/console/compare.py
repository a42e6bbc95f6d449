"""The compare view: the same requests run on up to three configurations side by side, the one
as written, every hypervisor on the way given passthrough with APIE, and the hypothetical nested
emulation of the policy, so that the 2018 case, its fix and the road not taken read as one table.

Each configuration is run headless by the engine, exactly as `aptui run` runs it; the variants
are ordinary scenarios (a change of backends, a change of policy), so every rule stays the
model's. No Textual.
"""

from __future__ import annotations

import attrs

from aptui.engine.engine import Engine
from aptui.engine.events import Result, Segment, result_text
from aptui.model.routing import lane_name
from aptui.model.scenario import Policy, Scenario
from aptui.model.vocabulary import Backend


@attrs.frozen
class Variant:
    label: str
    scenario: Scenario


@attrs.frozen
class Answer:
    """What one request got in one configuration: its last result in words, where it was
    answered, and the cycles of all its instructions (every repetition, every SCAN step)."""

    text: str
    handled_by: str
    cycles: int
    count: int


@attrs.frozen
class Column:
    label: str
    answers: tuple[Answer, ...]  # one per request
    lanes: tuple[tuple[str, int], ...]  # (lane, cycles spent there), lanes in the engine's order
    cycles: int  # every lane's: the requests', and the resets of queues a [[change]] takes away


def variants(s: Scenario) -> tuple[Variant, ...]:
    """The scenario, then those of the two changes that change something: every hypervisor that
    does not pass AP through (emulated, none) made passthrough with QEMU's default APIE, and the
    policy's nested emulation turned on."""
    out = [Variant("as written", s)]
    parents = {g.parent for g in s.guests}
    through = tuple(attrs.evolve(g, backend=Backend.PASSTHROUGH, apie=None)
                    if g.name in parents and g.backend != Backend.PASSTHROUGH else g for g in s.guests)
    if through != s.guests:
        out.append(Variant("hypervisors passthrough", attrs.evolve(s, guests=through)))
    if any(g.backend == Backend.EMULATED for g in s.guests) and not s.policy.nested_emulation:
        out.append(Variant("nested emulation (hypothetical)", attrs.evolve(s, policy=Policy(nested_emulation=True))))
    return tuple(out)


def run_column(v: Variant) -> Column:
    """Run the variant's requests to the end and sum them up per request and per lane."""
    n = len(v.scenario.requests)
    last: list[Result | None] = [None] * n
    cycles = [0] * n
    counts = [0] * n

    def sink(entry: Result | Segment) -> None:
        if type(entry) is Segment:
            for i, k, final in entry.spans():
                counts[i] += k
                cycles[i] += entry.route.cycles * k
                last[i] = entry.result(final)
        else:
            i = entry.request
            counts[i] += 1
            cycles[i] += entry.cycles
            last[i] = entry

    engine = Engine(v.scenario, sink=sink)
    engine.run_blocking(breakpoints=())
    answers = tuple(_answer(r, c, k) for r, c, k in zip(last, cycles, counts))
    lanes = tuple((lane_name(lane), c.cycles) for lane, c in engine.counters().items())
    return Column(v.label, answers, lanes, sum(c for _, c in lanes))  # the requests', and a change's resets


def _answer(r: Result | None, cycles: int, count: int) -> Answer:
    if r is None:  # a request of a guest that cannot issue any (none here: the loader refuses them)
        return Answer("not run", "", 0, 0)
    answered = r.steps[0] if r.steps else r  # a SCAN: where its first instruction (QCI or TAPQ) was answered
    where = lane_name(answered.route.handled_by) if answered.route is not None else ""
    return Answer(result_text(r, compact=True), where, cycles, count)


def compare(s: Scenario) -> tuple[Column, ...]:
    return tuple(run_column(v) for v in variants(s))
