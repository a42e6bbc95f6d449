"""JSON with the line of every key, for FILE:LINE messages.

The json module parses and validates but keeps no positions. The keys of a document, read left
to right, are exactly the strings followed by a colon; walking the parsed value in document
order meets them in the same order, so each key path gets its line.
"""

from __future__ import annotations

import json
import re

from aptui.formats.errors import InputError

Path = tuple
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_COLON = re.compile(r"\s*:")


class _Pairs(list):
    """An object's (key, value) pairs in document order, duplicates kept."""


def loads(text: str, path: str) -> tuple[object, dict[Path, int]]:
    """The document, objects as dicts, and the line of every key path (``("attrs", 0, "assign_adapter")``)."""
    lines: dict[Path, int] = {}
    try:
        raw = json.loads(text, object_pairs_hook=_Pairs)
        return _walk(raw, (), iter(_key_lines(text)), lines, path), lines
    except json.JSONDecodeError as e:
        raise InputError(path, e.lineno, f"not valid JSON: {e.msg}") from None
    except RecursionError:
        raise InputError(path, None, "not usable JSON: nested too deeply") from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts
        raise InputError(path, None, f"not usable JSON: {e}") from None


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its first key inside, or of its nearest ancestor."""
    p = tuple(path)
    if p in lines:
        return lines[p]
    inside = [line for q, line in lines.items() if q[: len(p)] == p]
    if inside:
        return min(inside)
    while p:
        p = p[:-1]
        if p in lines:
            return lines[p]
    return None


def _key_lines(text: str) -> list[int]:
    out = []
    line, pos = 1, 0
    for s in _STRING.finditer(text):
        if _COLON.match(text, s.end()):
            line += text.count("\n", pos, s.start())
            pos = s.start()
            out.append(line)
    return out


def _walk(value, where: Path, keys, lines: dict[Path, int], path: str):
    if isinstance(value, _Pairs):
        out = {}
        for k, v in value:
            line = next(keys)
            if k in out:
                raise InputError(path, line, f"key {k!r} appears twice in one object")
            lines[where + (k,)] = line
            out[k] = _walk(v, where + (k,), keys, lines, path)
        return out
    if isinstance(value, list):
        return [_walk(v, where + (i,), keys, lines, path) for i, v in enumerate(value)]
    return value
