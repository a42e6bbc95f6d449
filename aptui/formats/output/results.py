"""`aptui run` output: the JSON of spec 9, and the human-readable table and level summary,
written as the engine completes results: memory stays flat however many there are."""

from __future__ import annotations

import json

import attrs

from collections.abc import Iterator
from itertools import accumulate, islice, repeat

from aptui.engine.clock import ticks_after
from aptui.engine.engine import Engine
from aptui.engine.events import Hotplug, Result, Segment, result_text
from aptui.engine.queues import STATUS_TEXTS
from aptui.engine.responses import cc_of
from aptui.formats.output.changes import change_lines
from aptui.formats.output.lines import CHUNK, progression_lines, tenths
from aptui.formats.real.mdev import ap_config_text
from aptui.model.routing import COUNTERS, Route, lane_name
from aptui.formats.text import printable
from aptui.model import mask as m
from aptui.model.scenario import Scenario
from aptui.model.vocabulary import HopKind, Op

_dumps = json.dumps
_SCAN = Op.SCAN  # a global: naming an enum member is a slow lookup on Python 3.11, and this is per result
_SEP = ",\n  "
_RC_JSON: dict = {}
_STATUS_JSON = {None: "}", **{st: f', "status": "{st}"}}' for st in STATUS_TEXTS}}


def result_json(r: Result) -> dict:
    """One entry as a dict (used by tests and the console; the writer below streams text)."""
    return json.loads(_Json(None).entry(r))


class _Json:
    """The entries of `aptui run --json`, written as the engine completes them."""

    def __init__(self, out):
        self.out = out
        self.sep = "\n  "  # before the first entry; ",\n  " before every other
        self.routes: dict = {}  # id(route) -> (its text before the rc, after it, the route kept alive)
        self.segments: dict = {}  # (id(route), rc, status) -> a segment's text around its numbers
        self.guests: dict = {}

    def add(self, entry: Result | Segment) -> None:
        if type(entry) is not Segment:
            self.out.write(self.sep + self.entry(entry))
        else:
            first = 0
            if self.sep != _SEP:
                self.out.write(self.sep + self.entry(entry.result(0)))
                first = 1
            for text in self._lines(entry, first):
                self.out.write(text)
        self.sep = _SEP

    def entry(self, r: Result) -> str:
        if r.op == _SCAN:
            guest = self.guests.get(r.guest)
            if guest is None:
                guest = self.guests[r.guest] = _dumps(r.guest)
            found = ", ".join(f'"{a:02x}.{d:04x}"' for a, d in r.found)
            steps = ", ".join(self.entry(s) for s in r.steps)
            return (f'{{"seq": {r.seq}, "guest": {guest}, "level": {r.level}, "op": "SCAN", "apqn": null, '
                    f'"ap_available": {"true" if r.ap_available else "false"}, "found": [{found}], '
                    f'"cycles": {r.cycles}, "time_us": {r.time_us!r}, "steps": [{steps}]}}')
        before, after = self._route_text(r.route, r)
        return f'{{"seq": {r.seq}{before}{_rc_json(r.rc, r.exception)}{after}{r.time_us!r}{_STATUS_JSON[r.status]}'

    def _route_text(self, route: Route, r: Result | Segment) -> tuple[str, str]:
        """A route belongs to one (guest, op, APQN): all of an entry but seq, rc, cc, status and time."""
        parts = self.routes.get(id(route))
        if parts is None:
            apqn = "null" if r.apqn is None else f'"{r.apqn[0]:02x}.{r.apqn[1]:04x}"'
            before = f', "guest": {_dumps(r.guest)}, "level": {r.level}, "op": "{r.op}", "apqn": {apqn}, '
            after = (f', "handled_by": {_lane_json(route.handled_by)}, "intercepts": ['
                     + ", ".join(_lane_json(x) for x in route.intercepts) + f'], "cycles": {route.cycles}, "time_us": ')
            parts = self.routes[id(route)] = (before, after, route)
        return parts[0], parts[1]

    def _lines(self, seg: Segment, first: int) -> Iterator[str]:
        """The segment's entries from its `first`, each after its separator."""
        key = (id(seg.route), seg.rc, seg.status)
        parts = self.segments.get(key)
        if parts is None:
            before, after = self._route_text(seg.route, seg)
            mid = before + _rc_json(seg.rc, seg.route.exception) + after
            tail = _STATUS_JSON[seg.status]
            template = _SEP + '{"seq": %d' + mid.replace("%", "%%") + "%r" + tail.replace("%", "%%")
            parts = self.segments[key] = (mid, tail, template)
        cycles, count = seg.route.cycles, seg.count - first
        clock = ticks_after(seg.clock, cycles, first)
        progression = tenths(clock, cycles, count, seg.mhz)
        if progression is not None:
            yield from progression_lines(_SEP + '{"seq": ', parts[0], parts[1], seg.seq + first, *progression, count)
        else:
            yield from _one_by_one(parts[2], seg.seq + first, clock, cycles, count, seg.mhz)


