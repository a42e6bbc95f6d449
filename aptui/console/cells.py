"""What each cell of a guest's matrix means: the guest gets it, it is assigned but lost (and
why), the parent offers it, a sibling holds it, or nothing.

Computed from the model's GuestView and `ap_bus_configuration` (what the guest's AP bus finds
is, by definition, what it gets), per id, so that a row of 256 cells costs a few bit tests.
The reasons are the model's `Loss` values; nothing here recomputes a kernel rule. No Textual.
"""

from __future__ import annotations

from aptui.model import mask as m
from aptui.model.crycb import apcb_limits
from aptui.model.matrix import Matrix
from aptui.model.routing import ap_bus_configuration
from aptui.model.scenario import HOST, Scenario
from aptui.model.topology import Topology, machine_id_limits
from aptui.model.vfio_ap import host_owned_queues
from aptui.model.vocabulary import Backend, Loss

# States. Lost states name the reason the guest does not get an assigned entry.
EFFECTIVE = "effective"
ASSIGNED = "assigned"  # the configured view: assigned, whatever becomes of it
LOST_PARENT = Loss.NOT_IN_PARENT
LOST_FILTERED = Loss.FILTERED
LOST_RESERVED = Loss.RESERVED
LOST_FORMAT = Loss.FORMAT
LOST_APIE = Loss.NO_APIE
LOST_START = Loss.NO_START
LOST_NOAP = Loss.NO_AP
CONFLICT = "conflict"
FREE = "free"
SIBLING = "sibling"
HELD = "held"
NONE = "none"

GLYPHS = {
    EFFECTIVE: "■", ASSIGNED: "■", **{loss: loss.value for loss in Loss}, CONFLICT: "!", FREE: "·", SIBLING: "s",
    HELD: "r", NONE: " ",
}
LOST = (LOST_PARENT, LOST_FILTERED, LOST_RESERVED, LOST_FORMAT, LOST_APIE, LOST_START, LOST_NOAP, CONFLICT)
LEGEND = (
    (EFFECTIVE, "gets it"), *((loss, f"lost: {loss.label}") for loss in Loss), (CONFLICT, "a sibling has it too"),
    (FREE, "available"), (SIBLING, "a sibling's"), (HELD, "parent's own"),
)
MODES = ("states", "configured", "effective", "difference")


