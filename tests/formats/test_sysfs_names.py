"""The sysfs script parses, under sh, dash and bash, for every hypervisor's name, and each name
picks its own section (the "Hostile input" issue, 7: a bare `esac` as a case pattern ended the case)."""

import os
import shutil
import subprocess

import pytest

from aptui.formats.real.convert import export_text
from aptui.formats.text import printable
from aptui.model import Adapter, Guest, Host, Scenario

from .tools import machine_tree

HOSTILE = ["esac", "fi", "done", "then", "in", "do", "case", "if", "elif", "else", "for", "while", "until",
           "{", "}", "!", ";;", "*", "?", "[a]", "a b", "-n", "#x", "it's", '"q"', "$(touch PWNED)", "`touch PWNED`",
           "a\nb", "${x:-y}", "\\", "' ; touch PWNED ; '"]


def hypervisors(names) -> Scenario:
    """An LPAR per name, each running one passthrough guest: one script section per LPAR."""
    guests = []
    for i, n in enumerate(names):
        guests += [Guest(n, adapters=frozenset({5}), usage_domains=frozenset({i}), control_domains=frozenset({i})),
                   Guest(f"kvm{i}", parent=n, adapters=frozenset({5}), usage_domains=frozenset({i}))]
    return Scenario("hostile", host=Host(True, (Adapter(5),), 85), guests=tuple(guests))


@pytest.mark.parametrize("shell", ["sh", "dash", "bash"])
def test_the_script_parses_and_picks_every_hostile_name(tmp_path, shell):
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"no {shell} here")
    s = hypervisors(HOSTILE)
    script = tmp_path / "setup.sh"
    script.write_text(export_text("sysfs", s, None))
    parsed = subprocess.run([path, "-n", str(script)], capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stderr
    for name in HOSTILE:
        root = tmp_path / "sys"
        shutil.rmtree(root, ignore_errors=True)
        machine_tree(root, s, name)
        done = subprocess.run([path, str(script), printable(name)], cwd=tmp_path,
                              env={**os.environ, "SYSFS": str(root)}, capture_output=True, text=True)
        assert "usage:" not in done.stderr, (name, done.stderr)
        assert (root / "bus/ap/apmask").read_text().startswith("0x0000"), name  # its section ran
    assert not (tmp_path / "PWNED").exists()
