"""`aptui run --json` and the engine API beside a bare Python loop (one 256-bit mask test per
instruction), and the peak memory of a long run.

Targets (issue 11): `run --json` of 10^6 repeated instructions within 3x of the bare loop over
10^6; the engine API (no start-up, no JSON) over 10^5 repeated instructions faster than the
bare loop over 10^5; `run --json` of 10^7 instructions under 100 MiB at its peak. The other
workloads (intercepted, 10^5 requests of 10 mixed instructions, 100 guests with full 256x256
matrices) are printed beside the same peer; the mixed one's cost is mostly reading its
10^5 requests from TOML, and then one segment per request. 10^5 requests of one same
instruction each are one segment: what is left is reading each request once.

Run: python bench/engine.py [N]
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile

import paired  # first: it puts this checkout on the path
from paired import APTUI, PYTHON, Pair, call, command, peak_rss_mib, verdict

from aptui.engine import Engine
from aptui.formats.scenario.file import dumps
from aptui.model import Adapter, Guest, Host, Request, Scenario

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10**6
API_N = 10**5
PEAK_N = 10**7
ROUNDS = 5


def scenario(requests, guests=None, full=False) -> Scenario:
    ids = range(256) if full else [5]
    host = Host(True, tuple(Adapter(a) for a in (range(256) if full else [5])), 256 if full else 85)
    base = [
        Guest("lpar1", adapters=frozenset(ids), usage_domains=frozenset(range(256) if full else [4]),
              control_domains=frozenset(range(256) if full else [4])),
        Guest("kvm1", parent="lpar1", backend="emulated", adapters=frozenset({5}), usage_domains=frozenset({4})),
        Guest("nested1", parent="kvm1", adapters=frozenset({5}), usage_domains=frozenset({4})),
        Guest("kvm2", parent="lpar1", adapters=frozenset(ids), usage_domains=frozenset(range(256) if full else [4]),
              control_domains=frozenset(range(256) if full else [4])),
    ]
    extra = [Guest(f"g{i}", parent="lpar1", adapters=frozenset(ids), usage_domains=frozenset({i % 256}))
             for i in range(guests or 0)]
    return Scenario("bench", host=host, guests=tuple(base + extra), requests=tuple(requests))


def interpreted(n: int) -> Scenario:
    return scenario([Request("kvm2", "TAPQ", (5, 4), n)])


def workloads(n: int):
    ops = [("kvm2", "NQAP"), ("kvm2", "DQAP"), ("kvm2", "TAPQ"), ("kvm1", "TAPQ"), ("nested1", "TAPQ"),
           ("kvm2", "AQIC"), ("lpar1", "QACT"), ("kvm1", "NQAP"), ("kvm1", "DQAP"), ("kvm2", "RAPQ")]
    mixed = [Request(*ops[i % len(ops)], (5, 4), 10) for i in range(n // 10)]
    intercepted = [Request("nested1", "TAPQ", (5, 4), n)]
    return [
        ("intercepted", scenario(intercepted), ROUNDS),
        ("mixed, 10^5 requests of 10" if n == 10**6 else f"mixed, {n // 10} requests of 10", scenario(mixed), 3),
        ("interpreted, 100 guests, 256x256", scenario([Request("kvm2", "TAPQ", (5, 4), n)], 100, True), ROUNDS),
        ("intercepted, 100 guests, 256x256", scenario(intercepted, 100, True), ROUNDS),
    ]


BARE = """
import sys
n = int(sys.argv[1]); mask = 1 << (255 - 5); hit = 0
for i in range(n):
    hit += (mask >> (255 - 5)) & 1
print(hit)
"""


def bare_loop(n: int) -> int:
    mask = 1 << (255 - 5)
    hit = 0
    for _ in range(n):
        hit += (mask >> (255 - 5)) & 1
    return hit


def main() -> int:
    paired.compile_checkout()
    print("paired runs (A B A B ...), CPU time (user + sys): best times, and the min and median of the ratios\n")
    with tempfile.TemporaryDirectory() as d:
        def saved(s: Scenario, name: str) -> str:
            path = os.path.join(d, f"{name}.toml")
            with open(path, "w") as f:
                f.write(dumps(s))
            return path

        bare = command([PYTHON, "-c", BARE, str(N)])
        run = saved(interpreted(N), "interpreted")
        print(Pair(command(APTUI + ["run", run, "--json"]), bare, ROUNDS)
              .line(f"run --json, {N:,} interpreted", f"bare loop, {N:,}", 3))
        for name, s, rounds in workloads(N):
            path = saved(s, "workload")
            print(Pair(command(APTUI + ["run", path, "--json"]), bare, rounds).line(f"run --json, {name}", "same"))
        print(Pair(command(APTUI + ["run", run]), bare, ROUNDS).line(f"run (the table), {N:,} interpreted", "same"))

        gc.disable()  # as in the peer: neither allocates cycles
        api = interpreted(API_N)
        print(Pair(call(lambda: Engine(api).run_blocking(())), call(lambda: bare_loop(API_N)), 9)
              .line(f"engine API, {API_N:,} interpreted", f"bare loop, {API_N:,}, in process", 1))
        stretch = scenario([Request("kvm2", "TAPQ", (5, 4))] * API_N)  # one segment runs through them
        print(Pair(call(lambda: Engine(stretch).run_blocking(())), call(lambda: bare_loop(API_N)), 9)
              .line(f"engine API, {API_N:,} requests of one", "same"))
        gc.enable()

        peak = peak_rss_mib(APTUI + ["run", saved(interpreted(PEAK_N), "peak"), "--json"])
        print(f"\nrun --json, {PEAK_N:,} interpreted: peak memory {peak:.1f} MiB "
              f"(target < 100 MiB: {verdict(peak, 100)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
