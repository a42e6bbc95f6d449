"""The model: pure values and the rules of spec sections 2, 3 and 7. No I/O, no Textual."""

from aptui.model.diagnostics import CODES, Diagnostic, check
from aptui.model.matrix import EMPTY, Matrix
from aptui.model.scenario import (
    BACKENDS, FEATURES, HOST, MODES, OPS, STATES, ADAPTER_TYPES, Adapter, Costs, Guest, Host, Policy,
    Request, Reserved, Scenario,
)
from aptui.model.topology import GuestView, Topology

__all__ = [
    "ADAPTER_TYPES", "BACKENDS", "CODES", "EMPTY", "FEATURES", "HOST", "MODES", "OPS", "STATES",
    "Adapter", "Costs", "Diagnostic", "Guest", "GuestView", "Host", "Matrix", "Policy", "Request",
    "Reserved", "Scenario", "Topology", "check",
]
