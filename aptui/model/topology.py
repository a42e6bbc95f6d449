"""What each guest really gets (spec 2, 3): the AP facility, APIE as QEMU sets it, vfio_ap's
filtered matrix, the CRYCB and its vSIE shadow (`hw`). Computed once per scenario, parents
before children, by the rules of `facilities`, `vfio_ap` and `crycb`; everything else reads
the GuestViews and never recomputes them.
"""

from __future__ import annotations

import attrs

from aptui.model.crycb import (
    Validity, apcb_limits, apcb_truncate, host_crycb_format, shadow_crycb_valid, vsie_shadow_chain_empty,
    vsie_shadow_chain_valid,
)
from aptui.model.facilities import ap_instructions_available, kvm_s390_configure_apie
from aptui.model.matrix import EMPTY, Matrix
from aptui.model.scenario import HOST, Guest, Host, Scenario
from aptui.model.value import Value
from aptui.model.vfio_ap import Dropped, queue_unavailable, vfio_ap_mdev_filter_matrix
from aptui.model.vocabulary import Backend


@attrs.frozen(repr=False)
class GuestView(Value):
    """Everything derived for one guest; the engine, `check`, the console and the formats read
    these. The names stand for kernel objects: `crycb` is the CRYCB the parent's KVM writes
    (vfio_ap's `shadow_apcb` when APIE is on), `hw` the vSIE shadow CRYCB the firmware uses."""

    guest: Guest
    level: int
    crycb_format: int
    has_ap: bool  # ap_instructions_available() in the guest (spec 2)
    apie: bool  # ECA.APIE as the parent set it (spec 3)
    apie_chain: bool  # every hypervisor on the chain set APIE
    culprit: str | None  # the guest on the chain (itself or an ancestor) that cannot start
    validity: Validity | None  # why this guest itself cannot start (validity 0x0022), else None
    parent_config: Matrix  # P.config of spec 2.1 step 4: what the parent's QCI answers
    id_limits: tuple[int, int]  # the highest APID and domain the parent's configuration addresses
    assigned: Matrix  # step 1: the configured matrix within P.config
    dropped: tuple[Dropped, ...]  # step 2: adapters taken out whole
    shadow_apcb: Matrix  # after steps 1-2: vfio_ap's guest matrix (sysfs `guest_matrix`)
    filtered: Matrix  # after step 3: what KVM can write into the guest's CRYCB format
    crycb: Matrix
    hw: Matrix
    empty_shadow: bool  # spec 2.3: hw is empty because the vSIE shadows of format 0/1 never meet
    emulated: Matrix | None  # the emulated devices' matrix when the parent emulates AP for it
    config: Matrix  # what this guest's own QCI answers its guests (P.config for its children)

    @property
    def name(self) -> str:
        return self.guest.name

    @property
    def startable(self) -> bool:
        return self.culprit is None


def machine_id_limits(host: Host) -> tuple[int, int]:
    """`vfio_ap_matrix_init` at the machine: APXA addresses 255, else 63 / 15; domains exist
    below the machine's `domains`."""
    return host.max_adapter, min(host.max_domain, host.domains - 1)


