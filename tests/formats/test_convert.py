"""`aptui import` / `aptui export`: exit statuses, files written or not, notes, and the round-trip
property over random scenarios (export -> import gives the same matrix)."""

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import attrs

from hypothesis import given
from hypothesis import strategies as st

from aptui.cli import main
from aptui.formats.real import convert
from aptui.formats.errors import InputError
from aptui.formats.real.exporting import seen
from aptui.formats.scenario.file import load, loads
from aptui.model import Adapter, Guest, Host, Reserved, Scenario, Topology, check
from aptui.model.scenario import ADAPTER_TYPES, FEATURES, MODES, STATES

from .tools import FIXTURES, Refused, machine_tree, run_script


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_done_means_captured_hosts_become_scenarios_check_accepts(tmp_path, capsys):
    for kind, path in (("lszcrypt", FIXTURES / "lszcrypt-V.txt"), ("sysfs", FIXTURES / "sysfs-host"),
                       ("mdevctl", FIXTURES / "mdevctl.d"), ("libvirt", FIXTURES / "libvirt/guest1.xml")):
        out = tmp_path / f"{kind}.toml"
        code, stdout, _ = run(capsys, "import", kind, str(path), "-o", str(out))
        assert (code, stdout) == (0, "")
        load(out)
        assert run(capsys, "check", str(out))[0] == 0


def test_import_to_stdout_keeps_the_notes_as_comments(capsys):
    code, out, err = run(capsys, "import", "lszcrypt", str(FIXTURES / "lszcrypt-V.txt"))
    assert code == 0
    notes = [line for line in err.splitlines() if line.startswith("aptui: warning: ")]
    assert len(notes) == 1
    assert [f"# warning: {n[16:]}" for n in notes] == [line for line in out.splitlines() if line.startswith("# warning")]
    guesses = [line for line in err.splitlines() if line.startswith("aptui: guess: ")]
    assert any("guessed lpar1's control domains = its usage domains: no lszcrypt -d table" in g for g in guesses)
    assert any("guessed the machine's domain count = 85" in g for g in guesses)
    assert [f"# guess: {g[14:]}" for g in guesses] == [line for line in out.splitlines() if line.startswith("# guess")]
    assert loads(out).guest("lpar1").reserved == Reserved(frozenset({5}), frozenset({4}))


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"mdev_type": "vfio_ap-passthrough",\n "attrs": [{"assign_adapter": "x"}]}')
    out = tmp_path / "out.toml"
    code, stdout, err = run(capsys, "import", "mdevctl", str(bad), "-o", str(out))
    assert (code, stdout) == (2, "") and not out.exists()
    assert err.startswith(f"{bad}:2: assign_adapter: ")
    assert run(capsys, "import", "sysfs", str(tmp_path / "missing"), "-o", str(out))[0] == 2 and not out.exists()
    assert list(tmp_path.iterdir()) == [bad]
    assert run(capsys, "import", "lszcrypt", str(FIXTURES / "lszcrypt.txt"), "-o", str(tmp_path / "no/dir/x.toml"))[0] == 2


def test_no_traceback_whatever_the_input(tmp_path):
    cases = [("lszcrypt", tmp_path), ("sysfs", FIXTURES / "lszcrypt.txt"), ("mdevctl", FIXTURES / "lszcrypt.txt"),
             ("libvirt", FIXTURES / "mdevctl-list.json"), ("libvirt", tmp_path / "nothing.xml")]
    for kind, path in cases:
        done = subprocess.run([sys.executable, "-m", "aptui", "import", kind, str(path)], capture_output=True, text=True)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (kind, done.stderr)
        assert re.match(r"\S+(:\d+)?: ", done.stderr), done.stderr


def test_export_errors_exit_2(capsys):
    code, out, err = run(capsys, "export", "mdevctl", "passthrough", "--guest", "nobody")
    assert (code, out) == (2, "") and "no guest 'nobody'" in err and "kvm1" in err
    code, _, err = run(capsys, "export", "libvirt", "passthrough", "--guest", "lpar1")
    assert code == 2 and "is an L1, an LPAR" in err
    code, _, err = run(capsys, "export", "qemu", "2018", "--guest", "kvm1")
    assert code == 2 and "backend 'emulated'" in err
    code, _, err = run(capsys, "export", "hostdev", "passthrough")
    assert code == 2 and "choose one with --guest" in err
    assert run(capsys, "export", "lszcrypt", "passthrough", "--guest", "lpar1")[0] == 0


