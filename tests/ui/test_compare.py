"""The compare view: each column is what `aptui run` gives for that configuration, request by
request, and the variants are the fix and the road not taken of the 2018 case."""

from __future__ import annotations

import io
import json

import attrs
import pytest
from rich.console import Console

from aptui import demos
from aptui.cli import load_scenario
from aptui.console.compare import compare, run_column, variants, Variant
from aptui.formats.output.results import write_json
from aptui.ui.screens.compare import CompareScreen, story


def _run_json(scenario):
    out = io.StringIO()
    write_json(out, scenario)
    return json.loads(out.getvalue())["results"]


def _doubled(scenario):
    """Each request followed by the same instruction again with no wait: segments run through both."""
    twice = [x for r in scenario.requests for x in (r, attrs.evolve(r, wait_us=0, repeat=r.repeat + 2))]
    return attrs.evolve(scenario, requests=tuple(twice))


@pytest.mark.parametrize("doubled", [False, True])
@pytest.mark.parametrize("demo", demos.names())
def test_a_column_sums_what_aptui_run_prints(demo, doubled):
    scenario = _doubled(load_scenario(demo)) if doubled else load_scenario(demo)
    for v in variants(scenario):
        column = run_column(v)
        entries = iter(_run_json(v.scenario))
        for req, answer in zip(v.scenario.requests, column.answers):
            mine = [next(entries) for _ in range(req.repeat)]
            assert answer.count == req.repeat or req.op == "SCAN"
            assert answer.cycles == sum(e["cycles"] for e in mine)  # a SCAN's cycles are its steps'
        assert next(entries, None) is None
        requests = sum(a.cycles for a in column.answers)
        assert column.cycles == sum(c for _, c in column.lanes)
        assert column.cycles == requests if not v.scenario.changes else column.cycles >= requests


def test_the_2018_variants_are_its_fix_and_the_hypothetical_policy():
    s = load_scenario("2018")
    labels = [v.label for v in variants(s)]
    assert labels == ["as written", "hypervisors passthrough", "nested emulation (hypothetical)"]
    nested = variants(s)[2].scenario
    assert nested == attrs.evolve(load_scenario("2018-nested-emulation"), name=s.name, description=s.description)
    first = [c.answers[0].text for c in compare(s)]
    assert first[0] == "operation exception" and first[1].startswith("rc 00")


def test_a_configuration_with_nothing_to_vary_is_one_column():
    assert [v.label for v in variants(load_scenario("queues"))] == ["as written"]


def test_the_story_reflows_the_description_but_keeps_look_at():
    text = story("The case. A line\nbroken for a file.\nLook at: the path\nand the SCAN.\n\nSecond paragraph.")
    assert text == "The case. A line broken for a file.\nLook at: the path and the SCAN.\n\nSecond paragraph."


async def test_equals_opens_the_compare_view(make_app):
    app = make_app("2018")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("equals_sign")
        assert isinstance(app.screen, CompareScreen)
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#table").content)
        text = console.export_text()
        assert "hypervisors passthrough" in text and "253,000" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)
