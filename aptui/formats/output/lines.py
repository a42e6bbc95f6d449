"""The lines of a segment: text that differs from line to line only in two numbers, the result's
number and its time, both in arithmetic progression.

Formatting each number costs more than the rest of a line (a float's repr is five times a bare
loop's step). Where a time is a whole number of tenths of a µs (the default costs make every
one so), lines between two powers of ten share one layout: the line is repeated as a block and
each digit is written down its column, from a pattern of that digit along the progression.
A time of tenths below 10**14 prints as its digits with float repr and with '%.1f' alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

CHUNK = 2048  # lines per block: fewer pay more per line in setup, more (megabytes) in page faults
MANY = 32  # fewer lines cost less formatted one by one than laid out in columns
_DIGITS = [bytes([48 + i]) for i in range(10)]
TENTHS_BELOW = 10**15  # 15 significant digits: the float's repr gives them back


def tenths(clock: float, cycles: int, count: int, mhz: int) -> tuple[int, int] | None:
    """The times clock/mhz, (clock + cycles)/mhz, ... as (first, step) in whole tenths of a µs,
    when every one is such a time and the clock adds exactly (whole ticks below 2**53), and
    there are MANY of them."""
    last = clock + (count - 1) * cycles
    if not (count >= MANY and clock.is_integer() and last < 2**53 and 10 * int(clock) % mhz == 0 and 10 * cycles % mhz == 0):
        return None
    first = 10 * int(clock) // mhz
    step = 10 * cycles // mhz
    return (first, step) if first + (count - 1) * step < TENTHS_BELOW else None


def progression_lines(head: str, mid: str, tail: str, seq: int, first: int, step: int, count: int,
                      seq_width: int = 0, time_width: int = 0) -> Iterator[str]:
    """head + SEQ + mid + TIME + tail for k < count: SEQ is seq + k, TIME is first + k * step
    tenths as a decimal ("0.0", "12.5"), each right-aligned in its width."""
    head_b, mid_b, tail_b = head.encode(), mid.encode(), tail.encode()
    k = 0
    while k < count:
        s, t = seq + k, first + k * step
        ns, nt = len(str(s)), len(str(t // 10))
        n = min(count - k, 10**ns - s, -(-(10 ** (nt + 1) - t) // step) if step else count)  # one layout
        line = b"".join((head_b, b" " * (seq_width - ns), b"0" * ns, mid_b, b" " * (time_width - nt - 2),
                         b"0" * nt, b".0", tail_b))
        width = len(line)
        at_seq = len(head_b) + max(seq_width - ns, 0) + ns - 1  # the units digit of SEQ
        at_tenths = width - len(tail_b) - 1
        for done in range(0, n, CHUNK):
            m = min(CHUNK, n - done)
            block = bytearray(line * m)
            for j in range(ns):
                block[at_seq - j::width] = _column(s + done, 1, m, j)
            block[at_tenths::width] = _column(t + done * step, step, m, 0)
            for j in range(nt):
                block[at_tenths - 2 - j::width] = _column(t + done * step, step, m, j + 1)
            yield block.decode()
        k += n


def _column(v: int, d: int, m: int, j: int) -> bytes:
    """Digit j (of 10**j) of v, v + d, ..., m numbers, as ASCII."""
    unit = 10**j
    if d * 16 <= unit:  # the digit holds for 16 numbers or more: write its runs
        runs = []
        k = 0
        while k < m:
            x = v + k * d
            nxt = min(m, -(-((x // unit + 1) * unit - v) // d)) if d else m
            runs.append(_DIGITS[x // unit % 10] * (nxt - k))
            k = nxt
        return b"".join(runs)
    period = 10 * unit // math.gcd(d, 10 * unit)  # of the digit along the progression
    if period > m:
        return bytes(48 + (v + k * d) // unit % 10 for k in range(m))
    return (_pattern(v % (10 * unit), d % (10 * unit), j, period) * (m // period + 1))[:m]


@lru_cache(maxsize=256)
def _pattern(v: int, d: int, j: int, period: int) -> bytes:
    unit = 10**j
    return bytes(48 + (v + k * d) // unit % 10 for k in range(period))
