"""The id-list grammar (spec 8): an id is 0x1f (hex) or 31 (decimal), a range "0x10-0x1f".

The scenario file writes a list of ids and range strings, the console's forms a line of them
separated by commas. One parser and one formatter serve both, so that what the console shows
reads back as the same ids, in the file and in the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aptui.model.bounds import Violation, check_id
from aptui.model.mask import MAX_ID

_NUMBER = r"(0[xX][0-9a-fA-F]+|[0-9]+)"
_ITEM = rf"\s*{_NUMBER}\s*(?:-\s*{_NUMBER}\s*)?"  # patterns, compiled on first use (re keeps them)
RUN = 4  # a run of this many ids or more is written as a range


def parse_id(text: str) -> int:
    """One id: '0x1f' is hex, '031' decimal (there are no octal ids)."""
    t = text.strip()
    if not re.fullmatch(_NUMBER, t):
        raise Violation(f"'{text}' is not an id: write 0x1f (hex) or 31 (decimal)")
    return check_id(_number(t))


def parse_id_item(item: int | str) -> range:
    """One item of an id list: an id (an integer, or its text) or a range 'low-high'."""
    if isinstance(item, int):
        return range(check_id(item), item + 1)
    found = re.fullmatch(_ITEM, item)
    if not found:
        raise Violation(f"'{item}' is neither an id nor a range like '0x10-0x1f'")
    if found.group(2) is None:
        return parse_id_item(_number(found.group(1)))
    low, high = _number(found.group(1)), _number(found.group(2))
    if not 0 <= low <= high <= MAX_ID:
        raise Violation(f"range '{item}' must lie within 0..{MAX_ID}, low to high")
    return range(low, high + 1)


def parse_ids(text: str) -> frozenset[int]:
    """A line of items separated by commas ('0x10-0x1f, 5, 0x47'); blank items are ignored."""
    out: set[int] = set()
    for item in text.split(","):
        if item.strip():
            out.update(parse_id_item(item))
    return frozenset(out)


def format_id(n: int) -> str:
    return f"0x{n:02x}"


def id_items(ids: Iterable[int]) -> list[str]:
    """The items that parse back to `ids`: hex ids ascending, runs of RUN or more as a range."""
    items: list[str] = []
    run: list[int] = []
    for n in [*sorted(ids), None]:
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if len(run) >= RUN:
            items.append(f"{format_id(run[0])}-{format_id(run[-1])}")
        else:
            items.extend(format_id(k) for k in run)
        run = [n]
    return items


def format_id_list(ids: Iterable[int]) -> str:
    """`ids` as a form shows them: '0x05, 0x10-0x1f'."""
    return ", ".join(id_items(ids))


def _number(text: str) -> int:
    try:
        return int(text, 16) if text[:2].lower() == "0x" else int(text, 10)
    except ValueError:  # more digits than int() converts: no id anyway
        raise Violation(f"'{text}' is outside 0..{MAX_ID}") from None
