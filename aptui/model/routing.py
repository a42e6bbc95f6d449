"""Where one AP instruction goes (spec 4): interpreted by firmware, or intercepted and carried
up through L1's vSIE to the kernels and user spaces of the levels above the guest.

A Route depends only on the configuration, the guest, the op and the APQN, never on queue
state, so the engine computes it once and replays it.
"""

from __future__ import annotations

import attrs

from aptui.model import mask as m
from aptui.model.crycb import apcb_truncate, exceeds_apcb0
from aptui.model.facilities import AP_BUS_MAX_IDS_WITHOUT_QCI, offers_facility_65
from aptui.model.matrix import EMPTY, Matrix
from aptui.model.scenario import Costs, Policy
from aptui.model.topology import GuestView, Topology
from aptui.model.value import Value
from aptui.model.vocabulary import Backend, Feature, HopKind, Op, Outcome, ProgramException, Where


@attrs.frozen(repr=False)
class Counter(Value):
    """A per-lane count of hops, and its names in `aptui run` and the Levels panel."""

    field: str  # LaneCounters' field, the key in `aptui run --json`
    kinds: frozenset[HopKind]  # the hops it counts
    label: str  # the `aptui run` table header
    short: str  # the Levels panel column
    meaning: str  # the help screen's and the Levels tooltip's


# The lane counters, in output order; every lane also sums its cycles, after them.
COUNTERS = (
    Counter("interpreted", frozenset({HopKind.INTERPRET}), "interpreted", "int",
            "instructions the firmware executed under SIE without an intercept (an APIE chain)"),
    Counter("intercepts", frozenset({HopKind.INTERCEPT, HopKind.REFLECT}), "intercepts", "icpt",  # a reflection is one
            "instructions that reached this kernel by a SIE or vSIE exit, reflections included"),
    Counter("reflections", frozenset({HopKind.REFLECT}), "reflections", "refl",
            "intercepts L1's vSIE handed up to this level's KVM (guests of L3 and deeper)"),
    Counter("userspace_exits", frozenset({HopKind.EXIT}), "user exits", "exit",
            "exits from KVM to this level's user space (QEMU), for an instruction KVM does not handle"),
    Counter("emulations", frozenset({HopKind.EMULATE}), "emulations", "emu",
            "instructions this user space answered by emulating AP (the hypothetical emulated backend)"),
    Counter("exceptions", frozenset({HopKind.EXCEPTION, HopKind.VALIDITY}), "exceptions", "exc",
            "program exceptions (operation, specification) and validity intercepts raised here"),
)
_COUNTED = {kind: tuple(i for i, c in enumerate(COUNTERS) if kind in c.kinds) for kind in HopKind}

Lane = tuple[int, Where]  # (level, firmware | kernel | userspace)
FIRMWARE: Lane = (0, Where.FIRMWARE)


@attrs.frozen(repr=False)
class Hop(Value):
    """One transition of an instruction: it reaches `lane` and costs `cycles` there."""

    level: int
    where: Where
    kind: HopKind
    cycles: int
    text: str

    @property
    def lane(self) -> Lane:
        return (self.level, self.where)


@attrs.frozen(repr=False)
class Route(Value):
    hops: tuple[Hop, ...]
    outcome: Outcome
    handled_by: Lane
    intercepts: tuple[Lane, ...]
    rc: int | None = None
    exception: ProgramException | None = None
    owner: str | None = None  # EMULATED: the guest whose emulated device answers
    matrix: Matrix | None = None  # QCI: the configuration returned; emulated: the emulated device's
    why: str = ""  # the rule that produced an exception or an empty answer, in words
    cycles: int = attrs.field(init=False)
    lane_counts: tuple[tuple[Lane, tuple[int, ...]], ...] = attrs.field(init=False)

    def __attrs_post_init__(self):
        object.__setattr__(self, "cycles", sum(h.cycles for h in self.hops))
        object.__setattr__(self, "lane_counts", lane_counts(self.hops))


def lane_counts(hops) -> tuple[tuple[Lane, tuple[int, ...]], ...]:
    """Per lane: each of COUNTERS, then the cycles spent there."""
    acc: dict[Lane, list[int]] = {}
    for h in hops:
        v = acc.setdefault(h.lane, [0] * (len(COUNTERS) + 1))
        for i in _COUNTED[h.kind]:
            v[i] += 1
        v[-1] += h.cycles
    return tuple((lane, tuple(v)) for lane, v in acc.items())


