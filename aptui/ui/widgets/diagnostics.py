"""The live diagnostics of spec 7: one line each, the highlighted one in full; Enter jumps to
the guest and the first APQN it names."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from aptui.formats.text import printable
from aptui.model.diagnostics import Diagnostic
from aptui.ui.palette import Palette

MARK = {"error": "✖", "warning": "⚠", "info": "i"}


class DiagnosticList(OptionList):
    BINDING_GROUP_TITLE = "Diagnostics"
    BINDINGS = [Binding("enter", "select", "Go to", tooltip="Select the guest and the first APQN it names")]
    DEFAULT_CSS = """
    DiagnosticList { background: $surface; border: none; padding: 0; }
    DiagnosticList:focus { border: none; }
    """

    @dataclass
    class Jump(Message):
        diagnostic: Diagnostic

    def __init__(self, **kw):
        super().__init__(**kw)
        self.diagnostics: list[Diagnostic] = []
        self.palette: Palette | None = None

    def show(self, diagnostics: list[Diagnostic], p: Palette) -> None:
        if diagnostics == self.diagnostics and p == self.palette:
            return
        keep = self.highlighted
        self.diagnostics, self.palette = list(diagnostics), p
        if not diagnostics:
            self.set_options([Option(Text("no diagnostics: the set-up works as written", p.success), disabled=True)])
            return
        self.set_options(Option(self._prompt(d, False)) for d in diagnostics)
        self.highlighted = min(keep or 0, len(diagnostics) - 1)

    def _prompt(self, d: Diagnostic, full: bool) -> Text:
        p = self.palette
        t = Text(no_wrap=not full, overflow="ellipsis")
        t.append(f"{MARK[d.severity]} {d.code}", p.severity(d.severity))
        t.append(" ")
        t.append(printable(d.guest), p.strong)
        if d.apqns:
            more = f", +{len(d.apqns) - 3}" if len(d.apqns) > 3 else ""
            t.append(f" [{', '.join(d.apqns[:3])}{more}]", p.muted)
        t.append(": ")
        t.append(printable(d.message))
        return t

    @on(OptionList.OptionHighlighted)
    def _expand(self, event: OptionList.OptionHighlighted) -> None:
        """Only the highlighted diagnostic takes more than one line."""
        if not self.diagnostics:
            return
        for i, d in enumerate(self.diagnostics):
            want = i == event.option_index
            self.replace_option_prompt_at_index(i, self._prompt(d, want))

    @on(OptionList.OptionSelected)
    def _jump(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.diagnostics:
            self.post_message(self.Jump(self.diagnostics[event.option_index]))