def _one_by_one(template: str, seq: int, clock: float, cycles: int, count: int, mhz: int) -> Iterator[str]:
    """`template % (number, time)` for each line, the times summed as the engine's clock does."""
    times = accumulate(repeat(cycles, count - 1), initial=clock)
    for start in range(0, count, CHUNK):
        m = min(CHUNK, count - start)
        yield "".join([template % (n, x / mhz) for n, x in zip(range(seq + start, seq + start + m), islice(times, m))])


def _lane_json(lane) -> str:
    return f'{{"level": {lane[0]}, "where": "{lane[1]}"}}'


def _rc_json(rc: int | None, exception: str | None) -> str:
    rcs = _RC_JSON.get((rc, exception))
    if rcs is None:
        if exception is None:
            rcs = f'"cc": {cc_of(rc)}, "rc": {rc}, "exception": null'
        else:
            rcs = f'"cc": null, "rc": null, "exception": "{exception}"'
        _RC_JSON[(rc, exception)] = rcs
    return rcs


def change_json(c: Hotplug) -> dict:
    """One change the run reached, for the top-level "changes" list (the "results" stay one entry
    per executed instruction): the ap_config written, the kernel's refusal, the resets the
    parent's vfio_ap issued (entries as in "results", without a seq), their cycles per lane, and
    what each guest lost and gained, with the SCAN (seq) at which its AP bus looked again."""
    resets = []
    for r in c.resets:
        entry = result_json(r)
        del entry["seq"]
        resets.append(entry)
    return {
        "change": c.number, "guest": c.guest, "level": c.level, "time_us": c.time_us, "ap_config": ap_config_text(c.new),
        "refused": _refused_json(c),
        "resets": resets,
        "cost": [{"level": lane[0], "where": lane[1], "cycles": cycles} for lane, cycles in c.cost().items()],
        "guests": [{"guest": x.guest, "level": x.level, "lost": [m.format_apqn(*q) for q in x.lost],
                    "gained": [m.format_apqn(*q) for q in x.gained], "scanned_by": c.found_by.get(x.guest)}
                   for x in c.seen],
    }


def write_json(out, scenario: Scenario) -> None:
    """Run the scenario: `{"scenario", "results", "levels"}`, one result per line, each written as it
    completes; with [[change]]s, a "changes" list between "results" and "levels"."""
    out.write('{"scenario": ' + _dumps(scenario.name) + ',\n "results": [')
    entries = _Json(out)
    engine = Engine(scenario, sink=entries.add)
    engine.run_blocking(breakpoints=())
    out.write(("\n " if engine.results else "") + "],\n")
    if scenario.changes:
        out.write(' "changes": [' + ",".join("\n  " + _dumps(change_json(c)) for c in engine.changes)
                  + ("\n " if engine.changes else "") + "],\n")
    out.write(" \"levels\": [\n  " + _levels_json(engine) + "\n ]}\n")


def _levels_json(engine: Engine) -> str:
    return ",\n  ".join(_dumps({"level": lane[0], "where": lane[1], **attrs.asdict(c)})
                        for lane, c in engine.counters().items())


def _counted(scenario: Scenario) -> Engine:
    """The scenario run for its counters alone: no entry is formatted, none is kept beyond the engine's bound."""
    engine = Engine(scenario, sink=_discard)
    engine.run_blocking(breakpoints=())
    return engine


def _discard(entry) -> None:
    """A sink that keeps nothing."""


def write_summary_json(out, scenario: Scenario) -> None:
    """`aptui run --summary --json`: `{"scenario", "levels"}`, the levels as `--json` writes them."""
    out.write('{"scenario": ' + _dumps(scenario.name) + ',\n "levels": [\n  ' + _levels_json(_counted(scenario))
              + "\n ]}\n")


def write_summary(out, scenario: Scenario) -> None:
    """`aptui run --summary`: the per-level part of the table output, the same lines, from one run."""
    _write_levels(out, _counted(scenario))


# -- human-readable ----------------------------------------------------------------------
def route_text(route: Route | None) -> str:
    if route is None:
        return ""
    if not route.intercepts:
        return "interpreted" if route.hops[0].kind == HopKind.INTERPRET else route.hops[0].kind
    return " > ".join(lane_name(x) for x in route.intercepts)


HEADER = ("#", "guest", "op", "APQN", "result", "handled by", "path", "cycles", "time us")
RIGHT = {0, 7, 8}  # right-aligned columns


def write_table(out, scenario: Scenario) -> None:
    """Run the scenario twice: once for the column widths (they depend on every row), once
    to write the rows as they complete; then why, and the counters per level."""
    widths = _Widths()
    first = Engine(scenario, sink=widths.add)
    first.run_blocking(breakpoints=())
    out.write(f"scenario: {printable(scenario.name)}\n\n")
    rows = _Rows(out, widths.widths, first.changes)
    engine = Engine(scenario, sink=rows.add, on_change=rows.change)
    engine.run_blocking(breakpoints=())
    rows.write_reasons()
    out.write("\n")
    _write_levels(out, engine)


def _write_levels(out, engine: Engine) -> None:
    out.write("per level\n")
    crows = [("lane", *(c.label for c in COUNTERS), "cycles")]
    for lane, c in engine.counters().items():
        crows.append((lane_name(lane), *(str(x) for x in c.as_tuple())))
    _table(out, crows, right=set(range(1, len(crows[0]))))


