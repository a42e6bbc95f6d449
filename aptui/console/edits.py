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
from aptui.model.scenario import (ADAPTER_TYPES, BACKENDS, FEATURES, HOST, MODES, OPS, OPS_WITHOUT_APQN, STATES, Adapter,
                                  Costs, Guest, Host, Request, Reserved, Scenario)
from aptui.model.topology import Topology
from aptui.model.vfio_ap import assign_verdict
from aptui.model.vocabulary import Backend, Errno

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


def refusal(s: Scenario, edited: Guest, mask: str, added: frozenset[int]) -> str | None:
    """Why the kernel (or PR/SM for an LPAR) refuses to assign `added` ids to `edited`, or None:
    the verdict of `vfio_ap.assign_verdict`, in the words of the sysfs write."""
    topo = Topology(s)
    name = edited.name
    lpar = edited.parent == HOST
    limit = topo.view(name).id_limits[0 if mask == "apm" else 1]
    why = "this machine" if lpar else f"{edited.parent}'s configuration"
    passthrough = edited.backend == Backend.PASSTHROUGH
    reserved = None
    if passthrough and not lpar:
        res = s.guest(edited.parent).reserved
        reserved = (edited.parent, Matrix.of(res.adapters, res.domains))
    siblings = [(o.name, o.matrix) for o in s.guests
                if passthrough and o.name != name and o.parent == edited.parent and o.backend == Backend.PASSTHROUGH]
    verdict = assign_verdict(mask, added, limit, why, edited.matrix, s.guest(name).matrix, reserved, siblings)
    if verdict is None:
        return None
    op = "PR/SM" if lpar else SYSFS[mask]
    errno = "PR/SM refuses to activate both LPARs" if lpar and verdict.errno == Errno.EADDRINUSE else verdict.errno
    return f"{op} 0x{verdict.id:02x}: {errno}: {verdict.message}" + (
        f"; {name} would never see it" if verdict.errno == Errno.ENODEV else "")


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


# -- the machine, the policy, the costs ---------------------------------------------------
MAX_CYCLES = 10**12  # as the scenario loader allows
MAX_MHZ = 10**6
US_COSTS = ("accel_us", "cca_us", "ep11_us", "reset_us")
COST_FIELDS = tuple(f.name for f in attrs.fields(Costs))


def format_adapter(a: Adapter) -> str:
    """One adapter as the host form's line: `0x05 CEX8 cca 8 online`."""
    return f"0x{a.id:02x} {a.type} {a.mode} {a.depth} {a.state}"


def parse_adapter_id(text: str) -> int:
    """An adapter id as the scenario file writes it: 0x1f (hex) or 31 (decimal), 0..255."""
    t = text.strip().lower()
    try:
        value = int(t[2:], 16) if t.startswith("0x") else int(t, 10)
    except ValueError:
        raise Refused(f"id '{text}' is not a number: write 0x1f (hex) or 31 (decimal)") from None
    if not 0 <= value <= 255:
        raise Refused(f"id '{text}' must lie within 0..255 (0x00..0xff)")
    return value


def parse_adapter(line: str) -> Adapter:
    """`id [type [mode [depth [state]]]]`, the later fields defaulting as in a scenario file."""
    parts = line.split()
    if not parts:
        raise Refused("empty")
    if len(parts) > 5:
        raise Refused("expected at most: id type mode depth state")
    d = Adapter(0)
    aid = parse_adapter_id(parts[0])
    kind = parts[1].upper() if len(parts) > 1 else d.type
    mode = parts[2].lower() if len(parts) > 2 else d.mode
    state = parts[4].lower() if len(parts) > 4 else d.state
    if kind not in ADAPTER_TYPES:
        raise Refused(f"type '{parts[1]}' is not one of {', '.join(ADAPTER_TYPES)}")
    if mode not in MODES:
        raise Refused(f"mode '{parts[2]}' is not one of {', '.join(MODES)}")
    depth = d.depth
    if len(parts) > 3:
        try:
            depth = int(parts[3], 10)
        except ValueError:
            raise Refused(f"depth '{parts[3]}' is not a whole number 1..16") from None
        if not 1 <= depth <= 16:
            raise Refused(f"depth {depth} must lie within 1..16")
    if state not in STATES:
        raise Refused(f"state '{parts[4]}' is not one of {', '.join(STATES)}")
    return Adapter(aid, kind, mode, depth, state)


def parse_adapters(lines: list[str]) -> tuple[Adapter, ...]:
    """Every non-blank line an adapter; the first bad line is refused, named by its number and text."""
    adapters: dict[int, Adapter] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            a = parse_adapter(line)
        except Refused as e:
            raise Refused(f"adapter line {n} ({line.strip()}): {e}") from None
        if a.id in adapters:
            raise Refused(f"adapter line {n} ({line.strip()}): adapter 0x{a.id:02x} is listed twice")
        adapters[a.id] = a
    return tuple(adapters[k] for k in sorted(adapters))


def set_host(s: Scenario, apxa: bool, domains: str | int, adapter_lines: list[str]) -> Scenario:
    """The machine: APXA, the number of domains (1..256) and the adapters, checked like the loader checks them."""
    try:
        n = int(str(domains).strip(), 10)
    except ValueError:
        raise Refused(f"domains: '{domains}' is not a whole number 1..256") from None
    if not 1 <= n <= 256:
        raise Refused(f"domains: {n} must lie within 1..256")
    return attrs.evolve(s, host=Host(apxa, parse_adapters(adapter_lines), n))


def set_policy(s: Scenario, nested_emulation: bool) -> Scenario:
    return attrs.evolve(s, policy=attrs.evolve(s.policy, nested_emulation=nested_emulation))


def set_costs(s: Scenario, values: dict[str, str]) -> Scenario:
    """Cycle counts are whole numbers >= 0, clock_mhz >= 1, the *_us times numbers >= 0; the field is named when not."""
    out = {}
    for k, raw in values.items():
        if k not in COST_FIELDS:
            raise Refused(f"{k}: not a cost")
        text = str(raw).strip()
        if k in US_COSTS:
            try:
                v = float(text)
            except ValueError:
                raise Refused(f"{k}: '{raw}' is not a number of microseconds") from None
            if not (v >= 0 and v != float("inf")):
                raise Refused(f"{k}: {text} must be a number >= 0")
            out[k] = int(v) if v.is_integer() else v
        else:
            low, high = (1, MAX_MHZ) if k == "clock_mhz" else (0, MAX_CYCLES)
            try:
                v = int(text, 10)
            except ValueError:
                raise Refused(f"{k}: '{raw}' is not a whole number") from None
            if not low <= v <= high:
                raise Refused(f"{k}: {v} must lie within {low}..{high}")
            out[k] = v
    return attrs.evolve(s, costs=attrs.evolve(s.costs, **out))
