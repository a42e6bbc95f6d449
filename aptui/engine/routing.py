"""Where one AP instruction goes (spec 4): interpreted by firmware, or intercepted and carried
up through L1's vSIE to the kernels and user spaces of the levels above the guest.

A Route depends only on the configuration, the guest, the op and the APQN, never on queue
state, so the engine computes it once and replays it.
"""

from __future__ import annotations

import attrs

from aptui.model import mask as m
from aptui.model.matrix import Matrix
from aptui.model.scenario import Costs, Policy
from aptui.model.topology import Topology, truncate_to_format

# Outcomes: who answers at the end of the path.
PHYSICAL = "physical"  # the physical queue answers (section 5)
EMULATED = "emulated"  # an emulated queue of `owner`'s emulated device answers
IRQ = "irq"  # the parent's KVM (vfio_ap) issues the AQIC on the physical queue and returns its answer
FIXED = "fixed"  # a fixed response code (0x01: not in the matrix)
EXCEPTION = "exception"  # a program exception or a validity intercept
QCI = "qci"  # the configuration `matrix` is returned

# Lane counters, in the order of LaneCounters' fields.
INTERPRETED, INTERCEPTS, REFLECTIONS, EXITS, EMULATIONS, EXCEPTIONS = range(6)
_HOP_COUNTER = {"interpret": INTERPRETED, "intercept": INTERCEPTS, "reflect": REFLECTIONS,
                "exit": EXITS, "emulate": EMULATIONS, "exception": EXCEPTIONS, "validity": EXCEPTIONS}

Lane = tuple[int, str]  # (level, "firmware" | "kernel" | "userspace")


@attrs.frozen
class Hop:
    """One transition of an instruction: it reaches `lane` and costs `cycles` there."""

    level: int
    where: str
    kind: str  # interpret | intercept | reflect | exit | emulate | exception | validity | answer
    cycles: int
    text: str

    @property
    def lane(self) -> Lane:
        return (self.level, self.where)


@attrs.frozen
class Route:
    hops: tuple[Hop, ...]
    outcome: str
    handled_by: Lane
    intercepts: tuple[Lane, ...]
    rc: int | None = None
    exception: str | None = None
    owner: str | None = None  # EMULATED: the guest whose emulated device answers
    matrix: Matrix | None = None  # QCI: the configuration returned
    cycles: int = attrs.field(init=False)
    lane_counts: tuple[tuple[Lane, tuple[int, ...]], ...] = attrs.field(init=False)

    def __attrs_post_init__(self):
        object.__setattr__(self, "cycles", sum(h.cycles for h in self.hops))
        object.__setattr__(self, "lane_counts", lane_counts(self.hops))


def lane_counts(hops) -> tuple[tuple[Lane, tuple[int, ...]], ...]:
    """Per lane: (interpreted, intercepts, reflections, user-space exits, emulations, exceptions, cycles)."""
    acc: dict[Lane, list[int]] = {}
    for h in hops:
        v = acc.setdefault(h.lane, [0] * 7)
        kind = _HOP_COUNTER.get(h.kind)
        if kind is not None:
            v[kind] += 1
        if h.kind == "reflect":
            v[INTERCEPTS] += 1
        v[6] += h.cycles
    return tuple((lane, tuple(v)) for lane, v in acc.items())


def instruction_text(op: str, apqn: tuple[int, int] | None) -> str:
    """'TAPQ 05.0004', or 'QCI' for an instruction that takes no APQN."""
    return op if apqn is None else f"{op} {m.format_apqn(*apqn)}"


def enters_lane(hops, i: int) -> bool:
    """Whether hop i is the first of its lane: the instruction has just arrived there."""
    return i == 0 or hops[i - 1].lane != hops[i].lane


def lane_name(lane: Lane) -> str:
    level, where = lane
    if where == "firmware":
        return "firmware"
    return f"L{level} {'user space' if where == 'userspace' else where}"


