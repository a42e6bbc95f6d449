"""The console app: owns the Session (the scenario being edited) and the Runner (the engine),
themes, saving, the recovery file and quitting. The panels live on MainScreen; the forms and
the help screen are imported when first opened, to keep the first paint quick.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from aptui.formats.scenario.file import save
from aptui.formats.text import printable, printable_lines
from aptui.model.scenario import Scenario
from aptui.console import edits
from aptui.ui import themes
from aptui.console.recovery import Recovery, UnreadableRecovery
from aptui.console.runner import Runner
from aptui.ui.screens.main import MainScreen
from aptui.ui.terminal import DropTerminalControls
from aptui.console.session import Session
from aptui.ui.widgets.breakpoints import BreakpointList
from aptui.ui.widgets.diagnostics import DiagnosticList
from aptui.ui.widgets.history import HistoryList
from aptui.ui.widgets.lanes import LaneList
from aptui.ui.widgets.matrix import MatrixGrid
from aptui.ui.widgets.path import PathView
from aptui.ui.widgets.requests import RequestList
from aptui.ui.widgets.tree import TopologyTree


class AptuiApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "aptui"
    BINDING_GROUP_TITLE = "App"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="Quit (asks when there are unsaved changes)"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the scenario (atomically: the old file stays whole until then)"),
        Binding("question_mark,f1", "help", "Help", tooltip="This help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, tooltip="Find any command"),
        Binding("ctrl+t", "change_theme", "Theme", show=False, tooltip="Choose a theme (remembered)"),
    ]

    def __init__(self, scenario: Scenario, path: str | None = None, *, origin: str | None = None,
                 config_dir: Path | None = None, state_dir: Path | None = None, theme: str | None = None,
                 opened_import=None, watch=None):
        super().__init__()
        self.opened_import = opened_import  # (kind, path, Imported): the file opened was a real format
        self.watch = None
        if watch is not None:  # (path, interval, the first Imported): `aptui watch`
            from aptui.ui.watch import HostWatch

            self.watch = HostWatch(self, *watch)
        first = opened_import[2] if opened_import is not None else watch[2] if watch is not None else None
        self.session = Session(scenario, path, origin, first.guesses if first is not None else ())
        self.runner = Runner(scenario)
        self.config_dir = config_dir
        self.recovery = Recovery(state_dir, self.session.origin)
        found, self.theme_errors = themes.load_themes(themes.theme_dirs(config_dir))
        for t in found:
            self.register_theme(t)
        for name in (theme, themes.remembered(config_dir), themes.DEFAULT_THEME):
            if name and name in self.available_themes:
                self.theme = name
                break
        self._remember = False  # only a choice made in this session is written back
        self._drop_controls = DropTerminalControls()

    def get_css_variables(self) -> dict[str, str]:
        """Textual's variables, and aptui's panel colours where the theme does not set them."""
        variables = super().get_css_variables()
        self.theme_variables = {**themes.panel_defaults(variables), **variables}
        return self.theme_variables

    def get_line_filters(self):
        """Textual's filters, then the backstop that keeps data from driving the terminal."""
        return [*super().get_line_filters(), self._drop_controls]

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = True) -> None:
        """Every notification, Textual's own too, shows control characters as escapes, line breaks
        aside (aptui's callers also pass markup=False: their messages carry names)."""
        super().notify(printable_lines(message), title=printable(title), severity=severity, timeout=timeout, markup=markup)

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The Screenshot command: an SVG in the Downloads directory, or the current directory when
        there is none (Textual's own only says "Failed to save" then). Says where; returns the path."""
        import platformdirs

        downloads = platformdirs.user_downloads_path()
        folder = path or str(downloads if downloads.is_dir() else Path.cwd())
        try:
            saved = self.save_screenshot(filename, folder, time_format)
        except OSError as e:
            self.notify(f"Not saved in {folder}: {e.strerror or e}", title="Screenshot", severity="error", markup=False)
            return None
        self.notify(f"Saved {saved}", title="Screenshot", markup=False)
        return saved

    def get_default_screen(self) -> Screen:
        return MainScreen()

    @property
    def main(self) -> MainScreen:
        return self.screen_stack[0]

    def on_mount(self) -> None:
        for path, why in self.theme_errors:
            self.notify(f"{path.name}: {why}", title="Theme skipped", severity="warning", markup=False)
        if self.opened_import is not None:
            from aptui.ui.screens.transfer import notify_import

            notify_import(self, *self.opened_import)
        if self.watch is not None:
            from aptui.ui.screens.transfer import notify_guesses

            self.watch.start()
            notify_guesses(self, self.watch.first)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._remember = True
        try:
            recovered = self.recovery.read()
        except UnreadableRecovery as e:
            self.notify(str(e), title="Recovery file not loaded", severity="warning", timeout=30, markup=False)
            return
        if recovered is not None and recovered != self.session.scenario:
            from aptui.ui.screens.forms import ask_restore

            self.push_screen(ask_restore(self.session.path or self.session.origin), partial(self._restore, recovered))
        elif recovered is not None:
            self.recovery.drop_found()

    def _restore(self, recovered: Scenario, answer: str | None) -> None:
        if answer == "restore":
            self.recovery.adopt()
            self.main.edit(recovered, "restore the recovery file")
            self.notify("Restored the unsaved work; ctrl+s saves it, ctrl+z undoes the restore.", markup=False)
        else:
            self.recovery.drop_found()

    def _theme_changed(self, theme) -> None:
        if self._remember:
            try:
                themes.remember(self.config_dir, theme.name)
            except OSError as e:
                self.notify(f"Cannot remember the theme: {e}", severity="warning", markup=False)

    # -- areas, help and the command palette -------------------------------------------
    AREAS = (("Run", MainScreen), ("Topology (1)", TopologyTree), ("Matrix (2)", MatrixGrid),
             ("Requests (3)", RequestList), ("Levels (4)", LaneList), ("Path (5)", PathView),
             ("Diagnostics (6)", DiagnosticList), ("History (7)", HistoryList), ("Breakpoints (8)", BreakpointList))

    def areas(self) -> list[tuple[str, type]]:
        return [*self.AREAS, ("App", type(self))]

    def action_help(self) -> None:
        from aptui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.areas()))

    def get_system_commands(self, screen: Screen):
        from aptui.ui.screens.help import binding_rows

        yield from super().get_system_commands(screen)
        if not isinstance(screen, MainScreen):
            return
        for title, cls in self.AREAS:
            area = title.split(" (")[0]
            for b, (keys, what) in zip([b for b in cls.BINDINGS if isinstance(b, Binding)], binding_rows(self, cls)):
                if b.action.startswith("move(") or b.action.startswith("focus_panel"):
                    continue
                yield SystemCommand(f"{area}: {b.description}", f"{keys} · {what}", partial(self._run_in, cls, b.action))
        main = self.main
        yield SystemCommand("Edit host…", "The machine: APXA, domains, adapters (e on the host node)", main.action_edit_host)
        yield SystemCommand("Edit policy…", "Nested emulation (hypothetical); ctrl+z undoes", main.action_edit_policy)
        yield SystemCommand("Edit costs…", "Cycles of each transition, the clock, adapter times; ctrl+z undoes",
                            main.action_edit_costs)
        yield SystemCommand("Open file…", "Open a scenario file, or import a real format, in place of this one (asks "
                            "about unsaved changes)",
                            self.action_open_file)
        yield SystemCommand("Save as…", "Save the scenario under a new name (asks before replacing a file)",
                            partial(self.save_then, None, True))
        from aptui import demos

        for name in demos.names():
            yield SystemCommand(f"Open demo {name}", f"{demos.title(name)}: in place of this scenario (asks about "
                                "unsaved changes)", partial(self.open_demo, name))
        from aptui.formats.real.registry import EXPORTS, IMPORTS

        for kind in IMPORTS:
            yield SystemCommand(f"Import {kind}…", f"Read {kind} output into a scenario, previewed; Open replaces the "
                                "working scenario (ctrl+z undoes)", partial(self.import_from, kind))
        for kind in EXPORTS:
            yield SystemCommand(f"Export selected guest as {kind}…", f"The selected guest (every passthrough guest "
                                f"when none is) as {kind}, previewed; Save as… writes it", partial(self.export_as, kind))

    def import_from(self, kind: str) -> None:
        from aptui.ui.screens.transfer import start_import

        start_import(self, kind)

    def export_as(self, kind: str) -> None:
        from aptui.ui.screens.transfer import start_export

        start_export(self, kind)

    async def _run_in(self, cls: type, action: str) -> None:
        """Run a binding's action where its key would: on the screen, or on its panel (focused first)."""
        screen = self.main
        if cls is MainScreen:
            await screen.run_action(action)
            return
        widget = screen.query_one(cls)
        screen.set_focus(widget)
        await widget.run_action(action)

    # -- keeping the engine and the recovery file in step with edits --------------------
    def sync_runner(self) -> int | None:
        """Keep the run on the configuration every panel shows. Requests appended to the queue
        join the run; any other edit is followed (Runner.follow: a replay from time 0 to the same
        result), at once, or, while a continue goes on, once it has paused for it. Returns the
        result replayed to, None when the run did not restart."""
        s, r = self.session.scenario, self.runner
        if s == r.scenario:
            return None
        old = r.scenario
        appended = edits.same_configuration(s, old) and s.requests[: len(old.requests)] == old.requests
        if r.running:  # the continue calls this again when it returns
            if not appended:
                r.engine.pause()
            return None
        if appended:
            r.extend_requests(s)
            return None
        return r.follow(s)

    def autosave(self) -> None:
        try:
            if self.session.dirty:
                self.recovery.write(self.session.scenario)
            else:
                self.recovery.clear()
        except OSError as e:
            self.notify(f"Cannot write the recovery file: {e}", severity="warning", markup=False)

    # -- opening ------------------------------------------------------------------------
    def action_open_file(self) -> None:
        from aptui.ui.screens.transfer import AskPath

        def chosen(path: str | None) -> None:
            if path:
                self.open_file(path)

        self.push_screen(AskPath("Open a file", "a scenario TOML file (spec 8), or a real format aptui FILE "
                                 "recognises (lszcrypt, sysfs, mdevctl, libvirt, udev, lszdev): opened as its import",
                                 action="Open"), chosen)

    def open_file(self, path: str) -> None:
        """A scenario file, or a file in a real format as `aptui FILE` opens it (formats.opening):
        an import, with no save path (ctrl+s asks for one, never over the original), its notes
        and guesses notified as the console's start does."""
        from aptui.formats.errors import InputError
        from aptui.formats.opening import open_path

        try:
            if not Path(path).exists():
                raise InputError(path, None, "no such file or directory")
            opened = open_path(path)
            where = str(Path(path).resolve())
        except InputError as e:  # FILE:LINE: message; the open scenario stays
            self.notify(str(e), title="Not opened", severity="error", markup=False)
            return
        except OSError as e:  # a name too long, a directory we may not search
            self.notify(f"{path}: {e.strerror or e}", title="Not opened", severity="error", markup=False)
            return
        if opened.kind is None:
            self.open_scenario(opened.scenario, path, where)
        else:
            self.open_scenario(opened.scenario, None, f"import:{opened.kind}:{where}", (opened.kind, path, opened.imported))

    def open_demo(self, name: str) -> None:
        from aptui import demos
        from aptui.formats.scenario.file import loads

        self.open_scenario(loads(demos.text(name), demos.label(name)), None, f"demo:{name}")

    def open_scenario(self, scenario: Scenario, path: str | None, origin: str, imported=None) -> None:
        """Put `scenario` in place of the session (a new document: its own undo history, run and
        recovery file), once the unsaved changes of this one are saved or discarded. `imported`:
        (kind, path, Imported) when it is the import of a real format."""
        from aptui.ui.screens.forms import ask_unsaved

        def replace() -> None:
            old = self.recovery
            old.clear()
            self.session = Session(scenario, path, origin, imported[2].guesses if imported else ())
            self.runner = Runner(scenario)
            self.recovery = Recovery(old.state_dir, self.session.origin)
            self.main.show_session()
            if imported is None:
                self.notify(f"Opened {path or origin}", markup=False)
            else:
                from aptui.ui.screens.transfer import notify_import

                notify_import(self, *imported)

        def answered(answer: str | None) -> None:
            if answer == "save":
                self.save_then(replace)
            elif answer == "discard":
                replace()

        if self.session.dirty:
            self.push_screen(ask_unsaved(self.session.path or self.session.origin, "opening another"), answered)
        else:
            replace()

    # -- saving and quitting -----------------------------------------------------------
    def action_save(self) -> None:
        self.save_then(None)

    def save_then(self, after, ask: bool = False) -> None:
        """Save (asking for a file name when the scenario is a demo, or when `ask`), then call `after`."""
        if self.session.path is None or ask:
            from aptui.ui.screens.forms import SaveAs, write_asking

            def chosen(path: str | None) -> None:
                if path:
                    write_asking(self, path, "this scenario", "Save failed", partial(self._save_to, path, after))

            stem = printable(self.session.scenario.name).replace(" ", "-").replace("/", "-")
            self.push_screen(SaveAs(self.session.path or f"{stem}.toml"), chosen)
            return
        self._save_to(self.session.path, after)

    def _save_to(self, path: str, after) -> None:
        try:
            warning = save(self.session.scenario, path)
        except OSError as e:  # NotReplaceable among them: a device, a FIFO, a directory
            self.notify(f"Not saved: {e}", title="Save failed", severity="error", markup=False)
            return
        old = self.recovery
        self.session.mark_saved(path)
        self.session.origin = str(Path(path).resolve())
        self.recovery = Recovery(old.state_dir, self.session.origin)
        old.clear()
        if warning:
            self.notify(warning, title="Saved, but", severity="warning", markup=False)
        self.notify(f"Saved {path}", markup=False)
        self.main.refresh_config()
        if after:
            after()

    async def action_quit(self) -> None:
        from aptui.ui.screens.forms import Question, ask_unsaved

        if not self.session.dirty:
            self.recovery.clear()
            self.exit()
            return

        def answered(answer: str | None) -> None:
            if answer == "save":
                self.save_then(self.exit)
            elif answer == "discard":
                self.recovery.clear()
                self.exit()

        if not isinstance(self.screen, Question):
            self.push_screen(ask_unsaved(self.session.path or self.session.origin), answered)


def run_console(scenario: Scenario, file: str | None, imported=None, watch=None) -> int:
    """Open the console (the CLI has already reported input errors); Textual's return code, 1 after a crash.
    ``imported``: (kind, Imported) when FILE was a real format: saving then asks for a name, so
    that ctrl+s never writes TOML over the listing or the tree it came from. ``watch``: (path,
    interval, the first Imported) for `aptui watch`."""
    import platformdirs

    from aptui import demos

    path = file if file and Path(file).is_file() and imported is None else None
    if watch is not None:
        origin = f"watch:{Path(watch[0]).resolve()}"
    elif imported is not None:
        origin = f"import:{imported[0]}:{Path(file).resolve()}"
    else:
        origin = None if path else f"demo:{(file or demos.DEFAULT).removeprefix('demo:')}"
    app = AptuiApp(scenario, path, origin=origin, config_dir=platformdirs.user_config_path("aptui"),
                   state_dir=platformdirs.user_state_path("aptui"),
                   opened_import=None if imported is None else (imported[0], file, imported[1]), watch=watch)
    app.run()
    return app.return_code or 0  # 1 after an unhandled exception (Textual printed its traceback)
