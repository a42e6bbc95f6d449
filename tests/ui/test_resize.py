"""Any terminal size from 20x6 up: the console lays out, or says it is too small; never a crash."""

from __future__ import annotations

import pytest

from aptui.ui.widgets.lanes import LaneList

SIZES = [(50, 14), (160, 48), (20, 6), (80, 24), (50, 36), (200, 60), (59, 40), (120, 19), (34, 10), (120, 36)]


async def test_resizing_never_crashes(make_app):
    """120x36 straight to 50x14 used to lay the Levels panel out at width 0 and kill the console
    (ValueError: range() arg 3 must not be zero, from wrapping its options)."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n", "4")  # counters to show, and the Levels page current
        for w, h in SIZES:
            await pilot.resize_terminal(w, h)
            await pilot.pause()
            too_small = app.screen.query_one("#too-small")
            assert too_small.display == (w < 60 or h < 20), (w, h)
            if too_small.display:
                assert f"{w}×{h}" in str(too_small.render())
        assert app.is_running and app.return_code is None
        lanes = app.screen.query_one(LaneList)
        assert "L2 user space" in "\n".join(str(o.prompt) for o in lanes.options)


async def test_dialogs_at_the_smallest_size(make_app):
    app = make_app()
    async with app.run_test(size=(20, 6)) as pilot:
        for keys in (["question_mark"], ["e"], ["ctrl+p"]):
            await pilot.press(*keys)
            await pilot.pause()
            await pilot.resize_terminal(120, 36)
            await pilot.resize_terminal(20, 6)
            await pilot.press("escape")
            await pilot.pause()
        assert app.is_running and app.return_code is None


def test_a_crash_exits_non_zero(monkeypatch, tmp_path, capsys):
    """Textual reports an unhandled exception and returns; the exit status must say so too."""
    import platformdirs

    from aptui.cli import load_scenario
    from aptui.ui.app import AptuiApp, run_console
    from aptui.ui.screens.main import MainScreen

    monkeypatch.setattr(platformdirs, "user_config_path", lambda name: tmp_path / "config")
    monkeypatch.setattr(platformdirs, "user_state_path", lambda name: tmp_path / "state")

    def boom(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(MainScreen, "on_mount", boom)
    run = AptuiApp.run
    monkeypatch.setattr(AptuiApp, "run", lambda self, **kw: run(self, headless=True, **kw))
    assert run_console(load_scenario("2018"), None) == 1
    assert "boom" in capsys.readouterr().err


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
async def test_levels_counters_past_200000_stay_apart(make_app, size):
    """They used to run into each other (`0200000 ... 0600000000`): a column is as wide as its
    longest value, and a value too long for it is abbreviated (200k, 6.2G)."""
    import attrs

    from aptui.model import Request

    s = make_app().session.scenario
    s = attrs.evolve(s, requests=(Request("nested1", "TAPQ", (5, 4), repeat=200_000),))
    app = make_app(s)
    async with app.run_test(size=size) as pilot:
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.press("4")
        await pilot.pause()
        lanes = app.screen.query_one(LaneList)
        rows = {str(o.prompt).split("  #")[0].strip(): str(o.prompt) for o in lanes.options}
        user = next(v for k, v in rows.items() if k.startswith("L2 user"))
        numbers = user.split("#")[0].split()[-7:]  # int icpt refl exit emu exc, cycles
        assert numbers == ["0", "0", "0", "200k", "0", "200k", "6.2G"], user
        header = str(lanes.options[0].prompt)
        assert header.index("cycles") + len("cycles") == user.index("6.2G") + len("6.2G")  # aligned
