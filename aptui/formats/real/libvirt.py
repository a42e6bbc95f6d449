"""libvirt XML (ref 7.4): the node device of a vfio_ap mdev (``virsh nodedev-define``), read and
written, and the domain's ``<hostdev>`` element that hands the mdev to a guest, with the ``<cpu>``
the guest needs.

XML is built with xml.etree, so names and values are always escaped; input is parsed by expat
with document type declarations refused (a node device never has one, and entities in one could
expand without bound).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

from aptui.formats.real import mdev
from aptui.formats.errors import InputError
from aptui.formats.files import STDIN, read_input
from aptui.formats.real.exporting import Exported
from aptui.formats.real.importing import Imported, Mdev, duplicate_uuids, mdev_import
from aptui.formats.real.qemu import feature_notes
from aptui.formats.text import path_text
from aptui.model.facilities import cpu_model_features
from aptui.model.matrix import EMPTY
from aptui.model.scenario import UUID, Guest
from aptui.model.topology import GuestView, Topology
from aptui.model.vocabulary import Feature, Start

PARENT = "ap_matrix"  # libvirt's name for the vfio_ap matrix device
DEVICE_CHILDREN = ("name", "path", "devnode", "parent", "driver", "capability")
MDEV_CHILDREN = ("type", "uuid", "iommuGroup", "parent_addr", "attr")


def read(path: str) -> Imported:
    p = Path(path)
    notes: list[str] = []
    if path != STDIN and p.is_dir():
        mdevs = []
        for f in sorted(p.iterdir()):
            if f.suffix != ".xml" or not f.is_file():
                notes.append(f"{f}: not read (not an .xml file)")
                continue
            found = _read_file(f, notes, skip_other=True)
            if found:
                mdevs.append(found)
    else:
        mdevs = [_read_file(p, notes, skip_other=False)]
    if not mdevs:
        raise InputError(path, None, "no vfio_ap mdev node device found")
    notes += duplicate_uuids(mdevs)
    return mdev_import(path_text(f"libvirt {p.name or path}"), path_text(f"Imported by `aptui import libvirt {path}`."),
                       mdevs, notes, path)


def _read_file(f: Path, notes: list[str], skip_other: bool) -> Mdev | None:
    path = str(f)
    data = read_input(path, "a node device XML")
    root, lines = _parse(data, path)

    def where(el) -> str:
        return f"{path}:{lines[el]}"

    def fail(el, message):
        raise InputError(path, lines[el], message)

    if root.tag != "device":
        fail(root, f"expected a node device (<device>), not <{root.tag}>")
    for child in root:
        if child.tag not in DEVICE_CHILDREN:
            notes.append(f"{where(child)}: element <{child.tag}> is not one aptui reads in a node device: ignored")
    cap = root.find("capability")
    if cap is None or cap.get("type") != "mdev":
        what = "no <capability>" if cap is None else f"capability type {cap.get('type')!r}"
        if skip_other:
            notes.append(f"{path}: not an mdev node device ({what}): not read")
            return None
        fail(root if cap is None else cap, f"not an mdev node device ({what}): expected <capability type='mdev'>")
    parent = root.find("parent")
    if parent is not None and (parent.text or "").strip() != PARENT:
        notes.append(f"{where(parent)}: parent {(parent.text or '').strip()!r} is not {PARENT}: read as a vfio_ap mdev")
    kind = cap.find("type")
    if kind is None or kind.get("id") != mdev.TYPE:
        what = "no <type id=...>" if kind is None else f"type {kind.get('id')!r}"
        if skip_other:
            notes.append(f"{path}: not a {mdev.TYPE} mdev ({what}): not read")
            return None
        fail(cap if kind is None else kind, f"not a {mdev.TYPE} mdev ({what})")
    uuid = None
    matrix = EMPTY
    for child in cap:
        if child.tag not in MDEV_CHILDREN:
            notes.append(f"{where(child)}: element <{child.tag}> is not one aptui reads in an mdev capability: ignored")
        elif child.tag == "uuid":
            uuid = (child.text or "").strip()
            if not UUID.fullmatch(uuid):
                fail(child, f"<uuid> {uuid!r} is not a UUID (8-4-4-4-12 hex digits)")
        elif child.tag == "attr":
            name, value = child.get("name"), child.get("value")
            if name is None or value is None:
                fail(child, "<attr> needs both name and value")
            if name not in mdev.ATTRS:
                notes.append(f"{where(child)}: attribute {name!r} is not a vfio_ap attribute aptui knows: not applied")
                continue
            try:
                matrix = mdev.apply(matrix, name, value)
            except ValueError as e:
                fail(child, f"<attr name={name!r}>: {e}")
    return Mdev(uuid, matrix, f.stem)


def _parse(data: bytes, path: str) -> tuple[ET.Element, dict[ET.Element, int]]:
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}
    parser = expat.ParserCreate()

    def start(tag, attributes):
        lines[builder.start(tag, attributes)] = parser.CurrentLineNumber

    def doctype(*_):
        raise InputError(path, parser.CurrentLineNumber, "a document type declaration (<!DOCTYPE>) is not "
                                                         "allowed in a node device")

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        raise InputError(path, e.lineno, f"not well-formed XML: {expat.ErrorString(e.code)}") from None
    except (LookupError, ValueError) as e:  # an unknown encoding= in the XML declaration
        raise InputError(path, 1, f"not usable XML: {e}") from None
    return builder.close(), lines


def node_name(guest: Guest) -> str:
    """The node device's name, as libvirt names an mdev: mdev_UUID_PARENT, dashes as underscores."""
    return "mdev_" + guest.mdev_uuid.replace("-", "_") + "_" + mdev.PARENT


