"""The compare view (=): the scenario's story (its description), then its requests run on each
configuration of console/compare.py, a column each: the answer, where it was answered and its
cycles, then the cycles per level. Names and descriptions are data: Text, never markup.
"""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from aptui.console.compare import Column, compare
from aptui.console.story import story
from aptui.engine import instruction_text
from aptui.formats.text import printable
from aptui.model.scenario import Scenario
from aptui.ui.palette import Palette
from aptui.ui.widgets.footer import Footer


def _bad(text: str) -> bool:
    return "exception" in text or "no AP" in text or text.startswith("found 0")


def compare_table(s: Scenario, columns: tuple[Column, ...], palette: Palette) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, header_style=palette.strong)
    table.add_column("request", style=palette.accent, overflow="fold", ratio=1)
    for c in columns:
        table.add_column(c.label, overflow="fold", ratio=2)
    for i, req in enumerate(s.requests):
        times = f" ×{req.repeat}" if req.repeat > 1 else ""
        cells = []
        for c in columns:
            a = c.answers[i]
            cells.append(Text.assemble((printable(a.text), palette.error if _bad(a.text) else palette.success),
                                       (f"\n{a.handled_by} · {a.cycles:,} cycles", palette.muted)))
        table.add_row(Text(f"{i + 1} {printable(req.guest)} {instruction_text(req.op, req.apqn)}{times}"), *cells)
    table.add_section()
    lanes = list(dict.fromkeys(lane for c in columns for lane, _ in c.lanes))
    for lane in lanes:
        table.add_row(Text(lane, palette.muted), *(f"{dict(c.lanes).get(lane, 0):,}" for c in columns))
    table.add_row(Text("total cycles", palette.strong), *(Text(f"{c.cycles:,}", palette.strong) for c in columns))
    return table


class CompareScreen(ModalScreen):
    BINDINGS = [Binding("escape,equals_sign,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    CompareScreen > VerticalScroll { width: 100%; height: 1fr; background: $panel; border: thick $primary;
                                     padding: 0 1; }
    CompareScreen Static { height: auto; }
    CompareScreen #story { padding-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="story")
            yield Static(id="table")
        yield Footer()

    def on_mount(self) -> None:
        s = self.app.session.scenario
        palette = Palette.of(self.app.current_theme)
        self.query_one(VerticalScroll).border_title = f"Compare · {printable(s.name)}"
        told = Text(story(s.description) if s.description else "(this scenario has no description)")
        self.query_one("#story", Static).update(told)
        columns = compare(s)
        if len(columns) == 1:
            told.append("\n\nNo other configuration to compare: every hypervisor already passes AP through, and "
                         "nothing is emulated.", palette.muted)
            self.query_one("#story", Static).update(told)
        self.query_one("#table", Static).update(compare_table(s, columns, palette))
