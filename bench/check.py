"""`aptui check` at scale, beside reading the same file with tomllib (the parse any TOML reader pays).

1. 1,000 sibling guests with full 256x256 matrices under one LPAR (clones: one usage matrix):
   target under 2 s of CPU (issue 11).
2. Many distinct sibling matrices: GUESTS (default 200,000) guests under one LPAR, guest i on
   adapter i mod 256 and domain i div 256 mod 256, so that each APQN is in about GUESTS/65,536
   guests and every guest conflicts with a few: the file is near the 16 MiB input bound, and
   check must stay linear in it (a pairwise comparison took 19 minutes). No control domains, to
   stay within the bound: each guest has a usage-not-control too. Printed beside tomllib,
   with the loader's share (formats/scenario/file.py) on its own line.

Run: python bench/check.py [GUESTS]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import paired  # first: it puts this checkout on the path
from paired import APTUI, PYTHON, Pair, call, command, verdict

from aptui.formats.scenario import file as sf
from aptui.model.diagnostics import check

CLONES = 1000
GUESTS = 200_000
ROUNDS = 3
HEAD = """name = "bench"
[host]
apxa = true
domains = 256
adapters = [
%s]

[[guest]]
name = "lpar1"
adapters = ["0x00-0xff"]
usage_domains = ["0x00-0xff"]
control_domains = ["0x00-0xff"]
""" % "".join(f"  {{ id = {a} }},\n" for a in range(256))


def clones(n: int) -> str:
    return HEAD + "".join(f'\n[[guest]]\nname = "g{i}"\nparent = "lpar1"\nadapters = ["0x00-0xff"]\n'
                          f'usage_domains = ["0x00-0xff"]\ncontrol_domains = ["0x00-0xff"]\n' for i in range(n))


def distinct(n: int) -> str:
    return HEAD + "".join(f'\n[[guest]]\nname = "g{i}"\nparent = "lpar1"\nadapters = [{i % 256}]\n'
                          f'usage_domains = [{i // 256 % 256}]\n' for i in range(n))  # 200,000 in 16 MiB


def main() -> int:
    global GUESTS
    GUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else GUESTS
    paired.compile_checkout()
    print("paired runs (A B A B ...), CPU time (user + sys): best times, and the min and median of the ratios\n")
    tomllib = "import sys, tomllib; tomllib.load(open(sys.argv[1], 'rb'))"
    with tempfile.TemporaryDirectory(prefix="aptui-bench-") as d:
        for what, text in ((f"{CLONES:,} full 256x256 clones", clones(CLONES)),
                           (f"{GUESTS:,} distinct small siblings", distinct(GUESTS))):
            path = os.path.join(d, "check.toml")
            with open(path, "w") as f:
                f.write(text)
            print(f"{what}: {len(text) / 2**20:.1f} MiB")
            pair = Pair(command(APTUI + ["check", path, "--json"]), command([PYTHON, "-c", tomllib, path]), ROUNDS)
            print(pair.line(f"check --json, {what}", "tomllib.load", None))
            if CLONES and what.startswith(f"{CLONES:,}"):
                print(f"{'':46} CPU {min(pair.a):.2f} s (target < 2 s: {verdict(min(pair.a), 2)})")
            t = time.process_time()
            s = sf.load(path)
            loaded = time.process_time() - t
            t = time.process_time()
            diags = check(s)
            print(f"{'':46} in process: load {loaded:.2f} s, check {time.process_time() - t:.2f} s, "
                  f"{len(diags):,} diagnostics\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
