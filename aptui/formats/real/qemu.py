"""QEMU command-line options for a passthrough guest (ref 4.8, 7.5): the AP CPU features, named
as ``qemu-system-s390x -cpu help`` lists them, and the vfio-ap device on the guest's mdev."""

from __future__ import annotations

from aptui.formats.real import mdev
from aptui.formats.real.exporting import Exported
from aptui.formats.text import printable
from aptui.model.facilities import cpu_model_features
from aptui.model.topology import GuestView, Topology
from aptui.model.vocabulary import Feature

CPU_MODEL = "host"  # vfio-ap needs KVM, and -cpu host is what KVM guests run with


def options(view: GuestView) -> str:
    """``-cpu host,ap=on,apqci=on,apft=on,apqi=off -device vfio-ap,sysfsdev=...``.

    Every AP feature is spelled out, on or off, because ``-cpu host`` would otherwise turn on what
    the machine has; only the features the guest can really have are on (`cpu_model_features`).
    Without ``ap`` QEMU refuses the device, so it is left out.
    """
    have = cpu_model_features(view.guest.features, view.has_ap, view.level)
    cpu = "-cpu " + ",".join([CPU_MODEL] + [f"{f}={'on' if f in have else 'off'}" for f in Feature])
    if Feature.AP not in have:
        return cpu
    return f"{cpu} -device vfio-ap,sysfsdev={mdev.SYSFS_DIR}/{view.guest.mdev_uuid}"


def feature_notes(view: GuestView, without_ap: str) -> list[str]:
    """Which AP features are written off, and why; ``without_ap``: what that costs the export."""
    have = cpu_model_features(view.guest.features, view.has_ap, view.level)
    if Feature.AP not in have:
        return [f"{view.name}: no AP facility (no 'ap' CPU feature, or a parent without AP), and QEMU refuses "
                f"-device vfio-ap without it: {without_ap}"]
    dropped = sorted(f for f in view.guest.features if f not in have and f != Feature.AP)
    if dropped:
        return [f"{view.name}: {', '.join(dropped)} written off: a KVM below L1 has no AIV and cannot offer "
                "facility 65 (QEMU would refuse the CPU model)"]
    return []


def export(topo: Topology, views: list[GuestView], named: bool) -> Exported:
    """The options alone for one guest (fit for ``$(...)``); for several, each after a comment line.
    The notes say which features are written off, and why."""
    notes = [n for v in views for n in feature_notes(v, "only -cpu is written")]
    if len(views) == 1:
        return Exported(options(views[0]) + "\n", tuple(notes))
    return Exported("".join(f"# {printable(v.name)} (mdev {v.guest.mdev_uuid}, on {printable(v.guest.parent)})\n"
                            f"{options(v)}\n" for v in views), tuple(notes))
