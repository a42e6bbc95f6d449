"""A borderless list of rows built from data, one line each, cut with an ellipsis (the
debugger's History and Breakpoints panels; the panel's border is the container's)."""

from __future__ import annotations

from textual.widgets import OptionList


class RowList(OptionList):
    DEFAULT_CSS = """
    RowList { background: $surface; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis; }
    RowList:focus { border: none; }
    """
