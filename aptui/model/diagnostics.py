"""Diagnostics of spec 7: what the kernel, PR/SM or the firmware would refuse or silently drop.

Codes are stable; messages say what would happen and how to fix it.
"""

from __future__ import annotations

from bisect import insort
from itertools import chain, islice

import attrs

from aptui.model import ap_check
from aptui.model import mask as m
from aptui.model.crycb import apcb_limits
from aptui.model.matrix import Matrix
from aptui.model.facilities import apqi_available
from aptui.model.scenario import HOST, Scenario
from aptui.model.topology import Topology
from aptui.model.value import Value
from aptui.model.vfio_ap import shared_queues, sharing
from aptui.model.vocabulary import Backend, Feature, Severity

SEVERITIES = tuple(Severity)
CODES = {  # code: severity, in the order diagnostics of one severity and guest are listed
    "id-out-of-range": Severity.ERROR,
    "no-ap-facility": Severity.ERROR,
    "apqi-unavailable": Severity.ERROR,
    "apqn-in-use": Severity.ERROR,
    "apqn-reserved-by-host": Severity.ERROR,
    "apqn-reserved-persistent": Severity.ERROR,
    "crycb-format-mismatch": Severity.ERROR,
    "no-usage-domain": Severity.ERROR,
    "cex-plugin-verify": Severity.ERROR,  # these four: `aptui check --k8s`, model/cex_plugin.py
    "cex-plugin-vfio-ap": Severity.ERROR,
    "change-refused": Severity.ERROR,
    "beyond-crycb-format": Severity.WARNING,
    "not-in-parent": Severity.WARNING,
    "adapter-filtered": Severity.WARNING,
    "interpretation-below-emulation": Severity.WARNING,
    "apie-without-crycb": Severity.WARNING,
    "no-apft": Severity.WARNING,
    "mdev-cannot-start": Severity.WARNING,
    "cex-plugin-no-device": Severity.WARNING,
    "cex-plugin-mode-mismatch": Severity.WARNING,
    "usage-not-control": Severity.INFO,
}
_CODE_ORDER = {c: i for i, c in enumerate(CODES)}


@attrs.frozen(repr=False)
class Diagnostic(Value):
    code: str
    guest: str
    message: str
    apqns: tuple[str, ...] = ()

    @property
    def severity(self) -> Severity:
        return CODES[self.code]

    def as_json(self) -> dict:
        return {"code": self.code, "severity": self.severity, "guest": self.guest, "apqns": list(self.apqns), "message": self.message}


MAX_APQNS = 1024  # APQNs listed in one diagnostic; its message gives the full count


def _apqns(adapters, domains) -> tuple[str, ...]:
    """The APQNs adapters x domains, APID then APQI order, at most MAX_APQNS of them."""
    out = []
    for a in sorted(adapters):
        for d in sorted(domains):
            if len(out) == MAX_APQNS:
                return tuple(out)
            out.append(m.format_apqn(a, d))
    return tuple(out)


def _named(adapters, usage, control, adapter_note: str = "", domain_note: str = "") -> list[str]:
    """'adapters 05-07', 'usage domains 0047', ... for the non-empty lists."""
    parts = []
    if adapters:
        parts.append(f"adapters {m.format_ids(adapters)}{adapter_note}")
    if usage:
        parts.append(f"usage domains {m.format_ids(usage, 4)}{domain_note}")
    if control:
        parts.append(f"control domains {m.format_ids(control, 4)}{domain_note}")
    return parts


def check(scenario: Scenario, topology: Topology | None = None) -> list[Diagnostic]:
    """All diagnostics, errors first, then in tree order (independent of the file's order)."""
    topo = topology or Topology(scenario)
    out: list[Diagnostic] = []
    out += _host_ids(topo)
    order = {HOST: -1}
    for i, name in enumerate(topo.walk()):
        order[name] = i
        out += _guest_diagnostics(topo, name)
    out += _sibling_conflicts(topo)
    out += _change_refusals(topo)
    out.sort(key=lambda d: (SEVERITIES.index(d.severity), order[d.guest], _CODE_ORDER[d.code], d.apqns))
    return out


