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

    @property
    def on_transition(self) -> bool:
        return self in (BreakpointKind.LANE, BreakpointKind.TRANSITION_IF)


@attrs.frozen
class Breakpoint:
    """Stop before an instruction (request, guest, apqn, op, predicate) or when a lane is entered."""

    kind: BreakpointKind
    value: object
    label: str = ""

    @classmethod
    def on_request(cls, index: int) -> Breakpoint:
        return cls(BreakpointKind.REQUEST, index, f"request #{index + 1}")

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
        return self.kind.on_transition

    def hits_instruction(self, i: Instruction) -> bool:
        k = self.kind
        if k == BreakpointKind.REQUEST:
            return i.request == self.value
        if k == BreakpointKind.GUEST:
            return i.guest == self.value
        if k == BreakpointKind.APQN:
            return i.apqn == self.value
        if k == BreakpointKind.OP:
            return i.op == self.value
        if k == BreakpointKind.INSTRUCTION_IF:
            return bool(self.value(i))
        return False

    def hits_lane(self, lane: Lane) -> bool:
        return self.kind == BreakpointKind.LANE and self.value == lane

    def hits_event(self, e: Event) -> bool:
        if self.kind == BreakpointKind.LANE:
            return e.enters and e.lane == self.value
        if self.kind == BreakpointKind.TRANSITION_IF:
            return bool(self.value(e))
        return False
