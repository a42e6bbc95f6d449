"""The chain view (i): the selected guest's way down from the machine, a column per level and a
row per stage, the cells that lose APQNs in the error colour, and where the chain breaks.
Left and right walk to the parent and to the first child. The rows come from console/chain.py;
names are data: Text, never markup.
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

from aptui.console.chain import Chain, Mark, guest_chain
from aptui.formats.text import printable
from aptui.model.scenario import HOST
from aptui.ui.palette import Palette
from aptui.ui.widgets.footer import Footer


def chain_table(chain: Chain, palette: Palette) -> Table:
    styles = {Mark.OK: "", Mark.LOST: palette.error, Mark.OFF: palette.muted}
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_lines=False, pad_edge=False, header_style=palette.strong)
    table.add_column("stage", no_wrap=True, style=palette.accent)
    for column in chain.columns:
        table.add_column(Text(printable(column)), overflow="fold", ratio=1)
    for row in chain.rows:
        table.add_row(Text(row.label), *(Text(cell.text, style=styles[cell.mark]) for cell in row.cells))
    return table


def chain_notes(chain: Chain, palette: Palette) -> Text:
    if not chain.breaks:
        return Text(f"{printable(chain.guest)} gets every APQN it was assigned.", palette.success)
    return Text.assemble(("Breaks ", palette.error), printable(chain.breaks))


def chain_meanings(chain: Chain, palette: Palette) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style=palette.strong, no_wrap=True)
    table.add_column(style=palette.muted)
    for row in chain.rows:
        table.add_row(row.label, row.meaning)
    return table


class ChainScreen(ModalScreen):
    BINDINGS = [
        Binding("escape,i,q", "dismiss", "Close"),
        Binding("left,h", "walk(-1)", "Parent"),
        Binding("right,l", "walk(1)", "Child"),
    ]
    DEFAULT_CSS = """
    ChainScreen > VerticalScroll { width: 100%; height: 1fr; background: $panel; border: thick $primary;
                                   padding: 0 1; }
    ChainScreen Static { height: auto; }
    ChainScreen #notes, ChainScreen #meanings { padding-top: 1; }
    """

    def __init__(self, guest: str):
        super().__init__()
        self.guest = guest

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="table")
            yield Static(id="notes")
            yield Static(id="meanings")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        palette = Palette.of(self.app.current_theme)
        chain = guest_chain(self.app.session.topology, self.guest)
        self.query_one(VerticalScroll).border_title = f"Chain of {printable(self.guest)} · ←/→ parent/child"
        self.query_one("#table", Static).update(chain_table(chain, palette))
        self.query_one("#notes", Static).update(chain_notes(chain, palette))
        self.query_one("#meanings", Static).update(chain_meanings(chain, palette))

    def action_walk(self, step: int) -> None:
        topo = self.app.session.topology
        if step < 0:
            parent = topo.guests[self.guest].parent
            if parent == HOST:
                return
            self.guest = parent
        else:
            children = topo.children[self.guest]
            if not children:
                return
            self.guest = children[0]
        self.show()
