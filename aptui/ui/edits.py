"""Scenario edits as pure functions, and the kernel's word on them.

Every edit returns a new Scenario (attrs.evolve) so that undo is a stack of values. An edit
the kernel, PR/SM or the loader would refuse raises Refused with the reason the operator
would see (EADDRINUSE, EADDRNOTAVAIL, ENODEV, an input error); `surprise` names what a legal
edit silently loses. No Textual here: the console and the tests call these directly.
"""

from __future__ import annotations

import attrs

from aptui.model import mask as m
from aptui.model.matrix import Matrix
from aptui.model.scenario import BACKENDS, FEATURES, HOST, OPS, OPS_WITHOUT_APQN, Guest, Request, Reserved, Scenario
from aptui.model.topology import FORMAT_WIDTH, Topology

FIELDS = {"apm": "adapters", "aqm": "usage_domains", "adm": "control_domains"}
SYSFS = {"apm": "assign_adapter", "aqm": "assign_domain", "adm": "assign_control_domain"}


class Refused(ValueError):
    """An edit that would not get past the kernel (or the scenario loader); the message says why."""


def _replace_guest(s: Scenario, guest: Guest) -> Scenario:
    return attrs.evolve(s, guests=tuple(guest if g.name == guest.name else g for g in s.guests))


# -- matrix ------------------------------------------------------------------------------
def set_ids(s: Scenario, name: str, mask: str, ids, on: bool) -> Scenario:
    """Assign (on) or unassign ids of one mask (apm/aqm/adm) of a guest, refusing what the kernel refuses."""
    g = s.guest(name)
    field = FIELDS[mask]
    current: frozenset[int] = getattr(g, field)
    ids = frozenset(ids)
    new = current | ids if on else current - ids
    if new == current:
        return s
    edited = attrs.evolve(g, **{field: new})
    if on:
        reason = refusal(s, edited, mask, ids - current)
        if reason:
            raise Refused(reason)
    return _replace_guest(s, edited)


def max_ids(s: Scenario, topo: Topology, name: str) -> tuple[int, int]:
    """The highest adapter and domain ids a guest's CRYCB format and the machine address."""
    fa, fd = FORMAT_WIDTH[topo.view(name).crycb_format]
    return min(fa - 1, s.host.max_adapter), min(fd - 1, s.host.max_domain)


def refusal(s: Scenario, edited: Guest, mask: str, added: frozenset[int]) -> str | None:
    """Why the kernel (or PR/SM for an LPAR) refuses to assign `added` ids to `edited`, or None."""
    topo = Topology(s)
    name = edited.name
    op = SYSFS[mask] if edited.parent != HOST else "PR/SM"
    max_a, max_d = max_ids(s, topo, name)
    limit = max_a if mask == "apm" else max_d
    high = sorted(i for i in added if i > limit)
    if high:
        fmt = topo.view(name).crycb_format
        why = f"CRYCB format {fmt}" if FORMAT_WIDTH[fmt][0 if mask == "apm" else 1] - 1 == limit else "this machine (no APXA)"
        return (f"{op} 0x{high[0]:02x}: ENODEV: {why} addresses ids 0..{limit} (0x{limit:02x}); "
                f"{name} would never see it")
    if mask == "adm" or edited.backend != "passthrough":
        return None  # control domains may be shared; emulated devices are not vfio_ap's
    new = edited.matrix
    old = s.guest(name).matrix
    for sib in s.guests:
        if sib.name == name or sib.parent != edited.parent or sib.backend != "passthrough":
            continue
        before = _shared(old, sib.matrix)
        fresh = next((q for q in _shared(new, sib.matrix).apqns() if not before.has_apqn(*q)), None)
        if fresh:
            who = "PR/SM refuses to activate both LPARs" if edited.parent == HOST else "EADDRINUSE"
            return (f"{op} 0x{_added_id(mask, fresh):02x}: {who}: APQN {m.format_apqn(*fresh)} "
                    f"is already in the usage matrix of sibling {sib.name}")
    if edited.parent != HOST:
        res = s.guest(edited.parent).reserved
        held = _shared(new, Matrix.of(res.adapters, res.domains))
        fresh = next((q for q in held.apqns() if not old.has_apqn(*q)), None)
        if fresh:
            return (f"{op} 0x{_added_id(mask, fresh):02x}: EADDRNOTAVAIL: APQN {m.format_apqn(*fresh)} "
                    f"is reserved for {edited.parent}'s own zcrypt drivers (apmask/aqmask)")
    return None


def _shared(a: Matrix, b: Matrix) -> Matrix:
    return Matrix(a.apm & b.apm, a.aqm & b.aqm)


def _added_id(mask: str, apqn: tuple[int, int]) -> int:
    return apqn[0] if mask == "apm" else apqn[1]


# -- guests ------------------------------------------------------------------------------
def check_name(s: Scenario, name: str, old: str | None = None) -> None:
    if not name.strip() or name == HOST:
        raise Refused(f"{name!r} is not a usable guest name ('host' is the machine)")
    if name != old and any(g.name == name for g in s.guests):
        raise Refused(f"a guest named {name!r} exists already")


