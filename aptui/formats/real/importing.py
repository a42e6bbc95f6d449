"""What every importer shares: its result and notes, the names it gives, and the host it builds
when the input shows only mdevs (mdevctl and libvirt configurations)."""

from __future__ import annotations

from collections import Counter
from functools import reduce

import attrs

from aptui.formats.text import path_text
from aptui.model.matrix import EMPTY, Matrix
from aptui.model.scenario import HOST, Adapter, Guest, Host, Scenario
from aptui.model.vocabulary import Guessed

L1_NAME = "lpar1"  # neither lszcrypt nor sysfs shows the LPAR's name
DEFAULT_DOMAINS = 85
L1_NAME_WHY = "no real format shows the LPAR's name (it is the HMC's)"


@attrs.frozen
class Mdev:
    """One mdev as read: its UUID (None when the input has none), its assigned matrix, and the
    name the input suggests for its guest (a file name), if any."""

    uuid: str | None
    matrix: Matrix
    label: str = ""
    start: str = "auto"  # mdevctl's start; the sysfs and libvirt node devices as read carry none


@attrs.frozen
class Guess:
    """A value the input does not give and the import filled in (an adapter's type, a domain
    count, a depth): an operator must see it before trusting the scenario, so each one is shown,
    as a comment of the TOML and on the console's screen, never silently."""

    what: str  # the value's name, e.g. "adapter 05 depth"
    where: str  # the input that would have said it: FILE or FILE:LINE
    value: str  # what the import put in
    why: str  # why the input does not say
    marks: tuple[tuple[Guessed, int | None], ...] = ()  # the machine's values it filled in (adapter id, or None)

    def __str__(self) -> str:
        return f"{self.where}: guessed {self.what} = {self.value}: {self.why}"


@attrs.frozen
class Imported:
    """A scenario and what could not be carried over exactly: approximations, and attributes aptui
    does not know (listed, never silently dropped), and the values it had to guess."""

    scenario: Scenario
    notes: tuple[str, ...] = ()
    guesses: tuple[Guess, ...] = ()


def host_domains(highest: int | None, where: str, why: str) -> tuple[int, Guess]:
    """Domains of a host whose count the input does not give: 85 (a z15 or later) or enough for
    the highest domain seen, and the guess that says so."""
    domains = min(256, max(DEFAULT_DOMAINS, -1 if highest is None else highest + 1))
    basis = "85, as a z15 or later has" if domains == DEFAULT_DOMAINS else "enough for the highest domain seen"
    return domains, Guess("the machine's domain count", where, str(domains), f"{why}: {basis}",
                          ((Guessed.DOMAINS, None),))


def card_marks(ids) -> tuple[tuple[Guessed, int], ...]:
    """The type and depth of each of these adapters, guessed."""
    return tuple((mark, a) for a in sorted(ids) for mark in (Guessed.TYPE, Guessed.DEPTH))


APXA_GUESSED = ((Guessed.APXA, None),)


def ids_text(ids) -> str:
    ids = sorted(ids)
    return ", ".join(f"{i:02x}" for i in ids[:8]) + (" ..." if len(ids) > 8 else "")


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


def mdev_import(name: str, description: str, mdevs: list[Mdev], notes: list[str], where: str) -> Imported:
    """mdevctl and libvirt know only the mdevs: a minimal host (a CEX8 in CCA mode, depth 8, for
    every adapter they name) and an L1 holding their union, so that each guest keeps its matrix.
    The L1 controls its usage domains too, as HMC profiles make it. All of that is guessed."""
    union = reduce(Matrix.__or__, (md.matrix for md in mdevs), EMPTY)
    domains = union.usage_domains + union.control_domains
    count, counted = host_domains(max(domains, default=None), where, "an mdev does not show the machine")
    host = Host(True, tuple(Adapter(a) for a in union.adapters), count)
    l1 = Guest(L1_NAME, adapters=frozenset(union.adapters), usage_domains=frozenset(union.usage_domains),
               control_domains=frozenset(domains))
    guesses = [Guess("the L1", where, f"{L1_NAME}, holding every mdev's adapters and domains and controlling "
                     "its usage domains", f"{L1_NAME_WHY}, and an mdev does not show its LPAR"), counted,
               Guess("the machine's APXA", where, "true", "an mdev does not show the machine", APXA_GUESSED)]
    if union.adapters:
        guesses.append(Guess(f"adapters {ids_text(union.adapters)}", where, "CEX8 in CCA mode, depth 8, online",
                             "an mdev names its adapters, not what they are", card_marks(union.adapters)))
    guests = mdev_guests(mdevs, L1_NAME)
    guesses += [Guess(f"{g.name}'s mdev UUID", where, g.mdev_uuid, "its configuration has none (libvirt or "
                      "mdevctl picks one when it defines the mdev): derived from the guest's name")
                for g in guests if g.uuid is None]
    scenario = Scenario(name, description, host, (l1, *guests))
    return Imported(scenario, tuple(notes), tuple(guesses))


def _squash(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())