def _change_refusals(topo: Topology) -> list[Diagnostic]:
    """change-refused: a [[change]] that ap-check refuses (mdevctl modify --live) or whose
    ap_config write the kernel refuses (`ap_config_store`); the run goes on with the guest's
    matrix as it was."""
    if not topo.scenario.changes:
        return []
    from aptui.model.hotplug import applied_changes  # only for scenarios with changes: start-up

    return [Diagnostic("change-refused", a.change.guest, _change_refusal(a))
            for a in applied_changes(topo.scenario, topo) if a.refused]


def _change_refusal(a) -> str:
    head = f"change {a.number} at {a.change.at_us:g} µs: "
    if a.callout:
        return (head + f"ap-check refuses mdevctl modify --live (\"{a.callout}\"): control domains without a usage "
                "domain give the guest no queue. The kernel itself would take it (ap_config_store has no such rule): "
                f"a raw ap_config write passes. {a.change.guest} keeps its matrix.")
    return (head + f"writing ap_config fails with {a.verdict.errno}: {a.verdict.message}. ap_config is all or "
            f"nothing: {a.change.guest} keeps its matrix.")


def _host_ids(topo: Topology) -> list[Diagnostic]:
    host = topo.host
    out = []
    high = [a.id for a in host.adapters if a.id > host.max_adapter]
    if high:
        out.append(Diagnostic("id-out-of-range", HOST,
            f"adapters {m.format_ids(high)} are above {host.max_adapter}, the highest APID a machine without APXA "
            "addresses: they do not exist for any LPAR. Set apxa = true or renumber them."))
    if host.domains - 1 > host.max_domain:
        out.append(Diagnostic("id-out-of-range", HOST,
            f"domains = {host.domains} but a machine without APXA addresses domains 0..{host.max_domain} only: "
            "the rest do not exist. Set apxa = true or domains <= 16."))
    return out


