"""What each guest really gets: vfio_ap filtering (spec 2.1), CRYCB format (2.2), crycb, hw
and the APIE chain (3). Computed once per scenario, parents before children.
"""

from __future__ import annotations

import attrs

from aptui.model import mask as m
from aptui.model.matrix import EMPTY, Matrix
from aptui.model.scenario import HOST, Guest, Scenario

FORMAT_WIDTH = {0: (64, 16), 1: (64, 16), 2: (256, 256)}  # (adapters, domains) per CRYCB format (ref 1.2)


def format_fits(guest_format: int, hypervisor_format: int) -> bool:
    """False when the guest's CRYCB format is wider than its hypervisor's: validity 0x0022 (ref 3.3)."""
    return not ((guest_format == 2 and hypervisor_format in (0, 1)) or (guest_format == 1 and hypervisor_format == 0))


def truncate_to_format(matrix: Matrix, crycb_format: int) -> Matrix:
    """Spec 2.1 step 3: formats 0 and 1 address APIDs 0..63 and domains 0..15."""
    adapters, domains = FORMAT_WIDTH[crycb_format]
    return matrix.limited(adapters, domains)


@attrs.frozen
class GuestView:
    """Everything derived for one guest; the UI and the engine read these, never recompute."""

    guest: Guest
    level: int
    crycb_format: int
    format_fits: bool  # its format is not wider than its hypervisor's
    startable: bool  # it and every ancestor can start (no validity intercept on the chain)
    apie: bool
    apie_chain: bool
    parent_config: Matrix  # P.config of spec 2.1 step 4
    assigned: Matrix  # step 1: the configured matrix within P.config
    filtered_adapters: tuple[tuple[int, str], ...]  # step 2: (adapter, reason), dropped whole
    filtered: Matrix  # after steps 1-3
    crycb: Matrix
    hw: Matrix  # what firmware uses when it interprets this guest's instructions
    emulated: Matrix | None  # the emulated devices' matrix when the backend is emulated
    config: Matrix  # what this guest gives its own guests (P.config for its children)

    @property
    def name(self) -> str:
        return self.guest.name

    @property
    def has_ap(self) -> bool:
        return "ap" in self.guest.features


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
        if guest.parent == HOST:
            return self.host.crycb_format
        return self.views[guest.parent].crycb_format

    def parent_config(self, guest: Guest) -> Matrix:
        if guest.parent == HOST:
            return self.host.config
        return self.views[guest.parent].config

    def unavailable_reason(self, guest: Guest, adapter: int, aqm: int) -> str | None:
        """Spec 2.1 step 2: why ``adapter`` cannot go to vfio_ap in the guest's parent, if it cannot."""
        host_adapter = self.host.adapter(adapter)
        if host_adapter is not None and host_adapter.legacy and aqm:
            return f"{host_adapter.type} is older than CEX4: vfio_ap does not bind its queues"
        if guest.parent != HOST:
            reserved = self.guests[guest.parent].reserved
            if adapter in reserved.adapters:
                held = [d for d in m.ids_of(aqm) if d in reserved.domains]
                if held:
                    return f"queue {m.format_apqn(adapter, held[0])} is reserved for {guest.parent}'s own zcrypt drivers"
        return None

    def _view(self, g: Guest) -> GuestView:
        parent = None if g.parent == HOST else self.views[g.parent]
        level = 1 if parent is None else parent.level + 1
        hyp_format = self.parent_format(g)
        fmt = hyp_format if g.crycb_format is None else g.crycb_format
        fits = format_fits(fmt, hyp_format)
        startable = fits and (parent is None or parent.startable)
        apie = (g.backend == "passthrough") if g.apie is None else g.apie
        apie_chain = apie and (parent is None or parent.apie_chain)
        pconfig = self.parent_config(g)
        assigned = g.matrix & pconfig
        dropped = []
        for a in assigned.adapters:
            reason = self.unavailable_reason(g, a, assigned.aqm)
            if reason:
                dropped.append((a, reason))
        filtered = assigned.without_adapters(m.mask_of(a for a, _ in dropped))
        filtered = truncate_to_format(filtered, fmt)
        crycb = filtered if (apie and g.backend == "passthrough") else EMPTY
        hw = crycb if parent is None else crycb & parent.hw
        emulated = truncate_to_format(assigned, fmt) if g.backend == "emulated" else None
        if parent is None:
            config = g.matrix
        elif g.backend == "passthrough":
            config = hw
        elif emulated is not None:
            config = emulated
        else:
            config = EMPTY
        return GuestView(
            guest=g,
            level=level,
            crycb_format=fmt,
            format_fits=fits,
            startable=startable,
            apie=apie,
            apie_chain=apie_chain,
            parent_config=pconfig,
            assigned=assigned,
            filtered_adapters=tuple(dropped),
            filtered=filtered,
            crycb=crycb,
            hw=hw,
            emulated=emulated,
            config=config,
        )

    def view(self, name: str) -> GuestView:
        return self.views[name]

    def max_ids(self, name: str) -> tuple[int, int]:
        """The highest adapter and domain ids the guest's CRYCB format and the machine address."""
        fa, fd = FORMAT_WIDTH[self.views[name].crycb_format]
        return min(fa - 1, self.host.max_adapter), min(fd - 1, self.host.max_domain)

    @property
    def depth(self) -> int:
        return max((v.level for v in self.views.values()), default=0)
