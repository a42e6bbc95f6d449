"""The main screen: topology, matrix editor, requests, levels, path and diagnostics, and the
debugger keys that drive the engine (the edits are in editing.py). Holds no state of its own
beyond the selection: the scenario lives in the app's Session, the run in its Runner.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static, Tree

from aptui.engine import Breakpoint, BreakpointKind, Stop, instruction_text, lane_name, result_text
from aptui.formats.text import printable
from aptui.model import mask as m
from aptui.model.scenario import HOST
from aptui.console.cells import GuestCells
from aptui.console.inspector import queue_rows
from aptui.console.runner import Past
from aptui.ui.palette import Palette
from aptui.ui.screens.editing import EditingMixin
from aptui.ui.widgets.breakpoints import BreakpointList
from aptui.ui.widgets.diagnostics import DiagnosticList
from aptui.ui.widgets.history import HistoryList
from aptui.ui.widgets.footer import Footer
from aptui.ui.widgets.lanes import LaneList
from aptui.ui.widgets.matrix import MatrixGrid, MatrixPanel, legend
from aptui.ui.widgets.path import PathView
from aptui.ui.widgets.queue import QueueView
from aptui.ui.widgets.requests import RequestList
from aptui.ui.widgets.tree import TopologyTree

RUN_REFRESH = 0.25  # seconds between panel updates while a run goes on
PACES = (1.0, 0.5, 2.0)  # seconds between the auto-steps of the presenter's mode, as P cycles them
BACKENDS = {"passthrough": "passthrough", "emulated": "emulated (hypothetical)", "none": "no AP backend"}
MIN_SIZE = (60, 20)  # below it the panels cannot show a path or a request: say so instead
PANELS = {"tree": "Topology", "matrix": "Matrix", "requests": "Requests", "lanes": "Levels", "path": "Path",
          "diagnostics": "Diagnostics", "history": "History", "breakpoints": "Breakpoints", "queue": "Queue"}
DEBUG_PAGES = ("history", "breakpoints", "queue")  # the debugger's pages: shown only when chosen (7, 8, 9)


class MainScreen(EditingMixin, Screen):
    # Both axes share "-tiny": too narrow or too short, the screen only says so (app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (MIN_SIZE[0], "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-tiny"), (MIN_SIZE[1], "-short"), (30, "-tall"), (45, "-roomy")]
    BINDING_GROUP_TITLE = "Run"
    BINDINGS = [
        Binding("s", "step", "Step", tooltip="One transition of the current instruction: the path grows hop by hop"),
        Binding("n", "next", "Next", tooltip="Finish the current instruction (or run the next one whole)"),
        Binding("c", "cont", "Continue", tooltip="Run until a breakpoint or the end"),
        Binding("space", "pause", "Pause", tooltip="Pause a running continue"),
        Binding("r", "restart", "Restart", tooltip="Restart the run from time 0 with the current configuration"),
        Binding("b", "breakpoint", "Break", tooltip="Toggle a breakpoint on the selected request, guest, APQN or lane"),
        Binding("f", "finish", "Finish", show=False, tooltip="Finish the current request (gdb's finish): the rest "
                "of its SCAN, every repetition left; a breakpoint stops it as it stops a continue"),
        Binding("S", "back", "Step back", show=False, tooltip="Step back one transition (gdb's reverse-step): "
                "the run is deterministic, so it restarts and replays to just before"),
        Binding("N", "back(True)", "Back one", show=False, tooltip="Step back one instruction (gdb's "
                "reverse-next): replayed from time 0 to the start of the current (or the previous) instruction"),
        Binding("H", "live_path", "Live path", show=False,
                tooltip="Back to the live instruction in the Path panel after looking at the history (pudb's H)"),
        Binding("enter", "repeat", "Repeat", show=False, tooltip="Repeat the last step command (s, n or c)"),
        Binding("ctrl+z", "undo", "Undo", tooltip="Undo the last edit"),
        Binding("ctrl+y", "redo", "Redo", tooltip="Redo the last undone edit"),
        Binding("i", "chain", "Chain", tooltip="The selected guest's chain from the machine down: each level's "
                "APIE, CRYCB format, filtered and shadowed matrix, and where the chain breaks"),
        Binding("p", "play", "Play", tooltip="Auto-step: one transition at a pace, for an audience (p again stops)"),
        Binding("P", "pace", "Pace", show=False, tooltip="Change the auto-step pace: 1 s, 0.5 s, 2 s per step"),
        Binding("equals_sign", "compare", "Compare", show=False, tooltip="The requests run on this configuration, "
                "with every hypervisor passthrough, and with nested emulation, side by side"),
        Binding("L", "live_change", "Live", show=False,
                tooltip="Make the last matrix edit of a guest a change of the running guest at the current time "
                        "([[change]], as mdevctl modify --live): its queues are reset, new ones found at its next SCAN"),
        Binding("z", "zoom", "Zoom", show=False, tooltip="Give the focused panel the whole screen (again: back)"),
        Binding("q", "app.quit", "Quit", show=False, tooltip="Quit, as ctrl+q (asks when there are unsaved changes)"),
        *(Binding(str(i), f"focus_panel('{p}')", f"Go to {title}", show=False, tooltip=f"Focus the {title} panel")
          for i, (p, title) in enumerate(PANELS.items(), 1)),
    ]

    def __init__(self):
        super().__init__()
        self.selected: tuple = ("host", None)
        self.last_command: str | None = None
        self._ticker: Timer | None = None
        self._player: Timer | None = None
        self.pace = PACES[0]
        self.palette: Palette | None = None
        self.viewing: Past | None = None  # a finished instruction shown in the Path panel instead of the live one

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="title")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield TopologyTree(id="tree")
                yield RequestList(id="requests")
            with Vertical(id="right"):
                with MatrixPanel(id="matrix-panel", classes="page"):
                    yield MatrixGrid(id="matrix")
                    yield Static(id="cell-info")
                    yield Static(id="legend")
                yield PathView(id="path", classes="page -current")
                yield LaneList(id="lanes", classes="page -behind")
                yield HistoryList(id="history", classes="page -behind debug")
                yield BreakpointList(id="breakpoints", classes="page -behind debug")
                yield QueueView(id="queue", classes="page -behind debug")
        yield DiagnosticList(id="diagnostics")
        yield Static(id="status")
        yield Static(id="too-small")
        yield Footer()

    def on_resize(self, event) -> None:
        w, h = event.size
        self.query_one("#too-small", Static).update(
            f"Too small: {w}×{h}.\naptui needs {MIN_SIZE[0]}×{MIN_SIZE[1]} (80×24 reads well).\nctrl+q quits.")

    def on_mount(self) -> None:
        titles = {"tree": "1 Topology", "matrix-panel": "2 Matrix", "requests": "3 Requests", "lanes": "4 Levels",
                  "path": "5 Path", "diagnostics": "6 Diagnostics", "history": "7 History", "breakpoints": "8 Breakpoints",
                  "queue": "9 Queue"}
        for wid, title in titles.items():
            self.query_one(f"#{wid}").border_title = title
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.restyle())
        self.palette = Palette.of(self.app.current_theme)
        self.show_session()

    def show_session(self) -> None:
        """Every panel on the app's session from scratch: at the start, and after Open."""
        s = self.session.scenario
        first = s.requests[0].guest if s.requests else next(iter(self.session.topology.walk()), None)
        self.selected = ("guest", first) if first else ("host", None)
        self._show_tree()  # in the first frame (after edits the tree follows the diagnostics)
        self.select(self.selected)
        self.refresh_run()
        self.set_focus(self.query_one(TopologyTree))

    def restyle(self) -> None:
        self.palette = Palette.of(self.app.current_theme)
        self.refresh_config()
        self.refresh_run()

    @property
    def session(self):
        return self.app.session

    @property
    def runner(self):
        return self.app.runner

    # -- refreshing --------------------------------------------------------------------
    def refresh_config(self, keep_ids: bool = True) -> None:
        """After an edit (or undo): the tree, the matrix and, once painted, the diagnostics."""
        if self.palette is None:
            return
        kind, value = self.selected
        if kind == "guest" and value not in self.session.topology.views:
            self.selected = ("host", None)
        self._show_matrix(keep_ids)
        self._title()
        self.call_after_refresh(self._show_diagnostics)
        self._status()

    def _show_tree(self) -> None:
        marked = self._marks(BreakpointKind.GUEST)
        self.query_one(TopologyTree).show(self.session.topology, self.session.diagnostics, marked, self.selected,
                                          self.palette, guessed=self.session.guessed())

    def _show_diagnostics(self) -> None:
        diags = self.session.diagnostics
        self.query_one(DiagnosticList).show(diags, self.palette)
        errors = sum(d.severity == "error" for d in diags)
        self.query_one("#diagnostics").border_subtitle = f"{len(diags)} · {errors} error(s)" if diags else "none"
        self._show_tree()

    def _show_matrix(self, keep_ids: bool) -> None:
        s = self.session.scenario
        topo = self.session.topology
        kind, value = self.selected
        name = value if kind == "guest" else HOST
        grid = self.query_one(MatrixGrid)
        grid.breakpoints = self._marks(BreakpointKind.APQN)
        grid.show(GuestCells(s, topo, name), s, keep_ids=keep_ids)
        if kind == "adapter":
            grid.go_to(value, grid.cursor_apqn[1])
        panel = self.query_one("#matrix-panel")
        if name == HOST:
            panel.border_title = Content.assemble("2 Matrix · ", ("the machine", "bold"),
                                                  f" · {len(s.host.adapters)} adapters × {s.host.domains} domains")
        else:
            v = topo.view(name)
            chain = "APIE chain ✓" if v.apie_chain else "APIE chain ✗"
            panel.border_title = Content.assemble(
                "2 Matrix · ", (printable(name), "bold"),
                f" · L{v.level} {BACKENDS[v.guest.backend]} · f{v.crycb_format} · {chain}"
                f" · gets {self._gets(grid, v)}")
        panel.border_subtitle = f"view: {grid.mode}{' · all ids' if grid.all_ids else ''}"
        self._cell_info()
        self.call_after_refresh(self._legend)  # it looks at every row: after the grid is painted

    def _legend(self) -> None:
        self.query_one("#legend", Static).update(legend(self.query_one(MatrixGrid)))

    @staticmethod
    def _gets(grid: MatrixGrid, v) -> str:
        eff = grid.cells.effective
        return f"{eff.apqn_count}" + (f"+{len(eff.control_domains)} ctl" if eff.adm else "")

    def _cell_info(self) -> None:
        grid = self.query_one(MatrixGrid)
        a, d = grid.cursor_apqn
        info = Text(no_wrap=True, overflow="ellipsis")
        if grid.cells is not None and a is not None and d is not None:
            if (a, d) in grid.breakpoints:  # first: the explanation may be cut at the panel's edge
                on_ = grid.breakpoints[(a, d)]
                info.append(f"{'●' if on_ else '○'} breakpoint{'' if on_ else ' (disabled)'} · ",
                            self.palette.error if on_ else self.palette.muted)
            info.append(printable(grid.cells.explain(a, d)))
            if grid.anchor is not None:
                (r0, r1), (c0, c1) = grid.selection()
                info.append(f"   range {grid.rows[r0]:02x}-{grid.rows[r1]:02x} × {grid.cols[c0]:04x}-{grid.cols[c1]:04x}",
                            self.palette.accent)
        self.query_one("#cell-info", Static).update(info)

    def _title(self) -> None:
        sess = self.session
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(" aptui ", self.palette.accent)
        t.append(printable(sess.scenario.name), self.palette.strong)
        t.append(f"  {printable(sess.path or sess.origin)}", self.palette.muted)
        if sess.dirty:
            t.append("  modified", self.palette.warning)
        self.query_one("#title", Static).update(t)

    def refresh_run(self) -> None:
        """After a step or while running: requests, levels, path, status."""
        if self.palette is None:
            return
        r = self.runner
        e = r.engine
        shown = r.path()  # first: it makes the changes due before the next instruction happen
        self.query_one(RequestList).update(r, self._marks(BreakpointKind.REQUEST), self.palette)
        trace = r.trace
        self.query_one(LaneList).update(e.lanes(), e.counters(), r.recent, trace.at if trace else None,
                                        self._marks(BreakpointKind.LANE), self.palette)
        if self.viewing is not None and self._viewing_results is not e.results:
            self.viewing = None  # a restart or a replay: the history it came from is gone
        past = self.viewing
        if past is not None:
            shown, trace = past.trace, past.trace
        first = past is None and not e.results and not e.hops_done
        self.query_one(PathView).show(shown, e.lanes(), self.palette, () if past else r.reached,
                                      history=past.number if past else None,
                                      story=self.session.scenario.description, opening=first)
        path = self.query_one("#path")
        if trace is not None:
            number = past.number if past else f"#{trace.seq}"
            path.border_title = Content.assemble("5 Path · ", ("history ", "bold reverse") if past else "",
                                                 f"{number} ", (printable(trace.guest), "bold"),
                                                 f" L{trace.level} {trace.op}",
                                                 f" {m.format_apqn(*trace.apqn)}" if trace.apqn else "")
        else:
            path.border_title = "5 Path"
        self._show_debug_pages()
        self._status()

    def _marks(self, kind: BreakpointKind) -> dict:
        """What the breakpoints of a kind watch, each with whether it is enabled (the panels' markers)."""
        return {b.value: b.enabled for b in self.runner.engine.breakpoints if b.kind == kind}

    _viewing_results = None  # the engine's results the history shown was taken from

    def _show_debug_pages(self) -> None:
        """The history and the queue inspector as the run stands, when on screen (they cost a listing)."""
        r = self.runner
        e = r.engine
        history = self.query_one(HistoryList)
        if history.display and not history.has_class("-behind"):
            history.update(r.history(), (id(e.results), r.position()), self.palette)
        queue = self.query_one(QueueView)
        if queue.display and not queue.has_class("-behind"):
            kind, name = self.selected
            apqn = self.query_one(MatrixGrid).cursor_apqn
            queue.show(queue_rows(e, name if kind == "guest" else HOST, None if None in apqn else apqn), self.palette)
            queue.border_subtitle = f"t={e.time_us:.1f}µs"
        self._show_breakpoints()

    def _show_breakpoints(self) -> None:
        e = self.runner.engine
        stop = self.runner.last_stop
        at = stop.breakpoint if stop is not None and stop.reason == "breakpoint" else None
        pane = self.query_one(BreakpointList)
        pane.update(e.breakpoints, at, self.palette)
        on_ = sum(b.enabled for b in e.breakpoints)
        pane.border_subtitle = f"{on_} on · {len(e.breakpoints) - on_} off" if e.breakpoints else "none"

    def _status(self) -> None:
        r = self.runner
        e = r.engine
        p = self.palette
        t = Text(no_wrap=True, overflow="ellipsis")
        nxt = e.current or e.peek()
        done = nxt.request if nxt is not None else len(e.scenario.requests)
        t.append(f" t={e.time_us:.1f}µs", p.strong)
        t.append(f"  {len(e.results)} result(s), {done}/{len(e.scenario.requests)} requests", p.muted)
        if r.running and r.replay_to is not None:
            t.append(f"  ● replaying with the edit to #{r.replay_to} (space pauses)", p.accent)
        elif r.running:
            t.append("  ● running (space pauses)", p.accent)
        elif e.finished:
            t.append("  ■ end of the queue (r restarts)", p.muted)
        elif nxt is not None:
            what = instruction_text(nxt.op, nxt.apqn)
            t.append("  at " if e.current else "  next ", p.muted)
            t.append(f"#{nxt.seq} {printable(nxt.guest)} {what}")
        stop = r.last_stop
        if stop is not None and stop.reason == "breakpoint" and not r.running:
            t.append(f"  stopped: {printable(stop.breakpoint.label)}", p.error)
        if self._player is not None:
            t.append(f"  ▶ auto-step every {self.pace:g} s (p stops, P paces)", p.accent)
        if e.breakpoints:
            off = sum(not b.enabled for b in e.breakpoints)
            t.append(f"  ● {len(e.breakpoints)} breakpoint(s)" + (f", {off} disabled" if off else ""), p.error)
        if self.viewing is not None:
            t.append(f"  ◀ Path shows history {self.viewing.number} (H: live)", p.warning)
        if self.session.scenario != e.scenario:  # for a moment: a continue pausing to follow an edit
            t.append("  taking the edit…", p.warning)
        self.query_one("#status", Static).update(t)

    # -- selection ---------------------------------------------------------------------
    def select(self, what: tuple, keep_ids: bool = False) -> None:
        self.selected = what
        self.query_one(TopologyTree).point_at(what)
        self.refresh_config(keep_ids=keep_ids)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        data = event.node.data
        if self.query_one(TopologyTree).rebuilding:
            return
        if data and data != self.selected:
            self.selected = data
            self._show_matrix(keep_ids=False)

    @on(MatrixGrid.CursorMoved)
    def _cursor(self) -> None:
        self._cell_info()
        self._show_debug_pages()
        self._legend()
        grid = self.query_one(MatrixGrid)
        self.query_one("#matrix-panel").border_subtitle = f"view: {grid.mode}{' · all ids' if grid.all_ids else ''}"

    @on(DiagnosticList.Jump)
    def _jump(self, event: DiagnosticList.Jump) -> None:
        d = event.diagnostic
        self.select(("guest", d.guest) if d.guest != HOST else ("host", None))
        grid = self.query_one(MatrixGrid)
        if d.apqns:
            grid.go_to(*m.parse_apqn(d.apqns[0]))
        self.set_focus(grid)

    def action_focus_panel(self, panel: str) -> None:
        self.show_page(panel)
        self.set_focus(self.query_one(f"#{panel}"))  # now, not later: the next key may be in the same read

    def show_page(self, panel: str) -> None:
        """On a short screen the right column shows one of matrix, path and levels at a time; on
        a tall one the matrix and one of path and levels."""
        page = {"matrix": "matrix-panel"}.get(panel, panel)
        if page not in ("matrix-panel", "path", "lanes", *DEBUG_PAGES):
            return
        for w in self.query(".page"):
            w.set_class(w.id == page, "-current")
        if page != "matrix-panel":  # below 45 rows the path and the levels share the space under the matrix
            for w in self.query("#path, #lanes, .debug"):  # the history keeps the path beside it
                w.set_class(w.id != page and not (page == "history" and w.id == "path"), "-behind")
        if page in DEBUG_PAGES:
            self.call_after_refresh(self._show_debug_pages)  # once its CSS says it is on screen

    def on_descendant_focus(self, event) -> None:
        w = event.widget
        self.show_page("matrix" if isinstance(w, MatrixGrid) else w.id or "")

    def action_focus_matrix(self) -> None:
        self.set_focus(self.query_one(MatrixGrid))

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        if self.focused is not None:
            self.maximize(self.focused)

    # -- stepping ----------------------------------------------------------------------
    def action_chain(self) -> None:
        kind, name = self.selected
        if kind != "guest":
            self.app.notify("Select a guest in the topology first: the chain runs from the machine down to it.",
                            markup=False)
            return
        from aptui.ui.screens.chain import ChainScreen

        self.app.push_screen(ChainScreen(name))

    def action_play(self) -> None:
        if self._player is not None:
            self._stop_playing()
            return
        if self.runner.engine.finished:
            self.app.notify("End of the request queue: r restarts the run, then p plays it.", markup=False)
            return
        self._player = self.set_interval(self.pace, self._auto_step)
        self._status()

    def action_pace(self) -> None:
        self.pace = PACES[(PACES.index(self.pace) + 1) % len(PACES)]
        if self._player is not None:
            self._player.stop()
            self._player = self.set_interval(self.pace, self._auto_step)
        self._status()

    def _auto_step(self) -> None:
        r = self.runner
        if r.running or self.app.screen is not self:
            return  # a continue, or a dialog over the panels: wait for the next tick
        self._drive("step")
        stop = r.last_stop
        if r.engine.finished or (stop is not None and stop.reason == "breakpoint"):
            self._stop_playing()

    def _stop_playing(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player = None
        self._status()

    def action_compare(self) -> None:
        from aptui.ui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen())

    def action_step(self) -> None:
        self._drive("step")

    def action_next(self) -> None:
        self._drive("next")

    def action_cont(self) -> None:
        self._drive("cont")

    def action_repeat(self) -> None:
        if self.last_command:
            self._drive(self.last_command)

    def _drive(self, command: str) -> None:
        self.last_command = command
        self.viewing = None
        if not self.query_one("#lanes").has_class("-current"):
            self.show_page("path")
        r = self.runner
        if r.running:
            self.app.notify("A run is going on: space pauses it.", markup=False)
            return
        if r.engine.finished:
            self.app.notify("End of the request queue: r restarts the run, + adds a request.", markup=False)
            return
        if command in ("cont", "finish"):
            self._continue(finish=command == "finish")
            return
        stop = r.step() if command == "step" else r.next()
        self._after(stop)

    @work(exclusive=True, group="engine")
    async def _continue(self, replay: bool = False, finish: bool = False) -> None:
        """`c`, `f` (finish), or (replay) the rest of a long replay after an edit."""
        r = self.runner
        self._ticker = self.set_interval(RUN_REFRESH, self.refresh_run)
        try:
            stop = await (r.replay() if replay else r.finish() if finish else r.cont())
        finally:
            self._ticker.stop()
            self._ticker = None
        if self.followed(self.app.sync_runner()):  # an edit made while it ran (appended requests just join)
            self.refresh_run()
            return
        self._after(stop)
        if replay and stop.reason != "paused":
            self._say_followed(len(r.engine.results))

    def followed(self, target: int | None) -> bool:
        """After sync_runner: say that the run restarted with an edit, and finish a long replay
        (the callers refresh the panels)."""
        if target is None:
            return False
        if self.runner.replay_to is not None:  # later: a continue calling this must end before the next starts
            self.call_later(self._continue, True)
        elif target:
            self._say_followed(len(self.runner.engine.results))
        return True

    def _say_followed(self, done: int) -> None:
        self.app.notify(f"The run follows the edit: replayed from time 0 with it to result #{done}.", markup=False)

    def _after(self, stop: Stop) -> None:
        self.refresh_run()
        if stop.reason == "breakpoint":
            where = ""
            if stop.event is not None:
                where = f" ({stop.event.guest} {stop.event.op} reached {lane_name(stop.event.lane)})"
            elif stop.instruction is not None:
                i = stop.instruction
                where = f" (before #{i.seq} {i.guest} {instruction_text(i.op, i.apqn)})"
            self.app.notify(f"Breakpoint: {stop.breakpoint.label}{where}", title="Stopped", markup=False)
        elif stop.reason == "paused":
            self.app.notify("Paused.", markup=False)
        elif stop.reason == "reached" and self.last_command == "finish":
            last = self.runner.engine.results[-1]
            self.app.notify(f"Finished request {last.request + 1}: #{last.seq} {last.guest} "
                            f"{instruction_text(last.op, last.apqn)}: {result_text(last, compact=True)}", markup=False)

    def action_pause(self) -> None:
        if self.runner.running:
            self.runner.engine.pause()

    async def action_restart(self) -> None:
        r = self.runner
        if r.running:  # stop the run at its next yield before resetting the engine under it
            r.engine.pause()
            await self.app.workers.wait_for_complete([w for w in self.app.workers if w.group == "engine"])
        r.restart(self.session.scenario)
        self.refresh_run()
        self.app.notify("Restarted from time 0.", markup=False)

    def action_breakpoint(self) -> None:
        bp = self._breakpoint_here()
        if bp is None:
            self.app.notify("Select a request, a guest, a matrix cell or a lane first.", markup=False)
            return
        on_ = self.runner.engine.toggle_breakpoint(bp)
        self.app.notify(f"Breakpoint {'set' if on_ else 'cleared'}: {bp.label}", markup=False)
        self._breakpoints_changed()

    def _breakpoints_changed(self) -> None:
        """Every marker follows: the tree, the matrix cells, the requests and lanes, the pane."""
        self._show_tree()
        self._show_matrix(keep_ids=True)
        self.refresh_run()

    def _breakpoint_here(self) -> Breakpoint | None:
        w = self.focused
        if isinstance(w, BreakpointList):
            return w.breakpoint
        if isinstance(w, LaneList) and w.lane is not None:
            return Breakpoint.on_lane(w.lane)
        if isinstance(w, MatrixGrid):
            a, d = w.cursor_apqn
            return None if a is None or d is None else Breakpoint.on_apqn((a, d))
        if isinstance(w, TopologyTree):
            kind, value = w.selected
            return Breakpoint.on_guest(value) if kind == "guest" else None
        req = self.query_one(RequestList)
        if req.highlighted is not None and req.option_count:
            return Breakpoint.on_request(req.highlighted)
        return None

    # -- the debugger's panes ----------------------------------------------------------
    def action_finish(self) -> None:
        self._drive("finish")

    def action_back(self, instruction: bool = False) -> None:
        r = self.runner
        if r.running:
            self.app.notify("A run is going on: space pauses it.", markup=False)
            return
        self.viewing = None
        if r.position() == (0, 0):
            self.app.notify("At time 0: nothing to step back to.", markup=False)
            return
        r.back(instruction)
        self.refresh_run()

    def action_live_path(self) -> None:
        self.viewing = None
        self.refresh_run()
        if isinstance(self.focused, HistoryList):
            self.set_focus(self.query_one(PathView))

    def action_history_path(self) -> None:
        self._view(self.query_one(HistoryList).past)
        self.action_focus_panel("path")

    @on(HistoryList.OptionHighlighted, "#history")
    def _history_highlighted(self) -> None:
        history = self.query_one(HistoryList)
        if self.focused is history:
            self._view(history.past)

    def _view(self, past: Past | None) -> None:
        if past is not None:
            self.viewing = past
            self._viewing_results = self.runner.engine.results
            self.refresh_run()

    def _highlighted_breakpoint(self) -> Breakpoint | None:
        bp = self.query_one(BreakpointList).breakpoint
        if bp is None:
            self.app.notify("No breakpoint: b sets one on the selected request, guest, matrix cell or lane.",
                            markup=False)
        return bp

    def action_breakpoint_enable(self) -> None:
        bp = self._highlighted_breakpoint()
        if bp is not None:
            bp = self.runner.engine.enable_breakpoint(bp, not bp.enabled)
            self.app.notify(f"Breakpoint {'enabled' if bp.enabled else 'disabled'}: {bp.label}", markup=False)
            self._breakpoints_changed()

    def action_breakpoint_delete(self) -> None:
        bp = self._highlighted_breakpoint()
        if bp is not None:
            self.runner.engine.breakpoints.remove(bp)
            self.app.notify(f"Breakpoint deleted: {bp.label}", markup=False)
            self._breakpoints_changed()

    def action_breakpoint_clear(self) -> None:
        bps = self.runner.engine.breakpoints
        if bps:
            n = len(bps)
            bps.clear()
            self.app.notify(f"Deleted {n} breakpoint(s).", markup=False)
            self._breakpoints_changed()

    def action_breakpoint_go(self) -> None:
        """Select what the breakpoint watches (pudb's Enter in its breakpoints pane)."""
        bp = self._highlighted_breakpoint()
        if bp is None:
            return
        if bp.kind == BreakpointKind.REQUEST and bp.value < self.query_one(RequestList).option_count:
            req = self.query_one(RequestList)
            req.highlighted = bp.value
            self.set_focus(req)
        elif bp.kind == BreakpointKind.GUEST and bp.value in self.session.topology.views:
            self.select(("guest", bp.value))
            self.set_focus(self.query_one(TopologyTree))
        elif bp.kind == BreakpointKind.APQN:
            grid = self.query_one(MatrixGrid)
            grid.go_to(*bp.value)
            self.action_focus_panel("matrix")
        elif bp.kind == BreakpointKind.LANE:
            lanes = self.query_one(LaneList)
            if bp.value in lanes.lanes:
                lanes.highlighted = 1 + lanes.lanes.index(bp.value)
            self.action_focus_panel("lanes")
