"""SVG snapshots of the main screens (sync tests: snap_compare runs its own event loop).

Update after a deliberate change with `python -m pytest tests/ui --snapshot-update`.
"""

from __future__ import annotations

from aptui.demos.large import big
from aptui.ui.widgets.matrix import MatrixGrid

from .scenarios import hostile_scenario

WIDE = (120, 36)
SMALL = (80, 24)


def test_main_2018_start(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=WIDE)


def test_main_2018_mid_step(snap_compare, make_app):
    assert snap_compare(make_app(), press=["s", "s", "s", "s"], terminal_size=WIDE)


def test_main_2018_after_continue(snap_compare, make_app):
    async def run(pilot):
        await pilot.press("s", "c")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=WIDE)


def test_main_80x24(snap_compare, make_app):
    assert snap_compare(make_app(), press=["s", "s", "s"], terminal_size=SMALL)


def test_matrix_256_zoomed(snap_compare, make_app):
    async def run(pilot):
        await pilot.pause()
        app = pilot.app
        app.screen.select(("guest", "kvm-big"))
        grid = app.screen.query_one(MatrixGrid)
        grid.focus()
        await pilot.press("z")
        grid.go_to(0x3C, 0x08)
        await pilot.press("v", "down", "down", "right", "right", "right")

    assert snap_compare(make_app(big()), run_before=run, terminal_size=WIDE)


def test_help_screen(snap_compare, make_app):
    assert snap_compare(make_app(), press=["question_mark"], terminal_size=WIDE)


def test_light_theme(snap_compare, make_app):
    assert snap_compare(make_app(theme="aptui-light"), press=["s", "s", "s", "s"], terminal_size=WIDE)


def test_3270_theme(snap_compare, make_app):
    assert snap_compare(make_app("passthrough", theme="aptui-3270"), press=["n", "n"], terminal_size=WIDE)


def test_hostile_names(snap_compare, make_app):
    assert snap_compare(make_app(hostile_scenario()), press=["s", "s"], terminal_size=WIDE)


def test_debugger_history_and_breakpoints(snap_compare, make_app):
    """120x36: an APQN and a request breakpoint marked (one disabled), the history beside the
    path showing a finished instruction."""
    async def run(pilot):
        await pilot.pause()
        screen = pilot.app.screen
        screen.select(("guest", "kvm1"))
        grid = screen.query_one(MatrixGrid)
        grid.focus()
        grid.go_to(5, 4)
        await pilot.press("b", "3", "down", "down", "down", "b", "8", "down", "e")
        await pilot.press("n", "n", "n", "n", "7", "down", "down")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run, terminal_size=WIDE)


def test_debugger_queue_80x24(snap_compare, make_app):
    assert snap_compare(make_app("queues"), press=["n", "n", "n", "n", "9"], terminal_size=SMALL)
