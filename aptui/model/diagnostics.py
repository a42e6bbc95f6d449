"""Diagnostics of spec 7: what the kernel, PR/SM or the firmware would refuse or silently drop.

Codes are stable; messages say what would happen and how to fix it.
"""

from __future__ import annotations

import attrs

from aptui.model import mask as m
from aptui.model.scenario import HOST, Scenario
from aptui.model.topology import FORMAT_WIDTH, Topology

SEVERITIES = ("error", "warning", "info")
CODES = {
    "id-out-of-range": "error",
    "apqn-in-use": "error",
    "apqn-reserved-by-host": "error",
    "crycb-format-mismatch": "error",
    "no-usage-domain": "error",
    "not-in-parent": "warning",
    "adapter-filtered": "warning",
    "interpretation-below-emulation": "warning",
    "apie-without-crycb": "warning",
    "usage-not-control": "info",
}
_CODE_ORDER = {c: i for i, c in enumerate(CODES)}


@attrs.frozen
class Diagnostic:
    code: str
    guest: str
    message: str
    apqns: tuple[str, ...] = ()

    @property
    def severity(self) -> str:
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
    out.sort(key=lambda d: (SEVERITIES.index(d.severity), order[d.guest], _CODE_ORDER[d.code], d.apqns))
    return out


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

    # id-out-of-range: what the format (and the machine) can address.
    fa, fd = FORMAT_WIDTH[v.crycb_format]
    max_a, max_d = topo.max_ids(name)
    high_a = sorted(a for a in g.adapters if a > max_a)
    high_u = sorted(d for d in g.usage_domains if d > max_d)
    high_c = sorted(d for d in g.control_domains if d > max_d)
    if high_a or high_u or high_c:
        parts = _named(high_a, high_u, high_c, f" (above {max_a})", f" (above {max_d})")
        why = f"CRYCB format {v.crycb_format}" if (fa - 1, fd - 1) == (max_a, max_d) else "this machine (no APXA)"
        out.append(Diagnostic("id-out-of-range", name,
            f"{' and '.join(parts)} cannot be addressed with {why}: the kernel refuses the assignment (ENODEV) "
            f"and the guest never sees them. Use ids 0..{max_a} / 0..{max_d}"
            + (", or CRYCB format 2 on a machine with APXA." if v.crycb_format != 2 else "."),
            _apqns(set(high_a), g.usage_domains) + _apqns(set(g.adapters) - set(high_a), high_u)))

    # crycb-format-mismatch: validity intercept 0x0022.
    if not v.format_fits:
        hyp = topo.parent_format(g)
        out.append(Diagnostic("crycb-format-mismatch", name,
            f"CRYCB format {v.crycb_format} is wider than format {hyp} of its hypervisor ({parent_name}): "
            "SIE entry ends in validity intercept 0x0022 to the parent and the guest never runs. "
            f"Use crycb_format = {hyp} or lower (or drop the key to inherit it)."))

    # no-usage-domain (ap-check's rule).
    if g.control_domains and not g.usage_domains:
        out.append(Diagnostic("no-usage-domain", name,
            "control domains but no usage domain: ap-check refuses to start the mdev "
            "(\"At least one usage domain must be specified\") and the guest gets no queue. "
            "Assign at least one usage domain."))

    # apqn-reserved-by-host: EADDRNOTAVAIL.
    if g.backend == "passthrough" and g.parent != HOST:
        reserved = topo.guests[g.parent].reserved
        held_a, held_d = g.adapters & reserved.adapters, g.usage_domains & reserved.domains
        if held_a and held_d:
            out.append(Diagnostic("apqn-reserved-by-host", name,
                f"{len(held_a) * len(held_d)} APQN(s) are reserved for {g.parent}'s own zcrypt drivers (apmask/aqmask): "
                "assign_adapter/assign_domain fail with EADDRNOTAVAIL. Give the queues to vfio_ap first "
                f"(clear the bits in {g.parent}'s reserved adapters or domains) or assign other queues.",
                _apqns(held_a, held_d)))

    # not-in-parent: dropped by 2.1 step 1.
    if g.backend in ("passthrough", "emulated"):
        pc = v.parent_config
        miss_a = sorted(a for a in g.adapters if not m.has(pc.apm, a))
        miss_u = sorted(d for d in g.usage_domains if not m.has(pc.aqm, d))
        miss_c = sorted(d for d in g.control_domains if not m.has(pc.adm, d))
        if miss_a or miss_u or miss_c:
            parts = _named(miss_a, miss_u, miss_c)
            out.append(Diagnostic("not-in-parent", name,
                f"{', '.join(parts)} are not in the configuration of {parent_name}: "
                "the guest will not get them (nothing is ever added on the way down). "
                f"Add them to {parent_name} first, or remove them here.",
                _apqns(miss_a, g.usage_domains) + _apqns(set(g.adapters) - set(miss_a), miss_u)))

    # adapter-filtered: dropped whole by 2.1 step 2.
    if v.filtered_adapters and g.backend == "passthrough":
        reasons = "; ".join(f"{a:02x}: {why}" for a, why in v.filtered_adapters)
        out.append(Diagnostic("adapter-filtered", name,
            f"adapters dropped whole from the guest matrix ({reasons}). vfio_ap filters the adapter, never a "
            "single APQN, so every domain of it is lost. Make every queue of the adapter available to vfio_ap.",
            _apqns([a for a, _ in v.filtered_adapters], m.ids_of(v.assigned.aqm))))

    # interpretation-below-emulation: the 2018 rule.
    parent = None if g.parent == HOST else topo.view(g.parent)
    if v.apie and parent is not None and not parent.apie_chain:
        out.append(Diagnostic("interpretation-below-emulation", name,
            f"APIE is on but {g.parent} has no AP interpretation itself (its APIE chain is off): "
            "the firmware cannot interpret for this guest, every AP instruction is intercepted and ends in "
            f"an operation exception from {g.parent}'s user space. It will not see any device "
            "(\"no emulated AP devices with KVM\"). Give the ancestors passthrough with APIE."))

    # apie-without-crycb.
    if v.apie and g.backend != "passthrough":
        out.append(Diagnostic("apie-without-crycb", name,
            f"APIE is on but backend {g.backend} puts no bits in the CRYCB: the firmware interprets every "
            "instruction against an empty matrix (response code 01) and the guest will not see any device. "
            "Use backend passthrough, or drop apie = true."))

    # usage-not-control.
    loose = sorted(g.usage_domains - g.control_domains)
    if loose:
        out.append(Diagnostic("usage-not-control", name,
            f"usage domains {m.format_ids(loose, 4)} are not control domains: the guest can use them but cannot "
            "administer them (e.g. set master keys); HMC profiles usually make every usage domain a "
            "control domain too.",
            _apqns(g.adapters, loose)))
    return out


def _sibling_conflicts(topo: Topology) -> list[Diagnostic]:
    """apqn-in-use: EADDRINUSE between sibling passthrough guests (PR/SM likewise for LPARs)."""
    out = []
    for parent, kids in topo.children.items():
        pts = [topo.guests[k] for k in kids if topo.guests[k].backend == "passthrough"]
        for i, a in enumerate(pts):
            for b in pts[i + 1:]:
                shared = a.matrix & b.matrix
                if not shared.apqn_count:
                    continue
                apqns = _apqns(shared.adapters, shared.usage_domains)
                who = "PR/SM refuses to activate both LPARs" if parent == HOST else "the kernel refuses the second assignment with EADDRINUSE"
                for me, other in ((a, b), (b, a)):
                    out.append(Diagnostic("apqn-in-use", me.name,
                        f"{shared.apqn_count} APQN(s) are also in the usage matrix of sibling {other.name}: {who}. "
                        "An APQN belongs to one guest at a time; give each guest its own adapters or domains.",
                        apqns))
    return out
