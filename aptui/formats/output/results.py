"""`aptui run` output: the JSON of spec 9, and the human-readable table and level summary."""

from __future__ import annotations

import json

import attrs

from aptui.engine.events import LaneCounters, Result, result_text
from aptui.engine.queues import STATUS_TEXTS
from aptui.model.routing import COUNTERS, Lane, Route, lane_name
from aptui.formats.text import printable
from aptui.model import mask as m
from aptui.model.vocabulary import HopKind, Op

_dumps = json.dumps
_SCAN = Op.SCAN  # a global: naming an enum member is a slow lookup on Python 3.11, and this is per result
_RC_JSON: dict = {}
_STATUS_JSON = {None: "}", **{st: f', "status": "{st}"}}' for st in STATUS_TEXTS}}


def result_json(r: Result) -> dict:
    """One entry as a dict (used by tests and the console; the writer below streams text)."""
    return json.loads(_entry(r, {}, {}))


def _lane_json(lane: Lane) -> str:
    return f'{{"level": {lane[0]}, "where": "{lane[1]}"}}'


def _entry(r: Result, routes: dict, strings: dict) -> str:
    if r.op == _SCAN:
        guest = strings.get(r.guest)
        if guest is None:
            guest = strings[r.guest] = _dumps(r.guest)
        found = ", ".join(f'"{a:02x}.{d:04x}"' for a, d in r.found)
        steps = ", ".join(_entry(s, routes, strings) for s in r.steps)
        return (f'{{"seq": {r.seq}, "guest": {guest}, "level": {r.level}, "op": "SCAN", "apqn": null, '
                f'"ap_available": {"true" if r.ap_available else "false"}, "found": [{found}], '
                f'"cycles": {r.cycles}, "time_us": {r.time_us!r}, "steps": [{steps}]}}')
    # A route belongs to one (guest, op, APQN): all but seq, rc, cc, status and time are fixed by it.
    parts = routes.get(id(r.route))
    if parts is None:
        apqn = "null" if r.apqn is None else f'"{r.apqn[0]:02x}.{r.apqn[1]:04x}"'
        head = f', "guest": {_dumps(r.guest)}, "level": {r.level}, "op": "{r.op}", "apqn": {apqn}, '
        tail = (f', "handled_by": {_lane_json(r.route.handled_by)}, "intercepts": ['
                + ", ".join(_lane_json(x) for x in r.route.intercepts) + f'], "cycles": {r.cycles}, "time_us": ')
        template = '{"seq": %d' + head.replace("%", "%%") + "%s" + tail.replace("%", "%%") + "%r%s"
        parts = routes[id(r.route)] = (template, r.route)  # keep the route alive: ids stay unique
    rcs = _RC_JSON.get((r.rc, r.exception))
    if rcs is None:
        if r.exception is None:
            rcs = f'"cc": {r.cc}, "rc": {r.rc}, "exception": null'
        else:
            rcs = f'"cc": null, "rc": null, "exception": "{r.exception}"'
        _RC_JSON[(r.rc, r.exception)] = rcs
    return parts[0] % (r.seq, rcs, r.time_us, _STATUS_JSON[r.status])


def write_json(out, scenario_name: str, results: list[Result], counters: dict[Lane, LaneCounters]) -> None:
    """`{"scenario", "results", "levels"}`, one result per line, written in chunks."""
    routes: dict = {}
    strings: dict = {}
    out.write('{"scenario": ' + _dumps(scenario_name) + ',\n "results": [')
    step = 256  # chunks below malloc's mmap threshold: no page-fault churn
    for i in range(0, len(results), step):
        chunk = results[i:i + step]
        head = "\n  " if i == 0 else ",\n  "
        if any(r.op == _SCAN for r in chunk):  # an entry per SCAN, with up to 65,536 TAPQs: one at a time
            for r in chunk:
                out.write(head + _entry(r, routes, strings))
                head = ",\n  "
        else:
            out.write(head + ",\n  ".join([_entry(r, routes, strings) for r in chunk]))
    levels = ",\n  ".join(
        _dumps({"level": lane[0], "where": lane[1], **attrs.asdict(c)})
        for lane, c in counters.items()
    )
    out.write(("\n " if results else "") + "],\n \"levels\": [\n  " + levels + "\n ]}\n")


# -- human-readable ----------------------------------------------------------------------
def route_text(route: Route | None) -> str:
    if route is None:
        return ""
    if not route.intercepts:
        return "interpreted" if route.hops[0].kind == HopKind.INTERPRET else route.hops[0].kind
    return " > ".join(lane_name(x) for x in route.intercepts)


def write_table(out, scenario_name: str, results: list[Result], counters: dict[Lane, LaneCounters]) -> None:
    rows = [("#", "guest", "op", "APQN", "result", "handled by", "path", "cycles", "time us")]
    for r in results:
        if r.op == Op.SCAN:
            q = r.steps[0]
            rows.append((str(r.seq), printable(r.guest), "SCAN", "", result_text(r, compact=True),
                         lane_name(q.route.handled_by),
                         route_text(q.route) + (f" (+{len(r.steps) - 1} TAPQ)" if len(r.steps) > 1 else ""),
                         str(r.cycles), f"{r.time_us:.1f}"))
            continue
        rows.append((str(r.seq), printable(r.guest), r.op, m.format_apqn(*r.apqn) if r.apqn else "",
                     result_text(r, compact=True), lane_name(r.route.handled_by), route_text(r.route), str(r.cycles),
                     f"{r.time_us:.1f}"))
    out.write(f"scenario: {printable(scenario_name)}\n\n")
    _table(out, rows, right={0, 7, 8})
    _write_reasons(out, results)
    out.write("\nper level\n")
    crows = [("lane", *(c.label for c in COUNTERS), "cycles")]
    for lane, c in counters.items():
        crows.append((lane_name(lane), *(str(x) for x in c.as_tuple())))
    _table(out, crows, right=set(range(1, len(crows[0]))))


SHOWN_SEQS = 5  # entries named per reason; the rest are counted


def _write_reasons(out, results: list[Result]) -> None:
    """Under the table, the rule behind each exception or empty answer (the route's `why`),
    once per guest and reason, with the entries it explains."""
    reasons: dict[tuple[str, str], list] = {}  # (guest, why) -> [count, first seqs]
    for r in results:
        route = r.steps[0].route if r.op == Op.SCAN else r.route
        if not route.why or (r.op == Op.SCAN and r.found):
            continue
        entry = reasons.setdefault((r.guest, route.why), [0, []])
        entry[0] += 1
        if len(entry[1]) < SHOWN_SEQS:
            entry[1].append(r.seq)
    if not reasons:
        return
    out.write("\nwhy\n")
    for (guest, why), (count, seqs) in reasons.items():
        more = f" +{count - len(seqs)}" if count > len(seqs) else ""
        out.write(f"{', '.join(f'#{n}' for n in seqs)}{more}  {printable(guest)}: {printable(why)}\n")


def _table(out, rows, right: set[int]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        out.write("  ".join(cells).rstrip() + "\n")
        if n == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")
