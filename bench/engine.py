"""Engine throughput through `aptui run --json`, beside a bare Python loop (one mask test per
instruction), and `aptui --version` start-up beside `python -c pass`.

Targets (issue "Core"): >= 200,000 interpreted and >= 100,000 intercepted instructions per
second through `aptui run --json` on one core; the cost per instruction must not grow with 100
guests or full 256x256 matrices; `aptui --version` within 3x of `python -c pass`.

Run: python bench/engine.py [N]
"""

from __future__ import annotations

import compileall
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time

import aptui as aptui_package
from aptui.engine import Engine
from aptui.formats.scenario.file import dumps
from aptui.model import Adapter, Guest, Host, Request, Scenario

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
REPEATS = 7
ENV = dict(os.environ)


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


def workloads():
    interpreted = [Request("kvm2", "TAPQ", (5, 4), N)]
    intercepted = [Request("nested1", "TAPQ", (5, 4), N)]
    mixed = []
    ops = [("kvm2", "NQAP"), ("kvm2", "DQAP"), ("kvm2", "TAPQ"), ("kvm1", "TAPQ"), ("nested1", "TAPQ"),
           ("kvm2", "AQIC"), ("lpar1", "QACT"), ("kvm1", "NQAP"), ("kvm1", "DQAP"), ("kvm2", "RAPQ")]
    per = 10
    for i in range(N // per):
        g, op = ops[i % len(ops)]
        mixed.append(Request(g, op, (5, 4), per))
    return [
        ("interpreted", scenario(interpreted)),
        ("intercepted", scenario(intercepted)),
        ("mixed", scenario(mixed)),
        ("interpreted, 100 guests, 256x256", scenario(interpreted, guests=100, full=True)),
        ("intercepted, 100 guests, 256x256", scenario(intercepted, guests=100, full=True)),
    ]


def best(cmd: list[str]) -> float:
    """Best of REPEATS runs of the CPU time (user + system) the command used: one core's work,
    steadier than wall time on a shared machine."""
    times = []
    for _ in range(REPEATS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=ENV)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(times)


BARE = """
import sys
n = int(sys.argv[1]); mask = 1 << (255 - 5); hit = 0
for i in range(n):
    hit += (mask >> (255 - 5)) & 1
print(hit)
"""


def main() -> None:
    # Byte-compile aptui as `pip install` does: with PYTHONDONTWRITEBYTECODE set (as on this machine)
    # an editable checkout would otherwise be compiled from source at every start.
    compileall.compile_dir(os.path.dirname(aptui_package.__file__), quiet=1)
    aptui = [sys.executable, "-m", "aptui"]
    bare = best([sys.executable, "-c", BARE, str(N)])
    print(f"N = {N:,} instructions per workload; best of {REPEATS}; CPU time (user + sys) of whole commands\n")
    print(f"{'workload':36} {'aptui run --json':>17} {'instr/s':>10} {'bare loop':>10} {'ratio':>6}")
    rates = {}
    with tempfile.TemporaryDirectory() as d:
        for name, s in workloads():
            path = os.path.join(d, "s.toml")
            with open(path, "w") as f:
                f.write(dumps(s))
            t = best(aptui + ["run", path, "--json"])
            rates[name] = N / t
            print(f"{name:36} {t:16.3f}s {N / t:10,.0f} {bare:9.3f}s {t / bare:5.1f}x")
    print("\nengine alone, in process (no start-up, no file, no JSON): ns per instruction")
    per = {}
    gc.disable()  # as `aptui run` does
    for name, s in workloads():
        times = []
        for _ in range(REPEATS):
            engine = Engine(s)
            t = time.perf_counter()
            engine.run_blocking(())
            times.append(time.perf_counter() - t)
            assert engine.executed == N, (name, engine.executed)
        per[name] = min(times) / N * 1e9
        print(f"  {name:36} {per[name]:7.0f} ns")
    print()
    for kind, target in (("interpreted", 200_000), ("intercepted", 100_000)):
        r, big = rates[kind], rates[f"{kind}, 100 guests, 256x256"]
        print(f"{kind}: {r:,.0f}/s (target >= {target:,}: {'ok' if r >= target else 'MISSED'}); "
              f"100 guests + 256x256 matrices: {big / r:.2f}x the rate of the small scenario, "
              f"{per[f'{kind}, 100 guests, 256x256'] / per[kind]:.2f}x its engine cost per instruction")
    version = best(aptui + ["--version"])
    empty = best([sys.executable, "-c", "pass"])
    print(f"\naptui --version {version * 1000:.0f} ms, python -c pass {empty * 1000:.0f} ms: "
          f"{version / empty:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
