"""Helpers of the format tests: system tools CI installs, and a fake kernel for sysfs scripts."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from aptui.formats.real import mdev
from aptui.model import mask as m
from aptui.model.matrix import Matrix
from aptui.model.scenario import UUID
from aptui.model.scenario import Scenario
from aptui.model.topology import Topology

FIXTURES = Path(__file__).parent / "fixtures"


def tool(name: str) -> str:
    """The path of a system tool; missing, the test fails in CI (.ci/run installs it) and skips elsewhere."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs it")
        pytest.skip(f"{name} is not installed (CI installs it)")
    return path


def validate(xml: str, schema: str, tmp: Path) -> subprocess.CompletedProcess:
    f = tmp / f"{schema}.xml"
    f.write_text(xml)
    return subprocess.run([tool("virt-xml-validate"), str(f), schema], capture_output=True, text=True)


def machine_tree(root: Path, scenario: Scenario, machine: str, ap_config: bool = True) -> None:
    """The /sys of ``machine`` before the script runs: its configuration (QCI masks), default
    apmask/aqmask (everything for the host), and the vfio_ap matrix device."""
    view = Topology(scenario).view(machine)
    config = view.config
    bus = root / "bus" / "ap"
    bus.mkdir(parents=True)
    for name, mask in (("ap_adapter_mask", config.apm), ("ap_usage_domain_mask", config.aqm),
                       ("ap_control_domain_mask", config.adm), ("apmask", m.FULL), ("aqmask", m.FULL)):
        (bus / name).write_text(m.format_mask(mask) + "\n")
    (bus / "ap_max_domain_id").write_text(f"{scenario.host.domains - 1}\n")
    matrix = root / "devices" / "vfio_ap" / "matrix"
    (matrix / "mdev_supported_types" / mdev.TYPE).mkdir(parents=True)
    (matrix / "features").write_text("guest_matrix hotplug" + (" ap_config" if ap_config else "") + "\n")


def run_script(script: str, root: Path, machine: str | None = None, ap_config: bool = True) -> None:
    """The writes of an aptui sysfs script, taken as the kernel takes them (ref 1.5, 5.3), on a fake
    tree made by machine_tree (a copy of /sys: the persistent masks go to the rules file beside
    it). Knows exactly the shell the exporter writes."""
    env = {"SYSFS": str(root)}
    masks: dict[Path, Matrix] = {}
    active = [True]  # nested branches: case, if
    taken = []  # of each if: whether its first branch runs
    writer = False  # within the definition of ap_write
    for raw in script.splitlines():
        line = raw.strip()
        if line in ("ap_write() {", "}"):
            writer = line != "}"
            continue
        if writer or not line or line.startswith("#") or line in ("set -e", 'SYSFS="${SYSFS:-/sys}"', ":",
                                                                   "LC_ALL=C", "export LC_ALL"):
            continue
        if line == 'case "${1:-}" in':
            active.append(False)
            continue
        if line.endswith(")") and len(active) > 1 and not line.startswith("echo"):
            pattern = shlex.split(line[:-1])
            active[-1] = pattern == [machine]
            continue
        if line in (";;", "esac"):
            if line == "esac":
                active.pop()
            continue
        if line.startswith("if "):
            taken.append({'if grep -qw ap_config "$SYSFS/devices/vfio_ap/matrix/features" 2>/dev/null; then': ap_config,
                          'if [ "${SYSFS%/}" = /sys ]; then': False}[line])
            active.append(active[-1] and taken[-1])
            continue
        if line == "else":
            active[-1] = active[-2] and not taken[-1]
            continue
        if line == "fi":
            active.pop()
            taken.pop()
            continue
        if not all(active):
            continue
        for var, value in env.items():
            line = line.replace("${" + var + "}", value).replace("$" + var, value)
        if line.startswith('mdev="'):
            env["mdev"] = shlex.split(line.split("=", 1)[1])[0]
            continue
        if line.startswith("[ -d "):
            test, _, line = line.partition(" || ")
            if Path(shlex.split(test)[2]).is_dir():
                continue
        words = shlex.split(line)
        if words[:2] == ["mkdir", "-p"]:
            Path(words[2]).mkdir(parents=True, exist_ok=True)
            continue
        if words[:2] == ["printf", "%s\\n"]:
            assert words[-2] == ">", f"the fake kernel does not know {raw!r}"
            Path(words[-1]).write_text("".join(w + "\n" for w in words[2:-2]))
            continue
        assert words[0] == "ap_write" and len(words) == 4, f"the fake kernel does not know {raw!r}"
        _write(Path(words[2]), words[1], root, masks)
    for d, matrix in masks.items():
        (d / "matrix").write_text("".join(f"{m.format_apqn(a, q)}\n" for a, q in matrix.apqns())
                                  or "".join(f"{a:02x}.\n" for a in matrix.adapters)
                                  or "".join(f".{q:04x}\n" for q in matrix.usage_domains))
        (d / "control_domains").write_text("".join(f"{q:04x}\n" for q in matrix.control_domains))


def _write(target: Path, value: str, root: Path, masks: dict[Path, Matrix]) -> None:
    if target.name == "create":
        assert UUID.fullmatch(value)
        d = root / "devices" / "vfio_ap" / "matrix" / value
        d.mkdir()
        masks[d] = Matrix()
    elif target.parent == root / "bus" / "ap":
        assert target.name in ("apmask", "aqmask")
        m.parse_mask(value)
        target.write_text(value + "\n")
    else:
        assert target.parent in masks, f"write to {target} before the mdev exists"
        matrix = mdev.apply(masks[target.parent], target.name, value)
        bus = root / "bus" / "ap"
        apmask, aqmask = (m.parse_mask((bus / name).read_text()) for name in ("apmask", "aqmask"))
        for a, d in matrix.apqns():
            if m.has(apmask, a) and m.has(aqmask, d):
                raise Refused(f"{target.name}: EADDRNOTAVAIL: {m.format_apqn(a, d)} belongs to the host's drivers")
        masks[target.parent] = matrix


class Refused(Exception):
    """A write the kernel refuses; the script stops there (set -e)."""
