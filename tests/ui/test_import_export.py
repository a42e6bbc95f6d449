"""Import and export from the command palette: a preview first, undoable Open, atomic Save as."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from textual.widgets import Input, TextArea

from aptui.formats.real import convert
from aptui.ui.screens.forms import Question
from aptui.ui.screens.transfer import AskPath, ExportPreview, Preview

SIZE = (120, 36)
FIXTURES = Path(__file__).parent.parent / "formats" / "fixtures"


def _command(app, title: str):
    return next(c for c in app.get_system_commands(app.screen) if c.title == title)


async def _import(pilot, app, kind: str, path: Path) -> None:
    _command(app, f"Import {kind}…").callback()
    await pilot.pause()
    assert isinstance(app.screen, AskPath)
    app.screen.query_one("#path", Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def _export_to(pilot, app, kind: str, path) -> None:
    """Export the selected guest as `kind` from the palette, Save as `path` in the preview."""
    _command(app, f"Export selected guest as {kind}…").callback()
    await pilot.pause()
    await pilot.click("#answer-save")
    await pilot.pause()
    app.screen.query_one("#path", Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def test_palette_offers_every_import_and_export(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for kind in ("lszcrypt", "sysfs", "mdevctl", "libvirt"):
            assert f"Import {kind}…" in titles
        for kind in ("mdevctl", "libvirt", "hostdev", "qemu", "sysfs", "lszcrypt", "k8s"):
            assert f"Export selected guest as {kind}…" in titles


async def test_import_previews_then_open_replaces_and_undo_restores(make_app, notes):
    app = make_app()
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.scenario
        fixture = FIXTURES / "lszcrypt-V.txt"
        await _import(pilot, app, "lszcrypt", fixture)
        assert isinstance(app.screen, Preview)
        expected = convert.read("lszcrypt", str(fixture))
        text = app.screen.query_one(TextArea).text
        assert text == convert.toml_text(expected, "lszcrypt", str(fixture)) and "[host]" in text
        assert "no lszcrypt -d table" in str(app.screen.query_one("#notes").render())
        assert app.session.scenario is before  # a preview changes nothing
        await pilot.click("#answer-open")
        await pilot.pause()
        assert not isinstance(app.screen, Preview)
        assert app.session.scenario == expected.scenario and app.session.dirty
        assert any("ctrl+z undoes it" in m for m, _, _ in seen)
        assert app.session.path is None  # ctrl+s asks for a name rather than overwrite the opened file
        await pilot.press("ctrl+z")
        assert app.session.scenario == before


async def test_import_sysfs_directory_and_cancel_changes_nothing(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.scenario
        await _import(pilot, app, "sysfs", FIXTURES / "sysfs-host")
        assert isinstance(app.screen, Preview)
        text = app.screen.query_one(TextArea).text
        assert "[[guest" in text and "mdev-4ba8c1c4" in text
        assert "migratable" in str(app.screen.query_one("#notes").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, Preview)
        assert app.session.scenario is before and not app.session.dirty


async def test_a_bad_file_is_reported_with_its_line_and_changes_nothing(make_app, notes, tmp_path):
    app = make_app()
    seen = notes(app)
    (tmp_path / "[bold]x[").mkdir()
    bad = tmp_path / "[bold]x[" / "[@click=app.quit]bad.json"  # markup in the path stays text
    bad.write_text("{not json\n")
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.scenario
        await _import(pilot, app, "mdevctl", bad)
        assert not isinstance(app.screen, (Preview, AskPath))
        message, title, severity = seen[-1]
        assert message.startswith(f"{bad}:1: ") and severity == "error"
        assert app.session.scenario is before and not app.session.dirty


async def test_export_previews_and_save_writes_then_asks_before_replacing(make_app, tmp_path):
    app = make_app("passthrough")
    async with app.run_test(size=SIZE) as pilot:
        app.screen.select(("guest", "kvm1"))
        _command(app, "Export selected guest as mdevctl…").callback()
        await pilot.pause()
        assert isinstance(app.screen, ExportPreview)
        expected = convert.export("mdevctl", app.session.scenario, "kvm1").text
        assert app.screen.query_one(TextArea).text == expected
        target = tmp_path / "kvm1.json"
        await pilot.click("#answer-save")
        await pilot.pause()
        assert isinstance(app.screen, AskPath)
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert target.read_text() == expected
        assert not isinstance(app.screen, ExportPreview)
        # Again, to the same file: it asks first; cancel keeps the file as it was.
        target.write_text("keep me")
        await _export_to(pilot, app, "qemu", target)
        assert isinstance(app.screen, Question)
        await pilot.press("c")
        await pilot.pause()
        assert target.read_text() == "keep me" and isinstance(app.screen, ExportPreview)
        await pilot.click("#answer-save")
        await pilot.pause()
        await pilot.press("enter", "o")
        await pilot.pause()
        assert target.read_text() == convert.export("qemu", app.session.scenario, "kvm1").text
        # Close writes nothing.
        _command(app, "Export selected guest as libvirt…").callback()
        await pilot.pause()
        await pilot.click("#answer-close")
        await pilot.pause()
        assert not isinstance(app.screen, ExportPreview)
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".json", ".xml")) == ["kvm1.json"]


async def test_export_refused_is_a_notification(make_app, notes):
    app = make_app("passthrough")
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.select(("guest", "lpar1"))
        _command(app, "Export selected guest as mdevctl…").callback()
        await pilot.pause()
        assert not isinstance(app.screen, ExportPreview)
        message, title, severity = seen[-1]
        assert "LPAR" in message and severity == "error" and title == "Cannot export"


async def test_export_write_error_is_a_notification(make_app, notes, tmp_path):
    app = make_app("passthrough")
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.select(("guest", "kvm1"))
        await _export_to(pilot, app, "sysfs", tmp_path / "missing" / "x.sh")
        assert isinstance(app.screen, ExportPreview)  # still open: choose another path
        assert seen[-1][2] == "error" and "cannot write" in seen[-1][0]


async def test_export_save_as_refuses_a_fifo_before_asking(make_app, notes, tmp_path):
    fifo = tmp_path / "kvm1.json"
    os.mkfifo(fifo)
    app = make_app("passthrough")
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.select(("guest", "kvm1"))
        await _export_to(pilot, app, "mdevctl", fifo)
        assert isinstance(app.screen, ExportPreview)  # no "Replace the file?": it cannot be replaced
        message, title, severity = seen[-1]
        assert message == f"{fifo}: not a regular file (FIFO): refusing to replace it" and severity == "error"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
