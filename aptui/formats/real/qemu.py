"""QEMU command-line options for a passthrough guest (ref 4.8, 7.5): the AP CPU features, named
as ``qemu-system-s390x -cpu help`` lists them, and the vfio-ap device on the guest's mdev."""

from __future__ import annotations

from aptui.formats.real import mdev
from aptui.model.facilities import cpu_model_features
from aptui.model.topology import GuestView
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
