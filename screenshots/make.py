"""Regenerate screenshots/*.svg headlessly (no terminal needed), the story the README tells:
the 2018 demo mid-step and at its punchline (nested1's TAPQ ends in an operation exception, its
SCAN finds no AP), the compare view (=) and nested1's chain (i), the matrix editor on a 256x256
guest and the help screen; the main, matrix and help screens also in the 3270 theme.

Run: python screenshots/make.py

To add a shot: write `async def NAME(app, pilot)` pressing the keys
that bring the screen up, and append a Shot to SHOTS; it is written as NAME-THEME.svg.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from aptui.cli import load_scenario  # noqa: E402
from aptui.demos.large import big  # noqa: E402
from aptui.ui.app import AptuiApp  # noqa: E402
from aptui.ui.widgets.matrix import MatrixGrid  # noqa: E402

SIZE = (120, 36)
BOTH = ("aptui-dark", "aptui-3270")
DARK = ("aptui-dark",)


async def main_mid_step(app: AptuiApp, pilot) -> None:
    await pilot.press("s", "s", "s", "s")


async def matrix_256(app: AptuiApp, pilot) -> None:
    app.screen.select(("guest", "kvm-big"))
    grid = app.screen.query_one(MatrixGrid)
    grid.focus()
    await pilot.press("z")
    grid.go_to(0xF6, 0xEE)
    await pilot.press("v", "down", "down", "down", "right", "right", "right", "right")


async def help_screen(app: AptuiApp, pilot) -> None:
    await pilot.press("question_mark")


async def punchline(app: AptuiApp, pilot) -> None:
    """Two instructions: nested1's TAPQ (operation exception from kvm1's QEMU), its SCAN (no AP)."""
    await pilot.press("n", "n")


async def compare(app: AptuiApp, pilot) -> None:
    await pilot.press("n", "n", "equals_sign")


async def chain(app: AptuiApp, pilot) -> None:
    await pilot.press("i")  # the selection starts on the first request's guest: nested1


async def debugger(app: AptuiApp, pilot) -> None:
    """An APQN breakpoint and a request breakpoint (disabled), four instructions run, the history
    showing a finished one in the Path panel."""
    await pilot.pause()
    app.screen.select(("guest", "kvm1"))
    grid = app.screen.query_one(MatrixGrid)
    grid.focus()
    grid.go_to(5, 4)
    await pilot.press("b", "3", "down", "down", "down", "b", "8", "down", "e")
    await pilot.press("n", "n", "n", "n", "7", "down", "down")


async def queue(app: AptuiApp, pilot) -> None:
    """The queue inspector after a few requests of the queues demo: slots, replies and when they ripen."""
    await pilot.press("n", "n", "n", "n", "9")


def demo_2018():
    return load_scenario("2018")


@dataclass(frozen=True)
class Shot:
    name: str
    origin: str
    scenario: Callable[[], object]
    drive: Callable
    themes: tuple[str, ...] = DARK


SHOTS = [
    Shot("main", "demo:2018", demo_2018, main_mid_step, BOTH),
    Shot("punchline", "demo:2018", demo_2018, punchline),
    Shot("compare", "demo:2018", demo_2018, compare),
    Shot("chain", "demo:2018", demo_2018, chain),
    Shot("matrix-256", "256x256.toml", big, matrix_256, BOTH),
    Shot("help", "demo:2018", demo_2018, help_screen, BOTH),
    Shot("debugger", "demo:2018", demo_2018, debugger),
    Shot("queue", "demo:queues", lambda: load_scenario("queues"), queue),
]


async def shoot(name: str, origin: str, scenario, drive, theme: str, state: Path) -> Path:
    app = AptuiApp(scenario(), origin=origin, config_dir=state / "config", state_dir=state / "state", theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await drive(app, pilot)
        await pilot.pause()
        out = app.save_screenshot(filename=f"{name}-{theme.removeprefix('aptui-')}.svg", path=str(HERE))
    return Path(out)


async def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for shot in SHOTS:
            for theme in shot.themes:
                print(await shoot(shot.name, shot.origin, shot.scenario, shot.drive, theme, Path(tmp)))


if __name__ == "__main__":
    asyncio.run(run())
