"""The recovery file: the working scenario, written after every edit, so that a crash or a
kill loses nothing. One file per running console (several may have the same scenario or demo
open) in the user's state directory, removed once the work is saved or deliberately discarded.

A console holds an flock on its file's `.lock` for as long as it runs; the kernel drops it when
the process ends, however it ends. So a file whose lock is held belongs to a console that is
still running and is never offered (nor deleted) by another; one whose lock is free was left
by a console that is gone, and the next console on that scenario offers it. Never dropped
unread: one that does not load is kept aside for the operator.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
from pathlib import Path

from aptui.formats.errors import InputError
from aptui.formats.files import write_atomic
from aptui.formats.scenario.file import dumps, loads
from aptui.formats.text import printable
from aptui.model.scenario import Scenario

_HEADER = "# aptui recovery file of: "
_ASIDE = ".unreadable"


class UnreadableRecovery(Exception):
    """A recovery file that did not load: why, and where it is now (`kept`; None when it could not
    be moved aside and stays where it was)."""

    def __init__(self, reason: str, path: Path, kept: Path | None):
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.kept = kept

    def __str__(self) -> str:
        where = f"it is kept as {self.kept}" if self.kept else f"it stays at {self.path}"
        return f"The recovery file did not load ({self.reason}); {where}. Nothing was restored."


class Recovery:
    def __init__(self, state_dir: Path | None, origin: str):
        self.origin = origin
        self.state_dir = state_dir
        # surrogatepass: a path that is not UTF-8 (its bytes as lone surrogates) has a recovery file too
        self._stem = hashlib.sha256(origin.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        # This console's file: the pid says whose it is to a person; the lock says it to a console.
        name = f"{self._stem}-{os.getpid()}-{secrets.token_hex(3)}.toml"
        self.path = None if state_dir is None else state_dir / "recovery" / name
        self.found: Path | None = None  # the file left behind that `read` returned
        self._lock: int | None = None  # the open, flocked .lock of this console's file

    def write(self, scenario: Scenario) -> None:
        if self.path is None:
            return
        self._claim()
        write_atomic(self.path, f"{_HEADER}{printable(self.origin)}\n{dumps(scenario)}")

    def _claim(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            self._lock = os.open(_lock_of(self.path), os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock, fcntl.LOCK_EX)  # a fresh name: nobody else holds it

    def read(self) -> Scenario | None:
        """The newest recovery file of this scenario left by a console that is gone (`found`), or
        None. One that does not load is renamed aside (NAME.unreadable, so that it is not offered
        again) and raises UnreadableRecovery."""
        self.found = self._left_behind()
        if self.found is None:
            return None
        path = self.found
        try:
            return loads(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError, InputError) as e:
            reason = str(e)
        self.found = None
        kept = _free_name(path.with_name(path.name + _ASIDE))
        try:
            path.replace(kept)
        except OSError:
            raise UnreadableRecovery(reason, path, None) from None
        _lock_of(path).unlink(missing_ok=True)
        raise UnreadableRecovery(reason, path, kept)

    def adopt(self) -> None:
        """The file `read` returned was restored: it becomes this console's own (a rename, so the
        work is on disk all along)."""
        if self.found is not None and self.path is not None:
            self._claim()
            self.found.replace(self.path)
            self.drop_found()

    def drop_found(self) -> None:
        """The file `read` returned is discarded (or adopted): remove what is left of it."""
        if self.found is not None:
            self.found.unlink(missing_ok=True)
            _lock_of(self.found).unlink(missing_ok=True)
            self.found = None

    def clear(self) -> None:
        """This console's file is not needed (saved, discarded, or no changes): remove it and its lock."""
        if self.path is None:
            return
        self.path.unlink(missing_ok=True)
        if self._lock is not None:
            _lock_of(self.path).unlink(missing_ok=True)
            os.close(self._lock)
            self._lock = None

    def _left_behind(self) -> Path | None:
        if self.path is None or not self.path.parent.is_dir():
            return None
        gone = [p for p in self.path.parent.glob(f"{self._stem}*.toml") if p != self.path and not _held(p)]
        return max(gone, key=lambda p: p.stat().st_mtime, default=None)


def _lock_of(path: Path) -> Path:
    return path.with_suffix(".lock")


def _held(path: Path) -> bool:
    """Whether a running console holds the lock of recovery file `path` (no lock file: none does)."""
    try:
        fd = os.open(_lock_of(path), os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also lets go of the lock if we took it
    return False


def _free_name(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`...: the first that does not exist, so that no earlier file kept aside is lost."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.name}-{n}")
        n += 1
    return candidate
