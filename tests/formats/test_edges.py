"""Edges a review found: each case failed before its fix."""

from __future__ import annotations

import subprocess
import sys

from aptui import demos
from aptui.formats.opening import open_path
from aptui.formats.errors import InputError
from aptui.formats.scenario.file import loads
from aptui.model import check

import pytest


def _aptui(*args, stdin: str = ""):
    return subprocess.run([sys.executable, "-m", "aptui", *args], input=stdin, capture_output=True, text=True)


def test_an_inactive_sibling_does_not_refuse_a_live_change():
    """EADDRINUSE holds between mdevs that exist in sysfs: a standby definition refuses nothing,
    in check as in the console's edits (one home: ap_check.sysfs_siblings)."""
    text = demos.text("live-change").replace('name = "kvm2"', 'name = "kvm2"\nactive = false', 1)
    s = loads(text.replace("[[request]]\nguest = \"kvm2\"", "[[request]]\nguest = \"kvm1\""), "inactive.toml")
    assert not [d for d in check(s) if d.code == "change-refused" and "EADDRINUSE" in d.message]


def test_a_scenario_file_keeps_its_own_error(tmp_path):
    """Valid TOML is a scenario file: its error is not replaced by a guess at another format."""
    p = tmp_path / "s.toml"
    p.write_text('[host]\nbogus = 1\nnote = """\nDEVICE TYPE ap\n CARD.DOM TYPE\n"""\n')
    with pytest.raises(InputError, match=r"s\.toml:2: \[host\]: unknown key 'bogus'"):
        open_path(str(p))


def test_lszdev_values_without_quotes_and_with_too_many_digits():
    table = "DEVICE TYPE ap\n\n  ATTRIBUTE  ACTIVE  PERSISTENT\n  apmask 0-4 0-1\n  aqmask 0-3 0\n"
    done = _aptui("import", "lszdev", "-", stdin=table)
    assert done.returncode == 0 and 'reserved = { adapters = ["0x00-0x04"]' in done.stdout, done.stderr
    huge = table.replace("0-4", '"' + "9" * 5000 + '"')
    done = _aptui("import", "lszdev", "-", stdin=huge)
    assert done.returncode == 2 and "<stdin>:4: apmask (ACTIVE)" in done.stderr and "sys.set_int" not in done.stderr


def test_lszcrypt_that_says_no_driver_and_lists_cards_is_refused():
    listing = " CARD.DOM TYPE  MODE        STATUS  REQUESTS\n 05       CEX8C CCA-Coproc  online         0\n"
    done = _aptui("import", "lszcrypt", "-", stdin=listing + "lszcrypt: Crypto device driver not available.\n")
    assert done.returncode == 2 and "<stdin>:3: lszcrypt says" in done.stderr


def test_change_with_hypervisor_is_refused():
    done = _aptui("export", "mdevctl", "live-change", "--change", "1", "--hypervisor", "nosuch")
    assert done.returncode == 2 and "--change names its guest" in done.stderr