def instruction_text(op: str, apqn: tuple[int, int] | None) -> str:
    """'TAPQ 05.0004', or 'QCI' for an instruction that takes no APQN."""
    return op if apqn is None else f"{op} {m.format_apqn(*apqn)}"


def enters_lane(hops, i: int) -> bool:
    """Whether hop i is the first of its lane: the instruction has just arrived there."""
    return i == 0 or hops[i - 1].lane != hops[i].lane


def lane_name(lane: Lane) -> str:
    level, where = lane
    if where == Where.FIRMWARE:
        return "firmware"
    return f"L{level} {'user space' if where == Where.USERSPACE else where}"


def compute_route(topo: Topology, costs: Costs, policy: Policy, guest: str, op: str,
                  apqn: tuple[int, int] | None) -> Route:
    """Where the instruction goes and who answers (spec 4), each step named after the kernel or
    QEMU code that takes it."""
    v = topo.view(guest)
    if not v.startable:
        return _validity(topo, guest)
    if v.level == 1 and not v.has_ap:
        return _firmware_exception(costs, ProgramException.OPERATION,
                                   f"{guest} has no AP facility: operation exception (PGM 0x0001)")
    if v.apie_chain and op != Op.AQIC:
        return firmware_interprets(v, costs, op, apqn)
    if op == Op.AQIC and v.apie:
        return _l1_aqic(v, costs, apqn) if v.level == 1 else handle_pqap_aqic(topo, costs, v, apqn)
    return intercepted_to_qemu(topo, costs, policy, v, op, apqn)


def ap_bus_configuration(topo: Topology, guest: str) -> tuple[Matrix, str]:
    """What the guest's AP bus finds at boot and uses (spec 6), queue states aside, and the rule
    that empties it: the answer of its QCI, or, without `apqci`, what TAPQ finds probing up to
    3f.000f. Interpreted, emulated (also by an ancestor under `nested_emulation`), or nothing."""
    s = topo.scenario
    if Feature.APQCI in topo.view(guest).guest.features:
        route = compute_route(topo, s.costs, s.policy, guest, Op.QCI, None)
        found = route.matrix if route.outcome == Outcome.QCI else EMPTY
    else:
        route = compute_route(topo, s.costs, s.policy, guest, Op.TAPQ, (0, 0))
        max_a, max_d = AP_BUS_MAX_IDS_WITHOUT_QCI
        answering = route.matrix if route.matrix is not None else topo.view(guest).hw  # emulated, or the shadow
        found = EMPTY if route.exception else answering.limited(max_a + 1, max_d + 1)
    return found, route.why if not (found.apm and found.aqm) else ""


def _firmware_exception(costs: Costs, exception: ProgramException, text: str) -> Route:
    """A program exception the firmware raises itself: `exception` cycles alone (spec 4.5)."""
    hop = Hop(0, Where.FIRMWARE, HopKind.EXCEPTION, costs.exception, text)
    return Route((hop,), Outcome.EXCEPTION, FIRMWARE, (), exception=exception, why=text)


def _beyond_apcb0(v: GuestView, apqn: tuple[int, int] | None) -> bool:
    """A format-0/1 guest naming an APQN its APCB0 cannot hold (ref 1.4)."""
    return apqn is not None and v.crycb_format in (0, 1) and exceeds_apcb0(*apqn)


def firmware_interprets(v: GuestView, costs: Costs, op: str, apqn: tuple[int, int] | None) -> Route:
    """Spec 4.1: the firmware interprets against `hw`, the vSIE shadow CRYCB: the queue answers,
    or rc 0x01 for an APQN not in it. A guest run by the machine's own SIE with a format-0/1
    CRYCB (an L1 without APXA, an L2 of format 0/1) naming an APID > 63 or APQI > 15 gets a
    specification exception; deeper guests run on a format-2 shadow and do not. QCI needs
    facility 12 (`apqci`): without it, a specification exception."""
    name = v.name
    if v.level <= 2 and _beyond_apcb0(v, apqn):
        return _firmware_exception(costs, ProgramException.SPECIFICATION,
                                   f"{name} runs under the machine's SIE with a format-{v.crycb_format} CRYCB: "
                                   f"{m.format_apqn(*apqn)} is beyond APID 63 / APQI 15, specification exception")
    if op == Op.QCI and Feature.APQCI not in v.guest.features:
        return _firmware_exception(costs, ProgramException.SPECIFICATION,
                                   f"{name} lacks CPU feature apqci (facility 12): PQAP(QCI) is a specification "
                                   "exception, so its AP bus probes by TAPQ instead")
    what = instruction_text(op, apqn)
    hop = Hop(0, Where.FIRMWARE, HopKind.INTERPRET, costs.interpret,
              f"firmware interprets {what} against {name}'s effective CRYCB")
    if op == Op.QCI:
        return Route((hop,), Outcome.QCI, FIRMWARE, (), rc=0, matrix=v.hw, why=_empty_why(v))
    if v.hw.has_apqn(*apqn):
        return Route((hop,), Outcome.PHYSICAL, FIRMWARE, ())
    return Route((hop,), Outcome.FIXED, FIRMWARE, (), rc=0x01, why=_empty_why(v) or
                 f"{m.format_apqn(*apqn)} is not in {name}'s effective CRYCB")


