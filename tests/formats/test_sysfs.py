"""sysfs: a tree captured from a host in, the script of writes out (run by sh and by a fake kernel)."""

import errno
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import attrs
import pytest

from aptui import demos
from aptui.formats.real import sysfs
from aptui.formats.real.convert import export_text
from aptui.formats.errors import InputError
from aptui.formats.scenario.file import loads
from aptui.formats.text import printable
from aptui.model import Adapter, Guest, Host, Matrix, Reserved, Scenario, check
from aptui.model.vocabulary import Errno

from .tools import FIXTURES, Refused, machine_tree, run_script, tool

HOST_TREE = FIXTURES / "sysfs-host"
GUEST1 = "62177883-f1bb-47f0-914d-32a22e3a8804"


def copy_tree(tmp_path) -> Path:
    root = tmp_path / "sys"
    shutil.copytree(HOST_TREE, root)
    return root


def test_a_captured_host_tree():
    imp = sysfs.read(str(HOST_TREE))
    s = imp.scenario
    assert [(a.id, a.type_string, a.depth) for a in s.host.adapters] == [(5, "CEX8C", 8), (6, "CEX8A", 8), (0x0a, "CEX7P", 8)]
    assert s.host.apxa and s.host.domains == 256
    l1 = s.guest("lpar1")
    assert l1.matrix == Matrix.of([5, 6, 0x0a], [4, 0x47, 0xab], [4, 0x47, 0xab])
    assert l1.reserved == Reserved(frozenset(set(range(256)) - {5, 6}), frozenset(range(256)))  # apmask 0xf9ff..ff
    guest1 = next(g for g in s.guests if g.uuid == GUEST1)
    assert guest1.parent == "lpar1" and guest1.name == "mdev-62177883"
    assert guest1.matrix == Matrix.of([5, 6], [4, 0xab], [4, 0xab])
    assert [n for n in imp.notes if "migratable" in n]  # an attribute aptui does not know is listed
    assert check(s) == []


def test_ap_config_stands_in_for_a_missing_matrix_and_guest_matrix_differences_are_noted(tmp_path):
    root = copy_tree(tmp_path)
    d = root / "devices/vfio_ap/matrix" / GUEST1
    (d / "matrix").unlink()
    (d / "control_domains").unlink()
    (d / "guest_matrix").write_text("05.0004\n")
    imp = sysfs.read(str(root))
    g = next(g for g in imp.scenario.guests if g.uuid == GUEST1)
    assert g.matrix == Matrix.of([5, 6], [4, 0xab], [4, 0xab])
    assert any("guest_matrix" in n and "1 queue(s)" in n for n in imp.notes)


def test_without_qci_masks_the_cards_and_queues_give_the_configuration(tmp_path):
    root = copy_tree(tmp_path)
    for name in ("ap_adapter_mask", "ap_usage_domain_mask", "ap_control_domain_mask"):
        (root / "bus/ap" / name).write_text("not supported\n")
    (root / "bus/ap/features").write_text("APSC QACT\n")
    imp = sysfs.read(str(root))
    assert imp.scenario.guest("lpar1").matrix == Matrix.of([5, 6, 0x0a], [4, 0x47, 0xab], [4, 0x47, 0xab])
    assert not imp.scenario.host.apxa
    assert sum("not supported" in g.why for g in imp.guesses) == 3


@pytest.mark.parametrize("file, text, line, words", [
    ("bus/ap/apmask", "0xzz\n", 1, "not a mask"),
    ("bus/ap/ap_adapter_mask", "0x" + "f" * 65 + "\n", 1, "1 to 64 hex digits"),
    ("bus/ap/ap_max_domain_id", "many\n", 1, "expected a number"),
    (f"devices/vfio_ap/matrix/{GUEST1}/matrix", "05.0004\n05.00ab\n06.0004\n", None, "06.00ab is missing"),
    (f"devices/vfio_ap/matrix/{GUEST1}/matrix", "05.0004\nhello\n", 2, "expected an APQN"),
    (f"devices/vfio_ap/matrix/{GUEST1}/control_domains", "0004\nzz\n", 2, "expected a domain"),
    (f"devices/vfio_ap/matrix/{GUEST1}/control_domains", "-4\n", 1, "expected a domain"),
    (f"devices/vfio_ap/matrix/{GUEST1}/matrix", "05.0004\n.\n", 2, "expected an APQN"),
    (f"devices/vfio_ap/matrix/{GUEST1}/matrix", "-5.0004\n", 1, "expected an APQN"),
    (f"devices/vfio_ap/matrix/{GUEST1}/matrix", "100.0004\n", 1, "above 255"),
    ("bus/ap/aqmask", "-1\n", 1, "not a mask"),
    ("bus/ap/aqmask", "0x1_0\n", 1, "not a mask"),
    ("devices/ap/card05/depth", "8\xff\n", 1, "not sysfs text"),
])
def test_bad_files_name_the_sysfs_path(tmp_path, file, text, line, words):
    root = copy_tree(tmp_path)
    (root / file).write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError) as e:
        sysfs.read(str(root))
    assert (e.value.path, e.value.line) == (str(root / file), line) and words in e.value.message


