"""The Queue panel: the inspector's rows (console/inspector.py) for the selected guest and
matrix cell: slots, replies and when they are ready, a reset under way, interrupts, last QCI."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from aptui.console.inspector import Row
from aptui.formats.text import printable
from aptui.ui.palette import Palette

LABEL = 11


class QueueView(Widget, can_focus=True):
    DEFAULT_CSS = """
    QueueView { background: $surface; height: auto; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, **kw):
        super().__init__(**kw)
        self.rows: list[Row] = []
        self.palette: Palette | None = None

    def show(self, rows: list[Row], p: Palette) -> None:
        if rows == self.rows and p is self.palette:
            return
        self.rows, self.palette = rows, p
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(len(self.rows), 1)

    def render(self) -> Text:
        p = self.palette
        if p is None:
            return Text()
        lines = [Text.assemble((f"{r.label:<{LABEL}}", p.muted), (printable(r.value), getattr(p, r.tone)),
                               no_wrap=True, overflow="ellipsis") for r in self.rows]
        return Text("\n", no_wrap=True, overflow="ellipsis").join(lines)
