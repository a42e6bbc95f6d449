"""Modal forms: add a request, add or edit a guest, save as, and the two questions (quit with
unsaved changes, restore a recovery file). Every label built from data is rich Text."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from aptui.model import mask as m
from aptui.model.scenario import FEATURES, HOST, OPS, OPS_WITHOUT_APQN, Reserved, Scenario
from aptui.ui import edits
from aptui.ui.edits import Refused

FORM_CSS = """
ModalScreen { align: center middle; }
.form { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $primary; background: $panel;
        padding: 0 1; }
.form Grid { grid-size: 2; grid-columns: 14 1fr; grid-rows: auto; grid-gutter: 0 1; height: auto; }
.form Label { padding: 1 0 0 0; }
.form .title { text-style: bold; padding: 0 0 1 0; }
.form .error { color: $error; text-style: bold; height: auto; }
.form .buttons { height: auto; align-horizontal: right; padding-top: 1; }
.form .buttons Button { margin-left: 1; }
.form Horizontal { height: auto; }
.form Checkbox { border: none; padding: 0 1 0 0; }
"""


def _text(s: str) -> Text:
    return Text(s)


class _Form(ModalScreen):
    DEFAULT_CSS = FORM_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def fail(self, message: str) -> None:
        self.query_one(".error", Static).update(Text(message))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.submit()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.submit()

    def submit(self) -> None:
        raise NotImplementedError


class RequestForm(_Form):
    """Guest, op, APQN, repeat, wait: a Request, checked like the loader checks a file."""

    def __init__(self, scenario: Scenario, guest: str | None, apqn: tuple[int, int] | None):
        super().__init__()
        self.scenario = scenario
        self.guest = guest if guest in {g.name for g in scenario.guests} else None
        self.apqn = apqn

    def compose(self) -> ComposeResult:
        names = [g.name for g in self.scenario.guests]
        with Vertical(classes="form"):
            yield Static("Add a request", classes="title")
            with Grid():
                yield Label("guest")
                yield Select([(_text(n), n) for n in names], value=self.guest or (names[0] if names else Select.NULL),
                             allow_blank=False, id="guest")
                yield Label("op")
                yield Select([(op, op) for op in OPS], value="TAPQ", allow_blank=False, id="op")
                yield Label("APQN")
                yield Input(m.format_apqn(*self.apqn) if self.apqn else "", placeholder="05.0004 (hex aa.dddd)",
                            id="apqn")
                yield Label("repeat")
                yield Input("1", type="integer", id="repeat")
                yield Label("wait µs")
                yield Input("0", type="number", id="wait")
            yield Static("", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Add", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Select.Changed, "#op")
    def _op(self, event: Select.Changed) -> None:
        self.query_one("#apqn", Input).disabled = event.value in OPS_WITHOUT_APQN

    def submit(self) -> None:
        op = self.query_one("#op", Select).value
        try:
            req = edits.make_request(
                self.scenario, self.query_one("#guest", Select).value, op,
                "" if op in OPS_WITHOUT_APQN else self.query_one("#apqn", Input).value,
                self.query_one("#repeat", Input).value or "1", self.query_one("#wait", Input).value or "0")
        except (Refused, KeyError) as e:
            self.fail(str(e))
            return
        self.dismiss(req)


def parse_ids(text: str, what: str) -> frozenset[int]:
    """'05, 06, 10-1f' (hex, as sysfs and the tree show ids)."""
    out: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            a, b = int(lo, 16), int(hi or lo, 16)
        except ValueError:
            raise Refused(f"{what}: '{part}' is not a hex id or range like 10-1f") from None
        if not 0 <= a <= b <= 255:
            raise Refused(f"{what}: '{part}' must lie within 00..ff, low to high")
        out.update(range(a, b + 1))
    return frozenset(out)


class GuestForm(_Form):
    """Name, parent, backend, CRYCB format, APIE, CPU features, reserved queues of one guest.

    With `name` None it adds a guest under `parent`. Dismisses with the new Scenario.
    """

    def __init__(self, scenario: Scenario, name: str | None, parent: str = HOST):
        super().__init__()
        self.scenario = scenario
        self.guest_name = name
        self.new_parent = parent

    def compose(self) -> ComposeResult:
        s = self.scenario
        g = s.guest(self.guest_name) if self.guest_name else None
        banned = {self.guest_name, *edits.descendants(s, self.guest_name)} if self.guest_name else set()
        parents = [(_text("host (an LPAR)"), HOST)] + [(_text(x.name), x.name) for x in s.guests if x.name not in banned]
        with Vertical(classes="form"):
            yield Static(Text(f"Edit guest {g.name}") if g else Text("Add a guest"), classes="title")
            with Grid():
                yield Label("name")
                yield Input(g.name if g else edits.unique_name(s, "guest"), id="name")
                yield Label("parent")
                yield Select(parents, value=g.parent if g else self.new_parent, allow_blank=False, id="parent")
                yield Label("backend")
                yield Select([("passthrough", "passthrough"), ("emulated (hypothetical)", "emulated"),
                              ("none", "none")], value=g.backend if g else "passthrough", allow_blank=False,
                             id="backend")
                yield Label("CRYCB format")
                yield Select([("as its hypervisor", "inherit"), ("0", "0"), ("1", "1"), ("2", "2")],
                             value="inherit" if not g or g.crycb_format is None else str(g.crycb_format),
                             allow_blank=False, id="format")
                yield Label("APIE")
                yield Select([("backend's default", "default"), ("on", "on"), ("off", "off")],
                             value="default" if not g or g.apie is None else ("on" if g.apie else "off"),
                             allow_blank=False, id="apie")
                yield Label("CPU features")
                with Horizontal():
                    feats = g.features if g else frozenset({"ap", "apqci", "apft"})
                    for f in FEATURES:
                        yield Checkbox(f, f in feats, id=f"feature-{f}")
                yield Label("reserved ads")
                yield Input(m.format_ids(g.reserved.adapters) if g else "", placeholder="for its own zcrypt: 05,06",
                            id="res-adapters")
                yield Label("reserved doms")
                yield Input(m.format_ids(g.reserved.domains, 4) if g else "", placeholder="0047,0010-001f",
                            id="res-domains")
            yield Static("", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Apply" if g else "Add", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        q = self.query_one
        name = q("#name", Input).value.strip()
        fmt = q("#format", Select).value
        apie = q("#apie", Select).value
        try:
            reserved = Reserved(parse_ids(q("#res-adapters", Input).value, "reserved adapters"),
                                parse_ids(q("#res-domains", Input).value, "reserved domains"))
            features = [f for f in FEATURES if q(f"#feature-{f}", Checkbox).value]
            s = self.scenario
            target = self.guest_name
            if target is None:
                s = edits.add_guest(s, name, q("#parent", Select).value, "passthrough")
                target = name
            s = edits.update_guest(
                s, target, new_name=name, parent=q("#parent", Select).value, backend=q("#backend", Select).value,
                crycb_format=None if fmt == "inherit" else int(fmt),
                apie=None if apie == "default" else apie == "on", features=features, reserved=reserved)
        except Refused as e:
            self.fail(str(e))
            return
        self.dismiss((s, name))


class SaveAs(_Form):
    def __init__(self, suggestion: str):
        super().__init__()
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static("Save the scenario as", classes="title")
            yield Input(self.suggestion, id="path")
            yield Static("", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.fail("a file name, please")
            return
        self.dismiss(path)


class Question(ModalScreen[str | None]):
    """A question with a few answers, each on a key; escape answers None."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = [Binding("escape", "answer(None)", "Cancel")]

    def __init__(self, title: str, text: Text, answers: list[tuple[str, str, str]]):
        super().__init__()
        self.title_ = title
        self.text = text
        self.answers = answers  # (key, label, value)

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(self.title_, classes="title")
            yield Static(self.text)
            with Horizontal(classes="buttons"):
                for i, (key, label, value) in enumerate(self.answers):
                    yield Button(f"{label} ({key})", variant="primary" if i == 0 else "default", id=f"answer-{value}")

    def on_key(self, event) -> None:
        for key, _, value in self.answers:
            if event.key == key:
                event.stop()
                self.dismiss(value)

    def action_answer(self, value: str | None) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id.removeprefix("answer-"))


def ask_unsaved(where: str) -> Question:
    return Question("Unsaved changes", Text.assemble("Save the changes to ", (where, "bold"), " before quitting?"),
                    [("s", "Save", "save"), ("d", "Discard", "discard"), ("c", "Cancel", "cancel")])


def ask_restore(where: str) -> Question:
    return Question("Recover unsaved work?", Text.assemble(
        "aptui did not close cleanly last time you worked on ", (where, "bold"),
        ". Its working state was kept in a recovery file. Restore it (it stays unsaved until ctrl+s)?"),
        [("r", "Restore", "restore"), ("d", "Discard", "discard")])
