"""Issue 9's "done": a host's configuration goes import -> edit -> export -> the real tools' formats
-> import again with nothing lost that the format holds, masks included, and `check` says what
ap-check (s390-tools ap_tools/ap-check.c, model/ap_check.py) would say of every result.

The host: the captured sysfs tree of test_sysfs with a 41-ap.rules beside it (its persistent
masks differ from the active ones). The edit gives adapter 0a to vfio_ap, adds a running guest on
it and a standby definition that shares the first guest's queues. What each format holds:

| format        | active masks | persistent masks | start | active | UUID, matrix |
| sysfs script  | yes          | yes (rule beside) | -    | yes: only running mdevs exist | yes |
| mdevctl       | -            | -                | yes   | -      | yes          |
| chzdev        | yes          | yes              | -     | -      | -            |
| udev rule     | -            | yes              | -     | -      | -            |
| lszdev        | yes          | yes              | -     | -      | -            |
| libvirt       | -            | -                | note: nodedev-autostart | note: nodedev-start | yes |
"""

import shlex
import shutil
from pathlib import Path

import attrs
import pytest

from aptui.formats.real import apmasks, libvirt, mdevctl, sysfs
from aptui.formats.real.convert import export
from aptui.formats.scenario.file import dumps, loads
from aptui.model import Guest, Reserved, Scenario, check
from aptui.model import mask as m
from aptui.model.ap_check import (check_cfg_mask_conflicts, check_other_mdevs_cfg, check_other_mdevs_sysfs,
                                  check_sysfs_mask_conflicts, usage_domain_check)
from aptui.model.topology import Topology
from aptui.model.vfio_ap import shared_queues

from .tools import FIXTURES, machine_tree, run_script

GUEST1 = "62177883-f1bb-47f0-914d-32a22e3a8804"
KVM10 = "10101010-1010-4010-8010-101010101010"
STANDBY = "5ba2db75-0000-4000-8000-000000000001"
ALL = frozenset(range(256))
ACTIVE = Reserved(ALL - {5, 6, 0x0a}, ALL)  # after the edit
PERSISTENT = Reserved(ALL - {5, 6, 0x0a, 0x0b}, ALL)


def host_tree(tmp_path: Path) -> Path:
    """The captured tree, with the persistent masks chzdev wrote beside it: adapters 05, 06 and 0a
    free from boot on (0a is still the host's now)."""
    root = tmp_path / "host" / "sys"
    shutil.copytree(FIXTURES / "sysfs-host", root)
    rules = root.parent / apmasks.RULES_PATH
    rules.parent.mkdir(parents=True)
    rules.write_text(apmasks.rules_text(m.mask_of(ALL - {5, 6, 0x0a}), m.mask_of(ALL)))
    return root


def edited(s: Scenario) -> Scenario:
    """What an operator does next: adapter 0a to vfio_ap now, 0b too from boot on; a guest on 0a;
    a standby (manual, not started) definition of guest1's queues, for when guest1 is stopped."""
    l1 = attrs.evolve(s.guest("lpar1"), reserved=ACTIVE, persistent_reserved=PERSISTENT)
    kvm10 = Guest("kvm10", parent="lpar1", adapters=frozenset({0x0a}), usage_domains=frozenset({0x47}),
                  control_domains=frozenset({0x47}), uuid=KVM10)
    standby = Guest("standby", parent="lpar1", adapters=frozenset({5}), usage_domains=frozenset({4}),
                    control_domains=frozenset({4}), uuid=STANDBY, start="manual", active=False)
    guests = tuple(l1 if g.name == "lpar1" else g for g in s.guests)
    return attrs.evolve(s, guests=(*guests, kvm10, standby))


@pytest.fixture
def scenario(tmp_path) -> Scenario:
    imported = sysfs.read(str(host_tree(tmp_path))).scenario
    l1 = imported.guest("lpar1")
    assert (l1.reserved, l1.persistent_reserved) == (Reserved(ALL - {5, 6}, ALL), Reserved(ALL - {5, 6, 0x0a}, ALL))
    s = edited(imported)
    assert loads(dumps(s)) == s
    return s