def _row(r: Result) -> tuple[str, ...]:
    """A result's cells in the table."""
    if r.op == _SCAN:
        q = r.steps[0]
        return (str(r.seq), printable(r.guest), "SCAN", "", result_text(r, compact=True), lane_name(q.route.handled_by),
                route_text(q.route) + (f" (+{len(r.steps) - 1} TAPQ)" if len(r.steps) > 1 else ""),
                str(r.cycles), f"{r.time_us:.1f}")
    return (str(r.seq), printable(r.guest), r.op, m.format_apqn(*r.apqn) if r.apqn else "",
            result_text(r, compact=True), lane_name(r.route.handled_by), route_text(r.route), str(r.cycles),
            f"{r.time_us:.1f}")


class _Widths:
    """The first pass: each column's width, over the header and every row."""

    def __init__(self):
        self.widths = [len(h) for h in HEADER]

    def add(self, entry: Result | Segment) -> None:
        self._fit(_row(entry) if type(entry) is not Segment else _row(entry.result(0)))
        if type(entry) is Segment and entry.count > 1:  # the number and the time only grow
            self._fit(_row(entry.result(entry.count - 1)))

    def _fit(self, row: tuple[str, ...]) -> None:
        self.widths = [max(w, len(c)) for w, c in zip(self.widths, row)]


SHOWN_SEQS = 5  # entries named per reason; the rest are counted


class _Rows:
    """The second pass: the header, then each row as it completes; the reasons it collects."""

    def __init__(self, out, widths: list[int], changes: list[Hotplug] = ()):
        self.out = out
        self.widths = widths
        self.scanned = {c.number: c.found_by for c in changes}  # known from the first pass
        self.reasons: dict[tuple[str, str], list] = {}  # (guest, why) -> [count, first seqs]
        out.write(_line(HEADER, widths) + "  ".join("-" * w for w in widths) + "\n")

    def add(self, entry: Result | Segment) -> None:
        if type(entry) is not Segment:
            self.out.write(_line(_row(entry), self.widths))
            route = entry.steps[0].route if entry.op == _SCAN else entry.route
            self._reason(entry.guest, route, 0 if entry.op == _SCAN and entry.found else 1, entry.seq)
            return
        for text in self._lines(entry):
            self.out.write(text)
        self._reason(entry.guest, entry.route, entry.count, entry.seq)

    def change(self, c: Hotplug) -> None:
        """A change between the rows, where the run reached it."""
        self.out.write("".join(change_lines(c, self.scanned.get(c.number, c.found_by))))

    def _lines(self, seg: Segment) -> Iterator[str]:
        w = self.widths
        mid = "  " + "  ".join(_aligned(_row(seg.result(0)), w)[1:8]) + "  "  # between the number and the time
        cycles = seg.route.cycles
        progression = tenths(seg.clock, cycles, seg.count, seg.mhz)
        if progression is not None:
            yield from progression_lines("", mid, "\n", seg.seq, *progression, seg.count, w[0], w[8])
        else:
            template = f"%{w[0]}d" + mid.replace("%", "%%") + f"%{w[8]}.1f\n"
            yield from _one_by_one(template, seg.seq, seg.clock, cycles, seg.count, seg.mhz)

    def _reason(self, guest: str, route: Route, count: int, seq: int) -> None:
        """Under the table, the rule behind each exception or empty answer (the route's `why`),
        once per guest and reason, with the entries it explains."""
        if not route.why or not count:
            return
        entry = self.reasons.setdefault((guest, route.why), [0, []])
        entry[0] += count
        entry[1] += range(seq, seq + min(count, SHOWN_SEQS - len(entry[1])))

    def write_reasons(self) -> None:
        if not self.reasons:
            return
        self.out.write("\nwhy\n")
        for (guest, why), (count, seqs) in self.reasons.items():
            more = f" +{count - len(seqs)}" if count > len(seqs) else ""
            self.out.write(f"{', '.join(f'#{n}' for n in seqs)}{more}  {printable(guest)}: {printable(why)}\n")


def _refused_json(c: Hotplug) -> dict | None:
    """Who refused the change: ap-check (mdevctl modify --live, no errno: the kernel never saw
    the write) or the kernel's ap_config_store."""
    if c.callout is not None:
        return {"by": "ap-check", "errno": None, "message": c.callout}
    if c.refusal is not None:
        return {"by": "vfio_ap", "errno": c.refusal.errno, "message": c.refusal.message}
    return None


def _aligned(row, widths, right: set[int] = RIGHT) -> list[str]:
    return [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]


def _line(row, widths, right: set[int] = RIGHT) -> str:
    """A row of a table: its cells aligned in their widths, two spaces apart."""
    return "  ".join(_aligned(row, widths, right)).rstrip() + "\n"


def _table(out, rows, right: set[int]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out.write(_line(rows[0], widths, right) + "  ".join("-" * w for w in widths) + "\n")
    for row in rows[1:]:
        out.write(_line(row, widths, right))
