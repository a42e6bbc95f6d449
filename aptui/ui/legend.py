"""The legends of the tree's tokens and of the Levels columns as Text, for the tooltips and the
help screen (their words are console/tokens.py's)."""

from __future__ import annotations

from rich.text import Text

from aptui.console import tokens as tk


def legend_text(rows: list[tuple[str, str]], title: str | None = None) -> Text:
    """Token (bold) and meaning, a line each, under an optional title."""
    lines = [Text(title, "bold underline")] if title else []
    lines += [Text.assemble((shows, "bold"), "  ", meaning) for shows, meaning in rows]
    return Text("\n").join(lines)


def tree_legend() -> Text:
    return legend_text([(e.shows, e.meaning) for e in tk.TREE_LEGEND], "Topology tree")


def levels_legend() -> Text:
    return legend_text(list(tk.LEVELS_LEGEND), "Levels columns")
