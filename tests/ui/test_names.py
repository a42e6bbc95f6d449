"""Names are data: markup in a guest name or a scenario name shows as typed, everywhere."""

from __future__ import annotations

from aptui.ui.widgets.diagnostics import DiagnosticList
from aptui.ui.widgets.lanes import LaneList
from aptui.ui.widgets.requests import RequestList
from aptui.ui.widgets.tree import TopologyTree

from .scenarios import HOSTILE, hostile_scenario

SIZE = (230, 40)


def _tree_text(tree: TopologyTree) -> str:
    out = []

    def walk(node):
        out.append(str(node.label))
        for child in node.children:
            walk(child)

    walk(tree.root)
    return "\n".join(out)


async def test_hostile_names_show_literally_everywhere(make_app, notes):
    app = make_app(hostile_scenario())
    seen = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree = _tree_text(app.screen.query_one(TopologyTree))
        for name in HOSTILE[:3]:
            assert name in tree
        reqs = "\n".join(str(o.prompt) for o in app.screen.query_one(RequestList).options)
        assert HOSTILE[2] in reqs and HOSTILE[0] in reqs
        diags = app.screen.query_one(DiagnosticList).diagnostics
        assert any(d.guest == HOSTILE[2] for d in diags)
        assert HOSTILE[3] in str(app.screen.query_one("#title").render())
        await pilot.press("s", "s", "s", "s")  # the L3 with the click-to-quit name walks up
        assert app.is_running
        lanes = "\n".join(str(o.prompt) for o in app.screen.query_one(LaneList).options)
        assert HOSTILE[2] in lanes
        assert HOSTILE[2] in app.screen.query_one("#path").border_title
        app.screen.select(("guest", HOSTILE[1]))
        app.screen.query_one(TopologyTree).focus()
        await pilot.press("b", "x")  # a breakpoint and a SCAN: both notify with the name
        assert any(HOSTILE[1] in m for m, _, _ in seen)
        svg = app.export_screenshot()
        await pilot.click("#tree", offset=(10, 4))  # clicking the name must not quit
        await pilot.pause()
        assert app.is_running
    for name in ("[/]", "[b]x", "[@click=app.quit]x"):
        assert name.replace("&", "&amp;") in svg.replace("&#160;", " ")