def compute_route(topo: Topology, costs: Costs, policy: Policy, guest: str, op: str,
                  apqn: tuple[int, int] | None) -> Route:
    v = topo.view(guest)
    g = v.guest
    k = v.level
    what = instruction_text(op, apqn)

    if not v.startable:
        return _validity(topo, guest)

    if not v.has_ap and k == 1:
        hop = Hop(0, "firmware", "exception", costs.exception,
                  f"{g.name} has no AP facility: operation exception (PGM 0x0001)")
        return Route((hop,), EXCEPTION, (0, "firmware"), (), exception="operation")

    if v.has_ap and v.apie_chain and (op != "AQIC" or k == 1):
        hop = Hop(0, "firmware", "interpret", costs.interpret,
                  f"firmware interprets {what} against {g.name}'s effective CRYCB")
        if op == "QCI":
            return Route((hop,), QCI, (0, "firmware"), (), rc=0, matrix=v.hw)
        if v.hw.has_apqn(*apqn):
            return Route((hop,), PHYSICAL, (0, "firmware"), ())
        return Route((hop,), FIXED, (0, "firmware"), (), rc=0x01)

    hops = _kernel_path(topo, costs, guest, what)
    p = k - 1
    if v.has_ap and v.apie_chain:  # AQIC from a guest of level >= 2 (spec 4.2)
        if "apqi" not in g.features:
            hops.append(Hop(p, "kernel", "exception", costs.exception,
                            f"{g.name} lacks CPU feature apqi: KVM injects a specification exception"))
            return _ended(hops, EXCEPTION, exception="specification")
        if not v.crycb.has_apqn(*apqn):
            return _ended(hops, FIXED, rc=0x01)
        if p >= 2:
            hops.append(Hop(p, "userspace", "exit", costs.userspace_exit,
                            f"no GISA through vSIE: L{p} KVM passes AQIC to user space (QEMU)"))
            hops.append(Hop(p, "userspace", "exception", costs.exception,
                            f"L{p} QEMU has no handler: operation exception (PGM 0x0001) for {g.name}"))
            return _ended(hops, EXCEPTION, exception="operation")
        return _ended(hops, IRQ)

    # Intercepted: no APIE on the chain (spec 4.3).
    chain = topo.chain(guest)
    if policy.nested_emulation and v.has_ap:
        for j in range(1, p):
            if topo.view(chain[j]).guest.backend == "emulated":
                del hops[j:]  # the path stops at the emulating level
                emulator = chain[j]
                matrix = _nested_emulation_matrix(topo, chain[j:])
                return _emulate(hops, costs, j, emulator, g.name, op, apqn, matrix)
    hops.append(Hop(p, "userspace", "exit", costs.userspace_exit,
                    f"KVM does not handle {op} without APIE: exit to L{p} user space (QEMU)"))
    if v.has_ap and g.backend == "emulated":
        return _emulate(hops, costs, p, g.name, g.name, op, apqn, v.emulated)
    hops.append(Hop(p, "userspace", "exception", costs.exception,
                    f"L{p} QEMU emulates no AP instruction: operation exception (PGM 0x0001) for {g.name}"))
    return _ended(hops, EXCEPTION, exception="operation")


def _kernel_path(topo: Topology, costs: Costs, guest: str, what: str) -> list[Hop]:
    """(1, kernel), then each further kernel up to the parent's, reflected by L1's vSIE (spec 4.4)."""
    k = topo.view(guest).level
    if k == 2:
        first = f"SIE exit: L1 KVM intercepts {what} from {guest}"
    else:
        first = f"vSIE exit: L1 KVM, running {guest}'s shadow SIE, takes the intercept of {what}"
    hops = [Hop(1, "kernel", "intercept", costs.sie_exit + costs.kernel_handler, first)]
    for j in range(2, k):
        hops.append(Hop(j, "kernel", "reflect", costs.vsie_reflect + costs.kernel_handler,
                        f"vSIE reflection: L1 hands the intercept to L{j} KVM"))
    return hops


def _nested_emulation_matrix(topo: Topology, chain_from_emulated: list[str]) -> Matrix:
    """G's matrix within every matrix on the chain down to the emulated guest (spec 4.3)."""
    emulated, *below = chain_from_emulated
    matrix = topo.view(emulated).emulated
    for name in below:
        v = topo.view(name)
        matrix = matrix & truncate_to_format(v.guest.matrix, v.crycb_format)
    return matrix


def _emulate(hops, costs, level, owner, guest, op, apqn, matrix: Matrix) -> Route:
    if hops[-1].where != "userspace":
        hops.append(Hop(level, "userspace", "exit", costs.userspace_exit,
                        f"exit to L{level} user space, which emulates AP for {owner} (hypothetical)"))
    hops.append(Hop(level, "userspace", "emulate", costs.emulate,
                    f"L{level} user space emulates {op} for {guest} on {owner}'s emulated device"))
    if op == "QCI":
        return _ended(hops, QCI, rc=0, matrix=matrix)
    if matrix.has_apqn(*apqn):
        return _ended(hops, EMULATED, owner=owner)
    return _ended(hops, FIXED, rc=0x01)


def _ended(hops: list[Hop], outcome: str, **kw) -> Route:
    intercepts: list[Lane] = []
    for h in hops:
        if not intercepts or intercepts[-1] != h.lane:
            intercepts.append(h.lane)
    return Route(tuple(hops), outcome, intercepts[-1], tuple(intercepts), **kw)


def _validity(topo: Topology, guest: str) -> Route:
    """The topmost guest of the chain whose format is too wide never starts: validity 0x0022."""
    culprit = next(n for n in topo.chain(guest) if not topo.view(n).format_fits)
    cv = topo.view(culprit)
    lane: Lane = (cv.level - 1, "kernel") if cv.level > 1 else (0, "firmware")
    hop = Hop(lane[0], lane[1], "validity", 0,
              f"validity intercept 0x0022: {culprit}'s CRYCB format {cv.crycb_format} is wider than its hypervisor's; "
              f"{guest} runs no instruction")
    return Route((hop,), EXCEPTION, lane, (), exception="validity")
