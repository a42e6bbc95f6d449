"""Helpers for the spec tests: build scenario TOML, run it, read results.

Expected values in the tests come from /work/shared/spec/behaviour.md, never from the code.
"""

from __future__ import annotations

import asyncio
import json

from aptui import cli
from aptui.engine import Engine
from aptui.formats.scenario import file as sf

K = "kernel"
U = "userspace"
FW = (0, "firmware")

# Default costs of spec 4.5.
INTERPRET = 1000
SIE_EXIT = 2000
VSIE_REFLECT = 15000
KERNEL_HANDLER = 1000
USERSPACE_EXIT = 30000
EMULATE = 5000
EXCEPTION = 1000
CLOCK_MHZ = 5000

FIRST_KERNEL = SIE_EXIT + KERNEL_HANDLER  # 3000
FURTHER_KERNEL = VSIE_REFLECT + KERNEL_HANDLER  # 16000


def kernels_cost(k: int) -> int:
    """Cycles of the kernel part of an intercept from a guest of level k >= 2 up to level k-1 (4.5)."""
    return FIRST_KERNEL + (k - 2) * FURTHER_KERNEL


def kernel_path(k: int, upto: int | None = None) -> list[tuple[int, str]]:
    """(1, kernel), (2, kernel), ..., (upto, kernel); upto defaults to k-1 (4.4)."""
    upto = k - 1 if upto is None else upto
    return [(j, K) for j in range(1, upto + 1)]


def _val(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_val(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def toml(host: dict | None = None, guests=(), requests=(), policy: dict | None = None, costs: dict | None = None,
         name: str | None = "t") -> str:
    out = ["format = 1"]
    if name is not None:
        out.append(f"name = {_val(name)}")
    out += ["", "[host]"]
    for k, v in (host or {}).items():
        out.append(f"{k} = {_val(v)}")
    for g in guests:
        out += ["", "[[guest]]"] + [f"{k} = {_val(v)}" for k, v in g.items()]
    if policy:
        out += ["", "[policy]"] + [f"{k} = {_val(v)}" for k, v in policy.items()]
    if costs:
        out += ["", "[costs]"] + [f"{k} = {_val(v)}" for k, v in costs.items()]
    for r in requests:
        out += ["", "[[request]]"] + [f"{k} = {_val(v)}" for k, v in r.items()]
    return "\n".join(out) + "\n"


def ad(id, type="CEX8", mode="cca", depth=8, state="online") -> dict:
    return {"id": id, "type": type, "mode": mode, "depth": depth, "state": state}


def host(*adapters, domains=85, apxa=True) -> dict:
    return {"apxa": apxa, "domains": domains,
            "adapters": [a if isinstance(a, dict) else ad(a) for a in adapters]}


def guest(name, parent="host", adapters=(), usage=(), control=None, **kw) -> dict:
    g = {"name": name, "parent": parent, "adapters": list(adapters), "usage_domains": list(usage),
         "control_domains": list(usage if control is None else control)}
    g.update(kw)
    return g


def req(guest, op, apqn=None, **kw) -> dict:
    r = {"guest": guest, "op": op}
    if apqn is not None:
        r["apqn"] = apqn
    r.update(kw)
    return r


def load(text: str):
    return sf.loads(text, "test.toml")


def run(text: str):
    """Run a scenario's requests in order: the list of Result (SCAN results hold steps)."""
    return asyncio.run(Engine(load(text)).run_to_end())


def run1(text: str):
    res = run(text)
    assert len(res) == 1
    return res[0]


def path(r) -> list[tuple[int, str]]:
    return [tuple(x) for x in r.route.intercepts]


def handled(r) -> tuple[int, str]:
    return tuple(r.route.handled_by)


def bits(r) -> set[str]:
    """TAPQ status bits that are set, as a set of letters among E, R, F, I."""
    return {c for c in (r.status or "") if c in "ERFI"}


def call(argv, capsys):
    """aptui.cli.main in-process: (exit status, stdout, stderr)."""
    try:
        code = cli.main(list(argv))
    except SystemExit as e:  # argparse --version / errors
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    out = capsys.readouterr()
    return code, out.out, out.err


def diagnose(text: str, tmp_path, capsys):
    """`aptui check FILE --json` in-process: (exit status, its list of diagnostics)."""
    p = tmp_path / "check.toml"
    p.write_text(text)
    code, out, err = call(["check", str(p), "--json"], capsys)
    assert code in (0, 1), err
    return code, json.loads(out)["diagnostics"]


def codes_of(diags, guest: str) -> set[str]:
    """The diagnostic codes `check` reports for one guest."""
    return {d["code"] for d in diags if d["guest"] == guest}


def lane_counters(text: str):
    """Run a scenario to its end: the engine's counters per lane, {(level, where): LaneCounters}."""
    engine = Engine(load(text))
    asyncio.run(engine.run_to_end())
    return engine.counters()


def assert_answer(r, rc=None, exception=None, handled_by=FW, intercepts=(), cycles=None):
    """One instruction's result: rc/cc (cc 0 iff rc 0 else 3; None with an exception), route and cycles."""
    assert r.exception == exception, (r.exception, r.rc)
    if exception is None:
        assert r.rc == rc, f"rc {r.rc!r} != {rc!r}"
        assert r.cc == (0 if rc == 0 else 3)
    else:
        assert r.rc is None and r.cc is None
    assert handled(r) == tuple(handled_by)
    assert path(r) == [tuple(x) for x in intercepts]
    if cycles is not None:
        assert r.cycles == cycles


# The example of spec section 8, verbatim.
EXAMPLE_8 = """\
format = 1
name = "L1 emulates, L2 interprets"          # optional; file name otherwise
description = "The 2018 case: L3 sees no device."

[host]
apxa = true                                   # default true: ids up to 255, CRYCB format 2
adapters = [                                   # the physical adapters
  { id = 5, type = "CEX8", mode = "cca", depth = 8 },
  { id = 6, type = "CEX8", mode = "accel", depth = 16, state = "online" },
]
domains = 85                                   # usage domain ids 0..84 exist on every adapter

[[guest]]
name = "lpar1"
parent = "host"
adapters = [5, 6]
usage_domains = [4, 0x47]
control_domains = [4, 0x47]
reserved = { adapters = [6], domains = [0x47] }   # optional: kept for lpar1's own zcrypt drivers

[[guest]]
name = "kvm1"
parent = "lpar1"
backend = "emulated"
adapters = [5]
usage_domains = [4]
control_domains = [4]

[[guest]]
name = "nested1"
parent = "kvm1"
backend = "passthrough"
adapters = [5]
usage_domains = [4]
features = ["ap", "apqci", "apft"]             # default: these three; "apqi" adds AQIC

[policy]
nested_emulation = false

[costs]                                        # optional overrides of 4.5

[[request]]
guest = "nested1"
op = "SCAN"

[[request]]
guest = "kvm1"
op = "TAPQ"
apqn = "05.0004"
repeat = 1                                     # optional
wait_us = 0                                    # optional: idle time before it is issued
"""

# The JSON example of spec section 9, verbatim.
EXAMPLE_9 = """\
{"scenario": "L1 emulates, L2 interprets",
 "results": [
  {"seq": 1, "guest": "nested1", "level": 3, "op": "TAPQ", "apqn": "05.0004",
   "cc": null, "rc": null, "exception": "operation",
   "handled_by": {"level": 2, "where": "userspace"},
   "intercepts": [{"level": 1, "where": "kernel"}, {"level": 2, "where": "kernel"},
                  {"level": 2, "where": "userspace"}],
   "cycles": 50000, "time_us": 0.0}
 ]}
"""
