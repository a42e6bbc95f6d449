"""``aptui import`` and ``aptui export`` (spec 9): real formats in and out.

Each format lives in its own module; this one picks the module, turns what it reads into scenario
TOML with its notes as comments, and prints. Plain functions, so that the console can preview an
import or an export before it writes anything.
"""

from __future__ import annotations

import os
import sys

from aptui import __version__
from aptui.formats import libvirt, lszcrypt, mdevctl, qemu, sysfs
from aptui.formats.errors import InputError
from aptui.formats.exporting import ExportError, Exported, targets
from aptui.formats.files import NotReplaceable, replaced_file, write_atomic
from aptui.formats.importing import Imported
from aptui.formats.kinds import EXPORT_KINDS
from aptui.formats.scenario import dumps, loads
from aptui.formats.text import printable
from aptui.model.diagnostics import check
from aptui.model.facilities import cpu_model_features
from aptui.model.scenario import Scenario
from aptui.model.topology import Topology
from aptui.model.vocabulary import Feature

IMPORTERS = {"lszcrypt": lszcrypt.read, "sysfs": sysfs.read, "mdevctl": mdevctl.read, "libvirt": libvirt.read}
ONE_DOCUMENT = ("libvirt", "hostdev")  # libvirt takes one device per XML document


# -- import --------------------------------------------------------------------------------------
def read(kind: str, path: str) -> Imported:
    """The scenario a real configuration describes, and what could not be carried over exactly.
    Raises InputError (FILE:LINE: message) for what cannot be read: the readers say why where
    they can, and any path that cannot be listed or stat'ed on the way (too long, not searchable,
    a loop of links) is the input's fault too."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}; one of {', '.join(IMPORTERS)}")
    try:
        return IMPORTERS[kind](path)
    except OSError as e:
        raise InputError(e.filename or path, None, f"cannot read: {e.strerror or e}") from None


def import_scenario(kind: str, path: str) -> Scenario:
    return read(kind, path).scenario


def toml_text(imported: Imported, kind: str, path: str) -> str:
    """The scenario file, its notes kept as comments at the top. Loaded back before it is
    returned: an import that aptui would refuse to open, or would open changed, is an InputError
    of its input, never a file written."""
    head = [f"# Imported by `aptui import {kind} {printable(path)}` (aptui {__version__})."]
    head += [f"# warning: {printable(n)}" for n in imported.notes]
    text = "\n".join(head) + "\n" + dumps(imported.scenario)
    try:
        same = loads(text, path) == imported.scenario
    except InputError as e:
        raise InputError(path, None, f"imported, but aptui would not load the result: {e.message}") from None
    if not same:
        raise InputError(path, None, "imported, but the scenario file would not load back the same")
    return text


def import_command(kind: str, path: str, out: str | None) -> int:
    """Exit status 2, and no file written, when the input cannot be read."""
    try:
        replaced = None if out is None else replaced_file(out)  # a device, a FIFO: refused before any work
    except NotReplaceable as e:
        print(printable(str(e)), file=sys.stderr)  # OUT: not a regular file (...)
        return 2
    except OSError as e:  # a name too long, a directory that may not be searched
        print(f"aptui: {printable(out)}: cannot write: {e.strerror or e}", file=sys.stderr)
        return 2
    try:
        if replaced is not None and os.path.exists(path) and os.path.samestat(replaced, os.stat(path)):
            raise InputError(out, None, "is the input itself: choose another output file")
        imported = read(kind, path)
        text = toml_text(imported, kind, path)
    except InputError as e:
        print(printable(str(e)), file=sys.stderr)  # FILE:LINE: message
        return 2
    for note in imported.notes:
        print(f"aptui: warning: {printable(note)}", file=sys.stderr)
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        warning = write_atomic(out, text)
    except OSError as e:
        print(f"aptui: {printable(out)}: cannot write: {e.strerror or e}", file=sys.stderr)
        return 2
    if warning:
        print(f"aptui: warning: {printable(warning)}", file=sys.stderr)
    return 0


# -- export --------------------------------------------------------------------------------------
def export(kind: str, scenario: Scenario, guest: str | None = None) -> Exported:
    """One guest's configuration in a real format, or every passthrough guest's when ``guest`` is
    None. Raises ExportError when that cannot be made."""
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export kind {kind!r}; one of {', '.join(EXPORT_KINDS)}")
    topo = Topology(scenario)
    views = targets(topo, guest, any_guest=kind == "lszcrypt")
    if kind in ONE_DOCUMENT and len(views) > 1:
        raise ExportError(f"{len(views)} passthrough guests ({', '.join(repr(v.name) for v in views)}) and libvirt "
                          "takes one device per XML document: choose one with --guest NAME")
    names = {v.name for v in views}
    notes = [f"{d.guest}: aptui check reports {d.code}: {d.message}"
             for d in check(scenario, topo) if d.severity == "error" and d.guest in names]
    guests = [v.guest for v in views]
    if kind == "mdevctl":
        text = mdevctl.config_text(guests[0]) if guest else mdevctl.list_text(guests)
    elif kind == "libvirt":
        text = libvirt.nodedev_text(guests[0])
    elif kind == "hostdev":
        text = libvirt.hostdev_text(guests[0])
    elif kind == "sysfs":
        text = sysfs.script_text(scenario, topo, views)
    elif kind == "qemu":
        text = _qemu(views, notes)
    else:
        text = _listings(scenario, topo, views, notes)
    return Exported(text, tuple(notes))


def export_text(kind: str, scenario: Scenario, guest: str | None = None) -> str:
    return export(kind, scenario, guest).text


def export_command(kind: str, scenario: Scenario, guest: str | None) -> int:
    try:
        exported = export(kind, scenario, guest)
    except ExportError as e:
        print(f"aptui: {printable(str(e))}", file=sys.stderr)
        return 2
    sys.stdout.write(exported.text)
    sys.stdout.flush()
    for note in exported.notes:
        print(f"aptui: warning: {printable(note)}", file=sys.stderr)
    return 0


def _qemu(views, notes: list[str]) -> str:
    """The options alone for one guest (fit for ``$(...)``); for several, each after a comment line."""
    for v in views:
        have = cpu_model_features(v.guest.features, v.has_ap, v.level)
        if Feature.AP not in have:
            notes.append(f"{v.name}: no AP facility (no 'ap' CPU feature, or a parent without AP), and QEMU refuses "
                         "-device vfio-ap without it: only -cpu is written")
        dropped = sorted(f for f in v.guest.features if f not in have and f != Feature.AP and Feature.AP in have)
        if dropped:
            notes.append(f"{v.name}: {', '.join(dropped)} written off: a KVM below L1 has no AIV and cannot offer "
                         "facility 65 (QEMU would refuse the CPU model)")
    if len(views) == 1:
        return qemu.options(views[0]) + "\n"
    return "".join(f"# {printable(v.name)} (mdev {v.guest.mdev_uuid}, on {printable(v.guest.parent)})\n"
                   f"{qemu.options(v)}\n" for v in views)


def _listings(scenario, topo, views, notes: list[str]) -> str:
    out = []
    for v in views:
        text, why = lszcrypt.listing_text(scenario, topo, v)
        if why:
            notes.append(f"{v.name}: {why}")
        out.append(text)
    return "\n".join(out)
