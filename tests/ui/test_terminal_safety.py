"""Names, paths and messages from files never drive the terminal: what the console writes to it
holds Textual's own escape sequences and nothing else, and the data's control characters show
as escapes (``\\x1b``). Checked on what the driver writes, not on the rendered screen."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.color import Color
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Input

from aptui.formats.scenario.file import loads
from aptui.formats.text import printable
from aptui.ui.app import AptuiApp
from aptui.ui.screens.forms import GuestForm, Question
from aptui.ui.screens.help import HelpScreen
from aptui.ui.screens.transfer import ExportPreview, Preview, preview_import, start_export
from aptui.ui.terminal import DropTerminalControls

from .scenarios import CONTROLS, controls_toml

SIZE = (160, 40)
# What Textual itself writes: CSI sequences (cursor, colours, modes), OSC 22 (pointer shape) and
# a line feed after each line (CR LF from a pseudo-terminal).
TEXTUAL_OWN = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\]22;[\w-]*\x07|\r?\n")
TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")  # C0, DEL, C1
ROOT = Path(__file__).resolve().parents[2]


def foreign_controls(out: str) -> list[str]:
    """Control characters in terminal output that are not part of Textual's own sequences, and
    the data's CSI 2J (well-formed, so looked for by its text: Textual never clears that way)."""
    found = TERMINAL_CONTROLS.findall(TEXTUAL_OWN.sub("", out))
    return found + (["\x1b[2J"] if "\x1b[2J" in out else [])


def hostile_files(tmp_path: Path) -> tuple[Path, Path]:
    """A scenario and an lszcrypt listing in a directory whose name is an OSC 52."""
    where = tmp_path / "d\x1b]52;c;QkJC\x07"
    where.mkdir()
    scenario = where / "s.toml"
    scenario.write_text(controls_toml(), encoding="utf-8")
    listing = where / "lszcrypt.txt"
    listing.write_text("CARD.DOM TYPE  MODE        STATUS     REQUESTS\n"
                       "----------------------------------------------\n"
                       "05       CEX5C\x9b2J CCA-Coproc  online            1\n"
                       "05.0004  CEX5C CCA-Coproc  online            1\n", encoding="utf-8")
    return scenario, listing


def recording(out: list[str]) -> type[HeadlessDriver]:
    class Recording(HeadlessDriver):
        """Headless input, but painted like a terminal: the app skips painting for a headless driver."""

        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            out.append(data)

    return Recording


async def test_every_place_escapes_the_data_by_itself(make_app, tmp_path, monkeypatch):
    """Tree, panels, title, notifications, help, a form, a question, the import and export
    previews, with the app's line filter (the backstop) taken away."""
    monkeypatch.setattr(AptuiApp, "get_line_filters", App.get_line_filters)
    scenario, listing = hostile_files(tmp_path)
    app = make_app(loads(scenario.read_text(encoding="utf-8"), str(scenario)), str(scenario))
    out: list[str] = []
    app.driver_class = recording(out)
    g, h, k, _ = CONTROLS
    async with app.run_test(size=SIZE, headless=False) as pilot:
        await pilot.pause()
        await pilot.press("s", "s", "x", "b")  # path and levels; SCAN and breakpoint notify with the name
        await pilot.press("6", "down", "tab")  # the diagnostics, the highlighted one in full
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        app.main.select(("guest", g))
        app.main.action_edit_guest()
        await pilot.pause()
        assert isinstance(app.screen, GuestForm)
        await pilot.press("escape")
        app.main.select(("guest", h))  # an L2 under g: its sysfs writes are run on g
        start_export(app, "sysfs")
        await pilot.pause()
        assert isinstance(app.screen, ExportPreview)
        await pilot.press("escape")
        preview_import(app, "lszcrypt", str(listing))
        await pilot.pause()
        assert isinstance(app.screen, Preview)
        await pilot.press("escape")
        await pilot.press("ctrl+q")  # the SCAN edited the scenario: it asks, naming the file
        await pilot.pause()
        assert isinstance(app.screen, Question)
        await pilot.press("c")
        await pilot.pause()
    written = "".join(out)
    assert foreign_controls(written) == []
    for shown in (r"g\x1b]52;c;QUFBQQ==\x07", r"k\x9b31m", r"h\x1b[2J\x1b]0;TITLE\x07", r"d\x1b]52;c;QkJC\x07"):
        assert shown in written  # as an escape, in the tree, the title, the panels
    assert app.title == "aptui" and not app.sub_title  # the window title carries no data


async def test_a_name_the_form_shows_escaped_is_kept_when_left_alone(make_app):
    app = make_app(loads(controls_toml(), "c.toml"))
    async with app.run_test(size=SIZE) as pilot:
        app.main.select(("guest", CONTROLS[0]))
        app.main.action_edit_guest()
        await pilot.pause()
        assert app.screen.query_one("#name", Input).value == printable(CONTROLS[0])
        await pilot.click("#ok")
        await pilot.pause()
        assert not isinstance(app.screen, GuestForm)
        assert [g.name for g in app.session.scenario.guests] == list(CONTROLS[:3])


def test_the_console_in_a_real_terminal(tmp_path):
    """The real driver in a pseudo-terminal, as a user would run it (TERM=xterm-256color)."""
    scenario, _ = hostile_files(tmp_path)
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "COLUMNS": "140", "LINES": "36", "TEXTUAL_ANIMATIONS": "none"}
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "aptui", str(scenario)], stdin=follower, stdout=follower,
                            stderr=follower, env=env, cwd=tmp_path, start_new_session=True)
    os.close(follower)
    out = bytearray()

    def read_until(done, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not done():
            if select.select([leader], [], [], 0.05)[0]:
                try:
                    out.extend(os.read(leader, 1 << 16))
                except OSError:  # the app has exited and closed the terminal
                    return

    try:
        read_until(lambda: b"Quit" in out, 20)  # the footer: the first frame is out
        # step, SCAN (a notification), help, close it, quit (it asks: the SCAN was an edit), discard
        for key, shows in ((b"s", None), (b"x", b"Queued"), (b"?", b"escape closes"), (b"\x1b", b"Continue"),
                           (b"\x11", b"Unsaved"), (b"d", None)):
            seen = len(out)
            os.write(leader, key)
            read_until(lambda: shows is None or shows in out[seen:], 10)
        read_until(lambda: proc.poll() is not None, 10)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(leader)
    written = out.decode("utf-8", "replace")
    assert "aptui" in written and r"g\x1b]52;c;QUFBQQ==\x07" in written
    assert foreign_controls(written) == []


def test_the_backstop_drops_what_a_terminal_obeys_and_keeps_the_rest():
    bold = Style(bold=True)
    segments = [Segment("a\x1b]52;c;QQ==\x07b", bold), Segment("\x9b"), Segment("\x1b[2J", None, [(1,)]),
                Segment("ok ✓")]
    kept = DropTerminalControls().apply(segments, Color(0, 0, 0))
    assert kept == [Segment("a]52;c;QQ==b", bold), segments[2], Segment("ok ✓")]
    plain = segments[3:]
    assert DropTerminalControls().apply(plain, Color(0, 0, 0)) is plain  # the common case costs no copy


async def test_a_notification_keeps_its_line_breaks_and_escapes_the_rest(make_app):
    """A message of several lines (the guesses of an import) reads as lines; an ESC in it stays an escape."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        app.notify("first line\nsecond \x1b[2J line", markup=False)
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert shown[-1] == "first line\nsecond \\x1b[2J line"
