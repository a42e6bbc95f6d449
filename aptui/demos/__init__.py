"""Built-in demo scenarios, shipped as TOML files next to this module (read as plain files:
importlib.resources would cost `aptui check DEMO` a tenth of its start-up)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent

DEFAULT = "2018"
ORDER = ("2018", "2018-nested-emulation", "passthrough", "sibling-conflict", "format-mismatch", "host-reserved",
         "queues", "live-change", "depth4-no-apxa", "aqic-nested", "no-ap-passes-nothing", "none-sees-facility")


def names() -> list[str]:
    found = {p.name[:-5] for p in HERE.iterdir() if p.name.endswith(".toml")}
    return [n for n in ORDER if n in found] + sorted(found - set(ORDER))


def text(name: str) -> str:
    return (HERE / f"{name}.toml").read_text(encoding="utf-8")


def title(name: str) -> str:
    """The demo's scenario name (its `name` key), for lists that do not need the whole scenario."""
    import tomllib

    return str(tomllib.loads(text(name)).get("name", name))


def label(name: str) -> str:
    """How a demo is named in messages: demo:NAME."""
    return f"demo:{name}"
