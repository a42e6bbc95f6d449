"""Spec version 2, row 16: EP11 on a CEX2 or CEX3 adapter is an input error (sections 5 and 8)."""

import re

import pytest

from ._h import call

TEMPLATE = """\
format = 1
name = "legacy"

[host]
adapters = [
  {{ id = 5, type = "CEX8", mode = "cca" }},
  {{ id = 7, type = "{type}", mode = "{mode}" }},
]

[[guest]]
name = "lpar1"
adapters = [5, 7]
usage_domains = [4]

[[request]]
guest = "lpar1"
op = "TAPQ"
apqn = "07.0004"
"""
ADAPTER_LINE = 7


@pytest.mark.parametrize("legacy", ["CEX2", "CEX3"])
def test_ep11_on_a_legacy_adapter_is_an_input_error(tmp_path, capsys, legacy):
    """Row 16, spec 5: "Adapter types CEX2 and CEX3 (legacy) have modes `cca` and `accel` only; `ep11` on them is
    an input error"; 8: "`aptui` exits with status 2 and prints `FILE:LINE: message` naming the key, and changes
    no file"."""
    p = tmp_path / "legacy.toml"
    p.write_text(TEMPLATE.format(type=legacy, mode="ep11"))
    before = p.read_bytes()
    for argv in (["run", str(p)], ["run", str(p), "--json"], ["check", str(p)], ["check", str(p), "--json"], [str(p)]):
        code, out, err = call(argv, capsys)
        assert code == 2, (argv, out, err)
        assert "Traceback" not in out + err
        m = re.search(re.escape(str(p)) + r":(\d+): (.+)", err)
        assert m and int(m.group(1)) == ADAPTER_LINE, err
        assert re.search(r"\b(mode|type)\b", m.group(2)), m.group(2)
    assert p.read_bytes() == before


@pytest.mark.parametrize("type_,mode", [("CEX2", "cca"), ("CEX3", "accel"), ("CEX4", "ep11"), ("CEX8", "ep11")])
def test_legacy_cca_and_accel_and_ep11_from_cex4_on_are_accepted(tmp_path, capsys, type_, mode):
    """Row 16, spec 5 and ref 6.6: legacy adapters keep `cca` and `accel`; EP11 exists from CEX4P on."""
    p = tmp_path / "ok.toml"
    p.write_text(TEMPLATE.format(type=type_, mode=mode))
    code, _, err = call(["run", str(p), "--json"], capsys)
    assert code == 0, err
