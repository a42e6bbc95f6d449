"""The console's costs, each beside its baseline, in one run.

1. Time to first paint: `aptui`'s console vs a minimal Textual app (Header, Static, Footer),
   process start to the first refresh, headless, median of a few runs.
2. Cold frame of the 256x256 matrix: the Line API widget vs a DataTable holding the same
   cells (caches cleared, every visible line rendered), in a 200x60 terminal.
3. Edit-to-repaint of one cell in the console: a key that toggles a usage domain of a
   256x256 guest, from the terminal driver until the grid repaints the cell's line.
4. Keystroke latency while a 10^5-instruction continue is running (press to handled).

Targets (issue "The console"): first paint <= 1.5x the minimal app; cold frame <= 20 ms and
>= 30x faster than the DataTable; edit-to-repaint <= 50 ms; keystroke latency <= 100 ms.

Run: python bench/ui.py
"""

from __future__ import annotations

import asyncio
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import attrs  # noqa: E402
from textual import events  # noqa: E402
from textual.app import App  # noqa: E402
from textual.geometry import Region  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from aptui.cli import load_scenario  # noqa: E402
from aptui.engine import Breakpoint  # noqa: E402
from aptui.model import Request  # noqa: E402
from aptui.console import cells as c  # noqa: E402
from aptui.ui.app import AptuiApp  # noqa: E402
from aptui.console.session import Session  # noqa: E402
from aptui.ui.widgets.matrix import MatrixGrid  # noqa: E402
from aptui.demos.large import big  # noqa: E402

ENV = {**os.environ, "TEXTUAL_ANIMATIONS": "none"}
PAINT_RUNS = 5
FIRST_PAINT = """
import time
from textual import events
{setup}
original = app.on_event
async def on_event(event):  # Ready: the DOM is up and the first frame has been displayed
    await original(event)
    if isinstance(event, events.Ready):
        print("painted", time.time(), flush=True)
        app.exit()
app.on_event = on_event
app.run(headless=True, size=(120, 36))
"""
CONSOLE = """
from aptui.cli import load_scenario
from aptui.ui.app import AptuiApp
app = AptuiApp(load_scenario("2018"))
"""
MINIMAL = """
from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static
class Minimal(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("hello")
        yield Footer()
app = Minimal()
"""


def first_paint(setup: str) -> float:
    """Median seconds from spawning python to the first refresh of the app."""
    times = []
    for _ in range(PAINT_RUNS):
        t0 = time.time()
        out = subprocess.run([sys.executable, "-c", FIRST_PAINT.format(setup=setup)], cwd=ROOT, env=ENV,
                             capture_output=True, text=True, check=True)
        assert "painted" in out.stdout, out.stderr
        painted_at = float(out.stdout.split("painted", 1)[1].split()[0])
        times.append(painted_at - t0)  # up to the paint, not the shutdown after it
    return statistics.median(times)


class GridApp(App):
    def __init__(self, grid):
        super().__init__()
        self.grid = grid

    def compose(self):
        yield self.grid


def _cold(widget, clear) -> float:
    """Best of 5: render every visible line with all caches cleared."""
    best = float("inf")
    w, h = widget.size
    for _ in range(5):
        clear()
        widget._styles_cache.clear()
        t0 = time.perf_counter()
        lines = widget.render_lines(Region(0, 0, w, h))
        best = min(best, time.perf_counter() - t0)
        assert len(lines) == h and any("■" in line.text for line in lines)  # a full frame of cells
    return best


async def cold_frames() -> tuple[float, float]:
    s = big()
    topo = Session(s).topology
    grid = MatrixGrid()
    async with GridApp(grid).run_test(size=(200, 60)) as pilot:
        grid.all_ids = True
        grid.show(c.GuestCells(s, topo, "kvm-big"), s)
        await pilot.pause()

        def clear_grid():
            grid.show(c.GuestCells(s, topo, "kvm-big"), s)  # new cells: row cache empty too

        ours = _cold(grid, clear_grid)
    cells = c.GuestCells(s, topo, "kvm-big")
    table = DataTable()
    async with GridApp(table).run_test(size=(200, 60)) as pilot:
        table.add_column("ap", key="ap")
        for d in range(256):
            table.add_column(f"{d:02x}", key=str(d))
        for a in range(256):
            row = cells.row_states(a, tuple(range(256)), "states")
            table.add_row(f"{a:02x}", *(c.GLYPHS[st] for st in row))
        await pilot.pause()
        theirs = _cold(table, table._clear_caches)
    return ours, theirs