def test_ep11_on_a_legacy_card_is_an_input_error(tmp_path):
    root = copy_tree(tmp_path)
    (root / "devices/ap/card05/type").write_text("CEX3P\n")  # spec v2 row 16: EP11 exists from CEX4P on
    with pytest.raises(InputError) as e:
        sysfs.read(str(root))
    assert e.value.path == str(root / "devices/ap/card05") and "a CEX3 has no ep11 mode" in e.value.message


def test_not_a_sysfs_tree(tmp_path):
    with pytest.raises(InputError, match="no bus/ap"):
        sysfs.read(str(tmp_path))
    with pytest.raises(InputError, match="not a directory"):
        sysfs.read(str(tmp_path / "nothing"))


def two_level() -> Scenario:
    host = Host(True, (Adapter(5), Adapter(6, mode="accel"), Adapter(0x0a)), 85)
    return Scenario("two", host=host, guests=(
        Guest("lpar1", adapters=frozenset({5, 6, 0x0a}), usage_domains=frozenset({4, 5, 0x47}),
              control_domains=frozenset({4, 5, 0x47}), reserved=Reserved(frozenset({0x0a}), frozenset({0x47}))),
        Guest("kvm1", parent="lpar1", adapters=frozenset({5, 6}), usage_domains=frozenset({4, 5}),
              control_domains=frozenset({4, 5}), features=frozenset({"ap", "apqci", "apft", "apqi"})),
        Guest("kvm2", parent="lpar1", adapters=frozenset({0x0a}), usage_domains=frozenset({4})),
        Guest("nested1", parent="kvm1", adapters=frozenset({5}), usage_domains=frozenset({4}),
              control_domains=frozenset({4}), uuid="0e3c0a4e-8a5e-4f7e-9c1d-2b3a4c5d6e7f"),
    ))


@pytest.mark.parametrize("ap_config", [True, False])
def test_the_script_builds_the_mdevs_back(tmp_path, ap_config):
    s = two_level()
    script = export_text("sysfs", s, None)
    for machine, kids in (("lpar1", ("kvm1", "kvm2")), ("kvm1", ("nested1",))):
        root = tmp_path / f"{machine}-{ap_config}"
        machine_tree(root, s, machine, ap_config)
        run_script(script, root, machine, ap_config)
        back = sysfs.read(str(root)).scenario
        assert back.guest("lpar1").reserved == s.guest(machine).reserved
        for kid in kids:
            g = s.guest(kid)
            assert next(x for x in back.guests if x.uuid == g.mdev_uuid).matrix == g.matrix


