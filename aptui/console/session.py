"""The scenario being edited: undo and redo stacks of immutable values, where it came from,
whether it is saved. No Textual here.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from aptui.model.diagnostics import Diagnostic, check
from aptui.model.scenario import Scenario
from aptui.model.topology import Topology
from aptui.model.vocabulary import Guessed


def _value(s: Scenario, mark: Guessed, adapter: int | None):
    if mark == Guessed.DOMAINS:
        return s.host.domains
    if mark == Guessed.APXA:
        return s.host.apxa
    a = s.host.adapter(adapter)
    return None if a is None else (a.type, a.mode) if mark == Guessed.TYPE else a.depth


def still_guessed(guesses, imported: Scenario, now: Scenario) -> frozenset[tuple[Guessed, int | None]]:
    """(what, adapter id or None) of each guess's marks whose value `now` is the one `imported` had."""
    return frozenset((mark, aid) for g in guesses for mark, aid in g.marks
                     if _value(now, mark, aid) is not None and _value(now, mark, aid) == _value(imported, mark, aid))


@attrs.frozen
class Step:
    """One undoable edit: the scenario before it and what it did."""

    before: Scenario
    label: str
    focus: str | None  # the guest to select when it is undone or redone


class Session:
    def __init__(self, scenario: Scenario, path: str | None = None, origin: str | None = None, guesses=()):
        """`guesses`: what the import that made `scenario` guessed (formats' Guess records), kept
        beside it: the Scenario value carries no such state."""
        self.scenario = scenario
        self.guesses = tuple(guesses)
        self.imported = scenario
        self.path = path  # None: not a file (a demo); saving asks for one
        self.origin = origin or (str(Path(path).resolve()) if path else f"demo:{scenario.name}")
        self.saved: Scenario | None = scenario
        self._undo: list[Step] = []
        self._redo: list[Step] = []
        self._topology = Topology(scenario)
        self._diagnostics: list[Diagnostic] | None = None

    @property
    def topology(self) -> Topology:
        if self._topology.scenario is not self.scenario:
            self._topology = Topology(self.scenario)
        return self._topology

    @property
    def diagnostics(self) -> list[Diagnostic]:
        if self._diagnostics is None:
            self._diagnostics = check(self.scenario, self.topology)
        return self._diagnostics

    def guessed(self) -> frozenset[tuple[Guessed, int | None]]:
        """The machine's values the import guessed that are still as it guessed them: an edit of
        one (a type chosen in the host form) makes it the operator's."""
        return still_guessed(self.guesses, self.imported, self.scenario)

    @property
    def dirty(self) -> bool:
        return self.scenario != self.saved

    def apply(self, scenario: Scenario, label: str, focus: str | None = None) -> bool:
        """Make `scenario` current as one undoable step; False when nothing changed."""
        if scenario == self.scenario:
            return False
        self._undo.append(Step(self.scenario, label, focus))
        self._redo.clear()
        self._set(scenario)
        return True

    def undo(self) -> Step | None:
        return self._swap(self._undo, self._redo)

    def redo(self) -> Step | None:
        return self._swap(self._redo, self._undo)

    def _swap(self, take: list[Step], give: list[Step]) -> Step | None:
        """Go back to the scenario of the last step of `take`, leaving the way back on `give`."""
        if not take:
            return None
        step = take.pop()
        give.append(Step(self.scenario, step.label, step.focus))
        self._set(step.before)
        return step

    def edits(self) -> list[Step]:
        """The undoable edits, the latest first."""
        return self._undo[::-1]

    def mark_saved(self, path: str) -> None:
        self.path = path
        self.saved = self.scenario

    def _set(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._diagnostics = None
