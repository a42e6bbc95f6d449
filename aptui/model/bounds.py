"""The scenario's own invariants and bounds (spec 8): the one home of each.

The scenario loader and the console's edits both call these, so that whatever the console lets
an operator make is a file aptui loads, refused in the same words. A check raises Violation with
the message alone: the loader adds FILE:LINE and the key, the console the name of the field.
Checks that pass return the value they checked, so that a caller can check as it reads.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import attrs

from aptui.model.facilities import AP_BUS_MAX_IDS_WITHOUT_QCI
from aptui.model.mask import MAX_ID
from aptui.model.scenario import HOST, LEGACY_TYPES, MODES, OPS_WITHOUT_APQN, UUID, Costs, Guest, Request
from aptui.model.vocabulary import Feature, Op


class Violation(ValueError):
    """A value a scenario cannot hold; the message says why, not where."""


# A scenario's requests may make MAX_REPEAT instructions in all, a SCAN's TAPQs among them: the
# bound of a run's time and output. A run streams its results; a SCAN's entry is held whole while
# it runs, so `aptui run --json` peaks at about 20 MiB (10^7 TAPQs) to 400 MB (a SCAN of 65,536
# APQNs), measured with /usr/bin/time -v on Python 3.11.
MAX_REPEAT = 10**7
# How many APQNs an AP bus without QCI probes (spec 6; facilities.ap_bus_probe_apqns).
PROBED_WITHOUT_QCI = (AP_BUS_MAX_IDS_WITHOUT_QCI[0] + 1) * (AP_BUS_MAX_IDS_WITHOUT_QCI[1] + 1)
# Simulated microseconds (about 11.6 days). The clock is a float of µs: up to here a step of a
# nanosecond still counts.
MAX_US = 1e12
# Cycles of one transition: far above any real one (a SIE exit costs thousands), and a bound, so
# that a run's clock stays finite.
MAX_CYCLES = 10**12
# A 1 THz clock, far above any machine; cycles / clock_mhz is the time, so the clock is at least 1.
MAX_MHZ = 10**6
# TAPQ's qd is 4 bits: a queue has 1..16 request slots (ref 6.2).
MAX_DEPTH = 16
# Domain ids are 8 bits: a machine has 1..256 domains.
MAX_DOMAINS = MAX_ID + 1
# The CRYCB formats (ref 3): 0 and 1 without APXA, 2 with it.
MAX_CRYCB_FORMAT = 2
# The fields of [costs] (spec 4.5); the ones named *_us are adapter times in µs and may be fractions,
# the others whole numbers (cycles, and clock_mhz).
COST_KEYS = tuple(f.name for f in attrs.fields(Costs))
US_COSTS = tuple(k for k in COST_KEYS if k.endswith("_us"))


def check_within(value: int | float, low: int | float, high: int | float) -> int | float:
    """`value` within low..high (so finite: NaN and infinities are outside any range)."""
    if not low <= value <= high:
        raise Violation(f"{_shown(value)} is outside {_bound(low)}..{_bound(high)}")
    return value


def check_id(n: int) -> int:
    """An adapter or domain id: 8 bits in the APQN (ref 1.3)."""
    return check_within(n, 0, MAX_ID)


def check_ids(ids) -> frozenset[int]:
    """Every id of a set (the matrix and the reserved queues hold ids 0..255 only)."""
    for n in sorted(ids):
        check_id(n)
    return frozenset(ids)


def check_repeat(n: int) -> int:
    """How often a request is issued: once at least, at most MAX_REPEAT times."""
    return check_within(n, 1, MAX_REPEAT)


def instructions(request: Request, guest: Guest) -> int:
    """The instructions a request makes at most: one per repetition; a SCAN, 1 and a TAPQ for every
    APQN its bus may probe: those of the guest's QCI answer, which lies within its matrix, or,
    without apqci, PROBED_WITHOUT_QCI."""
    if request.op != Op.SCAN:
        return request.repeat
    probes = guest.matrix.apqn_count if Feature.APQCI in guest.features else PROBED_WITHOUT_QCI
    return request.repeat * (1 + probes)


def check_run_length(total: int) -> int:
    """The instructions of the requests so far (`instructions`): within MAX_REPEAT, refused before
    a run rather than found out during one."""
    if total > MAX_REPEAT:
        raise Violation(f"the requests make {total:,} instructions up to here (a SCAN 1 and a TAPQ per APQN it may "
                        f"probe), above the {MAX_REPEAT:,} a run may make")
    return total


def check_wait_us(x: int | float) -> int | float:
    """The idle time before a request, in simulated µs: no time travel, and within MAX_US."""
    return check_within(x, 0, MAX_US)


def check_depth(n: int) -> int:
    """An adapter's queue depth: 1..MAX_DEPTH request slots."""
    return check_within(n, 1, MAX_DEPTH)


def check_domains(n: int) -> int:
    """The number of domains of the machine: ids 0..n-1 exist."""
    return check_within(n, 1, MAX_DOMAINS)


def check_crycb_format(n: int) -> int:
    """A guest's CRYCB format, when the file sets one."""
    return check_within(n, 0, MAX_CRYCB_FORMAT)


def check_cost(key: str, value: int | float) -> int | float:
    """One field of [costs]: times and cycles from 0 (free), the clock from 1 MHz (it divides)."""
    if key == "clock_mhz":
        return check_within(value, 1, MAX_MHZ)
    return check_within(value, 0, MAX_US if key in US_COSTS else MAX_CYCLES)


