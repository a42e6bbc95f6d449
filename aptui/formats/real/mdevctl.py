"""mdevctl configurations (ref 7.3): ``/etc/mdevctl.d/matrix/UUID`` files, a directory of them,
or ``mdevctl list --dumpjson`` output. Each holds the attribute writes mdevctl replays, in order,
when it starts the mdev.
"""

from __future__ import annotations

import json
from pathlib import Path

from aptui.formats.real import mdev
from aptui.formats.errors import InputError
from aptui.formats.files import STDIN, read_text
from aptui.formats.real.exporting import Exported
from aptui.formats.real.importing import Imported, Mdev, duplicate_uuids, mdev_import
from aptui.formats.real.json_lines import line_of, loads
from aptui.formats.text import path_text
from aptui.model.matrix import EMPTY
from aptui.model.scenario import UUID, Guest
from aptui.model.topology import GuestView, Topology
from aptui.model.vocabulary import Start

CONFIG_KEYS = ("mdev_type", "start", "attrs")
STARTS = tuple(Start)


def read(path: str) -> Imported:
    p = Path(path)
    notes: list[str] = []
    if path != STDIN and p.is_dir():
        mdevs = _read_dir(p, notes)
    else:
        mdevs = _read_file(p, notes, single_uuid=p.name if UUID.fullmatch(p.name) else None)
    if not mdevs:
        raise InputError(path, None, "no vfio_ap-passthrough mdev configuration found")
    notes += duplicate_uuids(mdevs)
    return mdev_import(path_text(f"mdevctl {p.name or path}"), path_text(f"Imported by `aptui import mdevctl {path}`."),
                       mdevs, notes, path)


def _read_dir(p: Path, notes: list[str]) -> list[Mdev]:
    """A directory of config files named by UUID; /etc/mdevctl.d itself holds one per parent."""
    if (p / mdev.PARENT).is_dir():
        others = sorted(c.name for c in p.iterdir() if c.name != mdev.PARENT)
        if others:
            notes.append(f"{p}: only {mdev.PARENT}/ holds vfio_ap mdevs; not read: {', '.join(others)}")
        p = p / mdev.PARENT
    out = []
    for f in sorted(p.iterdir()):
        if f.name.startswith(".") or not f.is_file():
            notes.append(f"{f}: not read (not a config file)")
            continue
        out += _read_file(f, notes, single_uuid=f.name if UUID.fullmatch(f.name) else None, in_dir=True)
    return out


def _read_file(f: Path, notes: list[str], single_uuid: str | None, in_dir: bool = False) -> list[Mdev]:
    path = str(f)
    text = read_text(path, "an mdevctl config (JSON)")
    doc, lines = loads(text, path)
    reader = _Reader(path, lines, notes)
    if isinstance(doc, dict) and any(k in doc for k in CONFIG_KEYS):
        found = reader.config(doc, (), single_uuid, f.stem if single_uuid is None else single_uuid, skip_other=in_dir)
        return [found] if found else []
    if isinstance(doc, dict):
        return reader.parents(doc, ())
    if isinstance(doc, list):
        return [md for i, item in enumerate(doc) for md in reader.parents(item, (i,))]
    raise InputError(path, 1, "expected an mdevctl config (an object with mdev_type and attrs) or "
                              "`mdevctl list --dumpjson` output (a list of {parent: [{uuid: config}]})")


