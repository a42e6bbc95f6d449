"""The Kubernetes CEX device plugin (ibm-s390-cloud/k8s-cex-dev-plugin 1.2.4, src/cex-device-plugin;
ref 3.3): its crypto config sets (``cex_resources.json``), the rules `CryptoConfig.Verify` applies
before it serves any set, and which APQNs of a node give it devices (`apScanAPQNs`, `filterAPQNs`).

A set is a pool of equivalent APQNs; a container asks for one device of one set, and the plugin
on each node announces the set's APQNs that node's zcrypt drivers have (`online` 1: healthy).
"""

from __future__ import annotations

import re

import attrs

from aptui.model import mask as m
from aptui.model.diagnostics import Diagnostic
from aptui.model.routing import ap_bus_configuration
from aptui.model.topology import Topology
from aptui.model.value import Value
from aptui.model.vfio_ap import ap_owned_by_def_drv

CEXMODES = ("ep11", "cca", "accel")  # Verify's cexmode switch
MINCEXGEN = re.compile(r"cex[456789]")  # Verify: regexp "^cex[456789]$"
APQN_ID_MAX = 255


@attrs.frozen(repr=False)
class APQNDef(Value):
    adapter: int
    domain: int
    machineid: str = ""  # <Manufacturer>-<Type>-<Sequence Code> of /proc/sysinfo; "": any machine


@attrs.frozen(repr=False)
class CryptoConfigSet(Value):
    setname: str
    project: str
    cexmode: str = ""
    mincexgen: str = ""
    overcommit: int | None = None  # None: not given
    livesysfs: int | None = None
    apqns: tuple[APQNDef, ...] = ()


@attrs.frozen(repr=False)
class CryptoConfig(Value):
    sets: tuple[CryptoConfigSet, ...] = ()


# -- CryptoConfig.Verify -------------------------------------------------------------------------
_QNAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QNAME_RULE = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
               "alphanumeric character")


