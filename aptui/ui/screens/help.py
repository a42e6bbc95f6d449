"""The help screen: every binding, by area, generated from the BINDINGS themselves (so it
cannot drift), the meaning of the matrix glyphs, of the tree's tokens and of the Levels columns."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from aptui.console import cells as c
from aptui.model.rules import RULES, rule_text
from aptui.ui.legend import levels_legend, tree_legend
from aptui.ui.widgets.footer import Footer


def binding_rows(app, cls) -> list[tuple[str, str]]:
    """(keys, what) for each binding of a class, keys as the footer shows them."""
    rows = []
    for b in cls.BINDINGS:
        if not isinstance(b, Binding):
            continue
        keys = " ".join(app.get_key_display(Binding(k.strip(), b.action)) for k in b.key.split(","))
        rows.append((keys, b.tooltip or b.description))
    return rows


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 100%; height: 100%; background: $panel; border: thick $primary;
                                  padding: 0 1; }
    HelpScreen Grid { grid-size: 2; grid-gutter: 1 2; height: auto; }
    HelpScreen Static.area { height: auto; }
    HelpScreen Static.intro { height: auto; padding-bottom: 1; }
    HelpScreen Static.rules { height: auto; padding-top: 1; }
    """

    def __init__(self, areas: list[tuple[str, type]]):
        super().__init__()
        self.areas = areas

    def compose(self) -> ComposeResult:
        with VerticalScroll() as v:
            v.border_title = "Help · escape closes · ctrl+p finds any command"
            yield Static(Text.assemble(
                ("aptui", "bold"), " steps AP instructions through nested IBM Z guests like a debugger: ",
                ("s", "bold"), " one transition, ", ("n", "bold"), " one instruction, ", ("c", "bold"),
                " to a breakpoint. Tab, shift+tab or 1-9 move between panels; the footer shows the keys of the "
                "focused one. Every edit can be undone (ctrl+z). An edit or undo mid-run is followed at once: "
                "the run is replayed from time 0 with it to the same result (an instruction under way, or a "
                "SCAN partly done, starts again), so every panel shows one configuration. #N is result N, "
                "numbered as aptui run numbers them (one per repetition of a request; a SCAN and its steps are "
                "one); request N is row N of Requests."), classes="intro")
            with Grid():
                for title, cls in self.areas:
                    yield Static(self.area_table(title, cls), classes="area")
                yield Static(self.legend(), classes="area")
                yield Static(tree_legend(), classes="area")
                yield Static(levels_legend(), classes="area")
            yield Static(self.why_this_answer(), classes="area rules")
        yield Footer()

    def area_table(self, title: str, cls) -> Table:
        table = Table(title=title, title_style="bold underline", title_justify="left", box=None, show_header=False,
                      padding=(0, 2, 0, 0), expand=True)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1)
        for keys, what in binding_rows(self.app, cls):
            table.add_row(Text(keys), Text(what))
        return table

    @staticmethod
    def why_this_answer() -> Text:
        """The rules that decide an answer, each with the kernel or QEMU code it stands for."""
        t = Text()
        t.append("Why this answer\n", "bold underline")
        t.append("The rules aptui applies, in the words of the model code that implements each one.\n", "dim")
        for title, rule in RULES:
            t.append(f"{title}\n", "bold")
            t.append(f"  {rule_text(rule)}\n")
        return t

    @staticmethod
    def legend() -> Text:
        t = Text()
        t.append("Matrix cells\n", "bold underline")
        for state, text in c.LEGEND:
            t.append(f"{c.GLYPHS[state]}  ", "bold")
            t.append(f"{text}\n")
        t.append("Uppercase letters are assigned entries the guest loses; the line under the grid says why.\n"
                 "Rows are adapters (APM), columns domains; the AQM and ADM rows are the usage and control domains.")
        return t
