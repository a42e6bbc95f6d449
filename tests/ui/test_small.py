"""The small defects of issue 10: toasts over buttons, the screenshot directory, #N for requests
only, TERM=dumb, and q."""

from __future__ import annotations

from textual.widgets import Button
from textual.widgets._toast import Toast

from aptui.ui.screens.forms import GuestForm

SIZES = [(80, 24), (120, 36), (200, 60)]


async def test_toasts_leave_a_dialogs_buttons_uncovered(make_app):
    for size in SIZES:
        app = make_app()
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.press("e")  # the guest form: its buttons at the bottom right
            assert isinstance(app.screen, GuestForm)
            for i in range(3):
                app.notify(f"note {i}: a notification long enough to take two or three lines", markup=False)
            await pilot.pause(0.3)
            toasts = [t.region for t in app.screen.query(Toast)]
            buttons = [b.region for b in app.screen.query(Button)]
            assert toasts and buttons
            assert not any(t.overlaps(b) for t in toasts for b in buttons), size


async def test_screenshot_without_a_downloads_directory(make_app, tmp_path, monkeypatch, notes):
    """Textual writes to ~/Downloads and only says "Failed to save screenshot" when it is missing."""
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_downloads_path", lambda: tmp_path / "Downloads")
    monkeypatch.chdir(tmp_path)
    app = make_app()
    seen = notes(app)
    async with app.run_test(size=(120, 36)) as pilot:
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Screenshot")
        command.callback()
        await pilot.pause(0.4)
    shots = list(tmp_path.glob("*.svg"))
    assert len(shots) == 1 and "aptui" in shots[0].read_text()
    assert (f"Saved {shots[0]}", "Screenshot", "information") in seen


async def test_hash_n_is_a_result_and_request_n_a_row(make_app, notes):
    """`#N` used to mean a result in the Path and status but a request in "Queued as request #7"
    and breakpoint labels; with a repeated request the two differ."""
    import attrs

    from aptui.model import Request

    s = make_app().session.scenario
    s = attrs.evolve(s, requests=(Request("lpar1", "TAPQ", (5, 4), repeat=3), Request("kvm1", "TAPQ", (5, 4))))
    app = make_app(s)
    seen = notes(app)
    async with app.run_test(size=(120, 36)) as pilot:
        requests = app.screen.query_one("#requests")
        requests.focus()
        requests.highlighted = 1
        await pilot.press("b", "c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert ("Breakpoint: request 2 (before #4 kvm1 TAPQ 05.0004)", "Stopped", "information") in seen
        assert "next #4 kvm1 TAPQ" in str(app.screen.query_one("#status").render())
        assert str(app.screen.query_one("#path").border_title).startswith("5 Path · #3 ")  # lpar1 TAPQ, the 3rd
        assert str(requests.options[1].prompt).startswith("●▶ 2 kvm1")  # the row: request 2, no #
        app.screen.select(("guest", "kvm1"))
        app.screen.query_one("#tree").focus()
        await pilot.press("x")
        assert any(m.endswith("Queued as request 3.") for m, t, _ in seen if t == "SCAN")


async def test_q_quits_asking_about_unsaved_changes(make_app):
    """q did nothing; now it quits as ctrl+q does (it still types q in a form's fields)."""
    from aptui.ui.screens.forms import Question

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("x")  # queue a SCAN: an unsaved change
        await pilot.press("q")
        assert isinstance(app.screen, Question) and app.screen.title_ == "Unsaved changes"
        await pilot.press("c", "e")
        assert isinstance(app.screen, GuestForm)
        await pilot.press("end", "q", "escape")
        assert app.is_running
        await pilot.press("q", "d")
        await pilot.pause()
        assert not app.is_running
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
