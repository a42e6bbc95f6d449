"""The oracle of the segment engine: `aptui run` computed one instruction at a time, as plainly
as it can be said. Every instruction takes its route (compute_route) and, when a queue answers,
the queue's execute; the clock adds its cycles. The JSON comes from json.dumps of each entry,
the table from every row at once."""

import json

from aptui.engine.events import Result, result_text
from aptui.engine.queues import Queue
from aptui.formats.output.results import SHOWN_SEQS, route_text
from aptui.formats.text import printable
from aptui.model import mask as m
from aptui.model.facilities import ap_bus_probe_apqns
from aptui.model.routing import COUNTERS, compute_route, lane_name
from aptui.model.topology import Topology
from aptui.model.vocabulary import Outcome


def results(s) -> list[Result]:
    topo = Topology(s)
    mhz = s.costs.clock_mhz
    queues: dict = {}
    clock = 0.0
    out: list[Result] = []

    def execute(request: int, guest: str, op: str, apqn, wait) -> Result:
        nonlocal clock
        route = compute_route(topo, s.costs, s.policy, guest, op, apqn)
        issue = clock + wait
        rc, status = route.rc, None
        if route.outcome in (Outcome.PHYSICAL, Outcome.IRQ, Outcome.EMULATED):
            key = (route.owner if route.outcome == Outcome.EMULATED else None, apqn)
            if key not in queues:
                a = s.host.adapter_or_default(apqn[0])
                queues[key] = Queue(a.depth, s.costs.processing_us(a.mode) * mhz, s.costs.reset_us * mhz, a.state)
            rc, status = queues[key].execute(op, issue)
        clock = issue + route.cycles
        return Result(0, request, guest, topo.view(guest).level, op, apqn, rc, route.exception, route, route.cycles,
                      issue / mhz, status)

    for i, r in enumerate(s.requests):
        for rep in range(r.repeat):
            wait = r.wait_us * mhz if rep == 0 else 0
            if r.op != "SCAN":
                out.append(execute(i, r.guest, r.op, r.apqn, wait))
                continue
            steps = []
            if "apqci" in s.guest(r.guest).features:
                steps.append(execute(i, r.guest, "QCI", None, wait))
                available = steps[0].exception is None
                for apqn in steps[0].route.matrix.apqns() if available else ():
                    steps.append(execute(i, r.guest, "TAPQ", apqn, 0))
            else:  # the AP bus probes up to 3f.000f; the first TAPQ program-checking means no AP
                for apqn in ap_bus_probe_apqns():
                    steps.append(execute(i, r.guest, "TAPQ", apqn, 0 if steps else wait))
                    if len(steps) == 1 and steps[0].exception is not None:
                        break
                available = steps[0].exception is None
            for n, step in enumerate(steps, 1):
                step.seq = n
            out.append(Result(0, i, r.guest, topo.view(r.guest).level, "SCAN", None, None, None, None,
                              sum(x.cycles for x in steps), steps[0].time_us, ap_available=available,
                              found=[x.apqn for x in steps if x.op == "TAPQ" and x.rc == 0], steps=steps))
    for n, r in enumerate(out, 1):
        r.seq = n
    return out


def counters(s, results: list[Result]) -> dict:
    """Per lane, each counter and the cycles: every lane of the tree, then any other a route took."""
    lanes = [(0, "firmware")] + [(level, w) for level in range(1, Topology(s).depth) for w in ("kernel", "userspace")]
    acc = {lane: [0] * (len(COUNTERS) + 1) for lane in lanes}
    for r in results:
        for x in r.steps if r.op == "SCAN" else [r]:
            for lane, vec in x.route.lane_counts:
                acc.setdefault(lane, [0] * len(vec))
                acc[lane] = [a + b for a, b in zip(acc[lane], vec)]
    return acc


def _entry(r: Result) -> dict:
    if r.op == "SCAN":
        return {"seq": r.seq, "guest": r.guest, "level": r.level, "op": "SCAN", "apqn": None,
                "ap_available": r.ap_available, "found": [m.format_apqn(*a) for a in r.found], "cycles": r.cycles,
                "time_us": r.time_us, "steps": [_entry(x) for x in r.steps]}
    e = {"seq": r.seq, "guest": r.guest, "level": r.level, "op": r.op,
         "apqn": m.format_apqn(*r.apqn) if r.apqn else None, "cc": r.cc, "rc": None if r.exception else r.rc,
         "exception": r.exception,
         "handled_by": {"level": r.route.handled_by[0], "where": r.route.handled_by[1]},
         "intercepts": [{"level": lv, "where": w} for lv, w in r.route.intercepts],
         "cycles": r.cycles, "time_us": r.time_us}
    if r.status is not None:
        e["status"] = r.status
    return e


def run_json(s) -> str:
    res = results(s)
    fields = [c.field for c in COUNTERS] + ["cycles"]
    levels = [json.dumps({"level": lane[0], "where": lane[1], **dict(zip(fields, v))})
              for lane, v in counters(s, res).items()]
    body = "".join("\n  " + ",\n  ".join(json.dumps(_entry(r)) for r in res) + "\n " if res else "")
    return f'{{"scenario": {json.dumps(s.name)},\n "results": [{body}],\n "levels": [\n  ' + ",\n  ".join(levels) + "\n ]}\n"


def run_table(s) -> str:
    res = results(s)
    rows = [("#", "guest", "op", "APQN", "result", "handled by", "path", "cycles", "time us")]
    reasons: dict = {}
    for r in res:
        route = r.steps[0].route if r.op == "SCAN" else r.route
        path = route_text(route) + (f" (+{len(r.steps) - 1} TAPQ)" if r.op == "SCAN" and len(r.steps) > 1 else "")
        rows.append((str(r.seq), printable(r.guest), r.op, m.format_apqn(*r.apqn) if r.apqn else "",
                     result_text(r, compact=True), lane_name(route.handled_by), path, str(r.cycles),
                     f"{r.time_us:.1f}"))
        if route.why and not (r.op == "SCAN" and r.found):
            reasons.setdefault((r.guest, route.why), []).append(r.seq)
    text = f"scenario: {printable(s.name)}\n\n" + _table(rows, {0, 7, 8})
    if reasons:
        text += "\nwhy\n"
        for (guest, why), seqs in reasons.items():
            more = f" +{len(seqs) - SHOWN_SEQS}" if len(seqs) > SHOWN_SEQS else ""
            text += f"{', '.join(f'#{n}' for n in seqs[:SHOWN_SEQS])}{more}  {printable(guest)}: {printable(why)}\n"
    crows = [("lane", *(c.label for c in COUNTERS), "cycles")]
    crows += [(lane_name(lane), *map(str, v)) for lane, v in counters(s, res).items()]
    return text + "\nper level\n" + _table(crows, set(range(1, len(crows[0]))))


def _table(rows, right) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "".join(line + "\n" for line in lines)