async def edit_to_repaint() -> list[float]:
    """Key sent (as a terminal sends it) to the cell's line repainted, toggling a usage domain of
    a 256x256 guest: the edit, the new effective matrix and the grid's repaint. The diagnostics
    of a 256x256 guest follow a frame later (they are computed after the paint)."""
    app = AptuiApp(big())
    times: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        app.screen.select(("guest", "kvm-big"))
        grid = app.screen.query_one(MatrixGrid)
        grid.focus()
        grid.go_to(0x10, 0x20)
        await pilot.pause()
        painted: list[float] = []
        render_line = grid.render_line

        def timed(y: int):
            painted.append(time.perf_counter())
            return render_line(y)

        grid.render_line = timed
        for i in range(10):
            before = app.session.scenario
            was = grid.cells.state(0x10, 0x20)
            painted.clear()
            key = events.Key("u", "u")
            key.set_sender(app)
            t0 = time.perf_counter()
            app._driver.send_message(key)
            while app.session.scenario is before or not painted:
                await asyncio.sleep(0.0005)
            times.append(painted[0] - t0)
            await pilot.pause()
            now = grid.cells.state(0x10, 0x20)
            assert {was, now} == {c.EFFECTIVE, c.FREE}, (i, was, now)  # the key did toggle the cell
    return times


async def keystroke_latency() -> tuple[list[float], int]:
    """Driver-to-handler times of cursor keys sent while continue runs 10^5 instructions.

    Keys go in as a terminal's would (driver.send_message), not through Pilot.press, which
    waits for the app to go idle, that is for the run to end.
    """
    s = load_scenario("2018")
    s = attrs.evolve(s, requests=(Request("nested1", "TAPQ", (5, 4), repeat=100_000),))
    app = AptuiApp(s)
    samples: list[float] = []
    runs = 0
    async with app.run_test(size=(120, 36)) as pilot:
        app.runner.engine.toggle_breakpoint(Breakpoint.on_lane((9, "kernel")))  # never hit: no fast path
        grid = app.screen.query_one(MatrixGrid)
        grid.focus()
        handled: list[float] = []
        move = grid.action_move

        def timed(dr: int, dc: int, extend: bool = False) -> None:
            handled.append(time.perf_counter())
            move(dr, dc, extend)

        grid.action_move = timed
        await pilot.pause()
        while len(samples) < 40 and runs < 10:
            runs += 1
            app.runner.restart()
            app.screen.action_cont()
            while not app.runner.running and not app.runner.engine.finished:
                await asyncio.sleep(0)
            while app.runner.running:
                key = events.Key("right" if len(samples) % 2 else "left", None)
                key.set_sender(app)
                before = len(handled)
                t0 = time.perf_counter()
                app._driver.send_message(key)
                while len(handled) == before:
                    await asyncio.sleep(0.001)
                if app.runner.running:
                    samples.append(handled[-1] - t0)
                await asyncio.sleep(0.02)  # a typist, not a flood
            await app.workers.wait_for_complete()
            assert len(app.runner.engine.results) == 100_000
    return samples, runs


def main() -> int:
    # Byte-compile aptui as `pip install` does (PYTHONDONTWRITEBYTECODE may be set, as on this machine).
    compileall.compile_dir(str(ROOT / "aptui"), quiet=1)
    print("aptui console benchmark (python", sys.version.split()[0], ")")
    console, minimal = first_paint(CONSOLE), first_paint(MINIMAL)
    print(f"first paint      console {console * 1000:7.0f} ms   minimal app {minimal * 1000:7.0f} ms   "
          f"ratio {console / minimal:4.2f} (target <= 1.5)")
    ours, theirs = asyncio.run(cold_frames())
    print(f"cold frame       matrix {ours * 1000:8.1f} ms   DataTable {theirs * 1000:9.1f} ms   "
          f"{theirs / ours:5.0f}x faster (targets <= 20 ms, >= 30x)")
    edits = asyncio.run(edit_to_repaint())
    print(f"edit-to-repaint  median {statistics.median(edits) * 1000:5.1f} ms   max {max(edits) * 1000:5.1f} ms "
          f"from key to the cell's line repainted, 256x256 guest (target <= 50 ms)")
    samples, runs = asyncio.run(keystroke_latency())
    if samples:
        print(f"keystroke        median {statistics.median(samples) * 1000:5.1f} ms   max {max(samples) * 1000:5.1f} ms "
              f"over {len(samples)} keys during {runs} runs of 10^5 instructions (target <= 100 ms)")
    else:
        print("keystroke        no key landed during a run (each run finished first)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
