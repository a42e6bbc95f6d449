"""The host's AP bus masks (issue 9): 41-ap.rules and lszdev -t ap read, chzdev commands, udev
rules and lszdev listings written, the persistent masks of a sysfs tree, and the chzdev note
beside every export ap-check checks."""

import shutil

import pytest

from aptui.formats.errors import InputError
from aptui.formats.real import apmasks, convert, sysfs
from aptui.formats.scenario.file import loads
from aptui.model import Guest, Reserved, Scenario
from aptui.model.scenario import boot_masks

from .tools import FIXTURES

MASKS = FIXTURES / "apmasks"
ALL = frozenset(range(256))
PASSTHROUGH = (FIXTURES.parent.parent.parent / "aptui/demos/passthrough.toml").read_text()


def test_a_chzdev_rule_is_the_persistent_masks():
    l1 = apmasks.read_udev(str(MASKS / "41-ap.rules")).scenario.guest("lpar1")
    assert l1.reserved == Reserved(ALL - {2}, ALL - {4}) and l1.persistent_reserved is None


def test_lszdev_shows_active_and_persistent_masks():
    l1 = apmasks.read_lszdev(str(MASKS / "lszdev-t-ap.txt")).scenario.guest("lpar1")
    assert l1.reserved == Reserved(ALL - {5}, ALL - {4})
    assert l1.persistent_reserved == Reserved(ALL - {2}, ALL - {4})


def test_lszdev_without_a_rule_has_the_active_masks_only():
    imp = apmasks.read_lszdev(str(MASKS / "lszdev-no-rule.txt"))
    assert imp.scenario.guest("lpar1").persistent_reserved is None
    assert any("persistent apmask not set" in n for n in imp.notes)


def test_what_aptui_writes_reads_back(tmp_path):
    hyp = Guest("lpar1", reserved=Reserved(frozenset({10}), frozenset({0x47})),
                persistent_reserved=Reserved(frozenset(), frozenset({1, 2, 3, 9})))
    rules = tmp_path / "41-ap.rules"
    rules.write_text(apmasks.rules_text(*apmasks.masks_of(hyp.persistent_reserved)))
    assert apmasks.read_udev(str(rules)).scenario.guest("lpar1").reserved == hyp.persistent_reserved
    listing = tmp_path / "lszdev.txt"
    listing.write_text(apmasks.lszdev_text(hyp.reserved, hyp.persistent_reserved))
    back = apmasks.read_lszdev(str(listing)).scenario.guest("lpar1")
    assert (back.reserved, back.persistent_reserved) == (hyp.reserved, hyp.persistent_reserved)
    assert '  apmask     "10"    ""\n' in listing.read_text()


def test_chzdev_sets_both_scopes_with_one_command_when_they_agree():
    same = Guest("lpar1", reserved=Reserved(frozenset({10, 11, 12, 20}), frozenset({0x47})))
    assert apmasks.chzdev_commands(same) == ["chzdev -t ap apmask=10-12,20 aqmask=71"]
    apart = Guest("lpar1", reserved=Reserved(frozenset({10}), frozenset({0x47})),
                  persistent_reserved=Reserved(frozenset(), frozenset({1})))
    assert apmasks.chzdev_commands(apart) == ["chzdev -t ap --active apmask=10 aqmask=71",
                                              "chzdev -t ap --persistent apmask=-0-255 aqmask=1"]


def test_the_chzdev_export_is_one_hypervisors():
    s = loads(PASSTHROUGH)
    script = convert.export("chzdev", s, hypervisor="lpar1").text
    assert script.splitlines()[-1] == "chzdev -t ap apmask=10 aqmask=71"
    assert convert.export("chzdev", s, guest="kvm2").text == script
    with pytest.raises(convert.ExportError, match="--hypervisor NAME"):
        convert.export("chzdev", s)


@pytest.mark.parametrize("kind", ["mdevctl", "libvirt", "hostdev"])
def test_exports_ap_check_checks_say_chzdev_comes_first(kind):
    notes = convert.export(kind, loads(PASSTHROUGH), guest="kvm1").notes
    assert any("on lpar1: chzdev -t ap apmask=10 aqmask=71" in n and "all ones" in n for n in notes)


def test_a_sysfs_tree_reads_the_rule_beside_it(tmp_path):
    root = tmp_path / "sys"
    shutil.copytree(FIXTURES / "sysfs-host", root)
    before = sysfs.read(str(root)).scenario.guest("lpar1")
    assert before.persistent_reserved is None
    rules = tmp_path / apmasks.RULES_PATH
    rules.parent.mkdir(parents=True)
    rules.write_text(apmasks.rules_text(0, apmasks.masks_of(before.reserved)[1]))
    after = sysfs.read(str(root)).scenario.guest("lpar1")
    assert after.reserved == before.reserved
    assert after.persistent_reserved == Reserved(frozenset(), before.reserved.domains)


def test_persistent_masks_equal_to_the_active_ones_are_not_kept():
    r = Reserved(frozenset({1}), frozenset({2}))
    assert boot_masks(r, Reserved(frozenset({1}), frozenset({2}))) is None
    assert boot_masks(r, Reserved()) == Reserved()


@pytest.mark.parametrize("text, where", [
    ('ATTR{../../bus/ap/apmask}="0xzz"\n', 1),
    ('# ok\nGOTO="end_ap"\nthis is not udev\n', 3),
])
def test_a_bad_rule_is_an_input_error(tmp_path, text, where):
    f = tmp_path / "41-ap.rules"
    f.write_text(text)
    with pytest.raises(InputError) as e:
        apmasks.read_udev(str(f))
    assert e.value.line == where


def test_lszdev_values_out_of_range_are_input_errors(tmp_path):
    f = tmp_path / "l.txt"
    f.write_text((MASKS / "lszdev-t-ap.txt").read_text().replace('"0-1,3-255"', '"0-300"'))
    with pytest.raises(InputError, match="within 0-255"):
        apmasks.read_lszdev(str(f))


def test_the_imported_masks_make_a_scenario_aptui_loads():
    for read, name in ((apmasks.read_udev, "41-ap.rules"), (apmasks.read_lszdev, "lszdev-t-ap.txt")):
        imported = read(str(MASKS / name))
        text = convert.toml_text(imported, "udev", name)
        assert isinstance(loads(text), Scenario)