def test_export_warns_about_what_check_refuses(capsys):
    code, out, err = run(capsys, "export", "mdevctl", "sibling-conflict")
    assert code == 0 and json.loads(out)
    assert "aptui check reports apqn-in-use" in err


def test_exported_lszcrypt_of_a_guest_that_sees_nothing_says_why(capsys):
    code, out, err = run(capsys, "export", "lszcrypt", "2018", "--guest", "nested1")
    assert code == 0 and "nested1: kvm1 has no AP interpretation itself" in err
    assert "# nested1: lszcrypt -V\nCARD.DOM" in out and "\n05 " not in out


# -- the round-trip property ---------------------------------------------------------------------
IDS = st.integers(0, 255)


@st.composite
def scenarios(draw):
    """A host, an L1, passthrough guests below it (some with nested guests), random matrices."""
    chosen = sorted(draw(st.frozensets(IDS, min_size=1, max_size=5)))
    host = Host(True, tuple(Adapter(a, draw(st.sampled_from(ADAPTER_TYPES[2:])), draw(st.sampled_from(MODES)),
                                    draw(st.integers(1, 16)), draw(st.sampled_from(STATES))) for a in chosen), 256)

    def matrix():
        return {"adapters": draw(st.frozensets(st.sampled_from(chosen) | IDS, max_size=4)),
                "usage_domains": draw(st.frozensets(IDS, max_size=4)), "control_domains": draw(st.frozensets(IDS, max_size=4))}

    def reserved():
        return Reserved(draw(st.frozensets(IDS, max_size=3)), draw(st.frozensets(IDS, max_size=3)))

    guests = [Guest("lpar1", reserved=reserved(), **matrix())]
    for i in range(draw(st.integers(1, 3))):
        guests.append(Guest(f"kvm{i}", parent="lpar1", features=draw(st.frozensets(st.sampled_from(FEATURES))),
                            uuid=draw(st.none() | st.uuids().map(str)), reserved=reserved(), **matrix()))
        if draw(st.booleans()):
            guests.append(Guest(f"nested{i}", parent=f"kvm{i}", **matrix()))
    return Scenario("random", host=host, guests=tuple(guests))


def by_uuid(scenario: Scenario) -> dict:
    return {g.uuid: g.matrix for g in scenario.guests if g.uuid}


@given(scenarios(), st.booleans())
def test_every_export_imports_back_to_the_same_matrix(s, ap_config):
    topo = Topology(s)
    errors = {(d.guest, d.code) for d in check(s, topo)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mdevs = [v.guest for v in topo.views.values() if v.guest.parent != "host"]
        for g in mdevs:
            for kind, name in (("mdevctl", g.mdev_uuid), ("libvirt", f"{g.name}.xml")):
                f = tmp / name
                f.write_text(convert.export_text(kind, s, g.name))
                assert by_uuid(convert.import_scenario(kind, str(f)))[g.mdev_uuid] == g.matrix
            hostdev = convert.export_text("hostdev", s, g.name)
            assert re.search(r'uuid="([^"]+)"', hostdev).group(1) == g.mdev_uuid
            assert (not topo.view(g.name).has_ap) != (g.mdev_uuid in convert.export_text("qemu", s, g.name))
        for machine in sorted({g.parent for g in mdevs}):  # one listing per hypervisor, as mdevctl runs on each
            listed = tmp / f"list-{machine}.json"
            listed.write_text(convert.export("mdevctl", s, hypervisor=machine).text)
            assert by_uuid(convert.import_scenario("mdevctl", str(listed))) == {
                g.mdev_uuid: g.matrix for g in mdevs if g.parent == machine}
        script = convert.export_text("sysfs", s)
        for machine in sorted({g.parent for g in mdevs}):
            root = tmp / f"sys-{machine}"
            machine_tree(root, s, machine, ap_config)
            kids = [g for g in mdevs if g.parent == machine]
            try:
                run_script(script, root, machine, ap_config)
            except Refused:
                assert any((g.name, "apqn-reserved-by-host") in errors for g in kids)
                continue
            assert not any((g.name, "apqn-reserved-by-host") in errors for g in kids)
            back = convert.import_scenario("sysfs", str(root))
            assert back.guest("lpar1").reserved == s.guest(machine).reserved
            assert by_uuid(back) == {g.mdev_uuid: g.matrix for g in kids}
        for name, view in topo.views.items():
            f = tmp / f"{name}.lszcrypt"
            f.write_text(convert.export_text("lszcrypt", s, name))
            found = seen(topo, view)[0]
            listed = attrs.evolve(found, apm=found.apm if found.aqm else 0)  # no card without a queue (ap_scan_adapter)
            assert convert.import_scenario("lszcrypt", str(f)).guest("lpar1").matrix == listed


# -- whatever the bytes, an importer answers with a scenario or an InputError --------------------
def _json_values():
    leaves = st.none() | st.booleans() | st.integers(-5, 300) | st.sampled_from(
        ["5", "0x05", "011", "x", "vfio_ap-passthrough", "auto", "0x" + "f" * 64 + ",0x0,0x0"])
    keys = st.sampled_from(["mdev_type", "start", "attrs", "assign_adapter", "assign_domain", "ap_config", "matrix",
                            "62177883-f1bb-47f0-914d-32a22e3a8804", "x"])
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                        max_leaves=12)