def _empty_why(v: GuestView) -> str:
    """Why an interpreted guest's shadow CRYCB is empty, when it is."""
    if v.hw.apm and v.hw.aqm:
        return ""
    if v.guest.backend == Backend.NONE:
        return (f"{v.name} has no vfio-ap device (backend none), yet QEMU turns APIE on with the `ap` CPU feature: "
                "the firmware interprets against an empty CRYCB")
    if v.empty_shadow and v.crycb.apm and v.crycb.aqm:
        return (f"the vSIE shadow of an L{v.level} is format 2; {v.name} and its parent are format 0/1, "
                "so the first shadow fills APCB0 and the next ANDs APCB1, which nobody wrote")
    return f"{v.name}'s effective CRYCB is empty"


def _l1_aqic(v: GuestView, costs: Costs, apqn: tuple[int, int]) -> Route:
    """Spec 4.2: an LPAR's AQIC is interpreted by the firmware (with GISA)."""
    if not offers_facility_65(v.level, v.guest.features):
        return _firmware_exception(costs, ProgramException.SPECIFICATION,
                                   f"{v.name} lacks CPU feature apqi (facility 65): specification exception")
    return firmware_interprets(v, costs, Op.AQIC, apqn)  # its id check too: an L1 runs under the machine's SIE


def handle_pqap_aqic(topo: Topology, costs: Costs, v: GuestView, apqn: tuple[int, int]) -> Route:
    """Spec 4.2: a nested guest's AQIC always reaches its parent's KVM, whose `handle_pqap`
    checks, in this order, the ids, facility 65 and the CRYCB, then lets vfio_ap issue it."""
    hops = _kernel_path(topo, costs, v.name, instruction_text(Op.AQIC, apqn))
    p = v.level - 1
    if _beyond_apcb0(v, apqn):
        why = (f"{v.name} has a format-{v.crycb_format} CRYCB: {m.format_apqn(*apqn)} is beyond APID 63 / APQI 15; "
               f"L{p} KVM (handle_pqap) injects a specification exception")
    elif not offers_facility_65(v.level, v.guest.features):
        why = (f"L{p}'s KVM offers no facility 65 to its guests: no AIV below L1 (kvm_arch_init_vm); "
               f"handle_pqap injects a specification exception" if v.level >= 3 else
               f"{v.name} lacks CPU feature apqi (facility 65): L{p} KVM (handle_pqap) injects a specification exception")
    else:
        why = ""
    if why:
        hops.append(Hop(p, Where.KERNEL, HopKind.EXCEPTION, costs.exception, why))
        return _ended(hops, Outcome.EXCEPTION, exception=ProgramException.SPECIFICATION, why=why)
    if not v.crycb.has_apqn(*apqn):
        return _ended(hops, Outcome.FIXED, rc=0x01,
                      why=f"{m.format_apqn(*apqn)} is not in {v.name}'s CRYCB: vfio_ap answers 'queue not bound'")
    return _ended(hops, Outcome.IRQ)