def mdevs(s: Scenario) -> dict[str, tuple]:
    """Each mdev by UUID: its matrix, start and active state."""
    return {g.uuid: (g.matrix, g.start, g.active) for g in s.guests if g.parent == "lpar1"}


def ap_check_refusals(s: Scenario) -> set[tuple[str, str]]:
    """(guest, action) for each mdevctl action ap-check refuses, its rules applied as the tool
    applies them: define (`ap_check_changes`) for every config, start (`ap_check_active`) for
    every mdev not running, and, for a running one, the kernel's refusal of its assignments
    against the same rules (ap-check runs before it at start)."""
    hyp = s.guest("lpar1")
    kids = [g for g in s.guests if g.parent == "lpar1"]
    out = set()
    for g in kids:
        others = [o for o in kids if o is not g]
        if (check_cfg_mask_conflicts(g, hyp.boot_reserved).apqn_count
                or any(check_other_mdevs_cfg(g, o) and shared_queues(g.matrix, o.matrix).apqn_count for o in others)):
            out.add((g.name, "define"))
        running = [o for o in others if o.active]
        if (usage_domain_check(g.matrix) or check_sysfs_mask_conflicts(g, hyp.reserved).apqn_count
                or any(shared_queues(g.matrix, o.matrix).apqn_count for o in running
                       if check_other_mdevs_sysfs(attrs.evolve(g, active=True), o))):
            out.add((g.name, "start"))
    return out


CHECK_ACTIONS = {"apqn-reserved-persistent": "define", "apqn-reserved-by-host": "start",
                 "mdev-cannot-start": "start", "no-usage-domain": "start"}


def check_refusals(s: Scenario) -> set[tuple[str, str]]:
    """The same, as `check` reports it: apqn-in-use says which of define and start refuses."""
    out = set()
    for d in check(s):
        if d.code in CHECK_ACTIONS:
            out.add((d.guest, CHECK_ACTIONS[d.code]))
        if d.code == "apqn-reserved-by-host" and "refuses mdevctl define" in d.message:
            out.add((d.guest, "define"))
        elif d.code == "apqn-in-use":
            out.add((d.guest, "define" if "defined for autostart" in d.message else "start"))
    return out


def agree(s: Scenario) -> set[tuple[str, str]]:
    """What both refuse, by mdev UUID (the names an import gives differ by format)."""
    said = ap_check_refusals(s)
    assert check_refusals(s) == said
    return {(s.guest(name).mdev_uuid, action) for name, action in said}


def test_the_edit_is_what_ap_check_allows_but_the_standby_start(scenario):
    assert agree(scenario) == {(STANDBY, "start")}  # guest1 runs on 05.0004


def test_the_sysfs_script_rebuilds_the_host_from_the_default_masks(tmp_path, scenario):
    script = export("sysfs", scenario).text
    assert script.index("bus/ap/apmask") < script.index("chzdev -t ap --persistent") < script.index("/create")
    root = tmp_path / "fresh" / "sys"
    machine_tree(root, scenario, "lpar1")  # apmask and aqmask all ones, no rule, no mdev
    run_script(script, root, "lpar1")
    back = sysfs.read(str(root)).scenario
    l1 = back.guest("lpar1")
    assert (l1.reserved, l1.persistent_reserved) == (ACTIVE, PERSISTENT)
    running = {u: v for u, v in mdevs(scenario).items() if u != STANDBY}
    assert mdevs(back) == running  # the standby is not started: it exists in mdevctl's configs only
    assert agree(back) == set()


def test_mdevctl_keeps_uuids_matrices_and_start_modes(tmp_path, scenario):
    f = tmp_path / "mdevctl.json"
    f.write_text(export("mdevctl", scenario, hypervisor="lpar1").text)
    back = mdevctl.read(str(f)).scenario
    kept = {u: (matrix, start) for u, (matrix, start, _) in mdevs(back).items()}
    assert kept == {u: (matrix, start) for u, (matrix, start, _) in mdevs(scenario).items()}
    # mdevctl's list holds no state: the standby reads as running; its define is still no conflict
    assert agree(back) == {(STANDBY, "start"), (GUEST1, "start")}


