"""Text from files is data: what makes it safe to show in a comment or on a terminal."""

from __future__ import annotations

import re

# Lone surrogates: a pattern, compiled on first use (re keeps it), as few paths hold one.
_SURROGATES = "[\ud800-\udfff]"


def printable(text: str) -> str:
    """``text`` with every character ``str.isprintable`` rejects written as its Python escape
    (``\\x1b``, ``\\x9b``, ``\\u202e``): that covers C0, DEL and C1 controls, line breaks and bidi
    overrides, so the text cannot end a comment line, break a TOML or shell comment out into
    code, drive the terminal or hide what follows it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def path_text(path: str) -> str:
    """A path as a scenario holds it (a name, a description): a byte that is not UTF-8 reaches
    Python as a lone surrogate, which neither TOML nor JSON can hold, so it becomes U+FFFD here,
    and the scenario saves and loads back equal."""
    if path.isprintable():  # the usual case; a surrogate is not printable
        return path
    return re.sub(_SURROGATES, "\ufffd", path)


def excerpt(text: str, limit: int = 24) -> str:
    """A value from a file as a message quotes it: enough to find it, never the whole of a
    megabyte-long token; repr escapes what `printable` would."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def printable_lines(text: str) -> str:
    """`printable` line by line, for text shown as lines (a preview of a file)."""
    return "\n".join(printable(line) for line in text.split("\n"))
