"""The matrix's states computed per (row, column) signature equal the state of every cell."""

from __future__ import annotations

from hypothesis import given, settings

from aptui.console.cells import MODES, GuestCells
from aptui.model.scenario import HOST
from aptui.model.topology import Topology

from tests.core.strategies import scenarios

IDS = tuple(range(0, 256, 3)) + (255,)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_row_states_equal_the_cells_one_by_one(s):
    topo = Topology(s)
    for name in (HOST, *topo.walk()):
        cells = GuestCells(s, topo, name)
        for mode in MODES:
            for a in IDS:
                assert cells.row_states(a, IDS, mode) == [cells.state(a, d, mode) for d in IDS], (name, mode, a)


@settings(max_examples=30, deadline=None)
@given(scenarios())
def test_the_distinct_rows_have_every_rows_states(s):
    topo = Topology(s)
    for name in (HOST, *topo.walk()):
        cells = GuestCells(s, topo, name)
        every = {st for a in IDS for st in cells.row_states(a, IDS, "states")}
        assert every == {st for a in cells.distinct_rows(IDS) for st in cells.row_states(a, IDS, "states")}
