"""Crypto card types (ref 6.6): the type strings (CEX8C), hardware type numbers and mode names
and bits that lszcrypt and sysfs show, and the aptui adapter type each stands for."""

from __future__ import annotations

import re

from aptui.model.scenario import Adapter

MODE_NAMES = {"cca": "CCA-Coproc", "accel": "Accelerator", "ep11": "EP11-Coproc"}  # lszcrypt MODE
MODE_BY_NAME = {v.lower(): k for k, v in MODE_NAMES.items()}
MODE_LETTERS = {"cca": "D", "accel": "A", "ep11": "X"}  # lszcrypt FUNCTIONS
MODE_BITS = {"cca": 0x10000000, "accel": 0x08000000, "ep11": 0x04000000}  # sysfs ap_functions
SUFFIX_MODES = {"C": "cca", "A": "accel", "P": "ep11"}
HWTYPES = {"CEX2": (6, 7), "CEX3": (8, 9), "CEX4": 10, "CEX5": 11, "CEX6": 12, "CEX7": 13, "CEX8": 14}
NEWEST = 14  # CEX8; newer cards report a compatible type through QACT

_TYPE = re.compile(r"^CEX([0-9]{1,9})([ACP])$", re.I)  # ASCII digits, few enough for int()


def from_type(text: str) -> tuple[str, str, bool] | None:
    """(type, mode, newer than aptui knows) from a type string like ``CEX8C``; None when it is not one.
    Generations after CEX8 are modelled as a CEX8."""
    t = _TYPE.match(text.strip())
    if not t or int(t.group(1)) < 2:
        return None
    gen = int(t.group(1))
    return f"CEX{min(gen, 8)}", SUFFIX_MODES[t.group(2).upper()], gen > 8


def from_hwtype(number: int | None) -> str | None:
    """The adapter type of a hardware type number; above CEX8's, a CEX8."""
    if number is None:
        return None
    if number > NEWEST:
        return "CEX8"
    for kind, n in HWTYPES.items():
        if number == n or (isinstance(n, tuple) and number in n):
            return kind
    return None


def hwtype(adapter: Adapter) -> int:
    """The number lszcrypt shows in HWTYPE (legacy cards: one for accelerators, one for coprocessors)."""
    n = HWTYPES[adapter.type]
    return n if isinstance(n, int) else n[0] if adapter.mode == "accel" else n[1]
