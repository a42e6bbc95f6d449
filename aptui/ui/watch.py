"""`aptui watch PATH` in the console: the sysfs import of PATH re-read every few seconds in a
worker thread (the reading lists directories, and a busy /sys must not freeze the screen), and
when the host's configuration changed, the new one replaces the scenario as one undoable edit,
with a notification of what changed (console/watching.py computes it). Never writes to PATH."""

from __future__ import annotations

from aptui.console import watching
from aptui.formats.errors import InputError
from aptui.formats.real.importing import Imported


class HostWatch:
    def __init__(self, app, path: str, interval: float, first: Imported):
        self.app = app
        self.path = path
        self.interval = interval
        self.first = first
        self.last = first.scenario  # the last read, whatever the user edited since
        self.reading = False
        self.failed: str | None = None  # the last error shown, not repeated every poll

    def start(self) -> None:
        self.app.notify(f"Watching {self.path} every {self.interval:g} s, read-only: the scenario follows the "
                        "host, and each change is said here.", title="Watch", markup=False)
        self.app.set_interval(self.interval, self.poll)

    def poll(self) -> None:
        """Start a read, unless one is still under way."""
        if self.reading:
            return
        self.reading = True
        self.app.run_worker(self._read, thread=True, group="watch", exit_on_error=False)

    def _read(self) -> None:
        result = watching.poll(self.path)
        self.app.call_from_thread(self.show, result)

    def show(self, result: Imported | InputError) -> None:
        self.reading = False
        if isinstance(result, InputError):
            if str(result) != self.failed:
                self.failed = str(result)
                self.app.notify(str(result), title=f"Cannot read {self.path} now", severity="warning", markup=False)
            return
        self.failed = None
        new = result.scenario
        if new == self.last:
            return
        lines = watching.changes(self.last, new)
        self.last = new
        self.app.main.edit(new, f"{self.path} changed")
        self.app.notify("\n".join(lines), title=f"{self.path} changed", timeout=20, markup=False)
