"""vfio_ap hot plug (ref 5.3, 5.5, 5.6): a running guest's mdev changed by one `ap_config` write
(what `mdevctl modify --live` does), and what the kernel makes of it: it refuses the write whole,
or re-filters the matrix (`vfio_ap_mdev_filter_matrix`), pushes the new shadow APCB into the
guest's CRYCB and resets (ZAPQ) every queue that left the guest.

A change is made as operators make it, with ``mdevctl modify --live``: its ap-check callout
(`ap_check_handle_live_modify`) checks the new config (`ap_check_active`) before it writes
``ap_config``. Of ap-check's three rules only the usage domain one is ap-check's alone
(`usage_domain_check`: the kernel's `ap_config_store` takes control domains without a usage
domain, so a raw ``ap_config`` write passes); the other two refuse exactly what the kernel
refuses (EADDRINUSE, EADDRNOTAVAIL), which is said in the kernel's words.

The scenario after a change is a new Scenario value: its Topology computes every guest's view,
so the rules of filtering keep their one home in `topology` and `vfio_ap`.
"""

from __future__ import annotations

import attrs

from aptui.model import mask as m
from aptui.model.ap_check import sysfs_siblings, usage_domain_check
from aptui.model.matrix import Matrix
from aptui.model.scenario import Change, Scenario
from aptui.model.topology import GuestView, Topology
from aptui.model.value import Value
from aptui.model.vfio_ap import Verdict, assign_verdict, host_owned_queues
from aptui.model.vocabulary import Errno


def ap_config_store(scenario: Scenario, topology: Topology, change: Change) -> Verdict | None:
    """`ap_config_store`: the three masks are written at once. Any set bit above `apm_max` /
    `aqm_max` / `adm_max` is ENODEV (`ap_matrix_overflow`, every bit of the new masks); then
    `vfio_ap_mdev_validate_masks` as for an assign (a queue kept for the host's drivers
    EADDRNOTAVAIL, one in a sibling mdev's matrix EADDRINUSE). On any error nothing changes: the
    old masks are put back. `change.guest` must have an mdev (a passthrough guest below an L1)."""
    g = scenario.guest(change.guest)
    new = change.applied(g).matrix
    max_a, max_d = topology.view(g.name).id_limits
    why = f"{g.parent}'s configuration"
    for ids, limit, what in ((new.adapters, max_a, "adapter"), (new.usage_domains, max_d, "usage domain"),
                             (new.control_domains, max_d, "control domain")):
        high = [i for i in ids if i > limit]
        if high:
            return Verdict(Errno.ENODEV, high[0], f"{what} 0x{high[0]:02x}: {why} addresses ids 0..{limit} "
                                                  f"(0x{limit:02x})")
    reserved = (g.parent, host_owned_queues(scenario.guest(g.parent).reserved))
    return assign_verdict("apm", frozenset(), max_a, why, new, g.matrix, reserved,
                          sysfs_siblings(scenario.guests, g))


def hot_unplugged(old: GuestView, new: GuestView) -> tuple[tuple[int, int], ...]:
    """The queues vfio_ap resets (ZAPQ) when a running guest's matrix shrinks
    (`vfio_ap_mdev_hot_unplug_adapters`/`_domains`, and the adapters `vfio_ap_mdev_filter_matrix`
    takes out of a running guest): those in the guest's shadow APCB before and not after. A guest
    that is not running (it cannot start, or has no AP, so QEMU plugged no vfio-ap device) has none."""
    if not old.startable or not old.has_ap:
        return ()
    return tuple(q for q in old.shadow_apcb.apqns() if not new.shadow_apcb.has_apqn(*q))


@attrs.frozen(repr=False)
class Seen(Value):
    """How a change alters what one guest's firmware interprets against (`hw`, its QCI answer)."""

    guest: str
    level: int
    lost: tuple[tuple[int, int], ...]  # gone at once: the CRYCB (and every vSIE shadow below) no longer has them
    gained: tuple[tuple[int, int], ...]  # answer at once, but the guest's AP bus finds them at its next SCAN


@attrs.frozen(repr=False)
class Applied(Value):
    """One change of the scenario, in time order, with the kernel's word on it."""

    number: int  # 1-based, in the file's order: `aptui export KIND FILE --change N`
    change: Change
    old: Matrix  # the mdev's matrix before the write (sysfs `matrix`)
    new: Matrix  # the matrix the write asks for
    verdict: Verdict | None  # the kernel's refusal; None: applied (or never written: `callout`)
    before: Scenario
    after: Scenario  # from this change on; `before` when it is refused
    topology: Topology = attrs.field(eq=False, repr=False)  # of `after`
    callout: str | None = None  # ap-check's refusal of mdevctl modify --live: the kernel never sees the write

    @property
    def refused(self) -> bool:
        return self.verdict is not None or self.callout is not None

    def seen(self, old: Topology) -> list[Seen]:
        """The guest and each of its descendants whose `hw` changes, in tree order."""
        out = []
        for name in [self.change.guest, *old.walk(self.change.guest)]:
            was, now = old.view(name).hw, self.topology.view(name).hw
            if was != now:
                out.append(Seen(name, self.topology.view(name).level,
                                tuple(q for q in was.apqns() if not now.has_apqn(*q)),
                                tuple(q for q in now.apqns() if not was.has_apqn(*q))))
        return out


def time_order(changes: tuple[Change, ...]) -> list[tuple[int, Change]]:
    """(number, change) by `at_us`; changes at the same time in the file's order."""
    return sorted(enumerate(changes, 1), key=lambda nc: (nc[1].at_us, nc[0]))


def applied_changes(scenario: Scenario, topology: Topology | None = None) -> list[Applied]:
    """Every change of the scenario in time order, each written to the mdev as the scenario stands
    by then (earlier changes applied, refused ones not)."""
    out: list[Applied] = []
    current, topo = scenario, topology if topology is not None and topology.scenario is scenario else Topology(scenario)
    for number, change in time_order(scenario.changes):
        g = current.guest(change.guest)
        callout = usage_domain_check(change.applied(g).matrix)
        verdict = None if callout else ap_config_store(current, topo, change)
        after = current
        if verdict is None and callout is None:
            edited = change.applied(g)
            after = attrs.evolve(current, guests=tuple(edited if x.name == g.name else x for x in current.guests))
            topo = Topology(after)
        out.append(Applied(number, change, g.matrix, change.applied(g).matrix, verdict, current, after, topo, callout))
        current = after
    return out


def change_text(a: Applied) -> str:
    """The change in words: 'kvm1 adapters 05,06 -> 06'."""
    parts = []
    for field, old, new, width in (("adapters", a.old.apm, a.new.apm, 2), ("usage domains", a.old.aqm, a.new.aqm, 4),
                                   ("control domains", a.old.adm, a.new.adm, 4)):
        if old != new:
            parts.append(f"{field} {m.format_ids(m.ids_of(old), width) or '-'} -> "
                         f"{m.format_ids(m.ids_of(new), width) or '-'}")
    return f"{a.change.guest} " + ("; ".join(parts) or "unchanged")
