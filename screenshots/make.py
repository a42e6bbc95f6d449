"""Regenerate screenshots/*.svg headlessly (no terminal needed): the main screen on the 2018
demo mid-step, the matrix editor on a 256x256 guest, and the help screen, each in two themes.

Run: python screenshots/make.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from aptui.cli import load_scenario  # noqa: E402
from aptui.demos.large import big  # noqa: E402
from aptui.ui.app import AptuiApp  # noqa: E402
from aptui.ui.widgets.matrix import MatrixGrid  # noqa: E402

SIZE = (120, 36)
THEMES = ("aptui-dark", "aptui-3270")


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


SHOTS = (("main", "demo:2018", lambda: load_scenario("2018"), main_mid_step),
         ("matrix-256", "256x256.toml", big, matrix_256),
         ("help", "demo:2018", lambda: load_scenario("2018"), help_screen))


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
        for theme in THEMES:
            for name, origin, scenario, drive in SHOTS:
                print(await shoot(name, origin, scenario, drive, theme, Path(tmp)))


if __name__ == "__main__":
    asyncio.run(run())