class GuestCells:
    """Per-id facts of one guest (or of the machine when name is 'host') and the state of each cell."""

    def __init__(self, scenario: Scenario, topo: Topology, name: str):
        self.name = name
        self._rows: dict[tuple, list[str]] = {}
        self._cells: dict[tuple, str] = {}  # (row signature, column signature, mode) -> state
        self._columns: dict[tuple, list[tuple]] = {}
        self.host = name == HOST
        if self.host:
            cfg = scenario.host.config
            self.configured = self.effective = self.parent = cfg
            self.siblings: list[tuple[str, Matrix]] = []
            self.host_owned = None
            self.filtered: dict = {}
            self.max_a, self.max_d = machine_id_limits(scenario.host)
            self.lost_all = None
            self.apie_lost = False
            self.view = None
            return
        v = self.view = topo.view(name)
        g = v.guest
        self.configured = g.matrix
        self.effective = ap_bus_configuration(topo, name)[0]
        self.parent = v.parent_config
        self.siblings = [(o.name, o.matrix) for o in scenario.guests
                         if o.parent == g.parent and o.name != name and o.backend == Backend.PASSTHROUGH] \
            if g.backend == Backend.PASSTHROUGH else []
        self.host_owned = None if g.parent == HOST else host_owned_queues(scenario.guest(g.parent).reserved)
        self.filtered = {d.adapter: d for d in v.dropped}
        fa, fd = apcb_limits(v.crycb_format)
        self.max_a, self.max_d = min(fa, v.id_limits[0]), min(fd, v.id_limits[1])
        # A reason that holds for every assigned cell, checked before the per-id ones.
        self.validity = topo.view(v.culprit).validity.message if v.culprit else None
        if not v.startable:
            self.lost_all = LOST_START
        elif not v.has_ap:
            self.lost_all = LOST_NOAP
        else:
            self.lost_all = None
        self.apie_lost = not v.apie_chain and g.backend != Backend.EMULATED

    # -- per cell ----------------------------------------------------------------------
    def state(self, a: int, d: int, mode: str = "states") -> str:
        has = m.has
        eff = self.effective
        if mode == "effective":
            if has(eff.apm, a) and has(eff.aqm, d):
                return EFFECTIVE
            return FREE if self._offered(a, d) else NONE
        conf = self.configured
        assigned = has(conf.apm, a) and has(conf.aqm, d)
        if mode == "configured":
            if assigned:
                return ASSIGNED
            return self._unassigned(a, d)
        if assigned and self.siblings and self._sibling(a, d):
            return CONFLICT  # the model lets both have it; the kernel refuses one of them
        if has(eff.apm, a) and has(eff.aqm, d):
            return EFFECTIVE
        if assigned:
            return self._lost(a, d)
        return NONE if mode == "difference" else self._unassigned(a, d)

    def _offered(self, a: int, d: int) -> bool:
        p = self.parent
        return m.has(p.apm, a) and m.has(p.aqm, d)

    def _sibling(self, a: int, d: int) -> str | None:
        for name, sm in self.siblings:
            if m.has(sm.apm, a) and m.has(sm.aqm, d):
                return name
        return None

    def _unassigned(self, a: int, d: int) -> str:
        if not self._offered(a, d):
            return NONE
        if self.siblings and self._sibling(a, d):
            return SIBLING
        if self.host_owned is not None and self.host_owned.has_apqn(a, d):
            return HELD
        return FREE

    def _lost(self, a: int, d: int) -> str:
        if self.lost_all:
            return self.lost_all
        if not self._offered(a, d):
            return LOST_PARENT
        if self.siblings and self._sibling(a, d):
            return CONFLICT
        if a in self.filtered:
            return self.filtered[a].loss
        if a > self.max_a or d > self.max_d:
            return LOST_FORMAT
        if self.apie_lost:
            return LOST_APIE
        return LOST_PARENT  # dropped further up: not in the parent's effective matrix

    def row_states(self, a: int, cols: tuple[int, ...], mode: str) -> list[str]:
        """The states of a row; rows with the same per-adapter facts share one list (a 256x256
        guest has a handful of distinct rows, not 256), and within a row, columns with the same
        per-domain facts share one state: a cell's state is a function of the two."""
        sig = self._row_signature(a)
        key = (sig, mode, cols)
        row = self._rows.get(key)
        if row is None:
            memo = self._cells
            row = []
            for d, col in zip(cols, self._column_signatures(cols)):
                state = memo.get((sig, col, mode))
                if state is None:
                    state = memo[sig, col, mode] = self.state(a, d, mode)
                row.append(state)
            self._rows[key] = row
        return row

    def distinct_rows(self, rows: tuple[int, ...]) -> list[int]:
        """One adapter of each kind of row among `rows`: the others' states are the same."""
        first: dict[tuple, int] = {}
        for a in rows:
            first.setdefault(self._row_signature(a), a)
        return list(first.values())

    def _column_signatures(self, cols: tuple[int, ...]) -> list[tuple]:
        """Per column, the per-domain facts `state` reads (the counterpart of `_row_signature`)."""
        found = self._columns.get(cols)
        if found is None:
            has = m.has
            conf, eff, par = self.configured.aqm, self.effective.aqm, self.parent.aqm
            held = None if self.host_owned is None else self.host_owned.aqm
            found = self._columns[cols] = [
                (has(conf, d), has(eff, d), has(par, d), d > self.max_d, held is not None and has(held, d),
                 tuple(has(sm.aqm, d) for _, sm in self.siblings)) for d in cols]
        return found

    def _row_signature(self, a: int) -> tuple:
        has = m.has
        reason = self.filtered.get(a)
        return (
            has(self.configured.apm, a), has(self.effective.apm, a), has(self.parent.apm, a),
            None if reason is None else reason.loss, a > self.max_a,
            self.host_owned is not None and has(self.host_owned.apm, a),
            tuple(has(sm.apm, a) for _, sm in self.siblings),
        )

    # -- per id (the APM gutter and the AQM/ADM rows) ------------------------------------
    def id_state(self, mask: str, i: int, mode: str = "states") -> str:
        """The state of adapter (apm) or domain (aqm/adm) id i alone."""
        conf, eff, par = getattr(self.configured, mask), getattr(self.effective, mask), getattr(self.parent, mask)
        assigned, gets, offered = m.has(conf, i), m.has(eff, i), m.has(par, i)
        if mode == "configured":
            return ASSIGNED if assigned else FREE if offered else NONE
        if gets:
            return EFFECTIVE
        if mode == "effective":
            return FREE if offered else NONE
        if not assigned:
            return NONE if mode == "difference" or not offered else FREE
        if self.lost_all:
            return self.lost_all
        if not offered:
            return LOST_PARENT
        if mask == "apm" and i in self.filtered:
            return self.filtered[i].loss
        if i > (self.max_a if mask == "apm" else self.max_d):
            return LOST_FORMAT
        if self.apie_lost:
            return LOST_APIE
        return LOST_PARENT

    def explain(self, a: int, d: int) -> str:
        """The state of APQN (a, d) in words, for the line under the grid."""
        q = m.format_apqn(a, d)
        st = self.state(a, d)
        name = self.name
        if self.host:
            return f"{q}: a queue of the machine" if st == EFFECTIVE else f"{q}: the machine has no such queue"
        parent = self.view.guest.parent
        pname = "the machine" if parent == HOST else parent
        if st == EFFECTIVE:
            how = "interpreted by firmware" if self.view.apie_chain else "emulated, hypothetical"
            return f"{q}: {name} gets it ({how})"
        if st == CONFLICT:
            return f"{q}: sibling {self._sibling(a, d)} has it too: one of them is refused (EADDRINUSE)"
        why = {
            LOST_PARENT: f"not in {pname}'s configuration",
            LOST_FILTERED: self.filtered[a].message if a in self.filtered else "",
            LOST_RESERVED: self.filtered[a].message if a in self.filtered else "reserved by the host",
            LOST_FORMAT: f"beyond CRYCB format {self.view.crycb_format} (ids up to {self.max_a:02x}.{self.max_d:04x})",
            LOST_APIE: f"no APIE chain ({parent} has no AP interpretation)",
            LOST_START: f"{self.view.culprit} cannot start: {self.validity}",
            LOST_NOAP: f"{name} has no AP facility (no ap feature, or a parent without AP)",
        }.get(st)
        if why is not None:
            return f"{q} lost: {why}"
        if st == SIBLING:
            return f"{q}: in use by sibling {self._sibling(a, d)}"
        if st == HELD:
            return f"{q}: reserved for {parent}'s own zcrypt drivers"
        if st == FREE:
            return f"{q}: available from {pname}, not assigned"
        return f"{q}: not available ({pname} does not have it)"

    # -- which ids to show ---------------------------------------------------------------
    def used_ids(self, scenario: Scenario) -> tuple[list[int], list[int]]:
        """Adapters and domains worth a row or a column: the machine's, the parent's, the guest's."""
        c, p = self.configured, self.parent
        rows = set(m.ids_of(c.apm | p.apm)) | {a.id for a in scenario.host.adapters}
        cols = set(m.ids_of(c.aqm | c.adm | p.aqm | p.adm))
        if not cols:
            cols = set(range(min(scenario.host.domains, 256)))
        return sorted(rows), sorted(cols)
