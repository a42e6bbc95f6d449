"""libvirt node devices in and out (checked by libvirt's own schemas), the <hostdev>, and QEMU options
(checked against qemu-system-s390x -cpu help)."""

import re
import subprocess

import attrs

from aptui.model.topology import Topology
import pytest

from aptui import demos
from aptui.formats.real import libvirt, qemu
from aptui.formats.real.convert import ExportError, export, export_text
from aptui.formats.real.exporting import passthrough_below_l1
from aptui.formats.errors import InputError
from aptui.formats.scenario.file import loads
from aptui.model import Matrix

from .tools import FIXTURES, tool, validate

GUEST1 = "62177883-f1bb-47f0-914d-32a22e3a8804"
DOMAIN = """<domain type='kvm'>
  <name>guest</name>
  <memory unit='MiB'>1024</memory>
  <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
  <devices>
{}  </devices>
</domain>
"""


def passthrough():
    return loads(demos.text("passthrough"))


def test_the_reference_node_devices():
    one = libvirt.read(str(FIXTURES / "libvirt" / "guest1.xml")).scenario
    g = one.guests[1]
    assert (g.name, g.uuid, g.matrix) == ("guest1", GUEST1, Matrix.of([5, 6], [4, 0xab], [4, 0xab]))
    ibm = libvirt.read(str(FIXTURES / "libvirt" / "nodedev-ibm.xml"))
    assert ibm.scenario.guests[1].matrix == Matrix.of([9], [1])
    assert any("mdev UUID" in g.what and "has none" in g.why for g in ibm.guesses)
    both = libvirt.read(str(FIXTURES / "libvirt")).scenario
    assert [g.name for g in both.guests] == ["lpar1", "guest1", "nodedev-ibm"]


