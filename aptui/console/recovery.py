"""The recovery file: the working scenario, written after every edit, so that a crash or a
kill loses nothing. One file per origin (a scenario path or a demo) in the user's state
directory; removed once the work is saved or deliberately discarded.
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


class Recovery:
    def __init__(self, state_dir: Path | None, origin: str):
        self.origin = origin
        digest = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:16]
        self.path = None if state_dir is None else state_dir / "recovery" / f"{digest}.toml"

    def write(self, scenario: Scenario) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, f"{_HEADER}{printable(self.origin)}\n{dumps(scenario)}")

    def read(self) -> Scenario | None:
        """The recovered scenario, or None when there is none (or it is unreadable)."""
        if self.path is None or not self.path.exists():
            return None
        try:
            return loads(self.path.read_text(encoding="utf-8"), str(self.path))
        except (OSError, UnicodeDecodeError, InputError):
            return None

    def clear(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
