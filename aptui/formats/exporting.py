"""What every exporter shares: which guests an export covers, and what a guest's AP bus finds."""

from __future__ import annotations

import attrs

from aptui.model.matrix import EMPTY, Matrix
from aptui.model.scenario import HOST
from aptui.model.topology import GuestView, Topology


class ExportError(Exception):
    """The export cannot be made as asked (no such guest, a guest with no mdev); exit status 2."""


@attrs.frozen
class Exported:
    text: str
    notes: tuple[str, ...] = ()


def passthrough_below_l1(topo: Topology) -> list[GuestView]:
    """Guests that have a vfio_ap mdev: passthrough guests below an L1 (an L1 is an LPAR)."""
    return [topo.view(n) for n in topo.walk()
            if topo.guests[n].parent != HOST and topo.guests[n].backend == "passthrough"]


def targets(topo: Topology, name: str | None, any_guest: bool = False) -> list[GuestView]:
    """The guest named, or every guest with an mdev. ``any_guest``: any guest may be named (a
    listing exists for every guest, an mdev only for passthrough guests below an L1)."""
    if name is None:
        found = passthrough_below_l1(topo)
        if not found:
            raise ExportError("this scenario has no passthrough guest below an L1, so no mdev to export")
        return found
    if name not in topo.views:
        known = ", ".join(topo.walk()) or "none"
        raise ExportError(f"no guest {name!r} in this scenario (guests: {known})")
    view = topo.view(name)
    if not any_guest and view.guest.parent == HOST:
        raise ExportError(f"{name!r} is an L1, an LPAR: its crypto configuration comes from its activation profile "
                          "on the HMC, not from an mdev; export one of its guests")
    if not any_guest and view.guest.backend != "passthrough":
        raise ExportError(f"{name!r} has backend {view.guest.backend!r}: only passthrough guests have a vfio_ap mdev")
    return [view]


def seen(view: GuestView) -> tuple[Matrix, str | None]:
    """The matrix the guest's AP bus finds (spec 6), and why it is empty or hypothetical.

    Not modelled: the nested_emulation policy, under which an ancestor's QEMU may answer.
    """
    g = view.guest
    if not view.startable:
        return EMPTY, "cannot start: its CRYCB format or an ancestor's is wider than the hypervisor's (validity 0x0022)"
    if "ap" not in g.features:
        return EMPTY, "has no 'ap' CPU feature, so no AP instructions"
    if view.apie_chain:
        return view.hw, None
    if g.backend == "emulated":
        return view.emulated or EMPTY, ("hypothetical: the queues its parent's QEMU would emulate "
                                         "(upstream QEMU has none)")
    return EMPTY, "its AP instructions are intercepted and end in an operation exception: it finds no device"
