"""Cut rich Text to a width, line by line: OptionList wraps prompts, the panels want one line per fact."""

from __future__ import annotations

from rich.text import Text


def fit(text: Text, width: int) -> Text:
    if width <= 0:
        return text
    lines = text.split("\n", allow_blank=True)
    for line in lines:
        line.truncate(width, overflow="ellipsis")
    return Text("\n").join(lines)
