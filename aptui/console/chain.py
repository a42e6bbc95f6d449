"""The chain view of one guest: the machine, then each level down to the guest, with what every
stage of the way (vfio_ap's filtering, the CRYCB format, the vSIE shadow, the AP bus) leaves of
its matrix, and the first place where the chain breaks.

Every fact is read off the model's GuestView and `ap_bus_configuration`; nothing is recomputed
here. No Textual: the screen renders the rows, the tests read them.
"""

from __future__ import annotations

from enum import StrEnum

import attrs

from aptui.model import mask as m
from aptui.model.matrix import Matrix
from aptui.model.routing import ap_bus_configuration
from aptui.model.topology import GuestView, Topology, machine_id_limits
from aptui.model.vocabulary import Backend

SHOWN_APQNS = 4  # APQNs written out per cell; the rest is counted


class Mark(StrEnum):
    """How a cell reads: as it should, narrower than the stage before, or not applying."""

    OK = "ok"
    LOST = "lost"
    OFF = "off"


@attrs.frozen
class Cell:
    text: str
    mark: Mark = Mark.OK


@attrs.frozen
class Row:
    label: str
    cells: tuple[Cell, ...]  # one per column: the machine, then L1 .. the guest
    meaning: str  # what the row stands for in the kernel, for the help line under the table


@attrs.frozen
class Chain:
    guest: str
    columns: tuple[str, ...]  # "machine", "L1 lpar1", ...
    rows: tuple[Row, ...]
    breaks: str  # where and why the guest loses its devices, "" when it gets all it was given


def matrix_text(matrix: Matrix) -> str:
    """The APQNs, the first SHOWN_APQNS written out and the rest counted: '05.0004 06.0004 +3'."""
    n = matrix.apqn_count
    if not n:
        return "none"
    shown = []
    for apqn in matrix.apqns():
        if len(shown) == SHOWN_APQNS:
            break
        shown.append(m.format_apqn(*apqn))
    return " ".join(shown) + (f" +{n - len(shown)}" if n > len(shown) else "")


def _stage(matrix: Matrix, before: Matrix, applies: bool = True) -> Cell:
    if not applies:
        return Cell("—", Mark.OFF)
    return Cell(matrix_text(matrix), Mark.LOST if matrix.apqn_count < before.apqn_count else Mark.OK)


def _flag(on: bool, yes: str = "✓", no: str = "✗") -> Cell:
    return Cell(yes if on else no, Mark.OK if on else Mark.LOST)


def _first_loss(v: GuestView) -> str:
    """The first stage of one level that narrows what it was assigned, in words; "" if none does."""
    if v.dropped:
        return f"vfio_ap takes out adapter {', '.join(f'{d.adapter:02x} ({d.loss.label})' for d in v.dropped)}"
    if v.filtered.apqn_count < v.shadow_apcb.apqn_count:
        return f"its CRYCB format {v.crycb_format} cannot hold every id"
    if v.guest.backend == Backend.PASSTHROUGH and v.hw.apqn_count < v.filtered.apqn_count:
        return "its vSIE shadow is narrower" if v.apie_chain else "no APIE on its chain: nothing is interpreted for it"
    return ""


def _breaks(views: list[GuestView], found: Matrix, why: str) -> str:
    """The first level on the chain that takes the guest's devices away, in the model's words."""
    for v in views:
        if v.validity is not None:
            return f"{v.name} (L{v.level}) cannot start: {v.validity.message}"
        if not v.has_ap:
            return f"{v.name} (L{v.level}) has no AP facility: it lacks `ap`, or its parent has none"
    guest = views[-1]
    if found.apqn_count >= guest.assigned.apqn_count and found.apqn_count:
        return ""
    first = next(((v, loss) for v in views if (loss := _first_loss(v))), None)
    where = f"at {first[0].name} (L{first[0].level}): {first[1]}" if first else ""
    told = why or f"{guest.name} finds {found.apqn_count} of its {guest.assigned.apqn_count} assigned APQNs"
    return f"{where}; {told}" if where else told


def guest_chain(topo: Topology, name: str) -> Chain:
    """The chain from the machine down to ``name``: one column per level, one row per stage."""
    views = [topo.view(n) for n in topo.chain(name)]
    machine = topo.host.config
    whole = Cell(f"{len(machine.adapters)}×{len(machine.usage_domains)} APQNs")
    found, why = ap_bus_configuration(topo, name)
    columns = ("machine", *(f"L{v.level} {v.name}" for v in views))

    def row(label: str, meaning: str, machine_cell: Cell, per_level) -> Row:
        return Row(label, (machine_cell, *(per_level(v) for v in views)), meaning)

    off = Cell("—", Mark.OFF)
    rows = (
        row("backend", "how the parent gives AP to the guest (spec 2)", Cell("PR/SM"),
            lambda v: Cell("LPAR" if v.level == 1 else str(v.guest.backend))),
        row("AP facility", "ap_instructions_available: the `ap` feature, and a parent that has AP",
            _flag(True), lambda v: _flag(v.has_ap)),
        row("APIE", "ECA.28 as the parent set it (kvm_s390_configure_apie); chain: every hypervisor above set it",
            off, lambda v: Cell(("✓" if v.apie else "✗") + (" chain ✓" if v.apie_chain else " chain ✗"),
                                Mark.OK if v.apie_chain else Mark.LOST)),
        row("CRYCB", "the CRYCB format, and whether the guest can start (validity 0x0022)",
            Cell(f"f{topo.host.crycb_format}"),
            lambda v: Cell(f"f{v.crycb_format}" + ("" if v.startable else " no start"),
                           Mark.OK if v.startable else Mark.LOST)),
        row("ids up to", "the highest APID and domain the parent's configuration addresses (apm_max, aqm_max)",
            Cell("{:02x}.{:04x}".format(*machine_id_limits(topo.host))),
            lambda v: Cell(f"{v.id_limits[0]:02x}.{v.id_limits[1]:04x}")),
        row("assigned", "the written matrix within what the parent's QCI answers (spec 2.1 step 1)",
            whole, lambda v: _stage(v.assigned, v.guest.matrix)),
        row("guest_matrix", "vfio_ap_mdev_filter_matrix: adapters with an unavailable queue taken out whole",
            off, lambda v: _stage(v.shadow_apcb, v.assigned, v.level > 1)),
        row("taken out", "the adapters vfio_ap filtered out, and why (a queue reserved for the parent's drivers, "
            "or an adapter older than CEX4)", off,
            lambda v: Cell(", ".join(f"{d.adapter:02x} {d.loss.label}" for d in v.dropped), Mark.LOST)
            if v.dropped else Cell("—", Mark.OFF)),
        row("format", "what the guest's CRYCB format can hold (kvm_arch_crypto_set_masks)",
            off, lambda v: _stage(v.filtered, v.shadow_apcb)),
        row("vSIE shadow", "hw: the CRYCB the firmware interprets against (shadow_crycb ANDs the levels)",
            whole, lambda v: _stage(v.hw, v.filtered, v.guest.backend == Backend.PASSTHROUGH)),
        row("QCI answers", "the configuration this guest's own guests are offered (P.config)",
            whole, lambda v: Cell(matrix_text(v.config))),
    )
    found_row = Row("AP bus finds", (off, *(off for _ in views[:-1]), _stage(found, views[-1].assigned)),
                    "ap_bus_configuration: what the guest's AP bus finds at boot (spec 6), the policy included")
    return Chain(name, columns, (*rows, found_row), _breaks(views, found, why))