class _Reader:
    def __init__(self, path: str, lines: dict, notes: list[str]):
        self.path, self.lines, self.notes = path, lines, notes

    def fail(self, where: tuple, message: str):
        raise InputError(self.path, line_of(self.lines, where), message)

    def where(self, where: tuple) -> str:
        line = line_of(self.lines, where)
        return self.path if line is None else f"{self.path}:{line}"

    def parents(self, doc, where: tuple) -> list[Mdev]:
        """``{parent: [{uuid: config}, ...]}``, one entry of --dumpjson output."""
        if not isinstance(doc, dict):
            self.fail(where, "expected {parent: [{uuid: config}, ...]} as `mdevctl list --dumpjson` prints")
        out = []
        for parent, devices in doc.items():
            w = where + (parent,)
            if not isinstance(devices, list):
                self.fail(w, f"parent {parent!r}: expected a list of {{uuid: config}}")
            if parent != mdev.PARENT:
                self.notes.append(f"{self.where(w)}: parent {parent!r} is not the vfio_ap matrix: its mdevs are "
                                  f"read if their type is {mdev.TYPE}")
            for i, entry in enumerate(devices):
                if not isinstance(entry, dict) or len(entry) != 1:
                    self.fail(w + (i,), "expected {uuid: config} for each mdev")
                (uuid, config), = entry.items()
                if not UUID.fullmatch(uuid):
                    self.fail(w + (i, uuid), f"{uuid!r} is not a UUID (8-4-4-4-12 hex digits)")
                found = self.config(config, w + (i, uuid), uuid, uuid, skip_other=True)
                if found:
                    out.append(found)
        return out

    def config(self, doc, where: tuple, uuid: str | None, label: str, skip_other: bool) -> Mdev | None:
        if not isinstance(doc, dict):
            self.fail(where, "an mdevctl config is an object with mdev_type, start and attrs")
        for key in doc:
            if key not in CONFIG_KEYS:
                self.notes.append(f"{self.where(where + (key,))}: key {key!r} is not an mdevctl config key "
                                  f"aptui knows ({', '.join(CONFIG_KEYS)}): ignored")
        if "mdev_type" not in doc:
            self.fail(where, f"missing mdev_type (\"{mdev.TYPE}\")")
        kind = doc["mdev_type"]
        if not isinstance(kind, str):
            self.fail(where + ("mdev_type",), f"mdev_type: expected a string (\"{mdev.TYPE}\")")
        if kind != mdev.TYPE:
            if skip_other:
                self.notes.append(f"{self.where(where + ('mdev_type',))}: mdev_type {kind!r} is not {mdev.TYPE}: "
                                  "not read")
                return None
            self.fail(where + ("mdev_type",), f"mdev_type {kind!r}: aptui reads {mdev.TYPE} mdevs only")
        start = doc.get("start", Start.MANUAL)
        if "start" not in doc:
            self.notes.append(f"{self.where(where)}: {label}: no start: read as manual, as mdevctl defines it by "
                              "default (ap-check would check it as auto at define)")
        elif start not in STARTS:
            self.notes.append(f"{self.where(where + ('start',))}: start {start!r} is neither auto nor manual: "
                              "read as manual")
            start = Start.MANUAL
        items = doc.get("attrs", [])
        if not isinstance(items, list):
            self.fail(where + ("attrs",), "attrs: expected a list of {attribute: value}")
        matrix = EMPTY
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                self.fail(where + ("attrs", i), "attrs: each entry is an object {attribute: value}")
            for name, value in item.items():
                w = where + ("attrs", i, name)
                if name not in mdev.ATTRS:
                    self.notes.append(f"{self.where(w)}: attribute {name!r} is not a vfio_ap attribute aptui "
                                      "knows: not applied")
                    continue
                if isinstance(value, int) and not isinstance(value, bool):
                    value = str(value)
                if not isinstance(value, str):
                    self.fail(w, f"{name}: expected a string value, got {json.dumps(value)[:40]}")
                try:
                    matrix = mdev.apply(matrix, name, value)
                except ValueError as e:
                    self.fail(w, f"{name}: {e}")
        return Mdev(uuid, matrix, label, str(start))


def config_text(guest: Guest) -> str:
    """The JSON mdevctl stores in /etc/mdevctl.d/matrix/UUID (``mdevctl define --jsonfile`` takes it)."""
    return json.dumps(_config(guest), indent=2) + "\n"


def list_text(guests: list[Guest]) -> str:
    """Several mdevs as ``mdevctl list --defined --dumpjson`` prints them."""
    return json.dumps([{mdev.PARENT: [{g.mdev_uuid: _config(g)} for g in guests]}], indent=2) + "\n"


def export(topo: Topology, views: list[GuestView], named: bool) -> Exported:
    """The guest named as its config file; every guest as a listing."""
    guests = [v.guest for v in views]
    return Exported(config_text(guests[0]) if named else list_text(guests))


def _config(guest: Guest) -> dict:
    return {"mdev_type": mdev.TYPE, "start": str(guest.start),
            "attrs": [{name: value} for name, value in mdev.assignments(guest.matrix)]}
