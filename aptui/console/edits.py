"""Scenario edits as pure functions, and the kernel's word on them.

Every edit returns a new Scenario (attrs.evolve) so that undo is a stack of values. An edit
the kernel, PR/SM or the loader would refuse raises Refused with the reason the operator
would see (EADDRINUSE, EADDRNOTAVAIL, ENODEV, an input error); `surprise` names what a legal
edit silently loses. No Textual here: the console and the tests call these directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import attrs

from aptui.model import bounds as b
from aptui.model import mask as m
from aptui.model.bounds import US_COSTS, Violation
from aptui.model.idlist import format_id, parse_id, parse_ids
from aptui.model.scenario import (ADAPTER_TYPES, BACKENDS, CHANGE_FIELDS, FEATURES, HOST, MODES, OPS, OPS_WITHOUT_APQN,
                                  STARTS, STATES, Adapter, Change, Guest, Host, Request, Reserved, Scenario, boot_masks)
from aptui.model.topology import Topology
from aptui.model.ap_check import sysfs_siblings
from aptui.model.vfio_ap import assign_verdict, host_owned_queues
from aptui.model.vocabulary import Backend, Errno

FIELDS = {"apm": "adapters", "aqm": "usage_domains", "adm": "control_domains"}
SYSFS = {"apm": "assign_adapter", "aqm": "assign_domain", "adm": "assign_control_domain"}


class Refused(ValueError):
    """An edit that would not get past the kernel (or the scenario loader); the message says why."""


@contextmanager
def _field(name: str) -> Iterator[None]:
    """A Violation of the scenario's bounds (model.bounds) as a refusal naming the form's field."""
    try:
        yield
    except Violation as e:
        raise Refused(f"{name}: {e}") from None


def _replace_guest(s: Scenario, guest: Guest) -> Scenario:
    return attrs.evolve(s, guests=tuple(guest if g.name == guest.name else g for g in s.guests))


def _runnable(s: Scenario, field: str) -> Scenario:
    """`s`, if its requests stay within the loader's bound on a run (model.bounds.check_run_length):
    a guest's SCANs grow with its matrix and its apqci, and a request adds its own."""
    guests = b.widest({g.name: g for g in s.guests}, s.changes)
    with _field(field):
        b.check_run_length(sum(b.instructions(r, guests[r.guest]) for r in s.requests))
    return s


# -- matrix ------------------------------------------------------------------------------
def set_ids(s: Scenario, name: str, mask: str, ids, on: bool, topology: Topology | None = None) -> Scenario:
    """Assign (on) or unassign ids of one mask (apm/aqm/adm) of a guest, refusing what the kernel refuses.
    `topology`: the one of `s` when the caller has it (the console's session), so it is not built again."""
    g = s.guest(name)
    field = FIELDS[mask]
    current: frozenset[int] = getattr(g, field)
    with _field(field):
        ids = b.check_ids(ids)
    new = current | ids if on else current - ids
    if new == current:
        return s
    edited = attrs.evolve(g, **{field: new})
    if on:
        reason = refusal(s, edited, mask, ids - current, topology)
        if reason:
            raise Refused(reason)
        return _runnable(_replace_guest(s, edited), field)
    return _replace_guest(s, edited)


def refusal(s: Scenario, edited: Guest, mask: str, added: frozenset[int],
            topology: Topology | None = None) -> str | None:
    """Why the kernel (or PR/SM for an LPAR) refuses to assign `added` ids to `edited`, or None:
    the verdict of `vfio_ap.assign_verdict`, in the words of the sysfs write."""
    topo = topology if topology is not None and topology.scenario is s else Topology(s)
    name = edited.name
    lpar = edited.parent == HOST
    limit = topo.view(name).id_limits[0 if mask == "apm" else 1]
    why = "this machine" if lpar else f"{edited.parent}'s configuration"
    passthrough = edited.backend == Backend.PASSTHROUGH
    reserved = None
    if passthrough and not lpar:
        reserved = (edited.parent, host_owned_queues(s.guest(edited.parent).reserved))
    siblings = sysfs_siblings([o for o in s.guests if o.name != name], edited)
    verdict = assign_verdict(mask, added, limit, why, edited.matrix, s.guest(name).matrix, reserved, siblings)
    if verdict is None:
        return None
    op = "PR/SM" if lpar else SYSFS[mask]
    errno = "PR/SM refuses to activate both LPARs" if lpar and verdict.errno == Errno.EADDRINUSE else verdict.errno
    return f"{op} 0x{verdict.id:02x}: {errno}: {verdict.message}" + (
        f"; {name} would never see it" if verdict.errno == Errno.ENODEV else "")


