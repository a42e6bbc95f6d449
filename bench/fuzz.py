"""Thousands of mutated inputs per reader through `aptui.cli.main` in-process, with the oracle of
the fuzz tests (tests/fuzz/harness.py): prints the inputs run per format and the failures by
class (exit status, traceback, invalid JSON, control character, OUT changed, temporary file,
reload differs, outside the tree, sh syntax), then the first failure of each class; beside them,
how the commands exited (0 accepted, 1 check found errors, 2 input error).

Run: python bench/fuzz.py [INPUTS_PER_FORMAT (default 2000)] [SEED (default 1)]
"""

from __future__ import annotations

import importlib.util
import random
import sys
import time
from collections import Counter
from pathlib import Path

HARNESS = Path(__file__).parents[1] / "tests" / "fuzz" / "harness.py"


def harness():
    spec = importlib.util.spec_from_file_location("fuzz_harness", HARNESS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    h = harness()
    failures: Counter = Counter()
    first: dict[str, str] = {}
    start = time.perf_counter()
    print(f"{'format':14} {'inputs':>7} {'commands':>8} {'exit 0':>7} {'exit 1':>7} {'exit 2':>7} {'failed':>7} "
          f"{'seconds':>8}")
    for fmt in h.FORMATS:
        rng = random.Random(f"{seed}:{fmt}")
        t = time.perf_counter()
        bad = 0
        exits: Counter = Counter()
        for _ in range(n):
            checked = h.check_input(fmt, rng)
            exits.update(checked.exits)
            bad += bool(checked.problems)
            for cls, detail in checked.problems:
                failures[cls] += 1
                first.setdefault(cls, f"{fmt}: {detail}")
        print(f"{fmt:14} {n:7} {sum(exits.values()):8} {exits[0]:7} {exits[1]:7} {exits[2]:7} {bad:7} "
              f"{time.perf_counter() - t:8.1f}", flush=True)
    print(f"\n{len(h.FORMATS) * n} inputs in {time.perf_counter() - start:.0f} s; failures by class:")
    for cls in h.CLASSES:
        print(f"  {cls:18} {failures[cls]}")
    for cls, detail in first.items():
        print(f"\nfirst {cls}: {detail}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