def _guest_diagnostics(topo: Topology, name: str) -> list[Diagnostic]:
    v = topo.view(name)
    g = v.guest
    out: list[Diagnostic] = []
    parent_name = "the machine" if g.parent == HOST else g.parent

    # id-out-of-range: beyond what the hypervisor's configuration addresses (ENODEV).
    max_a, max_d = v.id_limits
    high_a, high_u, high_c = _above(g, max_a, max_d)
    if high_a or high_u or high_c:
        parts = _named(high_a, high_u, high_c, f" (above {max_a})", f" (above {max_d})")
        out.append(Diagnostic("id-out-of-range", name,
            f"{' and '.join(parts)} cannot be addressed by {_limits_owner(topo, name)}: assign_adapter/assign_domain "
            f"fail with ENODEV (apm_max/aqm_max of vfio_ap_matrix_init) and the guest never sees them. "
            f"Use ids 0..{max_a} / 0..{max_d}.",
            _apqns(set(high_a), g.usage_domains) + _apqns(set(g.adapters) - set(high_a), high_u)))

    # beyond-crycb-format: addressable, but the guest's own CRYCB cannot hold it.
    fa, fd = apcb_limits(v.crycb_format)
    wide_a, wide_u, wide_c = (sorted(set(x) - set(y)) for x, y in zip(_above(g, fa, fd), (high_a, high_u, high_c)))
    if wide_a or wide_u or wide_c:
        parts = _named(wide_a, wide_u, wide_c, f" (above {fa})", f" (above {fd})")
        out.append(Diagnostic("beyond-crycb-format", name,
            f"{' and '.join(parts)} do not fit CRYCB format {v.crycb_format} (APIDs 0..{fa}, domains 0..{fd}): "
            "the assignment is accepted, but kvm_arch_crypto_set_masks writes only APCB0 and drops them silently. "
            "Use ids within the format, or CRYCB format 2 (a machine with APXA).",
            _apqns(set(wide_a), g.usage_domains) + _apqns(set(g.adapters) - set(wide_a), wide_u)))

    # no-ap-facility: a device for a guest that has no AP instructions.
    if not v.has_ap and g.backend != Backend.NONE:
        why = (f"it lacks the CPU feature ap" if Feature.AP not in g.features else
               f"its parent {g.parent} has no AP instructions itself, so its QEMU cannot offer ap and vfio_ap "
               "does not load there (vfio_ap_init: ENODEV)")
        out.append(Diagnostic("no-ap-facility", name,
            f"backend {g.backend} but the guest has no AP facility: {why}. QEMU cannot plug a vfio-ap device "
            "without an AP bridge, and every AP instruction ends in an operation exception. "
            "Give the guest (and every ancestor) the ap feature."))

    # apqi-unavailable: no AIV below L1, so no facility 65.
    if Feature.APQI in g.features and not apqi_available(v.level):
        out.append(Diagnostic("apqi-unavailable", name,
            f"apqi on an L{v.level}: its hypervisor's KVM has no AIV (QEMU's CHSC answer has none), so "
            "kvm_arch_init_vm never offers facility 65 and QEMU refuses the CPU model. Drop apqi: the guest's "
            "AP bus polls."))

    # crycb-format-mismatch: validity intercept 0x0022.
    if v.validity:
        hyp = topo.parent_format(g)
        where = "" if v.validity.chain else f" ({parent_name})"
        levels = "2" if v.level == 4 else f"2..{v.level - 2}"
        fix = (f"Make every ancestor of level {levels} format 2 (on a machine with APXA)." if v.validity.chain
               else f"Use crycb_format = {hyp} or lower (or drop the key to inherit it).")
        out.append(Diagnostic("crycb-format-mismatch", name,
            f"cannot start: {v.validity.message}{where}. SIE entry ends in validity intercept 0x0022 to the "
            f"parent (shadow_crycb) and the guest never runs. {fix}"))

    # no-usage-domain: ap-check's rule for an mdev; an LPAR has none (its profile may give control domains only).
    if g.parent != HOST and (refusal := ap_check.usage_domain_check(g.matrix)):
        out.append(Diagnostic("no-usage-domain", name,
            "control domains but no usage domain: ap-check refuses to start the mdev "
            f"(\"{refusal}\") and the guest gets no queue. "
            "Assign at least one usage domain."))

    if g.backend == Backend.PASSTHROUGH and g.parent != HOST:
        out += _host_masks(topo, name)

    # not-in-parent: dropped by 2.1 step 1.
    if g.backend in (Backend.PASSTHROUGH, Backend.EMULATED):
        pc = v.parent_config
        mine = g.matrix
        miss_a, miss_u, miss_c = m.ids_of(mine.apm & ~pc.apm), m.ids_of(mine.aqm & ~pc.aqm), m.ids_of(mine.adm & ~pc.adm)
        if miss_a or miss_u or miss_c:
            parts = _named(miss_a, miss_u, miss_c)
            out.append(Diagnostic("not-in-parent", name,
                f"{', '.join(parts)} are not in the configuration of {parent_name}: "
                "the guest will not get them (nothing is ever added on the way down). "
                f"Add them to {parent_name} first, or remove them here.",
                _apqns(miss_a, g.usage_domains) + _apqns(set(g.adapters) - set(miss_a), miss_u)))

    # adapter-filtered: dropped whole by 2.1 step 2.
    if v.dropped and g.backend == Backend.PASSTHROUGH:
        reasons = "; ".join(f"{d.adapter:02x}: {d.message}" for d in v.dropped)
        out.append(Diagnostic("adapter-filtered", name,
            f"adapters dropped whole from the guest matrix ({reasons}). vfio_ap filters the adapter, never a "
            "single APQN, so every domain of it is lost. Make every queue of the adapter available to vfio_ap.",
            _apqns([d.adapter for d in v.dropped], m.ids_of(v.assigned.aqm))))

    # interpretation-below-emulation: the 2018 rule (and what the hypothetical policy changes).
    parent = None if g.parent == HOST else topo.view(g.parent)
    if v.apie and parent is not None and not parent.apie_chain:
        from aptui.model.routing import ap_bus_configuration  # only for this rule's guests: start-up

        found, _ = ap_bus_configuration(topo, name)
        if found.apm and found.aqm:
            outcome = (f"under the hypothetical nested_emulation policy an ancestor's user space emulates its "
                       f"instructions instead: it finds {found.apqn_count} queue(s), at the cost of an exit to user "
                       "space each; upstream KVM would give it none")
        else:
            outcome = (f"every AP instruction is intercepted and ends in an operation exception from {g.parent}'s "
                       "user space. It will not see any device (\"no emulated AP devices with KVM\")")
        out.append(Diagnostic("interpretation-below-emulation", name,
            f"APIE is on but {g.parent} has no AP interpretation itself (its APIE chain is off): "
            f"the firmware cannot interpret for this guest; {outcome}. Give the ancestors passthrough with APIE."))

    # apie-without-crycb: only for emulated; an empty CRYCB with APIE is QEMU's normal state for `none`.
    if v.apie and g.backend == Backend.EMULATED:
        out.append(Diagnostic("apie-without-crycb", name,
            "APIE is on but an emulating parent puts no bits in the CRYCB: the firmware interprets every "
            "instruction against an empty matrix (response code 01) and the emulated devices never see one. "
            "Drop apie = true, or use backend passthrough."))

    # no-apft: no adapter types, so no zcrypt driver binds.
    if Feature.AP in g.features and Feature.APFT not in g.features:
        out.append(Diagnostic("no-apft", name,
            "the CPU model has ap but not apft: TAPQ cannot report the adapter types (no T bit), so the guest's "
            "AP bus finds the queues but no zcrypt driver binds them and they are unusable. Add apft."))

    # usage-not-control.
    loose = sorted(g.usage_domains - g.control_domains)
    if loose:
        out.append(Diagnostic("usage-not-control", name,
            f"usage domains {m.format_ids(loose, 4)} are not control domains: the guest can use them but cannot "
            "administer them (e.g. set master keys); HMC profiles usually make every usage domain a "
            "control domain too.",
            _apqns(g.adapters, loose)))
    return out