# -- guests ------------------------------------------------------------------------------
def check_name(s: Scenario, name: str, old: str | None = None) -> None:
    """A name for a new guest, or for guest `old`."""
    with _field("name"):
        b.check_guest_name(name)
        if name != old:
            b.check_unique_name(name, {g.name for g in s.guests})


def unique_name(s: Scenario, base: str) -> str:
    names = {g.name for g in s.guests}
    n = 1
    while f"{base}{n}" in names:
        n += 1
    return f"{base}{n}"


def add_guest(s: Scenario, name: str, parent: str, backend: str = "passthrough") -> Scenario:
    check_name(s, name)
    with _field("parent"):
        b.check_parent(parent, {g.name for g in s.guests})
    with _field("backend"):
        b.check_l1_backend(parent, b.check_one_of(backend, BACKENDS))
    _check_parent_runs(s, parent)
    return attrs.evolve(s, guests=s.guests + (Guest(name, parent, backend),))


def _check_parent_runs(s: Scenario, parent: str) -> None:
    """A guest runs inside a running parent: not under one whose mdev is not active."""
    if parent != HOST:
        with _field("parent"):
            b.check_running(parent, s.guest(parent).active, "guests")


def descendants(s: Scenario, name: str) -> list[str]:
    out, todo = [], [name]
    while todo:
        n = todo.pop()
        kids = [g.name for g in s.guests if g.parent == n]
        out += kids
        todo += kids
    return out


def remove_guest(s: Scenario, name: str) -> Scenario:
    """Remove a guest, its own guests, their requests and their changes."""
    gone = {name, *descendants(s, name)}
    return attrs.evolve(s, guests=tuple(g for g in s.guests if g.name not in gone),
                        requests=tuple(r for r in s.requests if r.guest not in gone),
                        changes=tuple(c for c in s.changes if c.guest not in gone))


def update_guest(s: Scenario, name: str, *, new_name: str | None = None, parent: str | None = None,
                 backend: str | None = None, crycb_format: int | None | str = "keep",
                 apie: bool | None | str = "keep", features=None, reserved: Reserved | None = None,
                 persistent_reserved: Reserved | None | str = "keep", start: str | None = None,
                 active: bool | None = None) -> Scenario:
    """Rename, re-parent and change the settings of one guest in a single undoable step.
    `persistent_reserved` None: the same as the active masks (no 41-ap.rules of its own)."""
    g = s.guest(name)
    changes: dict = {}
    if parent is not None and parent != g.parent:
        with _field("parent"):
            changes["parent"] = b.check_parent(parent, {x.name for x in s.guests})
    if backend is not None:
        with _field("backend"):
            changes["backend"] = b.check_one_of(backend, BACKENDS)
    if crycb_format != "keep":
        with _field("CRYCB format"):
            changes["crycb_format"] = None if crycb_format is None else b.check_crycb_format(crycb_format)
    if apie != "keep":
        changes["apie"] = apie
    if features is not None:
        with _field("CPU features"):
            changes["features"] = frozenset(b.check_one_of(f, FEATURES) for f in features)
    if reserved is not None:
        with _field("reserved"):
            changes["reserved"] = Reserved(b.check_ids(reserved.adapters), b.check_ids(reserved.domains))
    if persistent_reserved != "keep":
        with _field("persistent"):
            changes["persistent_reserved"] = None if persistent_reserved is None else Reserved(
                b.check_ids(persistent_reserved.adapters), b.check_ids(persistent_reserved.domains))
    if start is not None:
        with _field("start"):
            changes["start"] = b.check_one_of(start, STARTS)
    if active is not None:
        changes["active"] = active
    edited = attrs.evolve(g, **changes)
    edited = attrs.evolve(edited, persistent_reserved=boot_masks(edited.reserved, edited.persistent_reserved))
    out = _replace_guest(s, edited)
    with _field("parent"):
        b.check_no_cycle(name, {x.name: x.parent for x in out.guests})
    _check_parent_runs(out, edited.parent)
    with _field("backend"):
        b.check_l1_backend(edited.parent, edited.backend)
    with _field("APIE"):
        b.check_l1_apie(edited.parent, edited.apie)
    for key, default in (("start", "auto"), ("active", True)):
        if getattr(edited, key) != default:
            with _field(key):
                b.check_has_mdev(edited.parent, edited.backend, key)
    with _field("active"):
        for what, used in (("requests", any(r.guest == name for r in s.requests)),
                           ("guests", any(x.parent == name for x in s.guests)),
                           ("live changes", any(c.guest == name for c in s.changes))):
            if used:
                b.check_running(name, edited.active, what)
    if any(c.guest == name for c in s.changes):
        with _field("backend" if backend is not None else "parent"):
            b.check_change_guest(name, {x.name: x for x in out.guests})
    if new_name is not None and new_name != name:
        out = rename_guest(out, name, new_name)
    return _runnable(out, "CPU features")


