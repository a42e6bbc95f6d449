"""The real formats, one record each: the command line's choices and help, the console's palette
and prompts, and the import and export dispatch all come from FORMATS, so that a new format is
its module and one entry here.

The records name their functions rather than hold them: listing the formats loads none of their
modules, and `aptui run` builds the parser that lists them.
"""

from __future__ import annotations

from importlib import import_module

import attrs


@attrs.frozen
class RealFormat:
    """``module`` (in aptui.formats.real) reads the format with ``read(path) -> Imported`` when
    ``reads`` says what it takes, and writes it with its function ``export``, called as
    ``(topo, views, named) -> Exported`` (``named``: one guest was asked for, not every one)."""

    name: str
    module: str
    export: str
    suffix: str  # of the file the console suggests for an export
    reads: str = ""  # what `aptui import NAME` takes, as its help and the console's prompt say; "": not read
    read: str = "read"  # the module's function that reads it
    any_guest: bool = False  # every guest can be exported, L1s too, not only those with an mdev
    one_document: bool = False  # one device per document: an export of several guests needs --guest
    one_hypervisor: bool = False  # one machine's configuration: an export of guests of several needs --hypervisor
    needs_masks: bool = False  # ap-check refuses it unless the host's masks give vfio_ap the queues (chzdev first)

    def function(self, name: str):
        """The module's function ``name``; the module is loaded on first use."""
        return getattr(import_module(f"{__package__}.{self.module}"), name)


FORMATS = (
    RealFormat("lszcrypt", "lszcrypt", "export", "txt", any_guest=True,
               reads="the output of lszcrypt -V (or lszcrypt, lszcrypt -d) saved to a file"),
    RealFormat("sysfs", "sysfs", "export", "sh",
               reads="a sysfs tree laid out like /sys (bus/ap, devices/ap, devices/vfio_ap), e.g. /sys"),
    RealFormat("mdevctl", "mdevctl", "export", "json", one_hypervisor=True, needs_masks=True,
               reads="mdevctl list --dumpjson output, or a directory of mdevctl configs"),
    RealFormat("libvirt", "libvirt", "export_nodedev", "xml", one_document=True, needs_masks=True,
               reads="a libvirt nodedev XML file (or a directory of them)"),
    RealFormat("hostdev", "libvirt", "export_hostdev", "xml", one_document=True, needs_masks=True),
    RealFormat("qemu", "qemu", "export", "args"),
    RealFormat("chzdev", "apmasks", "export", "sh", one_hypervisor=True),
    RealFormat("udev", "apmasks", "export_rules", "rules", one_hypervisor=True, read="read_udev",
               reads="/etc/udev/rules.d/41-ap.rules, the persistent AP bus masks chzdev writes"),
    RealFormat("lszdev", "apmasks", "export_lszdev", "txt", one_hypervisor=True, read="read_lszdev",
               reads="the output of lszdev -t ap (the active and persistent AP bus masks) saved to a file"),
    RealFormat("k8s", "k8s", "export", "json", any_guest=True, one_document=True),
)
NAMED = {f.name: f for f in FORMATS}
IMPORTS = tuple(f.name for f in FORMATS if f.reads)
EXPORTS = tuple(f.name for f in FORMATS)