def unique_name(s: Scenario, base: str) -> str:
    names = {g.name for g in s.guests}
    n = 1
    while f"{base}{n}" in names:
        n += 1
    return f"{base}{n}"


def add_guest(s: Scenario, name: str, parent: str, backend: str = "passthrough") -> Scenario:
    check_name(s, name)
    if parent != HOST:
        s.guest(parent)
    if parent == HOST and backend != "passthrough":
        raise Refused("an L1 is an LPAR: the firmware always gives it passthrough")
    return attrs.evolve(s, guests=s.guests + (Guest(name, parent, backend),))


def descendants(s: Scenario, name: str) -> list[str]:
    out, todo = [], [name]
    while todo:
        n = todo.pop()
        kids = [g.name for g in s.guests if g.parent == n]
        out += kids
        todo += kids
    return out


def remove_guest(s: Scenario, name: str) -> Scenario:
    """Remove a guest, its own guests and their requests."""
    gone = {name, *descendants(s, name)}
    return attrs.evolve(s, guests=tuple(g for g in s.guests if g.name not in gone),
                        requests=tuple(r for r in s.requests if r.guest not in gone))


def update_guest(s: Scenario, name: str, *, new_name: str | None = None, parent: str | None = None,
                 backend: str | None = None, crycb_format: int | None | str = "keep",
                 apie: bool | None | str = "keep", features=None, reserved: Reserved | None = None) -> Scenario:
    """Rename, re-parent and change the settings of one guest in a single undoable step."""
    g = s.guest(name)
    changes: dict = {}
    if parent is not None and parent != g.parent:
        if parent != HOST:
            s.guest(parent)
            if parent == name or parent in descendants(s, name):
                raise Refused(f"{parent} is {name} or one of its guests: that would make a cycle")
        changes["parent"] = parent
    if backend is not None:
        if backend not in BACKENDS:
            raise Refused(f"unknown backend {backend!r}")
        changes["backend"] = backend
    if crycb_format != "keep":
        if crycb_format not in (None, 0, 1, 2):
            raise Refused("a CRYCB format is 0, 1 or 2")
        changes["crycb_format"] = crycb_format
    if apie != "keep":
        changes["apie"] = apie
    if features is not None:
        bad = set(features) - set(FEATURES)
        if bad:
            raise Refused(f"unknown CPU features: {', '.join(sorted(bad))}")
        changes["features"] = frozenset(features)
    if reserved is not None:
        changes["reserved"] = reserved
    edited = attrs.evolve(g, **changes)
    if edited.parent == HOST and (edited.backend != "passthrough" or edited.apie is False):
        raise Refused("an L1 is an LPAR: the firmware always gives it passthrough with APIE on")
    out = _replace_guest(s, edited)
    if new_name is not None and new_name != name:
        out = rename_guest(out, name, new_name)
    return out


def rename_guest(s: Scenario, old: str, new: str) -> Scenario:
    check_name(s, new, old)
    guests = tuple(
        attrs.evolve(g, name=new if g.name == old else g.name, parent=new if g.parent == old else g.parent)
        for g in s.guests)
    requests = tuple(attrs.evolve(r, guest=new) if r.guest == old else r for r in s.requests)
    return attrs.evolve(s, guests=guests, requests=requests)


# -- requests ----------------------------------------------------------------------------
def make_request(s: Scenario, guest: str, op: str, apqn: str = "", repeat: str | int = 1,
                 wait_us: str | float = 0) -> Request:
    """A request from form fields, with the loader's rules (spec 8)."""
    s.guest(guest)
    if op not in OPS:
        raise Refused(f"unknown op {op!r}")
    q = None
    if op in OPS_WITHOUT_APQN:
        if str(apqn).strip():
            raise Refused(f"{op} takes no APQN")
    else:
        try:
            q = m.parse_apqn(str(apqn))
        except ValueError as e:
            raise Refused(str(e)) from None
    try:
        rep = int(repeat)
        wait = float(wait_us or 0)
    except ValueError:
        raise Refused("repeat is an integer and wait a number of microseconds") from None
    if not 1 <= rep <= 10**9:
        raise Refused("repeat is 1..1000000000")
    if not wait >= 0 or wait == float("inf"):
        raise Refused("wait is a finite number of microseconds >= 0")
    return Request(guest, op, q, rep, wait)


def add_request(s: Scenario, request: Request, at: int | None = None) -> Scenario:
    reqs = list(s.requests)
    reqs.insert(len(reqs) if at is None else at, request)
    return attrs.evolve(s, requests=tuple(reqs))


def remove_request(s: Scenario, index: int) -> Scenario:
    return attrs.evolve(s, requests=s.requests[:index] + s.requests[index + 1:])


def same_configuration(a: Scenario, b: Scenario) -> bool:
    """Equal but for the request queue."""
    return attrs.evolve(a, requests=()) == attrs.evolve(b, requests=())