def test_sh_runs_the_script_on_a_copy_of_sys(tmp_path):
    """The real shell, on a tree whose mdev directories exist: the ap_config branch writes plain
    files, and the persistent masks go to the 41-ap.rules beside the copy (chzdev's on /sys)."""
    s = two_level()
    boot = Reserved(frozenset({0x0a, 0x0b}), frozenset({0x47}))
    s = attrs.evolve(s, guests=tuple(attrs.evolve(g, persistent_reserved=boot) if g.name == "lpar1" else g
                                     for g in s.guests))
    script = tmp_path / "setup.sh"
    script.write_text(export_text("sysfs", s, "kvm1"))
    assert subprocess.run([tool("sh"), "-n", str(script)]).returncode == 0
    root = tmp_path / "sys"
    machine_tree(root, s, "lpar1")
    (root / "devices/vfio_ap/matrix" / s.guest("kvm1").mdev_uuid).mkdir()
    done = subprocess.run(["sh", str(script)], env={**os.environ, "SYSFS": str(root)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    back = sysfs.read(str(root)).scenario
    assert back.guests[1].matrix == s.guest("kvm1").matrix
    assert back.guest("lpar1").reserved == s.guest("lpar1").reserved
    assert back.guest("lpar1").persistent_reserved == boot


def test_several_hypervisors_need_a_name_and_names_stay_data(tmp_path):
    s = two_level()
    evil = "kvm1'; touch PWNED; echo '\n$(touch PWNED)`touch PWNED`"
    guests = tuple(attrs.evolve(g, name=evil) if g.name == "kvm1" else g for g in s.guests)
    guests = tuple(attrs.evolve(g, parent=evil) if g.parent == "kvm1" else g for g in guests)
    s = Scenario("evil", host=s.host, guests=guests)
    script = tmp_path / "setup.sh"
    script.write_text(export_text("sysfs", s, None))
    assert subprocess.run([tool("sh"), "-n", str(script)]).returncode == 0
    root = tmp_path / "sys"
    machine_tree(root, s, "lpar1")
    env = {**os.environ, "SYSFS": str(root)}
    for args in ([], ["nobody"]):
        done = subprocess.run(["sh", str(script), *args], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 2 and "usage: sh SCRIPT HYPERVISOR" in done.stderr
    done = subprocess.run(["sh", str(script), printable(evil)], cwd=tmp_path, env=env, capture_output=True,
                          text=True)  # its line break typed as \n, the way the usage line spells it
    assert done.returncode != 0  # the fake tree has no kernel to create the mdev: the first write into it fails
    assert (root / "bus/ap/apmask").read_text().startswith("0x0000")  # but the evil-named section ran
    assert not (tmp_path / "PWNED").exists()


def test_control_characters_in_names_reach_neither_the_script_nor_the_terminal(tmp_path):
    """The case labels and the usage line spell a hypervisor's name with escapes: the script holds
    no control character (cat it, and the terminal obeys none), sh accepts it, and the escaped
    name picks the section."""
    s = two_level()
    renames = {"kvm1": "kvm1\x1b]0;TITLE\x07\x9b2J", "lpar1": "lpar1\x1b]52;c;QUFBQQ==\x07", "kvm2": "k\x1b[2J"}
    guests = tuple(attrs.evolve(g, name=renames.get(g.name, g.name), parent=renames.get(g.parent, g.parent))
                   for g in s.guests)
    s = Scenario("s\x9b31m", host=s.host, guests=guests)
    text = export_text("sysfs", s, None)
    assert re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text) == []
    assert r"'kvm1\x1b]0;TITLE\x07\x9b2J')" in text
    script = tmp_path / "setup.sh"
    script.write_text(text)
    assert subprocess.run([tool("sh"), "-n", str(script)]).returncode == 0
    root = tmp_path / "sys"
    machine_tree(root, s, renames["lpar1"])
    env = {**os.environ, "SYSFS": str(root)}
    done = subprocess.run(["sh", str(script), "nobody"], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "\x1b" not in done.stderr and r"'lpar1\x1b]52;c;QUFBQQ==\x07'" in done.stderr
    subprocess.run(["sh", str(script), printable(renames["lpar1"])], env=env, capture_output=True)
    assert (root / "bus/ap/apmask").read_text().startswith("0x0020")  # lpar1's section ran: it keeps adapter 0a


def test_the_kernel_refuses_what_check_reports(tmp_path):
    """host-reserved: kvm1's queues are kept for lpar1's drivers (apqn-reserved-by-host); kvm3's are free."""
    s = loads(demos.text("host-reserved"))
    assert "apqn-reserved-by-host" in [d.code for d in check(s) if d.guest == "kvm1"]
    script = export_text("sysfs", s, None)
    assert "# lpar1 keeps adapters 05-06 x domains 0004 for its own zcrypt drivers" in script
    machine_tree(tmp_path, s, "lpar1")
    with pytest.raises(Refused, match="EADDRNOTAVAIL: 05.0004"):
        run_script(script, tmp_path, "lpar1")
    kvm3 = export_text("sysfs", s, "kvm3")
    run_script(kvm3, tmp_path, "lpar1")


# tee as coreutils' prints a refusal, for the file named $REFUSE with the C library's words for $ERRNO.
FAKE_TEE = """#!/bin/sh
if [ "${1##*/}" = "$REFUSE" ]; then cat >/dev/null; echo "tee: $1: $TEXT" >&2; exit 1; fi
cat > "$1"
"""


def _refusing_run(tmp_path, script: str, name: str, code: str, ap_config: bool):
    """The script under dash on a fake tree whose write to the file ``name`` the kernel refuses with errno ``code``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "tee").write_text(FAKE_TEE)
    (bin_dir / "tee").chmod(0o755)
    s = two_level()
    root = tmp_path / "sys"
    machine_tree(root, s, "lpar1", ap_config)
    (root / "devices/vfio_ap/matrix" / s.guest("kvm1").mdev_uuid).mkdir()
    f = tmp_path / "setup.sh"
    f.write_text(script)
    env = {**os.environ, "SYSFS": str(root), "PATH": f"{bin_dir}:{os.environ['PATH']}", "REFUSE": name,
           "TEXT": os.strerror(getattr(errno, code))}
    return subprocess.run([tool("dash"), str(f)], env=env, capture_output=True, text=True), root


@pytest.mark.parametrize("name, code, ap_config", [
    ("assign_adapter", "EADDRINUSE", False), ("assign_domain", "EADDRNOTAVAIL", False),
    ("assign_adapter", "ENODEV", False), ("ap_config", "EINVAL", True), ("apmask", "EBUSY", True),
])
def test_a_refused_write_says_which_and_what_the_kernel_meant(tmp_path, name, code, ap_config):
    script = export_text("sysfs", two_level(), "kvm1")
    done, root = _refusing_run(tmp_path, script, name, code, ap_config)
    assert done.returncode == 1
    who = "lpar1" if name == "apmask" else "kvm1"
    first = re.search(rf"ap_write (\S+) \"(\S+/{name})\"", script)
    path = first.group(2).replace("$SYSFS", str(root)).replace("$mdev", str(root / "devices/vfio_ap/matrix" /
                                                                           two_level().guest("kvm1").mdev_uuid))
    assert done.stderr.splitlines() == [
        f"aptui script: {who}: the kernel refused echo {first.group(1)} > {path}",
        f"  tee: {path}: {os.strerror(getattr(errno, code))}",
        f"  {code}: {Errno(code).meaning}"]
    if name != "apmask":
        assert not (root / "devices/vfio_ap/matrix" / two_level().guest("kvm1").mdev_uuid / "assign_control_domain"
                    ).exists()  # the script stopped at the refusal


def test_a_write_dash_cannot_make_is_named_with_the_systems_words(tmp_path):
    """No fake: a directory where the attribute should be; no errno of vfio_ap, so no meaning line."""
    s = two_level()
    root = tmp_path / "sys"
    machine_tree(root, s, "lpar1", ap_config=False)
    mdev_dir = root / "devices/vfio_ap/matrix" / s.guest("kvm1").mdev_uuid
    (mdev_dir / "assign_domain").mkdir(parents=True)
    f = tmp_path / "setup.sh"
    f.write_text(export_text("sysfs", s, "kvm1"))
    done = subprocess.run([tool("dash"), str(f)], env={**os.environ, "SYSFS": str(root)}, capture_output=True,
                          text=True)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"aptui script: kvm1: the kernel refused echo 0x0004 > {mdev_dir}/assign_domain",
                                        f"  tee: {mdev_dir}/assign_domain: Is a directory"]
    assert (mdev_dir / "assign_adapter").read_text() == "0x06\n"  # the writes before it were made
    assert not (mdev_dir / "assign_control_domain").exists()


def test_the_scripts_errno_words_are_the_c_librarys():
    for e, texts in sysfs.STRERROR.items():
        assert os.strerror(getattr(errno, e)) in texts


def _bench():
    bench = Path(__file__).parents[2] / "bench"
    sys.path.insert(0, str(bench))  # its helpers (paired.py)
    spec = importlib.util.spec_from_file_location("bench_import", bench / "import.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reading_stays_within_3x_a_bare_walk(tmp_path):
    """The bench at 8 x 256 = 2,048 queue directories (bench/import.py runs the full 65,536)."""
    bench = _bench()
    bench.build_tree(tmp_path, 8, 256)
    _walk(tmp_path)
    walk = min(_timed(_walk, tmp_path) for _ in range(3))
    read = min(_timed(sysfs.read, str(tmp_path)) for _ in range(3))
    assert read <= 3 * walk, (read, walk)
    assert sysfs.read(str(tmp_path)).scenario.guest("lpar1").matrix.apqn_count == 8 * 256


def _walk(root) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def _timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t
