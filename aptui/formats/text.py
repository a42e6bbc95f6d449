"""Text from files is data: what makes it safe to show in a comment or on a terminal."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with control characters escaped, so that it cannot end a comment line, break a
    TOML or shell comment out into code, or drive the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
