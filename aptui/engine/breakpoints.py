"""Breakpoints: a predicate on the next instruction, or on a transition of the current one."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import attrs

from aptui.engine.events import Event, Instruction
from aptui.model.routing import Lane, lane_name
from aptui.model import mask as m


class BreakpointKind(StrEnum):
    REQUEST = "request"  # before any instruction of the request (its index)
    GUEST = "guest"  # before any instruction the guest issues
    APQN = "apqn"
    OP = "op"
    LANE = "lane"  # when a transition enters the lane
    INSTRUCTION_IF = "instruction-if"  # before an instruction the predicate holds for
    TRANSITION_IF = "transition-if"  # at a transition the predicate holds for


# What each kind tests (given the breakpoint's value): the next instruction, or a transition.
# Tables built once, since naming an enum member is a slow lookup on Python 3.11.
_ON_INSTRUCTION: dict[BreakpointKind, Callable[[object, Instruction], bool]] = {
    BreakpointKind.REQUEST: lambda v, i: i.request == v,
    BreakpointKind.GUEST: lambda v, i: i.guest == v,
    BreakpointKind.APQN: lambda v, i: i.apqn == v,
    BreakpointKind.OP: lambda v, i: i.op == v,
    BreakpointKind.INSTRUCTION_IF: lambda v, i: bool(v(i)),
}
_ON_TRANSITION: dict[BreakpointKind, Callable[[object, Event], bool]] = {
    BreakpointKind.LANE: lambda v, e: e.enters and e.lane == v,
    BreakpointKind.TRANSITION_IF: lambda v, e: bool(v(e)),
}


@attrs.frozen
class Breakpoint:
    """Stop before an instruction (request, guest, apqn, op, predicate) or when a lane is entered."""

    kind: BreakpointKind
    value: object
    label: str = ""
    enabled: bool = attrs.field(default=True, eq=False)  # a disabled one is kept but never stops a run (gdb's disable)

    @classmethod
    def on_request(cls, index: int) -> Breakpoint:
        return cls(BreakpointKind.REQUEST, index, f"request {index + 1}")

    @classmethod
    def on_guest(cls, name: str) -> Breakpoint:
        return cls(BreakpointKind.GUEST, name, f"guest {name}")

    @classmethod
    def on_apqn(cls, apqn: tuple[int, int]) -> Breakpoint:
        return cls(BreakpointKind.APQN, apqn, f"APQN {m.format_apqn(*apqn)}")

    @classmethod
    def on_op(cls, op: str) -> Breakpoint:
        return cls(BreakpointKind.OP, op, f"op {op}")

    @classmethod
    def on_lane(cls, lane: Lane) -> Breakpoint:
        return cls(BreakpointKind.LANE, lane, f"{lane_name(lane)} entered")

    @classmethod
    def instruction_if(cls, predicate: Callable[[Instruction], bool], label: str = "condition") -> Breakpoint:
        return cls(BreakpointKind.INSTRUCTION_IF, predicate, label)

    @classmethod
    def transition_if(cls, predicate: Callable[[Event], bool], label: str = "condition") -> Breakpoint:
        return cls(BreakpointKind.TRANSITION_IF, predicate, label)

    @property
    def on_transition(self) -> bool:
        return self.kind in _ON_TRANSITION

    def hits_instruction(self, i: Instruction) -> bool:
        test = _ON_INSTRUCTION.get(self.kind)
        return test is not None and test(self.value, i)

    def hits_event(self, e: Event) -> bool:
        test = _ON_TRANSITION.get(self.kind)
        return test is not None and test(self.value, e)
