"""The editing half of the main screen: matrix toggles with the kernel's word on them, guest
and request forms, SCAN, undo and redo. Every edit goes through `edit`, one undoable step.
"""

from __future__ import annotations

import attrs

from aptui.engine import Engine, result_text
from aptui.model import mask as m
from aptui.model.bounds import COST_KEYS
from aptui.model.scenario import HOST
from aptui.console import edits
from aptui.console.edits import Refused
from aptui.ui.widgets.matrix import MatrixGrid
from aptui.ui.widgets.requests import RequestList


class EditingMixin:
    """Mixed into MainScreen (handlers by name: Textual's @on does not reach into mixins)."""

    def edit(self, scenario, label: str, focus: str | None = None) -> bool:
        """Apply one undoable edit and show it everywhere."""
        if not self.session.apply(scenario, label, focus):
            return False
        self._edited(focus)
        return True

    def _edited(self, focus: str | None) -> None:
        self.followed(self.app.sync_runner())
        if focus is not None and focus in self.session.topology.views:
            self.selected = ("guest", focus)
        self.refresh_config()
        self.call_after_refresh(self.refresh_run)
        self.call_after_refresh(self.app.autosave)  # the recovery file: after the edit is on screen

    def on_matrix_grid_toggle(self, event: MatrixGrid.Toggle) -> None:
        kind, name = self.selected
        if kind != "guest":
            self.app.notify("The machine's matrix is its adapters and domains: select a guest to assign queues.",
                            severity="warning", markup=False)
            return
        s = self.session.scenario
        what = {"apm": "adapter", "aqm": "usage domain", "adm": "control domain"}[event.mask]
        ids = sorted(event.ids)
        shown = m.format_ids(ids, 2 if event.mask == "apm" else 4)
        try:
            new = edits.set_ids(s, name, event.mask, event.ids, event.on, self.session.topology)
        except Refused as e:
            self.app.notify(str(e), title="Refused", severity="error", markup=False)
            return
        verb = "assign" if event.on else "unassign"
        if self.edit(new, f"{verb} {what} {shown} of {name}", focus=name):
            self._warn_lost(name, event)

    def _warn_lost(self, name: str, event: MatrixGrid.Toggle) -> None:
        """An assignment that is legal but gives the guest nothing gets a warning saying why."""
        if not event.on:
            return
        grid = self.query_one(MatrixGrid)
        cells = grid.cells
        if event.mask == "apm":
            probe = [(a, d) for a in sorted(event.ids) for d in m.ids_of(cells.configured.aqm)]
        elif event.mask == "aqm":
            probe = [(a, d) for d in sorted(event.ids) for a in m.ids_of(cells.configured.apm)]
        else:
            lost = [d for d in sorted(event.ids) if not m.has(cells.effective.adm, d)]
            if lost:
                self.app.notify(f"Control domain {lost[0]:04x} is assigned, but {name} will not get it "
                                f"({cells.id_state('adm', lost[0])}).", title="Applied, but", severity="warning",
                                markup=False)
            return
        for a, d in probe:
            if not (m.has(cells.effective.apm, a) and m.has(cells.effective.aqm, d)):
                self.app.notify(cells.explain(a, d), title="Applied, but", severity="warning", markup=False)
                return

    def action_live_change(self) -> None:
        """The latest matrix edit of the selected guest, made to the running guest instead: the
        guest keeps its matrix from time 0 and gets a [[change]] at the run's current time."""
        kind, name = self.selected
        if kind != "guest":
            self.app.notify("Select the guest whose matrix you edited.", markup=False)
            return
        s = self.session.scenario
        base = edits.matrix_edit_base([step.before for step in self.session.edits()], s, name)
        if base is None:
            self.app.notify(f"The last edit is not one of {name}'s matrix: edit it first (a, u, o), then L.",
                            severity="warning", markup=False)
            return
        at = self.runner.time_with(base)
        try:
            new = edits.live_change(base, s, name, at)
        except Refused as e:
            self.app.notify(str(e), title="Refused", severity="error", markup=False)
            return
        if self.edit(new, f"apply the edit of {name} to the running guest at {at:.1f} µs", focus=name):
            self.app.notify(f"{name} keeps its matrix until {at:.1f} µs; then change {len(new.changes)} writes "
                            "ap_config (mdevctl modify --live). s or n reaches it.", markup=False)

    def action_undo(self) -> None:
        step = self.session.undo()
        if step is None:
            self.app.notify("Nothing to undo.", markup=False)
            return
        self._edited(step.focus)
        self.app.notify(f"Undone: {step.label}", markup=False)

    def action_redo(self) -> None:
        step = self.session.redo()
        if step is None:
            self.app.notify("Nothing to redo.", markup=False)
            return
        self._edited(step.focus)
        self.app.notify(f"Redone: {step.label}", markup=False)

    def _selected_guest(self) -> str | None:
        kind, value = self.selected
        return value if kind == "guest" else None

    def action_add_guest(self) -> None:
        from aptui.ui.screens.forms import GuestForm

        parent = self._selected_guest() or HOST

        def done(result) -> None:
            if result:
                s, name = result
                self.edit(s, f"add guest {name}", focus=name)

        self.app.push_screen(GuestForm(self.session.scenario, None, parent), done)

    def action_edit_guest(self) -> None:
        """`e`: the selected guest's form, or the machine's when the host (or one of its adapters) is selected."""
        from aptui.ui.screens.forms import GuestForm

        if self.selected[0] in ("host", "adapter"):
            self.action_edit_host()
            return
        name = self._selected_guest()
        if name is None:
            self.app.notify("Select a guest to edit.", markup=False)
            return

        def done(result) -> None:
            if result:
                s, new = result
                self.edit(s, f"edit guest {new}", focus=new)

        self.app.push_screen(GuestForm(self.session.scenario, name), done)

    def action_edit_host(self) -> None:
        from aptui.ui.screens.forms import HostForm

        def done(s) -> None:
            if s is not None:
                if self.selected[0] == "adapter" and s.host.adapter(self.selected[1]) is None:
                    self.selected = ("host", None)  # its adapter is gone
                if self.edit(s, "edit the host"):
                    self.app.notify(f"Host: {len(s.host.adapters)} adapter(s), {s.host.domains} domains, APXA "
                                    f"{'on' if s.host.apxa else 'off'}. ctrl+z undoes.", markup=False)

        self.app.push_screen(HostForm(self.session.scenario), done)

    def action_edit_policy(self) -> None:
        from aptui.ui.screens.forms import PolicyForm

        def done(s) -> None:
            if s is not None:
                on_ = s.policy.nested_emulation
                self.edit(s, f"turn nested emulation {'on' if on_ else 'off'}")

        self.app.push_screen(PolicyForm(self.session.scenario), done)

    def action_edit_costs(self) -> None:
        from aptui.ui.screens.forms import CostsForm

        def done(s) -> None:
            if s is not None:
                old = self.session.scenario.costs
                changed = [f for f in COST_KEYS if getattr(s.costs, f) != getattr(old, f)]
                self.edit(s, f"edit costs ({', '.join(changed)})")

        self.app.push_screen(CostsForm(self.session.scenario), done)

    def action_remove_guest(self) -> None:
        name = self._selected_guest()
        if name is None:
            self.app.notify("Select a guest to remove.", markup=False)
            return
        s = self.session.scenario
        kids = edits.descendants(s, name)
        new = edits.remove_guest(s, name)
        gone = len(s.requests) - len(new.requests)
        parent = s.guest(name).parent
        self.selected = ("host", None) if parent == HOST else ("guest", parent)
        self.edit(new, f"remove guest {name}")
        self.app.notify(f"Removed {name}" + (f" and {len(kids)} guest(s) under it" if kids else "")
                        + (f", {gone} request(s)" if gone else "") + ". ctrl+z undoes.", markup=False)

    def action_scan(self) -> None:
        """Queue a SCAN of the guest, and say at once what it will find."""
        name = self._selected_guest()
        if name is None:
            self.app.notify("Select a guest to SCAN.", markup=False)
            return
        s = self.session.scenario
        try:
            req = edits.make_request(s, name, "SCAN")
        except Refused as e:  # the queue is at the bound on a run
            self.app.notify(str(e), title="Refused", severity="error", markup=False)
            return
        probe = Engine(attrs.evolve(s, requests=(req,)))
        probe.run_blocking(breakpoints=())
        res = probe.results[0]
        self.edit(edits.add_request(s, req), f"queue a SCAN of {name}")
        self.app.notify(f"{name} SCAN: {result_text(res, compact=True)} ({res.cycles} cycles). Queued as request "
                        f"{len(s.requests) + 1}.", title="SCAN", markup=False)

    def action_add_request(self) -> None:
        from aptui.ui.screens.forms import RequestForm

        if not self.session.scenario.guests:  # the form's guest list would be empty
            self.app.notify("A request is issued by a guest: add one first.", severity="warning", markup=False)
            return
        grid = self.query_one(MatrixGrid)
        apqn = grid.cursor_apqn if None not in grid.cursor_apqn else None

        def done(req) -> None:
            if req is not None:
                req_list = self.query_one(RequestList)
                at = len(self.session.scenario.requests)
                self.edit(edits.add_request(self.session.scenario, req), f"add request {req.guest} {req.op}")
                req_list.highlighted = at

        self.app.push_screen(RequestForm(self.session.scenario, self._selected_guest(), apqn), done)

    def action_remove_request(self) -> None:
        req = self.query_one(RequestList)
        i = req.highlighted
        s = self.session.scenario
        if i is None or i >= len(s.requests):
            return
        r = s.requests[i]
        self.edit(edits.remove_request(s, i), f"remove request {i + 1} {r.guest} {r.op}")
