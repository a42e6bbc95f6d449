"""Breakpoints: a predicate on the next instruction, or on a transition of the current one."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from aptui.engine.events import Event, Instruction
from aptui.model.routing import Lane, lane_name
from aptui.model import mask as m


@attrs.frozen
class Breakpoint:
    """Stop before an instruction (request, guest, apqn, op, predicate) or when a lane is entered."""

    kind: str  # request | guest | apqn | op | lane | instruction-if | transition-if
    value: object
    label: str = ""

    @classmethod
    def on_request(cls, index: int) -> Breakpoint:
        return cls("request", index, f"request #{index + 1}")

    @classmethod
    def on_guest(cls, name: str) -> Breakpoint:
        return cls("guest", name, f"guest {name}")

    @classmethod
    def on_apqn(cls, apqn: tuple[int, int]) -> Breakpoint:
        return cls("apqn", apqn, f"APQN {m.format_apqn(*apqn)}")

    @classmethod
    def on_op(cls, op: str) -> Breakpoint:
        return cls("op", op, f"op {op}")

    @classmethod
    def on_lane(cls, lane: Lane) -> Breakpoint:
        return cls("lane", lane, f"{lane_name(lane)} entered")

    @classmethod
    def instruction_if(cls, predicate: Callable[[Instruction], bool], label: str = "condition") -> Breakpoint:
        return cls("instruction-if", predicate, label)

    @classmethod
    def transition_if(cls, predicate: Callable[[Event], bool], label: str = "condition") -> Breakpoint:
        return cls("transition-if", predicate, label)

    @property
    def on_transition(self) -> bool:
        return self.kind in ("lane", "transition-if")

    def hits_instruction(self, i: Instruction) -> bool:
        k = self.kind
        if k == "request":
            return i.request == self.value
        if k == "guest":
            return i.guest == self.value
        if k == "apqn":
            return i.apqn == self.value
        if k == "op":
            return i.op == self.value
        if k == "instruction-if":
            return bool(self.value(i))
        return False

    def hits_lane(self, lane: Lane) -> bool:
        return self.kind == "lane" and self.value == lane

    def hits_event(self, e: Event) -> bool:
        if self.kind == "lane":
            return e.enters and e.lane == self.value
        if self.kind == "transition-if":
            return bool(self.value(e))
        return False