def rename_guest(s: Scenario, old: str, new: str) -> Scenario:
    check_name(s, new, old)
    guests = tuple(
        attrs.evolve(g, name=new if g.name == old else g.name, parent=new if g.parent == old else g.parent)
        for g in s.guests)
    requests = tuple(attrs.evolve(r, guest=new) if r.guest == old else r for r in s.requests)
    changes = tuple(attrs.evolve(c, guest=new) if c.guest == old else c for c in s.changes)
    return attrs.evolve(s, guests=guests, requests=requests, changes=changes)


# -- changes of a running guest ----------------------------------------------------------
def matrix_edit_base(befores: list[Scenario], current: Scenario, name: str) -> Scenario | None:
    """The scenario before the latest run of edits (`befores`, the latest first) that changed
    nothing but guest `name`'s matrix; None when the latest edit was another."""
    base = None
    for s in befores:
        if name not in {g.name for g in s.guests} or _replace_guest(current, s.guest(name)) != s:
            break
        base = s
    return base


def live_change(before: Scenario, after: Scenario, name: str, at_us: float) -> Scenario:
    """The edit of guest `name`'s matrix from `before` to `after`, made instead to the running
    guest: `before` with a [[change]] at `at_us` that writes the edited matrix (one ap_config
    write, `mdevctl modify --live`). Refused when the edit is not just that, or the guest has no mdev."""
    with _field("guest"):
        b.check_change_guest(name, {g.name: g for g in before.guests})
    old, new = before.guest(name), after.guest(name)
    if attrs.evolve(after, guests=before.guests) != before or _replace_guest(after, old) != before:
        raise Refused(f"the last edit changes more than {name}'s matrix: only an assignment can be made live")
    fields = {k: getattr(new, k) for k in CHANGE_FIELDS if getattr(new, k) != getattr(old, k)}
    if not fields:
        raise Refused(f"the last edit does not change {name}'s matrix")
    with _field("at µs"):
        b.check_at_us(at_us)
    return _runnable(attrs.evolve(before, changes=before.changes + (Change(name, at_us, **fields),)), "adapters")


# -- requests ----------------------------------------------------------------------------
def make_request(s: Scenario, guest: str, op: str, apqn: str = "", repeat: str | int = 1,
                 wait_us: str | float = 0) -> Request:
    """A request from the form's fields, with the loader's bounds (model.bounds)."""
    with _field("guest"):
        b.check_known_guest(guest, {g.name for g in s.guests})
    with _field("op"):
        b.check_one_of(op, OPS)
    text = str(apqn).strip()
    with _field("APQN"):
        b.check_request_apqn(op, bool(text))
    q = None
    if op not in OPS_WITHOUT_APQN:
        try:
            q = m.parse_apqn(text)
        except ValueError as e:
            raise Refused(f"APQN: {e}") from None
    rep = _whole("repeat", repeat)
    with _field("repeat"):
        b.check_repeat(rep)
    wait = _real("wait µs", wait_us or 0)
    with _field("wait µs"):
        b.check_wait_us(wait)
    request = Request(guest, op, q, rep, wait)
    _runnable(add_request(s, request), "repeat")
    return request


def _whole(name: str, raw: str | int) -> int:
    """A form's whole-number field, in decimal."""
    try:
        return int(str(raw).strip(), 10)
    except ValueError:
        raise Refused(f"{name}: '{raw}' is not a whole number") from None


