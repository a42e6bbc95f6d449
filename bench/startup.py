"""Start-up of the command line beside the interpreter's own: `aptui --version` beside
`python -c pass`, and `aptui check 2018` (parse the demo, build its tree, check it) beside
`python -c "import attrs"` (the one library the model is built on).

Targets (issue 11): `aptui --version` within 2x of `python -c pass`; `aptui check 2018` within
1.5x of `python -c "import attrs"`.

Run: python bench/startup.py
"""

from __future__ import annotations

import sys

import paired  # first: it puts this checkout on the path
from paired import APTUI, PYTHON, Pair, command

ROUNDS = 11


def main() -> int:
    paired.compile_checkout()
    print("paired runs (A B A B ...), CPU time (user + sys): best times, and the min and median of the ratios\n")
    print(Pair(command(APTUI + ["--version"]), command([PYTHON, "-c", "pass"]), ROUNDS)
          .line("aptui --version", "python -c pass", 2))
    print(Pair(command(APTUI + ["check", "2018"]), command([PYTHON, "-c", "import attrs"]), ROUNDS)
          .line("aptui check 2018", 'python -c "import attrs"', 1.5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
