"""The simulated clock of a run of identical instructions, without one addition per instruction.

The engine's clock is a float of ticks, and each instruction adds its cycles to it: the times
of a run are the partial sums of one float addition after another. While the sums stay below
the next power of two, adding whole cycles is exact (they are multiples of the ulp), so the
additions of a stretch are one multiplication; at a power of two one real addition rounds as
the sequence would. A run costs a step per power of two it crosses, and gives the same floats,
bit for bit, as adding one instruction at a time.
"""

from __future__ import annotations

import math


def _exact_additions(clock: float, cycles: int) -> int:
    """How many times `cycles` can be added to `clock` with every sum exact: the sums stay
    below the next power of two and `cycles` is a multiple of the ulp there."""
    u = math.ulp(clock)
    if cycles % u:
        return 0
    room = 2.0 ** math.frexp(clock)[1] - clock  # exact: the next power of two is at most twice clock
    steps = room // cycles
    return int(steps) - (room % cycles == 0)  # the sum reaching the power of two is not inside


def ticks_after(clock: float, cycles: int, times: int) -> float:
    """`clock` after `cycles` was added `times` times, one float addition at a time."""
    end = clock + times * cycles
    if not cycles or (end < 2**53 and clock.is_integer()):  # nothing added, or whole ticks: every sum exact
        return end
    while times:
        k = min(times, _exact_additions(clock, cycles))
        clock += k * cycles if k else cycles
        times -= k or 1
    return clock


def first_at_or_after(clock: float, cycles: int, count: int, t: float) -> int:
    """The first k < count at which `clock`, with `cycles` added k times, is >= t; count when none."""
    k = 0
    while k < count:
        if clock >= t:
            return k
        if not cycles:
            return count
        run = min(count - 1 - k, _exact_additions(clock, cycles))  # clock + j * cycles is exact for j <= run
        if run and clock + run * cycles >= t:
            j = max(1, min(run, int((t - clock) / cycles)))  # an estimate, then exact comparisons
            while j > 1 and clock + (j - 1) * cycles >= t:
                j -= 1
            while clock + j * cycles < t:
                j += 1
            return k + j
        clock += run * cycles if run else cycles
        k += run or 1
    return count