class Topology:
    """The host -> L1 -> L2 -> ... tree of a scenario, with a GuestView per guest.

    The scenario must be valid (the loader guarantees known parents and no cycles).
    """

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.host = scenario.host
        self.guests = {g.name: g for g in scenario.guests}
        self.children: dict[str, list[str]] = {HOST: []}
        for g in scenario.guests:
            self.children.setdefault(g.name, [])
        for g in scenario.guests:
            self.children[g.parent].append(g.name)
        for kids in self.children.values():
            kids.sort()
        self.views: dict[str, GuestView] = {}
        self._unavailable: dict[tuple[str, int, int], tuple[Dropped, ...]] = {}
        for name in self.walk():
            self.views[name] = self._view(self.guests[name])

    def walk(self, root: str = HOST) -> list[str]:
        """Guest names depth first, siblings by name: an order independent of the file's."""
        out: list[str] = []
        stack = list(reversed(self.children[root]))
        while stack:
            name = stack.pop()
            out.append(name)
            stack.extend(reversed(self.children[name]))
        return out

    def chain(self, name: str) -> list[str]:
        """From the L1 down to ``name``."""
        out = []
        while name != HOST:
            out.append(name)
            name = self.guests[name].parent
        return out[::-1]

    def parent_format(self, guest: Guest) -> int:
        """The CRYCB format of the guest's hypervisor (the machine's for an L1)."""
        if guest.parent == HOST:
            return host_crycb_format(self.host.apxa)
        return self.views[guest.parent].crycb_format

    def _view(self, g: Guest) -> GuestView:
        parent = None if g.parent == HOST else self.views[g.parent]
        level = 1 if parent is None else parent.level + 1
        hyp_format = self.parent_format(g)
        fmt = hyp_format if g.crycb_format is None else g.crycb_format
        has_ap = ap_instructions_available(g.features, parent is None or parent.has_ap)
        apie = kvm_s390_configure_apie(has_ap, g.backend, g.apie)
        apie_chain = apie and (parent is None or parent.apie_chain)

        validity = None
        if not shadow_crycb_valid(fmt, hyp_format, apie, parent is None or parent.apie):
            validity = Validity(False, f"its CRYCB format {fmt} is wider than format {hyp_format} of its hypervisor")
        elif level >= 4 and apie_chain:
            between = self.chain(g.parent)[1:level - 2]  # the ancestors of level 2 .. k-2
            if not vsie_shadow_chain_valid([self.views[n].crycb_format for n in between]):
                bad = next(n for n in between if self.views[n].crycb_format != 2)
                validity = Validity(True, f"the vSIE shadow of an L{level} is format 2, and {bad} "
                                          f"(L{self.views[bad].level}) is format {self.views[bad].crycb_format}")
        culprit = parent.culprit if parent and parent.culprit else (g.name if validity else None)

        pconfig = self.host.config if parent is None else parent.config
        limits = machine_id_limits(self.host)
        if parent is not None:
            pa, pd = apcb_limits(parent.crycb_format)
            limits = (min(limits[0], pa), min(limits[1], pd))
        assigned = g.matrix & pconfig
        dropped = () if parent is None else self._dropped(parent.guest, assigned)  # no vfio_ap above an LPAR (2.1 step 2)
        shadow_apcb = vfio_ap_mdev_filter_matrix(assigned, dropped)
        filtered = apcb_truncate(shadow_apcb, fmt)
        crycb = filtered if (apie and g.backend == Backend.PASSTHROUGH) else EMPTY
        empty_shadow = parent is not None and vsie_shadow_chain_empty(level, fmt, hyp_format)
        if parent is None:
            hw = crycb
        elif empty_shadow:
            hw = EMPTY
        else:
            hw = crycb & parent.hw
        emulated = apcb_truncate(assigned, fmt) if has_ap and g.backend == Backend.EMULATED else None
        if parent is None or g.backend == Backend.PASSTHROUGH:
            config = hw
        else:
            config = emulated if emulated is not None else EMPTY
        return GuestView(g, level, fmt, has_ap, apie, apie_chain, culprit, validity, pconfig, limits, assigned,
                         dropped, shadow_apcb, filtered, crycb, hw, empty_shadow, emulated, config)

    def _dropped(self, parent: Guest, assigned: Matrix) -> tuple[Dropped, ...]:
        """The adapters `queue_unavailable` takes out of an assignment in the parent; siblings
        with one assignment are answered once (a thousand 256x256 clones ask 256,000 times)."""
        key = (parent.name, assigned.apm, assigned.aqm)
        if key not in self._unavailable:
            found = (queue_unavailable(self.host.adapter(a), a, assigned.aqm, parent.name, parent.reserved)
                     for a in assigned.adapters)
            self._unavailable[key] = tuple(d for d in found if d)
        return self._unavailable[key]

    def mdev_children(self, name: str) -> list[GuestView]:
        """The guests `name` runs with passthrough: those with a vfio_ap mdev on it (an LPAR's, when
        name is an L1, are passthrough guests too)."""
        return [self.views[k] for k in self.children[name] if self.guests[k].backend == Backend.PASSTHROUGH]

    def view(self, name: str) -> GuestView:
        return self.views[name]

    @property
    def depth(self) -> int:
        return max((v.level for v in self.views.values()), default=0)
