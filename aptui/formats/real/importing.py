"""What every importer shares: its result and notes, the names it gives, and the host it builds
when the input shows only mdevs (mdevctl and libvirt configurations)."""

from __future__ import annotations

from collections import Counter
from functools import reduce

import attrs

from aptui.formats.text import path_text
from aptui.model.matrix import EMPTY, Matrix
from aptui.model.scenario import HOST, Adapter, Guest, Host, Scenario

L1_NAME = "lpar1"  # neither lszcrypt nor sysfs shows the LPAR's name
DEFAULT_DOMAINS = 85


@attrs.frozen
class Mdev:
    """One mdev as read: its UUID (None when the input has none), its assigned matrix, and the
    name the input suggests for its guest (a file name), if any."""

    uuid: str | None
    matrix: Matrix
    label: str = ""
    start: str = "auto"  # mdevctl's start; the sysfs and libvirt node devices as read carry none


@attrs.frozen
class Imported:
    """A scenario and what could not be carried over exactly: approximations, and attributes aptui
    does not know (listed, never silently dropped)."""

    scenario: Scenario
    notes: tuple[str, ...] = ()


def host_domains(highest: int | None) -> int:
    """Domains of a host whose count the input does not give: 85 (a z15 or later) or enough for
    the highest domain seen."""
    return min(256, max(DEFAULT_DOMAINS, -1 if highest is None else highest + 1))


def guest_names(mdevs: list[Mdev], taken: set[str]) -> list[str]:
    """A unique name per mdev: the name its file suggests, else ``mdev-`` and its UUID's first group."""
    used = set(taken)
    names = []
    for md in mdevs:
        base = path_text(md.label).strip()
        if not base or (md.uuid and _squash(md.uuid) in _squash(base)):
            base = f"mdev-{md.uuid[:8]}" if md.uuid else "mdev"
        name, n = base, 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        names.append(name)
    return names


def duplicate_uuids(mdevs: list[Mdev]) -> list[str]:
    """Notes for UUIDs read more than once: each copy becomes a guest, and the sibling check will
    show them sharing their queues."""
    counts = Counter(md.uuid for md in mdevs if md.uuid)
    return [f"mdev {u} is defined {n} times: each definition becomes a guest"
            for u, n in sorted(counts.items()) if n > 1]


def mdev_guests(mdevs: list[Mdev], parent: str) -> list[Guest]:
    names = guest_names(mdevs, {HOST, parent})
    return [Guest(name, parent=parent, adapters=frozenset(md.matrix.adapters),
                  usage_domains=frozenset(md.matrix.usage_domains),
                  control_domains=frozenset(md.matrix.control_domains), uuid=md.uuid, start=md.start)
            for name, md in zip(names, mdevs)]


def mdev_scenario(name: str, description: str, mdevs: list[Mdev]) -> Scenario:
    """mdevctl and libvirt know only the mdevs: a minimal host (a CEX8 in CCA mode, depth 8, for
    every adapter they name) and an L1 holding their union, so that each guest keeps its matrix.
    The L1 controls its usage domains too, as HMC profiles make it."""
    union = reduce(Matrix.__or__, (md.matrix for md in mdevs), EMPTY)
    domains = union.usage_domains + union.control_domains
    host = Host(True, tuple(Adapter(a) for a in union.adapters), host_domains(max(domains, default=None)))
    l1 = Guest(L1_NAME, adapters=frozenset(union.adapters), usage_domains=frozenset(union.usage_domains),
               control_domains=frozenset(domains))
    return Scenario(name, description, host, (l1, *mdev_guests(mdevs, L1_NAME)))


def _squash(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())