def test_export_passes_the_nodedev_schema_and_reads_back(tmp_path):
    s = passthrough()
    for name in ("kvm1", "kvm2", "kvm3", "nested1", "nested2"):
        xml = export_text("libvirt", s, name)
        done = validate(xml, "nodedev", tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        f = tmp_path / f"{name}.xml"
        f.write_text(xml)
        back = libvirt.read(str(f)).scenario.guests[1]
        assert (back.name, back.uuid, back.matrix) == (name, s.guest(name).mdev_uuid, s.guest(name).matrix)


def test_the_reference_sample_without_a_name_fails_the_schema(tmp_path):
    """Why the export writes <name>: the schema requires it, the IBM sample omits it."""
    done = validate((FIXTURES / "libvirt" / "nodedev-ibm.xml").read_text(), "nodedev", tmp_path)
    assert done.returncode != 0


def test_hostdev_passes_the_domain_schema(tmp_path):
    s = passthrough()
    xml = export_text("hostdev", s, "kvm1")
    assert re.search(r'<address uuid="([^"]+)"', xml).group(1) == s.guest("kvm1").mdev_uuid
    assert '<hostdev mode="subsystem" type="mdev" managed="no" model="vfio-ap">' in xml
    done = validate(DOMAIN.format(xml), "domain", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def _demo_passthrough_guests():
    return [(name, v.name) for name in demos.names()
            for v in passthrough_below_l1(Topology(loads(demos.text(name))))]


def test_hostdev_comes_with_the_cpu_features_of_the_qemu_export_for_every_demo_guest(tmp_path):
    """The <cpu> in the hostdev export requires exactly what `-cpu host,...` turns on, disables the
    rest, and with the <hostdev> makes a domain libvirt's schema takes."""
    cases = _demo_passthrough_guests()
    assert len(cases) >= 10
    for demo, guest in cases:
        s = loads(demos.text(demo))
        xml = export_text("hostdev", s, guest)
        assert xml.startswith("<hostdev")
        cpu = re.search(r"^<cpu .*?^</cpu>$", xml, re.M | re.S).group(0)
        policies = dict((n, p) for p, n in re.findall(r'<feature policy="(\w+)" name="(\w+)"', cpu))
        switches = dict(f.split("=") for f in re.match(r"-cpu host,(\S+)", export_text("qemu", s, guest)).group(1)
                        .split(","))
        assert policies == {f: {"on": "require", "off": "disable"}[v] for f, v in switches.items()}, (demo, guest)
        hostdev = xml[:xml.index("<!--")]
        done = validate(DOMAIN.replace("  <devices>", cpu + "  <devices>").format(hostdev), "domain", tmp_path)
        assert done.returncode == 0, (demo, guest, done.stdout + done.stderr)


def test_hostdev_of_a_guest_without_ap_says_it_will_not_start():
    s = passthrough()
    g = attrs.evolve(s.guest("kvm2"), features=frozenset({"apqci"}))
    s = attrs.evolve(s, guests=tuple(g if x.name == "kvm2" else x for x in s.guests))
    out = export("hostdev", s, "kvm2")
    assert '<feature policy="disable" name="ap" />' in out.text and 'policy="require"' not in out.text
    assert any("will not start" in n for n in out.notes)


def test_names_and_values_are_escaped(tmp_path):
    s = passthrough()
    guests = tuple(attrs.evolve(g, name='kvm<2>&"x"') if g.name == "kvm2" else g for g in s.guests)
    xml = export_text("libvirt", attrs.evolve(s, guests=guests), 'kvm<2>&"x"')
    assert validate(xml, "nodedev", tmp_path).returncode == 0


def test_one_document_per_file():
    with pytest.raises(ExportError, match="choose one with --guest"):
        export("libvirt", passthrough())
    single = loads(demos.text("2018"))
    assert export_text("hostdev", single).startswith("<hostdev")  # its one passthrough guest below an L1


@pytest.mark.parametrize("text, line, words", [
    ("<device><capability type='mdev'>\n<type id='vfio_ap-passthrough'/>\n<attr name='assign_adapter' value='0x1ff'/>"
     "</capability></device>", 3, "above 255"),
    ("<device><capability type='mdev'>\n<type id='vfio_ap-passthrough'/>\n<attr name='assign_adapter'/>"
     "</capability></device>", 3, "needs both name and value"),
    ("<device>\n<capability type='mdev'>\n<type id='vfio_ccw-io'/></capability></device>", 3, "not a vfio_ap-passthrough"),
    ("<device>\n<capability type='ap_queue'/></device>", 2, "not an mdev node device"),
    ("<domain/>", 1, "expected a node device"),
    ("<device>\n<capability type='mdev'><type id='vfio_ap-passthrough'/>\n<uuid>nope</uuid></capability></device>", 3,
     "not a UUID"),
    ("<device>\n<capability", 2, "not well-formed"),
    ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaa">]>\n<device/>', 2, "<!DOCTYPE>"),
])
def test_bad_input_names_file_and_line(tmp_path, text, line, words):
    f = tmp_path / "dev.xml"
    f.write_text(text)
    with pytest.raises(InputError) as e:
        libvirt.read(str(f))
    assert (e.value.path, e.value.line) == (str(f), line) and words in e.value.message, str(e.value)


def test_unknown_elements_and_attributes_are_listed(tmp_path):
    f = tmp_path / "dev.xml"
    f.write_text("<device>\n<parent>css_0_0_0072</parent>\n<shiny/>\n<capability type='mdev'>\n"
                 "<type id='vfio_ap-passthrough'/>\n<attr name='assign_adapter' value='5'/>\n"
                 "<attr name='migratable' value='1'/>\n<color/>\n</capability>\n</device>\n")
    notes = libvirt.read(str(f)).notes
    lines = [n.split(": ")[0] for n in notes]
    assert lines[:4] == [f"{f}:3", f"{f}:2", f"{f}:7", f"{f}:8"]


def test_qemu_options_use_the_feature_names_qemu_lists():
    listed = subprocess.run([tool("qemu-system-s390x"), "-cpu", "help"], capture_output=True, text=True).stdout
    known = set(re.findall(r"^\s*(\w+)\s", listed, re.M))
    s = passthrough()
    topo = Topology(s)
    for name in ("kvm1", "nested2"):
        options = qemu.options(topo.view(name))
        cpu = re.match(r"-cpu host,(\S+) -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/(\S+)$", options)
        assert cpu and cpu.group(2) == s.guest(name).mdev_uuid
        features = dict(f.split("=") for f in cpu.group(1).split(","))
        assert set(features) <= known and set(features) == {"ap", "apqci", "apft", "apqi"}
        assert {f for f, v in features.items() if v == "on"} == s.guest(name).features


def test_qemu_writes_apqi_off_below_l1():
    """Spec 4.2: a KVM below L1 never offers facility 65, so an L3's apqi is written off."""
    s = passthrough()
    g = attrs.evolve(s.guest("nested2"), features=frozenset({"ap", "apqci", "apft", "apqi"}))
    s = attrs.evolve(s, guests=tuple(g if x.name == "nested2" else x for x in s.guests))
    out = export("qemu", s, "nested2")
    assert out.text.startswith("-cpu host,ap=on,apqci=on,apft=on,apqi=off -device vfio-ap")
    assert any("facility 65" in n for n in out.notes)


def test_qemu_without_ap_writes_no_device():
    s = passthrough()
    g = attrs.evolve(s.guest("kvm2"), features=frozenset({"apqci"}))
    s = attrs.evolve(s, guests=tuple(g if x.name == "kvm2" else x for x in s.guests))
    out = export("qemu", s, "kvm2")
    assert out.text == "-cpu host,ap=off,apqci=off,apft=off,apqi=off\n"  # no AP feature without ap (v2)
    assert any("refuses -device vfio-ap" in n for n in out.notes)
    several = export_text("qemu", s)
    assert several.count("\n# ") == 4 and several.startswith("# kvm1 (mdev ")
