"""The presenter's auto-step: p steps at a pace until the end of the queue, and stops at once on p."""

from __future__ import annotations

import asyncio

SIZE = (120, 36)


async def test_p_steps_at_the_pace_until_the_end(make_app):
    app = make_app("2018")
    async with app.run_test(size=SIZE) as pilot:
        main = app.main
        await pilot.press("p")
        assert main._player is not None
        assert "auto-step every 1 s" in str(main.query_one("#status").content)
        for _ in range(200):  # the ticks, without waiting a second for each
            if main._player is None:
                break
            main._auto_step()
        await pilot.pause()
        assert app.runner.engine.finished and main._player is None
        assert "auto-step" not in str(main.query_one("#status").content)


async def test_the_timer_steps_and_p_stops_it(make_app):
    app = make_app("2018")
    async with app.run_test(size=SIZE) as pilot:
        main = app.main
        main.pace = 0.05
        await pilot.press("p")
        await asyncio.sleep(0.3)
        await pilot.press("p")
        hops = app.runner.engine.hops_done, len(app.runner.engine.results)
        assert hops != (0, 0) and main._player is None
        await asyncio.sleep(0.2)
        assert (app.runner.engine.hops_done, len(app.runner.engine.results)) == hops


async def test_shift_p_cycles_the_pace(make_app):
    app = make_app("2018")
    async with app.run_test(size=SIZE) as pilot:
        paces = []
        for _ in range(3):
            await pilot.press("P")
            paces.append(app.main.pace)
        assert paces == [0.5, 2.0, 1.0]


async def test_the_path_tells_the_story_until_the_first_hop(make_app):
    app = make_app("2018")
    async with app.run_test(size=(120, 36)) as pilot:
        from aptui.ui.widgets.path import PathView

        path = app.screen.query_one(PathView)
        assert "The 2018 qemu-s390x case." in path.render().plain and "Look at:" in path.render().plain
        await pilot.press("s", "s")  # the issue, then the first hop
        assert "The 2018 qemu-s390x case." not in path.render().plain
        await pilot.press("r")
        assert "The 2018 qemu-s390x case." in path.render().plain


async def test_on_a_tall_screen_the_story_follows_the_steps(make_app):
    app = make_app("2018")
    async with app.run_test(size=(200, 60)) as pilot:
        from aptui.ui.widgets.path import PathView

        path = app.screen.query_one(PathView)
        await pilot.press("n", "n")
        assert "operation exception" in path.render().plain and "The 2018 qemu-s390x case." in path.render().plain
