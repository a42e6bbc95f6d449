"""What every exporter shares: which guests an export covers, and what a guest's AP bus finds."""

from __future__ import annotations

import attrs

from aptui.model.matrix import Matrix
from aptui.model.routing import ap_bus_configuration
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


def on_hypervisor(topo: Topology, views: list[GuestView], hypervisor: str | None, one: bool) -> list[GuestView]:
    """The guests of ``hypervisor`` among ``views`` (all of them when it is None). ``one``: the
    format holds one machine's configuration (mdevctl runs on one hypervisor, and a list of the
    mdevs of two would refuse to import), so guests of several hypervisors need the choice."""
    if hypervisor is not None:
        if hypervisor not in topo.guests:
            known = ", ".join(topo.walk()) or "none"
            raise ExportError(f"no guest {hypervisor!r} to be the hypervisor (guests: {known})")
        mine = [v for v in views if v.guest.parent == hypervisor]
        if not mine:
            raise ExportError(f"{hypervisor!r} runs none of the guests exported "
                              f"({', '.join(v.name for v in views)})")
        return mine
    parents: dict[str, list[str]] = {}
    for v in views:
        parents.setdefault(v.guest.parent, []).append(v.name)
    if one and len(parents) > 1:
        each = "; ".join(f"{p} runs {', '.join(names)}" for p, names in parents.items())
        raise ExportError(f"these mdevs sit under {len(parents)} hypervisors ({each}), and each has its own "
                          f"configuration: export one at a time with --hypervisor NAME (one of {', '.join(parents)})")
    return views


def seen(topo: Topology, view: GuestView) -> tuple[Matrix, str | None]:
    """The matrix the guest's AP bus finds (spec 6), and why it is empty or hypothetical: the
    model's `ap_bus_configuration`, aware of the policy."""
    matrix, why = ap_bus_configuration(topo, view.name)
    if why:
        return matrix, why
    if not view.apie_chain:
        return matrix, "hypothetical: the queues an ancestor's QEMU would emulate (upstream QEMU has none)"
    return matrix, None
