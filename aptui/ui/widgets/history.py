"""The History panel: the finished instructions the engine still holds, the latest first.
Highlighting one draws it in the Path panel, marked as history (H or escape: the live path)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets.option_list import Option

from aptui.console.runner import Past
from aptui.engine import result_text
from aptui.formats.text import printable
from aptui.model.routing import instruction_text
from aptui.ui.palette import Palette
from aptui.ui.widgets.lists import RowList


class HistoryList(RowList):
    BINDING_GROUP_TITLE = "History"
    BINDINGS = [
        Binding("enter", "screen.history_path", "Show in Path",
                tooltip="Show the highlighted instruction hop by hop in the Path panel (marked as history)"),
        Binding("escape", "screen.live_path", "Live path", show=False,
                tooltip="Back to the live instruction in the Path panel"),
    ]

    def __init__(self, **kw):
        super().__init__(**kw)
        self.pasts: list[Past] = []
        self._key: tuple = ()

    @property
    def past(self) -> Past | None:
        i = self.highlighted
        return self.pasts[i] if i is not None and i < len(self.pasts) else None

    def update(self, pasts: list[Past], key: tuple, p: Palette) -> None:
        """Show `pasts` (the runner's history()); `key` says where the run is, so that an
        unchanged run is not listed again. The highlighted instruction stays highlighted."""
        if key == self._key:
            return
        self._key = key
        keep = self.past
        self.pasts = pasts
        self.set_options(Option(_prompt(x, p)) for x in pasts)
        if not pasts:
            self.add_option(Option(Text("No finished instruction yet: s, n or c runs some.", p.muted), disabled=True))
            return
        numbers = [x.number for x in pasts]
        self.highlighted = numbers.index(keep.number) if keep is not None and keep.number in numbers else 0


def _prompt(x: Past, p: Palette) -> Text:
    t = x.trace
    r = t.result
    style = p.error if r.exception else p.warning if r.rc else p.success
    return Text.assemble((f"{x.number:>7} ", p.accent), (f"{r.time_us:>9.1f}µs ", p.muted),
                         (printable(t.guest), p.strong), f" L{t.level} {instruction_text(t.op, t.apqn)}  ",
                         (result_text(r, compact=True), style), no_wrap=True, overflow="ellipsis")
