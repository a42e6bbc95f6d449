"""Modal forms: add a request, add or edit a guest, save as, and the questions (quit with
unsaved changes, restore a recovery file, replace a file). Every label built from data is rich
Text of its `printable` form."""

from __future__ import annotations

import os
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from aptui.formats.files import NotReplaceable, replaced_file
from aptui.formats.text import printable
from aptui.model import mask as m
from aptui.model.bounds import COST_KEYS, MAX_DEPTH, US_COSTS
from aptui.model.idlist import format_id_list
from aptui.model.scenario import (ADAPTER_TYPES, DEFAULT_FEATURES, FEATURES, HOST, MODES, OPS, OPS_WITHOUT_APQN, STATES,
                                  Adapter, Reserved, Scenario)
from aptui.console import edits
from aptui.console.edits import Refused

# DEFAULT_CSS is scoped to the class that declares it: a rule on the screen itself must name that
# class (a bare `ModalScreen` rule would match only a ModalScreen *inside* the form, i.e. nothing).
# `centred(cls)` gives each form screen its own rule; the `.form` rules below are descendants, so
# scoping does not get in their way.
FORM_CSS = """
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
.form .hint { color: $text-muted; height: auto; }
.form #adapters { height: 8; }
.form .pair Select, .form .pair Input { width: 1fr; }
.form .pair Checkbox { margin-top: 1; }
.form #apxa { margin-top: 1; }
.form.costs { width: 96; }
.form.costs Grid { grid-size: 4; grid-columns: 15 1fr 15 1fr; }
"""


class FormBody(VerticalScroll, can_focus=False):
    """A form's box: scrolls when the terminal is too small for it, but never takes the focus
    from the form's first field."""


def _text(s: str) -> Text:
    return Text(printable(s))


def _titled(field: Input, title: str) -> Input:
    """An input of a pair on one row, named in its top border."""
    field.border_title = title
    return field


def centred(screen: str) -> str:
    """FORM_CSS plus the rule that centres `screen` (the name of the class whose DEFAULT_CSS it is)."""
    return f"{screen} {{ align: center middle; }}\n" + FORM_CSS


class _Form(ModalScreen):
    DEFAULT_CSS = centred("_Form")  # inherited by every form: _Form is in their CSS type names
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def fail(self, message: str) -> None:
        self.query_one(".error", Static).update(_text(message))

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
        with FormBody(classes="form"):
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
        except Refused as e:
            self.fail(str(e))
            return
        self.dismiss(req)


