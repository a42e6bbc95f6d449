"""The Breakpoints panel, as pudb's: every breakpoint with its active/disabled marker; e
enables or disables, d deletes, D deletes all, Enter goes to what it watches."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets.option_list import Option

from aptui.engine import Breakpoint
from aptui.formats.text import printable
from aptui.ui.palette import Palette
from aptui.ui.widgets.lists import RowList


class BreakpointList(RowList):
    BINDING_GROUP_TITLE = "Breakpoints"
    BINDINGS = [
        Binding("e", "screen.breakpoint_enable", "Enable/disable",
                tooltip="Enable or disable the highlighted breakpoint (a disabled one stays listed, never stops)"),
        Binding("d,delete", "screen.breakpoint_delete", "Delete", tooltip="Delete the highlighted breakpoint"),
        Binding("D", "screen.breakpoint_clear", "Delete all", tooltip="Delete every breakpoint"),
        Binding("enter", "screen.breakpoint_go", "Go to",
                tooltip="Select what the highlighted breakpoint watches: its request, guest, matrix cell or lane"),
    ]

    def __init__(self, **kw):
        super().__init__(**kw)
        self.breakpoints: list[Breakpoint] = []

    @property
    def breakpoint(self) -> Breakpoint | None:
        i = self.highlighted
        return self.breakpoints[i] if i is not None and i < len(self.breakpoints) else None

    def update(self, breakpoints: list[Breakpoint], stopped_at: Breakpoint | None, p: Palette) -> None:
        """List `breakpoints` (the engine's, in the order set); the one the run stopped at is marked."""
        keep = self.highlighted
        self.breakpoints = list(breakpoints)
        self.set_options(Option(_prompt(i, b, b == stopped_at, p)) for i, b in enumerate(breakpoints, 1))
        if not breakpoints:
            self.add_option(Option(Text("No breakpoints: b sets one on the selected request, guest, matrix cell "
                                        "or lane.", p.muted), disabled=True))
            return
        self.highlighted = min(keep or 0, len(breakpoints) - 1)


def _prompt(n: int, b: Breakpoint, stopped: bool, p: Palette) -> Text:
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append("● " if b.enabled else "○ ", p.error if b.enabled else p.muted)
    t.append(f"{n:>2} ", p.accent)
    t.append(printable(b.label), p.strong if b.enabled else p.muted)
    t.append(f"  {b.kind}", p.muted)
    if not b.enabled:
        t.append("  disabled", p.muted)
    if stopped:
        t.append("  ◀ stopped here", p.error)
    return t