def _first(held: Matrix) -> tuple[int, int]:
    return next(held.apqns())


def _host_masks(topo: Topology, name: str) -> list[Diagnostic]:
    """An mdev against its hypervisor's masks (ref 5.2): the active ones for an active mdev
    (EADDRNOTAVAIL, EBUSY) and for a start, the persistent ones for an auto config (define)."""
    g = topo.guests[name]
    hyp = topo.guests[g.parent]
    out = []
    now = ap_check.check_sysfs_mask_conflicts(g, hyp.reserved)
    boot = ap_check.check_cfg_mask_conflicts(g, hyp.boot_reserved)
    if now.apqn_count and g.active:
        out.append(Diagnostic("apqn-reserved-by-host", name,
            f"{now.apqn_count} APQN(s) are reserved for {g.parent}'s own zcrypt drivers (apmask/aqmask): "
            "assign_adapter/assign_domain fail with EADDRNOTAVAIL, and ap-check refuses mdevctl start "
            f"(\"{ap_check.conflict_error(None, _first(now), False)}\"); set the other way round, the mask write "
            f"fails with EBUSY (chzdev: \"{ap_check.chzdev_conflict_error(g.mdev_uuid, _first(now), False)}\"). "
            + (f"The persistent masks keep them as well, so ap-check refuses mdevctl define of this auto config "
               f"(\"{ap_check.conflict_error(None, _first(boot), True)}\"). " if boot == now else "") +
            f"Give the queues to vfio_ap first (clear the bits in {g.parent}'s reserved adapters or domains) "
            "or assign other queues.",
            _apqns(now.adapters, now.usage_domains)))
    if boot.apqn_count and (boot != now or not g.active):
        out.append(Diagnostic("apqn-reserved-persistent", name,
            f"{boot.apqn_count} APQN(s) of this start = auto mdev are kept for {g.parent}'s zcrypt drivers by the "
            "persistent masks (41-ap.rules, or the active masks when it has none): ap-check refuses mdevctl define "
            f"(\"{ap_check.conflict_error(None, _first(boot), True)}\"), chzdev --persistent refuses such masks "
            f"(\"{ap_check.chzdev_conflict_error(g.mdev_uuid, _first(boot), True)}\"), and after a reboot the queues "
            f"are zcrypt's. Clear the bits in {g.parent}'s persistent_reserved, or make the mdev start = manual.",
            _apqns(boot.adapters, boot.usage_domains)))
    elif now.apqn_count and not g.active:
        out.append(Diagnostic("mdev-cannot-start", name,
            f"the mdev is not active, and mdevctl start would fail: {now.apqn_count} APQN(s) are reserved for "
            f"{g.parent}'s own zcrypt drivers by the active masks (\"{ap_check.conflict_error(None, _first(now), False)}\"). "
            f"Clear the bits in {g.parent}'s reserved adapters or domains before starting it.",
            _apqns(now.adapters, now.usage_domains)))
    return out


