"""Paired measurements for the benchmarks: a figure and its peer run in turns (A B A B ...), each
timed in CPU time, so that a busy machine slows both alike; what is reported is the ratio of
each pair, its min and its median. The median is judged; one within 10% of its target says so,
instead of passing on one run and failing on the next.

Commands run with this checkout first on the path, byte-compiled as `pip install` leaves them
(with PYTHONDONTWRITEBYTECODE set, as on this machine, every start would compile from source).
"""

from __future__ import annotations

import compileall
import gc
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
PYTHON = sys.executable
APTUI = [PYTHON, "-m", "aptui"]
NEAR = 0.1  # within 10% of a target: noise decides, and the line says so


sys.path.insert(0, str(ROOT))  # the benchmarks import aptui from this checkout, not an installed one


def compile_checkout() -> None:
    compileall.compile_dir(str(ROOT / "aptui"), quiet=1)


def command(cmd: list[str]) -> Callable[[], float]:
    """A command to time: the CPU time (user + system) it takes."""
    def run() -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return run


def call(fn: Callable[[], object]) -> Callable[[], float]:
    """A function to time in this process: the CPU time it takes, from a collected heap (so that
    neither pays for the other's garbage)."""
    def run() -> float:
        gc.collect()
        t = time.process_time()
        fn()
        return time.process_time() - t
    return run


class Pair:
    """A and B timed in turns: their best times and the ratio A/B of each turn."""

    def __init__(self, a: Callable[[], float], b: Callable[[], float], rounds: int):
        self.a: list[float] = []
        self.b: list[float] = []
        for _ in range(rounds):
            self.a.append(a())
            self.b.append(b())
        self.ratios = [x / y for x, y in zip(self.a, self.b)]

    def line(self, what: str, peer: str, target: float | None = None) -> str:
        """`what` beside `peer`: best CPU times, the ratio's min and median, and the verdict."""
        low, mid = min(self.ratios), statistics.median(self.ratios)
        aim = f"target <= {target:g}x: {verdict(mid, target)}" if target else "(no target)"
        return (f"{what:46} {min(self.a) * 1000:9.1f} ms  {peer:30} {min(self.b) * 1000:9.1f} ms  "
                f"ratio min {low:6.2f}x median {mid:6.2f}x   {aim}")


def verdict(mid: float, target: float) -> str:
    """A figure (the median over turns) against an upper bound."""
    if mid <= target * (1 - NEAR):
        return "ok"
    if mid > target * (1 + NEAR):
        return "MISSED"
    return f"near the target (within {NEAR:.0%}): noise decides"


def peak_rss_mib(cmd: list[str]) -> float:
    """The peak resident memory of a command, in MiB (the largest child of a fresh process)."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([PYTHON, "-c", probe, *cmd], check=True, capture_output=True, text=True, env=ENV)
    return int(out.stdout) / 1024