def is_qualified_name(value: str) -> list[str]:
    """k8s.io/apimachinery validation.IsQualifiedName, which Verify asks of a setname: an optional
    DNS subdomain prefix and '/', then at most 63 characters of the name part; its error texts."""
    errs = []
    parts = value.split("/")
    if len(parts) > 2:
        return [f"a qualified name {_QNAME_RULE} with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errs.append("prefix part must be no more than 253 characters")
            if not _DNS1123_SUBDOMAIN.fullmatch(prefix):
                errs.append("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                            "characters, '-' or '.', and must start and end with an alphanumeric character")
    name = parts[-1]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not _QNAME.fullmatch(name):
        errs.append(f"name part {_QNAME_RULE}")
    return errs


def checkapqns(a1: APQNDef, a2: APQNDef) -> bool:
    """Verify's `checkapqns`: two entries are distinct unless adapter and domain are equal and
    their machineids are equal or either is empty (an empty one means every machine)."""
    if (a1.adapter, a1.domain) == (a2.adapter, a2.domain):
        return bool(a1.machineid and a2.machineid and a1.machineid != a2.machineid)
    return True


def crypto_config_verify(cc: CryptoConfig) -> list[str]:
    """Every rule `CryptoConfig.Verify` breaks, each in the words the plugin logs (it stops at the
    first and then serves no set at all: "CryptoConfig: Failed to verify new configuration!").
    overcommit and livesysfs: 1.2.4 keeps them in unexported fields, which encoding/json never
    fills, so it checks them only as its documentation describes them (values >= 0)."""
    out: list[str] = []
    seen_names: set[str] = set()
    for i, s in enumerate(cc.sets):
        errs = is_qualified_name(s.setname)
        if errs:
            out.append(f"Set name '{s.setname}' not a valid qualified name: {'; '.join(errs)}")
        if s.setname not in seen_names and any(j != i and o.setname == s.setname for j, o in enumerate(cc.sets)):
            out.append(f"More than one set '{s.setname}' - setname needs to be unique")
        seen_names.add(s.setname)
        where = f"CryptoConfigSet '{s.setname}' verify:"
        if not s.project:
            out.append(f"{where} Projectname is empty")
        if s.cexmode and s.cexmode not in CEXMODES:
            out.append(f"{where} Unknown/unsupported cexmode '{s.cexmode}'")
        if s.mincexgen and not MINCEXGEN.fullmatch(s.mincexgen):
            out.append(f"{where} Unknown/unsupported mincexgen '{s.mincexgen}'")
        for field in ("overcommit", "livesysfs"):
            value = getattr(s, field)
            if value is not None and value < 0:
                out.append(f"{where} Unknown/unsupported {field} value '{value}'")
        for k, a in enumerate(s.apqns):
            if not 0 <= a.adapter <= APQN_ID_MAX:
                out.append(f"{where} APQN({a.adapter},{a.domain}) - invalid adapter {a.adapter} [0...255]")
            if not 0 <= a.domain <= APQN_ID_MAX:
                out.append(f"{where} APQN({a.adapter},{a.domain}) - invalid domain {a.domain} [0...255]")
            for a2 in s.apqns[k + 1:]:
                if not checkapqns(a, a2):
                    out.append(f"{where} APQN({a.adapter},{a.domain}) and APQN({a2.adapter},{a2.domain}) are "
                               "effectively the same")
            for other in cc.sets[i + 1:]:
                if any(not checkapqns(a, a2) for a2 in other.apqns):
                    out.append(f"{where} APQN({a.adapter},{a.domain}) appears also in set '{other.setname}'")
    return out


# -- the node ------------------------------------------------------------------------------------
@attrs.frozen(repr=False)
class NodeAPQN(Value):
    """An APQN as `apScanAPQNs` reads it from the node's sysfs."""

    adapter: int
    domain: int
    gen: str  # "cex8", from the card's type CEX8C
    mode: str  # "cca", "ep11" or "accel"
    online: bool


@attrs.frozen(repr=False)
class NodeScan(Value):
    """What the plugin's scan of the node finds: the queues of the zcrypt drivers, and the queue
    directories bound to vfio_ap (APQN -> the mdev's guest, or "" for none)."""

    apqns: tuple[NodeAPQN, ...]
    vfio_ap: dict[tuple[int, int], str]


def ap_scan_apqns(topo: Topology, node: str) -> NodeScan:
    """`apScanAPQNs`: every queue directory of the node's AP bus (the queues it finds, spec 6),
    with the card's generation and mode and the queue's `online`. `online` is zcrypt's attribute
    (zcrypt_queue.c), which a queue given to vfio_ap does not have (ap_owned_by_def_drv)."""
    view = topo.view(node)
    found, _ = ap_bus_configuration(topo, node)
    kids = topo.mdev_children(node)
    apqns, vfio = [], {}
    for a, d in found.apqns():
        if not ap_owned_by_def_drv(view.guest.reserved, bool(kids), a, d):
            vfio[(a, d)] = next((k.name for k in kids if k.guest.matrix.has_apqn(a, d)), "")
            continue
        card = topo.host.adapter_or_default(a)
        apqns.append(NodeAPQN(a, d, card.type.lower(), card.mode, card.state == "online"))
    return NodeScan(tuple(apqns), vfio)


def filter_apqns(cset: CryptoConfigSet, apqns: tuple[NodeAPQN, ...]) -> list[NodeAPQN]:
    """`filterAPQNs`: the node's APQNs the set lists (a non-empty machineid is taken to be this
    machine's: aptui has no /proc/sysinfo), less those of a generation below `mincexgen` (the
    plugin compares the strings). cexmode is not screened here: the plugin announces an APQN
    of another mode all the same."""
    out = []
    for a in apqns:
        for c in cset.apqns:
            if (a.adapter, a.domain) != (c.adapter, c.domain):
                continue
            if cset.mincexgen and a.gen < cset.mincexgen:
                continue
            out.append(a)
    return out


def crypto_config_sets(topo: Topology, node: str, project: str) -> CryptoConfig:
    """A set per kind of card (generation and mode) of the APQNs the node's zcrypt drivers own:
    equivalent APQNs, as a set must hold, named after the node and the card type."""
    groups: dict[tuple[str, str], list[NodeAPQN]] = {}
    for a in ap_scan_apqns(topo, node).apqns:
        groups.setdefault((a.gen, a.mode), []).append(a)
    return CryptoConfig(tuple(
        CryptoConfigSet(_setname(node, topo.host.adapter_or_default(apqns[0].adapter).type_string), project, mode,
                        apqns=tuple(APQNDef(a.adapter, a.domain) for a in apqns))
        for (gen, mode), apqns in sorted(groups.items())))


def _setname(node: str, card_type: str) -> str:
    """A qualified name from the node's name: what the name part allows, at most 63 characters."""
    word = re.sub(r"[^a-z0-9_.-]+", "-", node.lower()).strip("-_.")[:50].rstrip("-_.") or "node"
    return f"{word}-{card_type.lower()}"


def check_crypto_config(topo: Topology, node: str, cc: CryptoConfig) -> list[Diagnostic]:
    """The plugin's verdict on ``cc`` on the node: Verify's rules, then what the node's scan gives."""
    out = [Diagnostic("cex-plugin-verify", node,
                      f"{why}: the plugin refuses the whole file (\"CryptoConfig: Failed to verify new "
                      "configuration!\") and serves no set")
           for why in crypto_config_verify(cc)]
    scan = ap_scan_apqns(topo, node)
    if scan.vfio_ap:
        listed = {(a.adapter, a.domain) for s in cc.sets for a in s.apqns}
        mine = sorted(q for q in scan.vfio_ap if q in listed)
        held = sorted({scan.vfio_ap[q] for q in mine if scan.vfio_ap[q]})
        if mine:
            what = (f"{len(mine)} APQN(s) of the sets are bound to vfio_ap on {node} "
                    f"({'assigned to the mdev of ' + ', '.join(held) if held else 'not host-owned'}), not to its "
                    "zcrypt drivers, so they give the plugin no device; and")
        else:
            what = f"{len(scan.vfio_ap)} queue(s) of {node} are bound to vfio_ap, and"
        first = min(scan.vfio_ap)
        out.append(Diagnostic("cex-plugin-vfio-ap", node,
            f"{what} a queue bound to vfio_ap has no `online` attribute (zcrypt's), so apScanAPQNs fails (\"Ap: "
            f"Error reading 'online' file from queuedir 'card{first[0]:02x}'\") and the plugin announces no device "
            f"of any set on {node}. Keep the plugin off nodes that run KVM guests with passthrough, or give the "
            f"queues to {node}'s zcrypt drivers (apmask/aqmask).",
            tuple(m.format_apqn(*q) for q in (mine or sorted(scan.vfio_ap)))))
    for s in cc.sets:
        devices = filter_apqns(s, scan.apqns)
        if not devices and s.apqns and not any((a.adapter, a.domain) in scan.vfio_ap for a in s.apqns):
            out.append(Diagnostic("cex-plugin-no-device", node,
                f"set '{s.setname}' gives {node} no device: none of its {len(s.apqns)} APQN(s) is a queue of "
                f"{node}'s zcrypt drivers{' of ' + s.mincexgen + ' or newer' if s.mincexgen else ''} (fine if "
                "another node of the cluster has them)"))
        other = sorted({(a.adapter, a.domain, a.mode) for a in devices if s.cexmode and a.mode != s.cexmode})
        if other:
            out.append(Diagnostic("cex-plugin-mode-mismatch", node,
                f"set '{s.setname}' asks for cexmode {s.cexmode}, but {len(other)} of its APQN(s) on {node} are "
                f"{', '.join(sorted({mode for _, _, mode in other}))}: filterAPQNs does not screen the mode, so a "
                "container that asks for this set may get one of them",
                tuple(m.format_apqn(a, d) for a, d, _ in other)))
    return out
