"""A scenario's [[change]] as the operator makes it on the running guest's hypervisor (ref 5.3,
5.6, 7.3): the new mdevctl config for ``mdevctl modify --live --jsonfile`` (mdevctl 1.3.0 and
later; its ap-check callout writes it to the mdev's ``ap_config``), or that one ``ap_config``
write as a sh script. Both carry the guest's whole new matrix: the kernel takes the three masks
at once and refuses them whole.
"""

from __future__ import annotations

import attrs

from aptui import __version__
from aptui.formats.real import mdev, mdevctl
from aptui.formats.real.exporting import ExportError, Exported
from aptui.formats.text import printable
from aptui.model.hotplug import Applied, applied_changes, change_text
from aptui.model.scenario import Scenario

KINDS = ("mdevctl", "sysfs")  # the exports a change has


def find_change(scenario: Scenario, number: int) -> Applied:
    """Change `number` (1-based, in the file's order), as the kernel takes it when the run gets there."""
    for a in applied_changes(scenario):
        if a.number == number:
            return a
    count = len(scenario.changes)
    raise ExportError(f"no change {number}: the scenario has " + (f"changes 1..{count}" if count else "no [[change]]"))


def export_change(kind: str, scenario: Scenario, number: int) -> Exported:
    if kind not in KINDS:
        raise ExportError(f"a change exports as {' or '.join(KINDS)} (mdevctl modify --live, or one ap_config write), "
                          f"not as {kind}")
    a = find_change(scenario, number)
    guest = attrs.evolve(a.before.guest(a.change.guest), adapters=frozenset(a.new.adapters),
                         usage_domains=frozenset(a.new.usage_domains), control_domains=frozenset(a.new.control_domains))
    notes = []
    if a.verdict is not None:
        notes.append(f"the kernel refuses this ap_config write ({a.verdict.errno}): {a.verdict.message}; "
                     "aptui check reports change-refused")
    elif a.callout is not None:
        layer = ("the kernel takes this raw ap_config write (ap_config_store has no such rule), but" if kind == "sysfs"
                 else "mdevctl modify --live fails:")
        notes.append(f"{layer} ap-check refuses the change (\"{a.callout}\"): {a.change.guest} would have control "
                     "domains and no queue; aptui check reports change-refused")
    if kind == "sysfs":
        return Exported(_script(scenario, a, guest.mdev_uuid), tuple(notes))
    notes.append(f"{a.change.at_us:g} µs into the run, on {a.before.guest(a.change.guest).parent}: "
                 f"mdevctl modify -u {guest.mdev_uuid} --live --jsonfile FILE (mdevctl 1.3.0 or later; "
                 "--defined as well keeps it in /etc/mdevctl.d)")
    return Exported(mdevctl.config_text(guest), tuple(notes))


def _script(scenario: Scenario, a: Applied, uuid: str) -> str:
    parent = a.before.guest(a.change.guest).parent
    return "\n".join([
        "#!/bin/sh",
        f"# aptui {__version__}, scenario {printable(scenario.name)!r}, change {a.number}: "
        f"{printable(change_text(a))},",
        f"# {a.change.at_us:g} µs into the run. Run it as root on {printable(parent)}, the guest's hypervisor,",
        "# while the guest runs: vfio_ap resets the queues that leave it and updates its CRYCB.",
        "# One ap_config write: the kernel takes the three masks at once or refuses them all",
        "# (ENODEV, EADDRNOTAVAIL, EADDRINUSE). SYSFS=/path/to/a/copy runs it on a copy of /sys.",
        "set -e",
        'SYSFS="${SYSFS:-/sys}"',
        f'mdev="$SYSFS/devices/vfio_ap/matrix/{uuid}"',
        f'[ -d "$mdev" ] || {{ echo "no mdev {uuid}: aptui export sysfs creates it" >&2; exit 1; }}',
        'grep -qw ap_config "$SYSFS/devices/vfio_ap/matrix/features" 2>/dev/null || '
        '{ echo "this vfio_ap has no ap_config: change the mdev with assign_*/unassign_* writes" >&2; exit 1; }',
        f'echo {mdev.ap_config_text(a.new)} > "$mdev/{mdev.AP_CONFIG}"',
    ]) + "\n"
