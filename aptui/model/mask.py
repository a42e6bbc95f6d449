"""256-bit AP masks with IBM bit numbering, as the CRYCB and sysfs hold them.

Bit 0 is the leftmost bit of the first byte (ref 1.3), so a mask is kept as a Python
int whose most significant of 256 bits is id 0: sysfs text is then just its hex digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import compress

WIDTH = 256
MAX_ID = WIDTH - 1
FULL = (1 << WIDTH) - 1


_HEX = re.compile(r"[0-9a-fA-F]+")
_IDS = range(WIDTH)
_BITS = bytes.maketrans(b"01", b"\0\1")  # "0"/"1" to false/true bytes


def bit(n: int) -> int:
    """The mask with only id ``n`` set (IBM numbering: id 0 is the leftmost bit)."""
    return 1 << (MAX_ID - n)


def has(mask: int, n: int) -> bool:
    return (mask >> (MAX_ID - n)) & 1 == 1


def mask_of(ids: Iterable[int]) -> int:
    m = 0
    for n in ids:
        if not 0 <= n <= MAX_ID:
            raise ValueError(f"id {n} outside 0..255")
        m |= 1 << (MAX_ID - n)
    return m


def ids_of(mask: int) -> tuple[int, ...]:
    """The ids set in ``mask``, ascending."""
    if mask.bit_count() > 8:  # in C: a full mask is 256 ids
        return tuple(compress(_IDS, format(mask, "0256b").encode().translate(_BITS)))
    out = []
    while mask:  # a few ids: the highest bit is the lowest id
        top = mask.bit_length()
        out.append(WIDTH - top)
        mask ^= 1 << (top - 1)
    return tuple(out)


def mask_below(n: int) -> int:
    """Ids 0..n-1: the ids a format or a machine can address."""
    return FULL ^ (FULL >> n) if n > 0 else 0


def format_mask(mask: int) -> str:
    """As sysfs prints apmask, ap_adapter_mask and ap_config: ``0x`` + 64 hex digits."""
    return "0x" + format(mask, "064x")


def parse_mask(text: str) -> int:
    """Parse a sysfs mask. Shorter strings are padded on the right, as the kernel's hex2bitmap does."""
    t = text.strip()
    if t[:2].lower() == "0x":
        t = t[2:]
    if not t or len(t) > 64:
        raise ValueError(f"a mask has 1 to 64 hex digits, not {len(t)}: {text.strip()!r}")
    if not _HEX.fullmatch(t):
        raise ValueError(f"not a hex mask: {text.strip()!r}")
    return int(t, 16) << (4 * (64 - len(t)))


def format_apqn(adapter: int, domain: int) -> str:
    """``05.0004``, as sysfs and lszcrypt print an APQN."""
    return f"{adapter:02x}.{domain:04x}"


def parse_apqn(text: str) -> tuple[int, int]:
    """Parse ``aa.dddd`` (hex) into (adapter, domain)."""
    parts = text.strip().split(".")
    if len(parts) != 2 or not all(_HEX.fullmatch(p) for p in parts):
        raise ValueError(f"an APQN is written aa.dddd in hex (e.g. 05.0004), not {text!r}")
    a, d = int(parts[0], 16), int(parts[1], 16)
    if not (0 <= a <= MAX_ID and 0 <= d <= MAX_ID):
        raise ValueError(f"APQN {text!r} has an id outside 0..255")
    return a, d


def format_ids(ids: Iterable[int], width: int = 2) -> str:
    """Compact hex list with ranges, as sysfs and the panels show ids: ``05,06,10-1f``. For display:
    files and forms read and write the id-list grammar (model.idlist)."""
    out: list[str] = []
    run: list[int] = []
    for n in sorted(ids):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(_run(run, width))
        run = [n]
    if run:
        out.append(_run(run, width))
    return ",".join(out)


def _run(run: list[int], width: int) -> str:
    if len(run) == 1:
        return f"{run[0]:0{width}x}"
    return f"{run[0]:0{width}x}-{run[-1]:0{width}x}"
