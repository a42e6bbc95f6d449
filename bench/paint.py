"""The console's full screen beside a plain Textual app with the same panels, paired.

Each side is a fresh process that starts the app headless at 120x36 and waits until the screen
has settled: every panel, the footer, the diagnostics and the legend drawn, and the frames that
follow the first one (Pilot.pause twice: the callbacks scheduled after the first refresh ran, and
their repaint), and the footer holding its keys. The peer has the console's layout and stylesheet (aptui/ui/app.tcss) and the
same kinds of widgets (a Tree, OptionLists, Statics, the Footer) holding text of the same size,
and as many keys in its footer, but no model: the ratio is what aptui's own work costs on top of
Textual's.

Target (issue 11): within 1.2x. CPU time, A B A B, min and median of the ratios.

Run: python bench/paint.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paired import PYTHON, Pair, command, compile_checkout  # noqa: E402

ROUNDS = 7
SETTLE = """
import asyncio
{setup}
from textual.widgets._footer import FooterKey
async def main():
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.pause()
        for _ in range(50):  # and the footer holds its keys (Textual builds it after a refresh)
            if len(app.screen.query(FooterKey)) > 10:
                break
            await pilot.pause()
        else:
            raise SystemExit("the footer never showed its keys")
asyncio.run(main())
"""
CONSOLE = """
from aptui.cli import load_scenario
from aptui.ui.app import AptuiApp
import tempfile, pathlib
d = pathlib.Path(tempfile.mkdtemp())
app = AptuiApp(load_scenario("2018"), config_dir=d / "config", state_dir=d / "state")
"""
PLAIN = """
from pathlib import Path
from textual.app import App
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, OptionList, Static, Tree
import aptui.ui
from aptui.ui import themes

KEYS = ("plus", "e", "delete", "x", "s", "n", "c", "r", "b", "ctrl+z", "ctrl+y", "i", "p", "ctrl+s", "question_mark",
        "ctrl+q", "a", "u", "o")

class Plain(App):
    CSS_PATH = str(Path(aptui.ui.__file__).parent / "app.tcss")
    BINDINGS = [(k, f"notify('{i}')", f"Key {i}") for i, k in enumerate(KEYS)]  # the console's footer shows 19

    def get_css_variables(self):  # the stylesheet's panel colours, as the console defines them
        variables = super().get_css_variables()
        return {**themes.panel_defaults(variables), **variables}

    def compose(self):
        yield Static("aptui L1 emulates, L2 interprets  demo:2018", id="title")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                tree = Tree("host  f2 APXA 85 domains", id="tree")
                node = tree.root.add("adapters (2)", expand=True)
                node.add_leaf("05 CEX8C cca d8")
                node.add_leaf("06 CEX8A accel d16")
                l1 = tree.root.add("L1 lpar1 passthru f2 APIE gets 4", expand=True)
                l2 = l1.add("L2 kvm1 emul(hyp) f2 APIE gets 1", expand=True)
                l2.add_leaf("L3 nested1 passthru f2 APIE gets 0")
                tree.root.expand()
                yield tree
                yield OptionList(*[f"{i} nested1 TAPQ 05.0004" for i in range(1, 7)], id="requests")
            with Vertical(id="right"):
                with Vertical(id="matrix-panel", classes="page"):
                    yield Static("\\n".join(["      0", "dom   4", "AQM   A", "ADM   A", "05 A  A", "06"]), id="matrix")
                    yield Static("05.0004 lost: no APIE chain", id="cell-info")
                    yield Static("A lost: no APIE chain", id="legend")
                yield Static("\\n".join(["nested1 firmware L1 kern L1 user L2 kern L2 user cycles"] * 6), id="path",
                             classes="page -current")
                yield OptionList(*[f"L{i} kernel  0 0 0 0 0 0  0" for i in range(5)], id="lanes", classes="page")
        yield OptionList("interpretation-below-emulation nested1: APIE is on but kvm1 has no AP interpretation "
                         "itself " * 3, id="diagnostics")
        yield Static("t=0.0us  0 result(s), 0/6 requests", id="status")
        yield Static("", id="too-small")
        yield Footer()

    def on_mount(self):
        for wid in ("tree", "requests", "matrix-panel", "path", "lanes", "diagnostics"):
            self.query_one(f"#{wid}").border_title = wid

app = Plain()
"""


def main() -> int:
    compile_checkout()
    pair = Pair(command([PYTHON, "-c", SETTLE.format(setup=CONSOLE)]),
                command([PYTHON, "-c", SETTLE.format(setup=PLAIN)]), ROUNDS)
    print("paired runs (A B A B ...), CPU time (user + sys): best times, and the min and median of the ratios\n")
    print(pair.line("console, full screen settled", "plain app, same panels", 1.2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