def _real(name: str, raw: str | float) -> float:
    """A form's number field (a float: NaN and infinities parse, and the bounds refuse them)."""
    try:
        return float(str(raw).strip())
    except ValueError:
        raise Refused(f"{name}: '{raw}' is not a number") from None


def add_request(s: Scenario, request: Request, at: int | None = None) -> Scenario:
    reqs = list(s.requests)
    reqs.insert(len(reqs) if at is None else at, request)
    return attrs.evolve(s, requests=tuple(reqs))


def remove_request(s: Scenario, index: int) -> Scenario:
    return attrs.evolve(s, requests=s.requests[:index] + s.requests[index + 1:])


def same_configuration(a: Scenario, b: Scenario) -> bool:
    """Equal but for the request queue."""
    return attrs.evolve(a, requests=()) == attrs.evolve(b, requests=())


# -- the machine, the policy, the costs ---------------------------------------------------
def format_adapter(a: Adapter) -> str:
    """One adapter as the host form's line: `0x05 CEX8 cca 8 online`."""
    return f"{format_id(a.id)} {a.type} {a.mode} {a.depth} {a.state}"


def parse_adapter(line: str) -> Adapter:
    """`id [type [mode [depth [state]]]]`, the later fields defaulting as in a scenario file."""
    parts = line.split()
    if not parts:
        raise Refused("empty")
    if len(parts) > 5:
        raise Refused("expected at most: id type mode depth state")
    d = Adapter(0)
    with _field("id"):
        aid = parse_id(parts[0])
    kind = parts[1].upper() if len(parts) > 1 else d.type
    with _field("type"):
        b.check_one_of(kind, ADAPTER_TYPES)
    mode = parts[2].lower() if len(parts) > 2 else d.mode
    with _field("mode"):
        b.check_adapter(kind, b.check_one_of(mode, MODES))
    depth = _whole("depth", parts[3]) if len(parts) > 3 else d.depth
    with _field("depth"):
        b.check_depth(depth)
    state = parts[4].lower() if len(parts) > 4 else d.state
    with _field("state"):
        b.check_one_of(state, STATES)
    return Adapter(aid, kind, mode, depth, state)


def parse_adapters(lines: list[str]) -> tuple[Adapter, ...]:
    """Every non-blank line an adapter; the first bad line is refused, named by its number and text."""
    adapters: dict[int, Adapter] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            a = parse_adapter(line)
            with _field("id"):
                b.check_unique_adapter(a.id, adapters)
        except Refused as e:
            raise Refused(f"adapter line {n} ({line.strip()}): {e}") from None
        adapters[a.id] = a
    return tuple(adapters[k] for k in sorted(adapters))


def set_host(s: Scenario, apxa: bool, domains: str | int, adapter_lines: list[str]) -> Scenario:
    """The machine: APXA, the number of domains and the adapters, with the loader's bounds (model.bounds)."""
    n = _whole("domains", domains)
    with _field("domains"):
        b.check_domains(n)
    return attrs.evolve(s, host=Host(apxa, parse_adapters(adapter_lines), n))


def set_policy(s: Scenario, nested_emulation: bool) -> Scenario:
    return attrs.evolve(s, policy=attrs.evolve(s.policy, nested_emulation=nested_emulation))


def set_costs(s: Scenario, values: dict[str, str]) -> Scenario:
    """Fields of [costs] from the form's text: the *_us times numbers, the others whole numbers, each
    within the loader's bounds (model.bounds); the field is named when not."""
    out = {}
    for k, raw in values.items():
        v = _real(k, raw) if k in US_COSTS else _whole(k, raw)
        with _field(k):
            b.check_cost(k, v)
        out[k] = int(v) if isinstance(v, float) and v.is_integer() else v
    return attrs.evolve(s, costs=attrs.evolve(s.costs, **out))


def parse_reserved(adapters: str, domains: str, what: str = "reserved") -> Reserved:
    """The guest form's reserved queues (`what`: reserved, or persistent): two lines in the
    id-list grammar (model.idlist)."""
    with _field(f"{what} adapters"):
        a = parse_ids(adapters)
    with _field(f"{what} domains"):
        return Reserved(a, parse_ids(domains))