LSZCRYPT_LINES = (FIXTURES / "lszcrypt-V.txt").read_text().splitlines() + [
    "DOMAIN 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f", "    00" + "  B" * 16, "features: APXA", "x y"]


@given(st.one_of(st.binary(max_size=200).map(lambda b: ("lszcrypt", b)),
                 st.lists(st.sampled_from(LSZCRYPT_LINES), max_size=6).map(lambda ls: ("lszcrypt", "\n".join(ls).encode())),
                 _json_values().map(lambda v: ("mdevctl", json.dumps(v).encode())),
                 st.binary(max_size=200).map(lambda b: ("mdevctl", b)),
                 st.binary(max_size=200).map(lambda b: ("libvirt", b)),
                 st.sampled_from(["<device><capability type='mdev'><type id='vfio_ap-passthrough'/>",
                                  "<attr name='assign_domain' value='4'/>", "<attr name='ap_config' value='0x1,,'/>",
                                  "</capability></device>", "<uuid>62177883-f1bb-47f0-914d-32a22e3a8804</uuid>"])
                 .map(lambda x: ("libvirt", x.encode()))))
def test_importers_answer_with_a_scenario_or_an_input_error(case):
    kind, data = case
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "input"
        f.write_bytes(data)
        try:
            imported = convert.read(kind, str(f))
        except InputError as e:
            assert e.path == str(f) and e.message
        else:
            assert loads(convert.toml_text(imported, kind, str(f))).guests == imported.scenario.guests


@given(st.text(max_size=80))
def test_a_bus_mask_of_any_text(text):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bus/ap").mkdir(parents=True)
        (root / "bus/ap/apmask").write_text(text)
        (root / "bus/ap/aqmask").write_text("0xff\n")
        try:
            imported = convert.read("sysfs", str(root))
        except InputError as e:
            assert e.path == str(root / "bus/ap/apmask")
        else:
            assert imported.scenario.guest("lpar1").reserved.adapters <= set(range(256))


def test_exported_lszcrypt_follows_the_nested_emulation_policy(capsys):
    """Issue 7 defect: the listing is what `aptui run` finds, policy included (05.0004 under
    nested_emulation), not an empty one computed on the side."""
    code, out, err = run(capsys, "export", "lszcrypt", "2018-nested-emulation", "--guest", "nested1")
    assert code == 0 and "\n05.0004  CEX8C" in out
    assert "hypothetical" in err
    runs = json.loads(run(capsys, "run", "2018-nested-emulation", "--json")[1])["results"]
    assert any(r["guest"] == "nested1" and r["op"] == "SCAN" and r["found"] == ["05.0004"] for r in runs)
