"""mdevctl: config files, a directory of them and --dumpjson output in; the stored JSON out."""

import json

import pytest

from aptui.formats.real import mdev, mdevctl
from aptui.formats.real.convert import export, export_text
from aptui.formats.real.exporting import ExportError
from aptui.formats.errors import InputError
from aptui.formats.scenario.file import loads
from aptui.model import Matrix, check

from .tools import FIXTURES

SAMPLE_UUID = "9f579710-6ffc-4201-987a-4ffa0fb1f3a5"


def guest(scenario, uuid):
    return next(g for g in scenario.guests if g.uuid == uuid)


def test_the_mdevctl_d_directory():
    imp = mdevctl.read(str(FIXTURES / "mdevctl.d"))
    s = imp.scenario
    assert guest(s, SAMPLE_UUID).matrix == Matrix.of([5, 6], [4, 0xab], [4, 0xab])
    # one-shot ap_config (adapter 7), then assign_*: replayed in order
    assert guest(s, "b8c7e2a4-3d5f-4c1e-9a6b-0f2e4d6c8a10").matrix == Matrix.of([7], [0x47], [0x47])
    assert s.guest("lpar1").matrix == Matrix.of([5, 6, 7], [4, 0x47, 0xab], [4, 0x47, 0xab])
    assert [(a.id, a.type_string, a.depth) for a in s.host.adapters] == [(5, "CEX8C", 8), (6, "CEX8C", 8), (7, "CEX8C", 8)]
    assert check(s) == [] and imp.notes == ()
    assert mdevctl.read(str(FIXTURES / "mdevctl.d" / "matrix")).scenario.guests == s.guests


def test_a_single_file_and_the_list_output():
    one = mdevctl.read(str(FIXTURES / "mdevctl.d" / "matrix" / SAMPLE_UUID)).scenario
    listed = mdevctl.read(str(FIXTURES / "mdevctl-list.json")).scenario
    assert guest(one, SAMPLE_UUID).matrix == guest(listed, SAMPLE_UUID).matrix == Matrix.of([5, 6], [4, 0xab], [4, 0xab])


def test_the_reference_list_with_other_parents_and_a_repeated_uuid(tmp_path):
    """mdevctl's own test data lists the same vfio_ap mdev under two PCI parents."""
    cfg = json.loads((FIXTURES / "mdevctl.d" / "matrix" / SAMPLE_UUID).read_text())
    f = tmp_path / "defined.json"
    f.write_text(json.dumps([{"0000:00:02.0": [{SAMPLE_UUID: cfg}], "0000:00:03.0": [{SAMPLE_UUID: cfg}]}], indent=2))
    imp = mdevctl.read(str(f))
    assert [g.name for g in imp.scenario.guests] == ["lpar1", "mdev-9f579710", "mdev-9f579710-2"]
    assert sum("is not the vfio_ap matrix" in n for n in imp.notes) == 2
    assert any("defined 2 times" in n for n in imp.notes)
    assert "apqn-in-use" in {d.code for d in check(imp.scenario)}


def test_order_unassign_and_octal_as_the_kernel_reads_them(tmp_path):
    attrs = [{"assign_adapter": "5"}, {"assign_adapter": "0x06"}, {"unassign_adapter": "5"},
             {"assign_domain": "010"}, {"assign_control_domain": 17}, {"unassign_control_domain": "0"}]
    f = tmp_path / "cfg.json"
    f.write_text(json.dumps({"mdev_type": mdev.TYPE, "start": "manual", "attrs": attrs}))
    imp = mdevctl.read(str(f))
    g = imp.scenario.guests[1]
    assert (g.name, g.uuid, g.matrix) == ("cfg", None, Matrix.of([6], [8], [17]))
    assert any("mdev UUID" in g.what for g in imp.guesses)


def test_unknown_keys_and_attributes_are_listed(tmp_path):
    f = tmp_path / SAMPLE_UUID
    f.write_text('{\n "mdev_type": "vfio_ap-passthrough",\n "start": "sometimes",\n "color": "red",\n'
                 ' "attrs": [\n  {"assign_adapter": "5"},\n  {"migratable": "1"}\n ]\n}\n')
    notes = mdevctl.read(str(f)).notes
    assert [n.split(": ")[0] for n in notes] == [f"{f}:4", f"{f}:3", f"{f}:7"]
    assert "'color'" in notes[0] and "'sometimes'" in notes[1] and "'migratable'" in notes[2]


