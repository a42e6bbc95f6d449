"""The engine: asyncio, no Textual. Routes AP instructions and runs queues on a simulated clock."""

from aptui.engine.breakpoints import Breakpoint, BreakpointKind
from aptui.engine.engine import Engine
from aptui.engine.events import Event, Instruction, LaneCounters, Result, Stop, instruction_events, result_text
from aptui.engine.responses import cc_of, rc_name
from aptui.model.routing import Hop, Route, compute_route, instruction_text, lane_name

__all__ = [
    "Breakpoint", "BreakpointKind", "Engine", "Event", "Hop", "Instruction", "LaneCounters", "Result", "Route", "Stop",
    "cc_of", "compute_route", "instruction_events", "instruction_text", "lane_name", "rc_name", "result_text",
]