def _above(g, max_a: int, max_d: int) -> tuple[list[int], list[int], list[int]]:
    """The guest's adapter, usage and control ids above the limits."""
    return (sorted(a for a in g.adapters if a > max_a), sorted(d for d in g.usage_domains if d > max_d),
            sorted(d for d in g.control_domains if d > max_d))


def _limits_owner(topo: Topology, name: str) -> str:
    """Whose configuration sets a guest's id limits, in words."""
    g = topo.guests[name]
    if g.parent == HOST:
        return "this machine" + ("" if topo.host.apxa else " (no APXA)") + f" with {topo.host.domains} domains"
    return f"{g.parent}'s configuration (CRYCB format {topo.view(g.parent).crycb_format})"


def _domains_by_adapter(groups: dict[int, int]) -> dict[int, int]:
    """The union of rectangles (adapters x domains), as adapter -> domain mask."""
    out: dict[int, int] = {}
    for domains, adapters in groups.items():
        for a in m.ids_of(adapters):
            out[a] = out.get(a, 0) | domains
    return out


def _apqns_of(shared: dict[int, int]) -> tuple[str, ...]:
    """The APQNs of adapter -> domain mask, APID then APQI order, at most MAX_APQNS."""
    out: list[str] = []
    for a, domains in sorted(shared.items()):
        if len(out) >= MAX_APQNS:
            break
        out += [m.format_apqn(a, d) for d in m.ids_of(domains)[:MAX_APQNS - len(out)]]
    return tuple(out)


MAX_NAMED = 3  # siblings named in one apqn-in-use message; the rest are counted


