"""Saving (atomic), quitting with unsaved changes, and the recovery file after a crash."""

from __future__ import annotations

import os
import stat

from aptui.formats.scenario.file import load, save
from aptui.ui.screens.forms import Question, SaveAs
from aptui.ui.widgets.matrix import MatrixGrid

SIZE = (120, 36)


async def _assign_domain_5(pilot, app):
    app.screen.select(("guest", "lpar1"))
    grid = app.screen.query_one(MatrixGrid)
    grid.focus()
    grid.go_to(5, 5)
    await pilot.press("u")


async def test_ctrl_s_saves_atomically_and_reloads(make_app, tmp_path, monkeypatch):
    path = tmp_path / "s.toml"
    save(make_app().session.scenario, path)
    original = path.read_text()
    app = make_app(load(path), str(path))
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        assert app.session.dirty
        # A crash in the middle of writing leaves the old file whole and no temporary behind.
        import aptui.formats.files as files

        def broken(fd):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(files.os, "fsync", broken)
        await pilot.press("ctrl+s")
        assert path.read_text() == original and app.session.dirty
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        monkeypatch.undo()
        await pilot.press("ctrl+s")
        assert not app.session.dirty
        assert "modified" not in str(app.screen.query_one("#title").render())
    assert load(path).guest("lpar1").usage_domains == {4, 5, 0x47}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


async def test_a_demo_is_saved_under_a_new_name(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SaveAs)
        target = tmp_path / "mine.toml"
        app.screen.query_one("#path").value = str(target)
        await pilot.press("enter")
        assert app.session.path == str(target) and not app.session.dirty
    assert load(target).guest("lpar1").usage_domains == {4, 5, 0x47}


async def test_quit_with_unsaved_changes_asks(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, Question)
        await pilot.press("c")  # cancel: still running, still modified
        assert not isinstance(app.screen, Question) and app.session.dirty and app.is_running
        await pilot.press("ctrl+q", "d")  # discard
        await pilot.pause()
        assert not app.is_running
        assert app.recovery.path is not None and not app.recovery.path.exists()


async def test_quit_without_changes_does_not_ask(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_recovery_after_a_crash(make_app, tmp_path, ended):
    path = tmp_path / "s.toml"
    save(make_app().session.scenario, path)
    app = make_app(load(path), str(path))
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        recovery = app.recovery.path
        assert recovery.exists()
    # The app never quit through ctrl+q (a kill): the recovery file stays and is offered.
    ended(app.recovery)
    assert recovery.exists()
    app = make_app(load(path), str(path))
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, Question)
        await pilot.press("r")
        await pilot.pause()
        assert app.session.scenario.guest("lpar1").usage_domains == {4, 5, 0x47}
        assert app.session.dirty  # restored but not saved
        assert not recovery.exists() and app.recovery.path.exists()  # now this console's own
        await pilot.press("ctrl+s")
        assert not app.recovery.path.exists()
    assert load(path).guest("lpar1").usage_domains == {4, 5, 0x47}
    assert not list(app.recovery.path.parent.iterdir())  # no file, no lock left


async def test_recovery_can_be_discarded(make_app, tmp_path, ended):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
    ended(app.recovery)
    left = app.recovery.path
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, Question)
        await pilot.press("d")
        assert not app.session.dirty and not left.exists()


async def test_two_consoles_on_one_demo_keep_their_own_recovery(make_app, ended):
    """The second used to say the first "did not close cleanly", and its Discard deleted the
    first one's recovery file."""
    first = make_app()
    async with first.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, first)
        mine = first.recovery.path
        assert mine.exists()
        second = make_app()
        async with second.run_test(size=SIZE) as pilot2:
            await pilot2.pause()
            assert not isinstance(second.screen, Question)  # the first is running: not offered
            second.screen.select(("guest", "kvm1"))
            await pilot2.pause()
            await pilot2.press("ctrl+q")  # no changes: quits, clearing only its own file
            await pilot2.pause()
        assert mine.exists() and second.recovery.path != mine
        await pilot.press("ctrl+q", "d")  # the first discards its own work
        await pilot.pause()
    assert not mine.exists()


async def test_a_failed_save_is_reported_and_keeps_the_work(make_app, tmp_path, notes):
    target = tmp_path / "adir"
    target.mkdir()
    app = make_app(path=str(target))
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        await pilot.press("ctrl+s")
        assert app.session.dirty and app.recovery.path.exists()
        assert any(t == "Save failed" for _, t, _ in seen)


async def test_a_recovery_file_that_does_not_load_is_kept_and_reported(make_app, notes):
    app = make_app()
    broken = ('format = 1\n[[guest]]\nname = "a"\n[[request]]\nguest = "a"\nop = "QCI"\n'
              "repeat = 100000000\n")  # what the console could save before it had the loader's bounds
    left = app.recovery.path.with_name(app.recovery._stem + ".toml")  # left by an earlier aptui
    left.parent.mkdir(parents=True)
    left.write_text(broken)
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not isinstance(app.screen, Question)  # nothing to restore
        kept = left.with_name(left.name + ".unreadable")
        assert kept.read_text() == broken
        assert any(t == "Recovery file not loaded" and str(kept) in m and "repeat" in m for m, t, _ in seen)
        await _assign_domain_5(pilot, app)  # the next edit writes a fresh recovery file beside it
        assert app.recovery.path.exists() and kept.read_text() == broken


async def test_save_refuses_a_fifo_and_keeps_the_work(make_app, tmp_path, notes):
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    app = make_app(path=str(fifo))
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        await pilot.press("ctrl+s")
        assert app.session.dirty
        message, title, severity = seen[-1]
        assert (title, severity) == ("Save failed", "error")
        assert message.endswith(f"{fifo}: not a regular file (FIFO): refusing to replace it")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


async def test_saving_over_a_hard_link_says_the_link_is_broken(make_app, tmp_path, notes):
    path = tmp_path / "s.toml"
    save(make_app().session.scenario, path)
    original = path.read_text()
    os.link(path, tmp_path / "other.toml")
    app = make_app(load(path), str(path))
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        await pilot.press("ctrl+s")
        assert not app.session.dirty
        assert any("one of 2 hard links" in m and severity == "warning" for m, _, severity in seen)
    assert (tmp_path / "other.toml").read_text() == original and path.read_text() != original


async def test_save_as_asks_before_it_replaces_a_file(make_app, tmp_path):
    """It used to overwrite without asking; now it asks the export's question."""
    target = tmp_path / "mine.toml"
    target.write_text("precious\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        for answer in ("c", "o"):
            await pilot.press("ctrl+s")
            app.screen.query_one("#path").value = str(target)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Question) and "Replace the file?" == app.screen.title_
            await pilot.press(answer)
            await pilot.pause()
            if answer == "c":
                assert target.read_text() == "precious\n" and app.session.dirty and app.session.path is None
    assert app.session.path == str(target) and not app.session.dirty
    assert load(target).guest("lpar1").usage_domains == {4, 5, 0x47}