def chzdev_run(script: str) -> tuple[Reserved, Reserved]:
    """The masks after chzdev's commands (zdev/src/ap.c): --active sets sysfs, --persistent the rule."""
    now = then = None
    for line in script.splitlines():
        if not line.startswith("chzdev "):
            continue
        words = shlex.split(line)
        masks = dict(w.split("=", 1) for w in words if "=" in w)
        value = apmasks.reserved_of(*(0 if masks[n] == "-0-255" else apmasks.parse_setting(masks[n])
                                      for n in apmasks.MASKS))
        if "--persistent" not in words:
            now = value
        if "--active" not in words:
            then = value
    return now, then


def test_chzdev_udev_and_lszdev_keep_the_masks(tmp_path, scenario):
    assert chzdev_run(export("chzdev", scenario, hypervisor="lpar1").text) == (ACTIVE, PERSISTENT)
    rules = tmp_path / "41-ap.rules"
    rules.write_text(export("udev", scenario, hypervisor="lpar1").text)
    assert apmasks.read_udev(str(rules)).scenario.guest("lpar1").reserved == PERSISTENT
    listing = tmp_path / "lszdev.txt"
    listing.write_text(export("lszdev", scenario, hypervisor="lpar1").text)
    l1 = apmasks.read_lszdev(str(listing)).scenario.guest("lpar1")
    assert (l1.reserved, l1.persistent_reserved) == (ACTIVE, PERSISTENT)


@pytest.mark.parametrize("uuid", [GUEST1, KVM10, STANDBY])
def test_libvirt_keeps_each_node_devices_uuid_and_matrix(tmp_path, scenario, uuid):
    g = next(g for g in scenario.guests if g.uuid == uuid)
    f = tmp_path / "nodedev.xml"
    f.write_text(export("libvirt", scenario, guest=g.name).text)
    (back,) = [x for x in libvirt.read(str(f)).scenario.guests if x.parent == "lpar1"]
    assert (back.uuid, back.matrix) == (uuid, g.matrix)


def test_check_and_ap_check_agree_where_the_masks_refuse(scenario):
    """Taking adapter 0a back from boot on refuses kvm10's define; from now on, its start too;
    and a standby with control domains only cannot start ("At least one usage domain")."""
    l1 = scenario.guest("lpar1")
    boot = attrs.evolve(l1, persistent_reserved=Reserved(ALL - {5, 6}, ALL))
    s = attrs.evolve(scenario, guests=tuple(boot if g.name == "lpar1" else g for g in scenario.guests))
    assert agree(s) == {(STANDBY, "start"), (KVM10, "define")}
    now = attrs.evolve(l1, reserved=Reserved(ALL - {5, 6}, ALL), persistent_reserved=None)
    s = attrs.evolve(scenario, guests=tuple(now if g.name == "lpar1" else g for g in scenario.guests))
    assert agree(s) == {(STANDBY, "start"), (KVM10, "define"), (KVM10, "start")}
    control_only = attrs.evolve(scenario.guest("standby"), adapters=frozenset({0x0b}), usage_domains=frozenset())
    s = attrs.evolve(scenario, guests=tuple(control_only if g.name == "standby" else g for g in scenario.guests))
    assert agree(s) == {(STANDBY, "start")}
    assert Topology(s)  # the scenario stands


def test_libvirt_says_how_to_give_a_node_device_its_start_and_state(scenario):
    """The XML holds neither: libvirt keeps them in mdevctl (nodedev-autostart is start auto)."""
    notes = {g: export("libvirt", scenario, guest=g).notes[-1] for g in ("kvm10", "standby")}
    assert notes["kvm10"].endswith("virsh nodedev-define FILE && virsh nodedev-autostart "
                                   "mdev_10101010_1010_4010_8010_101010101010_matrix && virsh nodedev-start "
                                   "mdev_10101010_1010_4010_8010_101010101010_matrix")
    assert notes["standby"] == "standby (start manual, not started): virsh nodedev-define FILE"