class GuestForm(_Form):
    """Name, parent, backend, CRYCB format, APIE, CPU features, reserved queues (active and from
    boot on: the sysfs masks and 41-ap.rules) and the mdev's start and active state of one guest.

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
        with FormBody(classes="form"):
            yield Static(_text(f"Edit guest {g.name}") if g else Text("Add a guest"), classes="title")
            with Grid():
                yield Label("name")
                yield Input(printable(g.name) if g else edits.unique_name(s, "guest"), id="name")
                yield Label("parent")
                yield Select(parents, value=g.parent if g else self.new_parent, allow_blank=False, id="parent")
                yield Label("backend")
                yield Select([("passthrough", "passthrough"), ("emulated (hypothetical)", "emulated"),
                              ("none", "none")], value=g.backend if g else "passthrough", allow_blank=False,
                             id="backend")
                yield Label("CRYCB, APIE")
                with Horizontal(classes="pair"):
                    yield Select([("format: inherit", "inherit"), ("format 0", "0"), ("format 1", "1"),
                                  ("format 2", "2")],
                                 value="inherit" if not g or g.crycb_format is None else str(g.crycb_format),
                                 allow_blank=False, id="format")
                    yield Select([("APIE: default", "default"), ("APIE on", "on"), ("APIE off", "off")],
                                 value="default" if not g or g.apie is None else ("on" if g.apie else "off"),
                                 allow_blank=False, id="apie")
                yield Label("CPU features")
                with Horizontal():
                    feats = g.features if g else DEFAULT_FEATURES
                    for f in FEATURES:
                        yield Checkbox(f, f in feats, id=f"feature-{f}")
                yield Label("reserved")
                with Horizontal(classes="pair"):
                    yield _titled(Input(format_id_list(g.reserved.adapters) if g else "",
                                        placeholder="for its own zcrypt: 0x05", id="res-adapters"), "adapters")
                    yield _titled(Input(format_id_list(g.reserved.domains) if g else "",
                                        placeholder="0x47, 0x10-0x1f", id="res-domains"), "domains")
                same = g is None or g.persistent_reserved is None
                boot = g.boot_reserved if g else Reserved()
                yield Label("from boot on")
                with Horizontal(classes="pair"):
                    yield Checkbox("same", same, id="persistent-same")
                    yield _titled(Input(format_id_list(boot.adapters), placeholder="41-ap.rules",
                                        id="persistent-adapters", disabled=same), "adapters")
                    yield _titled(Input(format_id_list(boot.domains), placeholder="41-ap.rules",
                                        id="persistent-domains", disabled=same), "domains")
                yield Label("mdev")
                with Horizontal(classes="pair"):
                    yield Select([("start auto", "auto"), ("start manual", "manual")],
                                 value=g.start if g else "auto", allow_blank=False, id="start")
                    yield Checkbox("active (created, started)", g.active if g else True, id="active")
            yield Static("", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Apply" if g else "Add", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Checkbox.Changed, "#persistent-same")
    def _persistent_same(self, event: Checkbox.Changed) -> None:
        """The persistent masks follow the active ones, or are typed: their fields say which."""
        for field in ("#persistent-adapters", "#persistent-domains"):
            self.query_one(field, Input).disabled = event.value
        if event.value:
            self.query_one("#persistent-adapters", Input).value = self.query_one("#res-adapters", Input).value
            self.query_one("#persistent-domains", Input).value = self.query_one("#res-domains", Input).value

    def submit(self) -> None:
        q = self.query_one
        name = self._typed_name(q("#name", Input).value)
        fmt = q("#format", Select).value
        apie = q("#apie", Select).value
        try:
            reserved = edits.parse_reserved(q("#res-adapters", Input).value, q("#res-domains", Input).value)
            persistent = None if q("#persistent-same", Checkbox).value else edits.parse_reserved(
                q("#persistent-adapters", Input).value, q("#persistent-domains", Input).value, "persistent")
            features = [f for f in FEATURES if q(f"#feature-{f}", Checkbox).value]
            s = self.scenario
            target = self.guest_name
            if target is None:
                s = edits.add_guest(s, name, q("#parent", Select).value, "passthrough")
                target = name
            s = edits.update_guest(
                s, target, new_name=name, parent=q("#parent", Select).value, backend=q("#backend", Select).value,
                crycb_format=None if fmt == "inherit" else int(fmt),
                apie=None if apie == "default" else apie == "on", features=features, reserved=reserved,
                persistent_reserved=persistent, start=q("#start", Select).value, active=q("#active", Checkbox).value)
        except Refused as e:
            self.fail(str(e))
            return
        self.dismiss((s, name))

    def _typed_name(self, value: str) -> str:
        """The name field shows a name with control characters escaped: left as shown, it keeps
        the name it stands for."""
        if self.guest_name is not None and value == printable(self.guest_name):
            return self.guest_name
        return value.strip()


class HostForm(_Form):
    """The machine: APXA, the number of domains, and the adapters, one a line. Dismisses with the new Scenario."""

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        h = self.scenario.host
        with FormBody(classes="form"):
            yield Static("Edit the machine (host)", classes="title")
            with Grid():
                yield Label("APXA")
                yield Checkbox("ids to 0xff (off: adapters to 0x3f, domains to 0xf)", h.apxa, id="apxa")
                yield Label("domains")
                yield Input(str(h.domains), placeholder="1..256", id="domains")
            yield Static(Text.assemble("adapters, one a line: ", ("id type mode depth state", "bold"),
                                       "; id 0x1f (hex) or 31 (decimal); delete a line to remove one"),
                         classes="hint")
            yield TextArea("\n".join(edits.format_adapter(a) for a in h.adapters), id="adapters",
                           soft_wrap=False, show_line_numbers=True)
            yield Static(Text(f"types {' '.join(ADAPTER_TYPES)} · modes {' '.join(MODES)} (ep11 from CEX4) · "
                              f"depth 1..{MAX_DEPTH} · states {' '.join(STATES)}"), classes="hint")
            yield Static("", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Add adapter", id="add-adapter")
                yield Button("Apply", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#add-adapter")
    def _add_adapter(self) -> None:
        """Append a line for the lowest free id (a CEX8 in CCA mode, depth 8, online)."""
        area = self.query_one("#adapters", TextArea)
        try:
            used = {a.id for a in edits.parse_adapters(area.text.splitlines())}
        except Refused:
            used = {a.id for a in self.scenario.host.adapters}
        free = next((i for i in range(256) if i not in used), None)
        if free is None:
            self.fail("every adapter id 0x00..0xff is taken")
            return
        text = area.text.rstrip("\n")
        area.text = (text + "\n" if text else "") + edits.format_adapter(Adapter(free))
        area.move_cursor((area.document.line_count - 1, 0))
        area.focus()

    def submit(self) -> None:
        q = self.query_one
        try:
            s = edits.set_host(self.scenario, q("#apxa", Checkbox).value, q("#domains", Input).value,
                               q("#adapters", TextArea).text.splitlines())
        except Refused as e:
            self.fail(str(e))
            return
        self.dismiss(s)


class PolicyForm(_Form):
    """What the simulated hypervisors do beyond today's KVM. Dismisses with the new Scenario."""

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        with FormBody(classes="form"):
            yield Static("Edit the policy", classes="title")
            yield Checkbox("nested emulation (hypothetical): an emulated backend also serves its guests' guests",
                           self.scenario.policy.nested_emulation, id="nested_emulation")
            yield Static("", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        self.dismiss(edits.set_policy(self.scenario, self.query_one("#nested_emulation", Checkbox).value))


class CostsForm(_Form):
    """Cycles of each transition, the clock, and adapter times in µs. Dismisses with the new Scenario."""

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        c = self.scenario.costs
        with FormBody(classes="form costs"):
            yield Static("Edit the costs", classes="title")
            yield Static("cycles: whole numbers >= 0 · clock_mhz: >= 1 · *_us: microseconds >= 0", classes="hint")
            with Grid():
                for k in COST_KEYS:
                    yield Label(k)
                    yield Input(str(getattr(c, k)), type="number" if k in US_COSTS else "integer",
                                id=f"cost-{k}")
            yield Static("", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        values = {k: self.query_one(f"#cost-{k}", Input).value for k in COST_KEYS}
        try:
            s = edits.set_costs(self.scenario, values)
        except Refused as e:
            self.fail(str(e))
            return
        self.dismiss(s)


class SaveAs(_Form):
    def __init__(self, suggestion: str):
        super().__init__()
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with FormBody(classes="form"):
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

    DEFAULT_CSS = centred("Question")
    BINDINGS = [Binding("escape", "answer(None)", "Cancel")]

    def __init__(self, title: str, text: Text, answers: list[tuple[str, str, str]]):
        super().__init__()
        self.title_ = title
        self.text = text
        self.answers = answers  # (key, label, value)

    def compose(self) -> ComposeResult:
        with FormBody(classes="form"):
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


def ask_unsaved(where: str, doing: str = "quitting") -> Question:
    return Question("Unsaved changes", Text.assemble("Save the changes to ", (printable(where), "bold"),
                                                     f" before {doing}?"),
                    [("s", "Save", "save"), ("d", "Discard", "discard"), ("c", "Cancel", "cancel")])


def ask_restore(where: str) -> Question:
    return Question("Recover unsaved work?", Text.assemble(
        "aptui did not close cleanly last time you worked on ", (printable(where), "bold"),
        ". Its working state was kept in a recovery file. Restore it (it stays unsaved until ctrl+s)?"),
        [("r", "Restore", "restore"), ("d", "Discard", "discard")])


def write_asking(app, path: str, what: str, failed: str, write: Callable[[], None]) -> None:
    """Call `write`, asking first when it would replace a file (Save as and an export's Save as
    ask the same). A device, a FIFO or a directory is refused, under the title `failed`, before
    anything is asked."""
    try:
        replaced_file(path)
    except NotReplaceable as e:
        app.notify(str(e), title=failed, severity="error", markup=False)
        return
    if not os.path.lexists(path):
        write()
        return
    question = Question("Replace the file?",
                        Text.assemble((printable(path), "bold"), f" exists. Replace it with {what}?"),
                        [("o", "Overwrite", "overwrite"), ("c", "Cancel", "cancel")])
    app.push_screen(question, lambda answer: write() if answer == "overwrite" else None)
