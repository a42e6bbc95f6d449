"""The recovery file: the working scenario, written after every edit, so that a crash or a
kill loses nothing. One file per origin (a scenario path or a demo) in the user's state
directory; removed once the work is saved or deliberately discarded, and never dropped unread:
one that does not load is kept aside for the operator.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aptui.formats.errors import InputError
from aptui.formats.files import write_atomic
from aptui.formats.scenario import dumps, loads
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
        # surrogatepass: a path that is not UTF-8 (its bytes as lone surrogates) has a recovery file too
        digest = hashlib.sha256(origin.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        self.path = None if state_dir is None else state_dir / "recovery" / f"{digest}.toml"

    def write(self, scenario: Scenario) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, f"{_HEADER}{printable(self.origin)}\n{dumps(scenario)}")

    def read(self) -> Scenario | None:
        """The recovered scenario, or None when there is none. One that does not load is renamed
        aside (NAME.unreadable, so that the next edit does not overwrite it) and raises
        UnreadableRecovery."""
        if self.path is None or not self.path.exists():
            return None
        try:
            return loads(self.path.read_text(encoding="utf-8"), str(self.path))
        except (OSError, UnicodeDecodeError, InputError) as e:
            reason = str(e)
        kept = _free_name(self.path.with_name(self.path.name + _ASIDE))
        try:
            self.path.replace(kept)
        except OSError:
            raise UnreadableRecovery(reason, self.path, None) from None
        raise UnreadableRecovery(reason, self.path, kept)

    def clear(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def _free_name(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`...: the first that does not exist, so that no earlier file kept aside is lost."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.name}-{n}")
        n += 1
    return candidate