def intercepted_to_qemu(topo: Topology, costs: Costs, policy: Policy, v: GuestView, op: str,
                 apqn: tuple[int, int] | None) -> Route:
    """Spec 4.3: no APIE on the chain. KVM handles no AP instruction but AQIC; the parent's
    QEMU emulates (hypothetically) or injects an operation exception."""
    g = v.guest
    hops = _kernel_path(topo, costs, g.name, instruction_text(op, apqn))
    p = v.level - 1
    chain = topo.chain(g.name)
    if policy.nested_emulation and v.has_ap:
        for j in range(1, p):
            if topo.view(chain[j]).emulated is not None:
                del hops[j:]  # the path stops at the emulating level
                matrix = _nested_emulation_matrix(topo, chain[j:])
                return _emulate(hops, costs, j, chain[j], g.name, op, apqn, matrix)
    hops.append(Hop(p, Where.USERSPACE, HopKind.EXIT, costs.userspace_exit,
                    f"KVM does not handle {op} without APIE: exit to L{p} user space (QEMU)"))
    if v.emulated is not None:
        return _emulate(hops, costs, p, g.name, g.name, op, apqn, v.emulated)
    if not v.has_ap:
        why = (f"{g.name} lacks CPU feature ap" if "ap" not in g.features else
               f"{g.parent} has no AP instructions, so it cannot offer ap to {g.name}")
    else:
        why = f"{g.parent} has no AP interpretation itself (its APIE chain is off): no emulated AP devices with KVM"
    text = f"L{p} QEMU emulates no AP instruction: operation exception (PGM 0x0001) for {g.name}"
    hops.append(Hop(p, Where.USERSPACE, HopKind.EXCEPTION, costs.exception, text))
    return _ended(hops, Outcome.EXCEPTION, exception=ProgramException.OPERATION, why=why)


def _kernel_path(topo: Topology, costs: Costs, guest: str, what: str) -> list[Hop]:
    """(1, kernel), then each further kernel up to the parent's, reflected by L1's vSIE (spec 4.4)."""
    k = topo.view(guest).level
    if k == 2:
        first = f"SIE exit: L1 KVM intercepts {what} from {guest}"
    else:
        first = f"vSIE exit: L1 KVM, running {guest}'s shadow SIE, takes the intercept of {what}"
    hops = [Hop(1, Where.KERNEL, HopKind.INTERCEPT, costs.sie_exit + costs.kernel_handler, first)]
    for j in range(2, k):
        hops.append(Hop(j, Where.KERNEL, HopKind.REFLECT, costs.vsie_reflect + costs.kernel_handler,
                        f"vSIE reflection: L1 hands the intercept to L{j} KVM"))
    return hops


def _nested_emulation_matrix(topo: Topology, chain_from_emulated: list[str]) -> Matrix:
    """G's matrix within every matrix on the chain down to the emulated guest (spec 4.3)."""
    emulated, *below = chain_from_emulated
    matrix = topo.view(emulated).emulated
    for name in below:
        v = topo.view(name)
        matrix = matrix & apcb_truncate(v.guest.matrix, v.crycb_format)
    return matrix


def _emulate(hops, costs, level, owner, guest, op, apqn, matrix: Matrix) -> Route:
    if hops[-1].where != Where.USERSPACE:
        hops.append(Hop(level, Where.USERSPACE, HopKind.EXIT, costs.userspace_exit,
                        f"exit to L{level} user space, which emulates AP for {owner} (hypothetical)"))
    hops.append(Hop(level, Where.USERSPACE, HopKind.EMULATE, costs.emulate,
                    f"L{level} user space emulates {op} for {guest} on {owner}'s emulated device"))
    if op == Op.QCI:
        return _ended(hops, Outcome.QCI, rc=0, matrix=matrix)
    if matrix.has_apqn(*apqn):
        return _ended(hops, Outcome.EMULATED, owner=owner, matrix=matrix)
    return _ended(hops, Outcome.FIXED, rc=0x01, matrix=matrix,
                  why=f"{m.format_apqn(*apqn)} is not among {owner}'s emulated queues")


def _ended(hops: list[Hop], outcome: Outcome, **kw) -> Route:
    intercepts: list[Lane] = []
    for h in hops:
        if not intercepts or intercepts[-1] != h.lane:
            intercepts.append(h.lane)
    return Route(tuple(hops), outcome, intercepts[-1], tuple(intercepts), **kw)


def _validity(topo: Topology, guest: str) -> Route:
    """The topmost guest of the chain that cannot start: validity 0x0022 to its parent's
    kernel (the firmware for an LPAR); its descendants cannot start either."""
    cv = topo.view(topo.view(guest).culprit)
    lane: Lane = (cv.level - 1, Where.KERNEL) if cv.level > 1 else FIRMWARE
    why = f"validity intercept 0x0022: {cv.name} cannot start, {cv.validity.message}"
    hop = Hop(lane[0], lane[1], HopKind.VALIDITY, 0, f"{why}; {guest} runs no instruction")
    return Route((hop,), Outcome.EXCEPTION, lane, (), exception=ProgramException.VALIDITY, why=why)