def _sibling_conflicts(topo: Topology) -> list[Diagnostic]:
    """apqn-in-use: EADDRINUSE between sibling passthrough guests (PR/SM likewise for LPARs),
    and ap-check's rules for mdevs: two auto configs conflict at define, two active mdevs at
    start; an inactive mdev that shares queues with an active one cannot start (mdev-cannot-start).
    One diagnostic per guest and code, found on the masks (`vfio_ap_mdev_verify_no_sharing`);
    siblings with the same usage matrix and state are compared once, so a thousand clones cost
    one comparison, and the others through `sharing`'s index, not pair by pair."""
    out = []
    for parent, kids in topo.children.items():
        clones: dict[tuple, list[str]] = {}  # (usage matrix, active, start) -> the siblings that have it
        for k in kids:
            g = topo.guests[k]
            if g.backend == Backend.PASSTHROUGH:
                clones.setdefault((Matrix(g.matrix.apm, g.matrix.aqm), g.active, g.start), []).append(k)
        unique = list(clones.items())
        shared_with = sharing([mine for (mine, *_), _ in unique])
        for i, ((mine, *_), names) in enumerate(unique):
            me = topo.guests[names[0]]
            found: dict[str, tuple[dict[int, int], list[list[str]]]] = {}  # code -> (shared groups, partners)
            sharers = shared_with[i]
            if len(names) > 1 and mine.apqn_count:  # clones share every queue with each other
                insort(sharers, i)
            for j in sharers:
                (theirs, *_), their_names = unique[j]
                other = topo.guests[their_names[0]]
                if ap_check.check_other_mdevs_sysfs(me, other) or ap_check.check_other_mdevs_cfg(me, other):
                    code = "apqn-in-use"
                elif not me.active and other.active:
                    code = "mdev-cannot-start"
                else:
                    continue  # standby definitions: only one of them is ever started
                groups, partners = found.setdefault(code, ({}, []))
                partners.append(their_names)
                sh = shared_queues(mine, theirs)
                groups[sh.aqm] = groups.get(sh.aqm, 0) | sh.apm
            for code, (groups, partners) in found.items():
                out += _conflicts(topo, parent, code, names, groups, partners)
    return out


def _conflicts(topo: Topology, parent: str, code: str, names: list[str], groups: dict[int, int],
               partners: list[list[str]]) -> list[Diagnostic]:
    """The diagnostics of siblings `names` (one usage matrix and state) sharing queues with `partners`."""
    shared = _domains_by_adapter(groups)
    count = sum(d.bit_count() for d in shared.values())
    apqns = _apqns_of(shared)
    me = topo.guests[names[0]]
    # Each name's others are the partners' names but its own (its clones are among the partners).
    others = sum(len(group) for group in partners) - any(group is names for group in partners)
    head = list(islice(chain.from_iterable(partners), MAX_NAMED + 1))
    first_apqn: dict[str, tuple[int, int]] = {}  # first partner -> the first APQN shared with it
    out = []
    for name in names:
        first = [n for n in head if n != name][:MAX_NAMED]
        more = others - len(first)
        listing = ", ".join(first) + (f" and {more} more" if more else "")
        other = topo.guests[first[0]]
        if first[0] not in first_apqn:
            first_apqn[first[0]] = _first(shared_queues(me.matrix, other.matrix))
        apqn = first_apqn[first[0]]
        if parent == HOST:
            who = "PR/SM refuses to activate both LPARs"
        elif code == "mdev-cannot-start":
            who = (f"the mdev is not active, and mdevctl start would fail while {first[0]} is "
                   f"(ap-check: \"{ap_check.conflict_error(other.mdev_uuid, apqn, False)}\")")
        elif ap_check.check_other_mdevs_sysfs(me, other):
            who = ("the kernel refuses the second assignment with EADDRINUSE (ap-check at mdevctl start: "
                   f"\"{ap_check.conflict_error(other.mdev_uuid, apqn, False)}\")")
        else:
            who = ("both are start = auto, so ap-check refuses to define the second "
                   f"(\"{ap_check.conflict_error(other.mdev_uuid, apqn, True)}\") and only one could start at boot")
        fix = ("Stop the other mdev first, or give each guest its own queues." if code == "mdev-cannot-start" else
               "An APQN belongs to one guest at a time; give each guest its own adapters or domains"
               + ("" if parent == HOST else ", or keep one as a standby (start = manual, active = false)") + ".")
        out.append(Diagnostic(code, name,
            f"{count} APQN(s) are also in the usage matrix of sibling{'s' if others > 1 else ''} "
            f"{listing}: {who}. {fix}", apqns))
    return out
