"""The model: pure values and the rules of spec sections 2, 3 and 7. No I/O, no Textual.

Names are loaded on first use (PEP 562), so that `aptui run` does not pay for the diagnostics.
"""

from importlib import import_module

_HOME = {
    "CODES": "diagnostics", "Diagnostic": "diagnostics", "check": "diagnostics",
    "EMPTY": "matrix", "Matrix": "matrix",
    "GuestView": "topology", "Topology": "topology",
    **{name: "scenario" for name in (
        "ADAPTER_TYPES", "BACKENDS", "FEATURES", "HOST", "MODES", "OPS", "STATES", "Adapter", "Costs", "Guest",
        "Host", "Policy", "Request", "Reserved", "Scenario")},
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'aptui.model' has no attribute {name!r}")
    value = getattr(import_module(f"aptui.model.{_HOME[name]}"), name)
    globals()[name] = value
    return value