@pytest.mark.parametrize("text, line, words", [
    ('{"mdev_type": "vfio_ap-passthrough",\n "attrs": [\n  {"assign_adapter": "0x100"}]}', 3, "above 255"),
    ('{"mdev_type": "vfio_ap-passthrough",\n "attrs": [\n  {"assign_domain": "four"}]}', 3, "not a number"),
    ('{"mdev_type": "vfio_ap-passthrough",\n "attrs": [{"assign_domain": "4"},\n  {"ap_config": "0x1,0x2"}]}', 3,
     "three masks"),
    ('{"mdev_type": "vfio_ap-passthrough",\n "attrs": [{"assign_domain": ["4"]}]}', 2, "expected a string"),
    ('{"mdev_type": "vfio-pci",\n "attrs": []}', 1, "vfio_ap-passthrough mdevs only"),
    ('{"start": "auto"}', 1, "missing mdev_type"),
    ('{"mdev_type": 5}', 1, "mdev_type: expected a string"),
    ('{"mdev_type": "vfio_ap-passthrough",\n "attrs": {}}', 2, "expected a list"),
    ('{"mdev_type": "vfio_ap-passthrough",\n "attrs": [\n  {"assign_domain": "4",}]}', 3, "not valid JSON"),
    ('[{"matrix": [{"not-a-uuid": {}}]}]', 1, "is not a UUID"),
    ('[{"matrix": {}}]', 1, "expected a list"),
    ('7', 1, "expected an mdevctl config"),
    ('{"mdev_type": "vfio_ap-passthrough", "mdev_type": "x"}', 1, "appears twice"),
])
def test_bad_input_names_file_and_line(tmp_path, text, line, words):
    f = tmp_path / "cfg.json"
    f.write_text(text)
    with pytest.raises(InputError) as e:
        mdevctl.read(str(f))
    assert (e.value.path, e.value.line) == (str(f), line) and words in e.value.message, str(e.value)


def test_an_empty_directory_and_other_types_in_it(tmp_path):
    with pytest.raises(InputError, match="no vfio_ap-passthrough mdev"):
        mdevctl.read(str(tmp_path))
    (tmp_path / "0e3c0a4e-8a5e-4f7e-9c1d-2b3a4c5d6e7f").write_text('{"mdev_type": "i915-GVTg_V5_4", "attrs": []}')
    with pytest.raises(InputError, match="no vfio_ap-passthrough mdev"):
        mdevctl.read(str(tmp_path))


def test_export_is_the_json_mdevctl_stores(tmp_path):
    s = loads((FIXTURES.parent.parent.parent / "aptui/demos/passthrough.toml").read_text())
    text = export_text("mdevctl", s, "kvm1")
    data = json.loads(text)
    assert data == {"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [
        {"assign_adapter": "0x05"}, {"assign_adapter": "0x06"}, {"assign_domain": "0x0004"},
        {"assign_domain": "0x0005"}, {"assign_control_domain": "0x0004"}, {"assign_control_domain": "0x0005"}]}
    assert text.startswith('{\n  "mdev_type": "vfio_ap-passthrough",\n  "start": "auto",\n  "attrs": [\n    {\n')
    f = tmp_path / s.guest("kvm1").mdev_uuid
    f.write_text(text)
    assert guest(mdevctl.read(str(f)).scenario, f.name).matrix == s.guest("kvm1").matrix
    for hypervisor, names in (("lpar1", ("kvm1", "kvm2", "kvm3")), ("kvm1", ("nested1", "nested2"))):
        listed = tmp_path / f"{hypervisor}.json"
        listed.write_text(export("mdevctl", s, hypervisor=hypervisor).text)
        back = mdevctl.read(str(listed)).scenario
        assert sorted(g.uuid for g in back.guests if g.uuid) == sorted(s.guest(n).mdev_uuid for n in names)
        for name in names:
            assert guest(back, s.guest(name).mdev_uuid).matrix == s.guest(name).matrix


def test_a_listing_covers_one_hypervisor_and_imports_back_without_conflicts(tmp_path):
    """Issue 9 defect 1: the mdevs of lpar1 and of kvm1 in one list imported as siblings sharing
    queues (four apqn-in-use). Without --hypervisor the export now names the hypervisors; each
    listing imports back healthy."""
    s = loads((FIXTURES.parent.parent.parent / "aptui/demos/passthrough.toml").read_text())
    with pytest.raises(ExportError, match=r"2 hypervisors .*--hypervisor NAME \(one of lpar1, kvm1\)"):
        export("mdevctl", s)
    for hypervisor in ("lpar1", "kvm1"):
        f = tmp_path / f"{hypervisor}.json"
        f.write_text(export("mdevctl", s, hypervisor=hypervisor).text)
        assert [d.code for d in check(mdevctl.read(str(f)).scenario)] == []


@pytest.mark.parametrize("start", ["auto", "manual"])
def test_start_is_kept_both_ways(tmp_path, start):
    s = loads((FIXTURES.parent.parent.parent / "aptui/demos/passthrough.toml").read_text()
              .replace('name = "kvm2"\nparent = "lpar1"', f'name = "kvm2"\nparent = "lpar1"\nstart = "{start}"'))
    text = export_text("mdevctl", s, "kvm2")
    assert f'"start": "{start}"' in text
    f = tmp_path / s.guest("kvm2").mdev_uuid
    f.write_text(text)
    assert guest(mdevctl.read(str(f)).scenario, f.name).start == start


def test_a_config_without_start_is_manual_as_mdevctl_defines_it(tmp_path):
    f = tmp_path / "9f579710-6ffc-4201-987a-4ffa0fb1f3a5"
    f.write_text('{"mdev_type": "vfio_ap-passthrough", "attrs": [{"assign_adapter": "5"}]}')
    imported = mdevctl.read(str(f))
    assert guest(imported.scenario, f.name).start == "manual"
    assert any("no start" in n for n in imported.notes)