def check_one_of(value: str, choices: Collection[str]) -> str:
    """A word of the scenario's vocabulary (adapter types, modes, states, backends, features, ops)."""
    if value not in choices:
        near = closest(value, choices)
        hint = f" (did you mean '{near}'?)" if near else ""
        raise Violation(f"unknown value '{value}'{hint}; use one of {', '.join(choices)}")
    return value


def modes_of(adapter_type: str) -> tuple[str, ...]:
    """The modes a card of `adapter_type` runs in: EP11 exists from CEX4P on (ref 6.6), so the
    legacy CEX2 and CEX3 are coprocessors (cca) or accelerators only."""
    return tuple(m for m in MODES if m != "ep11") if adapter_type in LEGACY_TYPES else MODES


def check_adapter(adapter_type: str, mode: str) -> None:
    """An adapter's mode must be one its type has (spec v2 row 16)."""
    modes = modes_of(adapter_type)
    if mode not in modes:
        raise Violation(f"a {adapter_type} has no {mode} mode (EP11 exists from CEX4P on); use {' or '.join(modes)}")


def check_unique_adapter(adapter_id: int, ids: Collection[int]) -> int:
    """An adapter id names one adapter of the machine."""
    if adapter_id in ids:
        raise Violation(f"id 0x{adapter_id:02x} is listed twice")
    return adapter_id


def check_guest_name(name: str) -> str:
    """A guest needs a name to be found by, and `host` is the machine's."""
    if not name.strip() or name == HOST:
        raise Violation(f"{name!r} is not a usable name ('host' is the machine)")
    return name


def check_unique_name(name: str, names: Collection[str]) -> str:
    """Requests and parents name guests, so a name names one guest."""
    if name in names:
        raise Violation(f'a guest named "{name}" exists already')
    return name


def check_known_guest(name: str, names: Collection[str]) -> str:
    """A request is issued by a guest of the scenario."""
    if name not in names:
        raise Violation(_not_a_guest(name, names))
    return name


def check_parent(parent: str, names: Collection[str]) -> str:
    """A guest runs under the machine or under a guest of the scenario."""
    if parent != HOST and parent not in names:
        raise Violation(_not_a_guest(parent, [*names, HOST]))
    return parent


def check_no_cycle(name: str, parents: Mapping[str, str]) -> None:
    """Following the parents from `name` must end at the machine, not come back to `name`.

    `parents` maps each guest to its parent. A loop that does not pass through `name` is left to
    its own guests, so that checking every guest reports each loop at a guest on it.
    """
    path, seen = [name], {name}
    p = parents[name]
    while p in parents:  # the machine (and an unknown parent) ends the walk
        path.append(p)
        if p == name:
            raise Violation(f'"{parents[name]}" makes a cycle ({" -> ".join(path)})')
        if p in seen:
            return
        seen.add(p)
        p = parents[p]


def check_l1_backend(parent: str, backend: str) -> str:
    """An L1 is an LPAR: the firmware gives it its adapters directly, always passthrough."""
    if parent == HOST and backend != "passthrough":
        raise Violation(f'an L1 (parent "host") is an LPAR: the firmware always gives it passthrough, not "{backend}"')
    return backend


def check_l1_apie(parent: str, apie: bool | None) -> bool | None:
    """An L1's instructions are interpreted by the firmware: APIE cannot be off."""
    if parent == HOST and apie is False:
        raise Violation("an L1 always has APIE on (the firmware interprets for LPARs)")
    return apie


def check_has_mdev(parent: str, backend: str, key: str) -> None:
    """`start` and `active` are an mdev's: only a passthrough guest below an L1 has one (an LPAR's
    crypto comes from its activation profile, an emulated or none guest has no vfio-ap device)."""
    if parent == HOST:
        raise Violation(f"{key}: an L1 is an LPAR, it has no mdev (mdevctl start and sysfs are a KVM host's)")
    if backend != "passthrough":
        raise Violation(f'{key}: backend "{backend}" has no vfio_ap mdev; only passthrough guests have one')


def check_running(guest: str, active: bool, what: str) -> str:
    """A guest whose mdev is not active (not created in sysfs) is not running: QEMU cannot start it
    without its vfio-ap device, so it issues no request and runs no guest of its own."""
    if not active:
        raise Violation(f'"{guest}" is not running (active = false: its mdev is not created), so it has no {what}; '
                        "set active = true or drop it")
    return guest


def check_request_apqn(op: str, has_apqn: bool) -> None:
    """QCI and SCAN address no queue; every other op addresses one."""
    if op in OPS_WITHOUT_APQN and has_apqn:
        raise Violation(f"{op} takes no APQN")
    if op not in OPS_WITHOUT_APQN and not has_apqn:
        raise Violation(f'{op} needs an APQN ("aa.dddd", e.g. "05.0004")')


def check_uuid(text: str) -> str:
    """An mdev's UUID as mdevctl and sysfs write it."""
    if not UUID.fullmatch(text):
        raise Violation(f"'{text}' is not 8-4-4-4-12 hex digits")
    return text


def closest(word: str, choices: Collection[str]) -> str | None:
    """The choice `word` was probably meant to be, for a "did you mean" hint."""
    import difflib  # only on the error path

    near = difflib.get_close_matches(word, list(choices), n=1)
    return near[0] if near else None


def _not_a_guest(name: str, names: Collection[str]) -> str:
    near = closest(name, names)
    return f'"{name}" is not a guest of this scenario' + (f" (did you mean '{near}'?)" if near else "")


def _shown(value: int | float) -> str:
    """A number as a message quotes it; a 400-digit integer is not worth quoting."""
    return "a huge number" if isinstance(value, int) and abs(value) > 10**15 else repr(value)


def _bound(x: int | float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)
