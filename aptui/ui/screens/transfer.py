"""Import and export from the command palette (spec 9), each previewed before anything changes.

Import: ask for a path, read it (aptui.formats.real.convert.read), show the scenario TOML and its
notes; Open replaces the working scenario as one undoable edit, Cancel changes nothing.
Export: the selected guest (every passthrough guest when none is selected) in a real format,
shown with its notes; Save as… writes it atomically, asking before it replaces a file.

Everything shown here comes from files or from names in them: it is data, never markup (rich
Text, Content, a read-only TextArea, and notify(markup=False)), and its control characters
show as escapes (`printable`; the app's notify applies it to every notification).
"""

from __future__ import annotations

import os

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea

from aptui.formats.real import convert
from aptui.formats.errors import InputError
from aptui.formats.real.exporting import ExportError
from aptui.formats.real.registry import NAMED
from aptui.formats.files import write_atomic
from aptui.formats.text import printable, printable_lines
from aptui.ui.screens.forms import _Form, centred, write_asking

PREVIEW_CSS = """
Preview { align: center middle; }
Preview > Vertical { width: 110; max-width: 100%; height: 90%; border: thick $primary; background: $panel;
                     padding: 0 1; }
Preview .title { text-style: bold; height: auto; }
Preview TextArea { height: 1fr; }
Preview .notes { color: $text-warning; height: auto; max-height: 8; overflow-y: auto; }
Preview .buttons { height: auto; align-horizontal: right; }
Preview .buttons Button { margin-left: 1; }
"""


class AskPath(_Form):
    """One path (a file or a directory); dismisses with it, or None."""

    DEFAULT_CSS = centred("AskPath")

    def __init__(self, title: str, hint: str = "", value: str = "", action: str = "OK"):
        super().__init__()
        self.title_ = title
        self.hint = hint
        self.value = value
        self.action = action

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(Content(printable(self.title_)), classes="title")
            yield Input(printable(self.value), placeholder=self.hint, id="path")
            yield Static(Content(self.hint))
            yield Static("", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.action, variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.fail("a path, please")
            return
        self.dismiss(os.path.expanduser(path))


class Preview(ModalScreen[str | None]):
    """Text that is about to be opened or written, read-only, with its notes and a few buttons.

    `answers` are (id, label); the first is the primary one. Escape dismisses with None."""

    DEFAULT_CSS = PREVIEW_CSS
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, title: str, text: str, notes, answers: list[tuple[str, str]]):
        super().__init__()
        self.title_ = title
        self.text = text
        self.notes = tuple(notes)
        self.answers = answers

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(printable(self.title_)), classes="title")
            yield TextArea(printable_lines(self.text), read_only=True, soft_wrap=False, show_line_numbers=True,
                           id="text")
            notes = Text("\n".join(f"⚠ {printable(n)}" for n in self.notes) if self.notes else "no warnings")
            yield Static(notes, classes="notes", id="notes")
            with Horizontal(classes="buttons"):
                for i, (value, label) in enumerate(self.answers):
                    yield Button(label, variant="primary" if i == 0 else "default", id=f"answer-{value}")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.answer(event.button.id.removeprefix("answer-"))

    def answer(self, value: str) -> None:
        self.dismiss(None if value in ("cancel", "close") else value)


class ExportPreview(Preview):
    """An export's text; Save as… asks for a path (and before replacing a file), then writes."""

    def __init__(self, title: str, text: str, notes, suggestion: str):
        super().__init__(title, text, notes, [("save", "Save as…"), ("close", "Close")])
        self.suggestion = suggestion

    def answer(self, value: str) -> None:
        if value == "save":
            self.app.push_screen(AskPath("Save the export as", "the file to write (written atomically)",
                                         self.suggestion, "Save"), self._chosen)
            return
        super().answer(value)

    def _chosen(self, path: str | None) -> None:
        if path:
            self.suggestion = path
            write_asking(self.app, path, "this export", "Export not saved", lambda: self._write(path))

    def _write(self, path: str) -> None:
        try:
            warning = write_atomic(path, self.text)
        except OSError as e:
            self.app.notify(f"{path}: cannot write: {e.strerror or e}", title="Export not saved", severity="error",
                            markup=False)
            return
        if warning:
            self.app.notify(warning, title="Written, but", severity="warning", markup=False)
        self.app.notify(f"Wrote {path}", markup=False)
        self.dismiss("saved")


# -- the flows the palette starts ----------------------------------------------------------
def start_import(app, kind: str) -> None:
    def chosen(path: str | None) -> None:
        if path:
            preview_import(app, kind, path)

    app.push_screen(AskPath(f"Import {kind}: the file or directory to read", NAMED[kind].reads,
                            action="Preview"), chosen)


def preview_import(app, kind: str, path: str) -> None:
    try:
        imported = convert.read(kind, path)
        text = convert.toml_text(imported, kind, path)
    except InputError as e:  # convert.read makes any OSError of the input one
        app.notify(str(e), title="Import failed", severity="error", markup=False)
        return

    def answered(answer: str | None) -> None:
        if answer != "open":
            return
        main = app.main
        if main.edit(imported.scenario, f"import {kind} {path}"):
            app.session.path = None  # an import is not the file that was open: saving asks for a name
            app.notify(f"Opened the {kind} import of {path}: ctrl+z undoes it; ctrl+s asks for a "
                       "file name", markup=False)
            notify_guesses(app, imported)
        else:
            app.notify("The import is the scenario already open: nothing changed.", markup=False)

    shown = (*imported.notes, *(f"guess: {g}" for g in imported.guesses))
    app.push_screen(Preview(f"Import {kind} from {path} · scenario TOML", text, shown,
                            [("open", "Open"), ("cancel", "Cancel")]), answered)


def notify_import(app, kind: str, path: str, imported) -> None:
    """The console opened on a file in a real format: say so, and what the import guessed."""
    app.notify(f"{path} is not a scenario file: imported from {kind}. ctrl+s asks for a file name "
               "(the original is never overwritten).", title="Imported", timeout=15, markup=False)
    for note in imported.notes:
        app.notify(note, title="Import warning", severity="warning", timeout=15, markup=False)
    notify_guesses(app, imported)


def notify_guesses(app, imported) -> None:
    """Every value the import guessed, in one notification that stays long enough to read."""
    if imported.guesses:
        app.notify("\n".join(f"{g.what} = {g.value} ({g.why})" for g in imported.guesses),
                   title=f"{len(imported.guesses)} value(s) guessed: check them", severity="warning", timeout=30,
                   markup=False)


def start_export(app, kind: str) -> None:
    what, value = app.main.selected
    guest = value if what == "guest" else None
    scenario = app.session.scenario
    try:
        exported = convert.export(kind, scenario, guest)
    except ExportError as e:
        app.notify(str(e), title="Cannot export", severity="error", markup=False)
        return
    stem = printable(guest or scenario.name or "aptui").replace("/", "-").replace(" ", "-")
    whom = guest if guest else "every passthrough guest"
    app.push_screen(ExportPreview(f"Export {kind} of {whom}", exported.text, exported.notes,
                                  f"{stem}.{NAMED[kind].suffix}"))
