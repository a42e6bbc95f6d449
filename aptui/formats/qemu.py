"""QEMU command-line options for a passthrough guest (ref 4.8, 7.5): the AP CPU features, named
as ``qemu-system-s390x -cpu help`` lists them, and the vfio-ap device on the guest's mdev."""

from __future__ import annotations

from aptui.formats import mdev
from aptui.model.scenario import FEATURES, Guest

CPU_MODEL = "host"  # vfio-ap needs KVM, and -cpu host is what KVM guests run with


def options(guest: Guest) -> str:
    """``-cpu host,ap=on,apqci=on,apft=on,apqi=off -device vfio-ap,sysfsdev=...``.

    Every AP feature is spelled out, on or off, because ``-cpu host`` would otherwise turn on what
    the machine has. Without ``ap`` QEMU refuses the device, so it is left out.
    """
    cpu = "-cpu " + ",".join([CPU_MODEL] + [f"{f}={'on' if f in guest.features else 'off'}" for f in FEATURES])
    if "ap" not in guest.features:
        return cpu
    return f"{cpu} -device vfio-ap,sysfsdev={mdev.SYSFS_DIR}/{guest.mdev_uuid}"