def nodedev_text(guest: Guest) -> str:
    """The node-device XML ``virsh nodedev-define`` takes; it passes ``virt-xml-validate FILE nodedev``."""
    uuid = guest.mdev_uuid
    root = ET.Element("device")
    ET.SubElement(root, "name").text = node_name(guest)
    ET.SubElement(root, "parent").text = PARENT
    cap = ET.SubElement(root, "capability", type="mdev")
    ET.SubElement(cap, "type", id=mdev.TYPE)
    ET.SubElement(cap, "uuid").text = uuid
    for name, value in mdev.assignments(guest.matrix):
        ET.SubElement(cap, "attr", name=name, value=value)
    return _text(root)


def hostdev_text(view: GuestView) -> str:
    """The ``<hostdev>`` element of a domain (``virsh attach-device DOMAIN FILE --config``), then, in
    a comment, the ``<cpu>`` the domain needs: a CPU model belongs to the domain, not to a device,
    and attach-device takes one element, so the file stays that element and the operator copies the
    comment into ``virsh edit DOMAIN``."""
    root = ET.Element("hostdev", mode="subsystem", type="mdev", managed="no", model="vfio-ap")
    ET.SubElement(ET.SubElement(root, "source"), "address", uuid=view.guest.mdev_uuid)
    return (_text(root) + "<!-- The domain's CPU model needs these AP features (virsh edit DOMAIN: add the <feature>\n"
            "     elements to its <cpu>, or this <cpu> to the domain); virsh attach-device takes only the\n"
            "     <hostdev> above.\n" + cpu_text(view) + "-->\n")


def cpu_text(view: GuestView) -> str:
    """The domain's ``<cpu>``: every AP feature required or disabled as the ``qemu`` export turns it
    on or off (`cpu_model_features`). ``host-model``, as libvirt runs s390x KVM guests; libvirt
    names s390x features as QEMU does (domain capabilities list ``<feature policy='require'
    name='apqci'/>``), and takes only the policies ``require`` and ``disable`` for s390
    (src/cpu/cpu_s390.c, virCPUs390Update)."""
    have = cpu_model_features(view.guest.features, view.has_ap, view.level)
    root = ET.Element("cpu", mode="host-model")
    for f in Feature:
        ET.SubElement(root, "feature", policy="require" if f in have else "disable", name=f)
    return _text(root)


def export_nodedev(topo: Topology, views: list[GuestView], named: bool) -> Exported:
    """The node device, and how to give it the mdev's start and active state, which the XML does
    not hold: libvirt keeps them in mdevctl (`virsh nodedev-autostart` is mdevctl's start auto)."""
    g = views[0].guest
    name = node_name(g)
    steps = ["virsh nodedev-define FILE", *([f"virsh nodedev-autostart {name}"] if g.start == Start.AUTO else []),
             *([f"virsh nodedev-start {name}"] if g.active else [])]
    state = f"start {g.start}, {'active' if g.active else 'not started'}"
    return Exported(nodedev_text(g), (f"{g.name} ({state}): " + " && ".join(steps),))


def export_hostdev(topo: Topology, views: list[GuestView], named: bool) -> Exported:
    return Exported(hostdev_text(views[0]),
                    tuple(feature_notes(views[0], "the domain will not start with this <hostdev>")))


def _text(root: ET.Element) -> str:
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"
