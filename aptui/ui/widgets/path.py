"""The Path panel: the current instruction as a sequence diagram across the lanes.

One column per participant (the issuing guest, firmware, then each level's kernel and user
space), one row per transition with its cycles; transitions still ahead are drawn dim, so
stepping with `s` lights the path hop by hop. An instruction that never reaches firmware
is the picture of "L3 sees no device". A change of a running guest ([[change]]) that the run
has just reached is written above it, in the words of `aptui run`.
"""

from __future__ import annotations

import textwrap

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from aptui.engine import result_text
from aptui.formats.output.changes import change_lines
from aptui.model.routing import Lane, instruction_text
from aptui.formats.text import printable
from aptui.model.vocabulary import HopKind
from aptui.ui.palette import Palette
from aptui.console.runner import Trace
from aptui.console.story import story

SHORT = {"firmware": "firmware", "kernel": "kern", "userspace": "user"}
CYCLES = 8
SHOWN_CHANGES = 2  # the latest changes reached, above the diagram


class PathView(Widget, can_focus=True):
    BINDING_GROUP_TITLE = "Path"
    BINDINGS = [Binding("enter", "screen.repeat", "Repeat step", show=False,
                tooltip="Repeat the last step command (s, n or c)")]
    DEFAULT_CSS = """
    PathView { background: $surface; height: auto; }
    """

    def __init__(self, **kw):
        super().__init__(**kw)
        self.trace: Trace | None = None
        self.lanes: list[Lane] = []
        self.palette: Palette | None = None
        self.changes: list = []
        self.history: str | None = None
        self.story = ""  # the scenario's description: under the path until the first hop, then where it fits
        self.opening = False  # nothing has run yet: the story is told whatever the room

    def show(self, trace: Trace | None, lanes: list[Lane], p: Palette, changes=(), history: str | None = None,
             story: str = "", opening: bool = False) -> None:
        """Draw `trace` (the runner's path()) across `lanes` (the engine's), under the `changes`
        (engine Hotplugs) the run has just reached; `history` numbers a finished instruction
        shown instead of the live one (the History panel's)."""
        self.trace, self.lanes, self.palette, self.history, self.story = trace, lanes, p, history, story
        self.opening = opening
        self.changes = list(changes)[-SHOWN_CHANGES:]
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(max(width, 20)))

    def render(self) -> Text:
        """The path, and the story under it where the panel has room for it (it follows the steps
        on a tall screen; before the first hop it is told whatever the room)."""
        width = max(self.size.width, 20)
        lines = self._lines(width)
        if not self.opening and self.history is None:
            told = self._story_lines(width, self.palette or Palette(*(Style() for _ in range(7))))
            if len(lines) + len(told) <= self.size.height:
                lines += told
        return Text("\n").join(lines)

    # -- the diagram -------------------------------------------------------------------
    def _model(self):
        """(title, participants, rows, answer, failed, total, why): rows are (from, to, kind, cycles, text, done);
        `why` names the rule behind an exception or an empty answer."""
        t = self.trace
        if t is None:
            return None
        hops = t.route.hops
        lanes = list(self.lanes)
        for lane in (h.lane for h in hops):
            if lane not in lanes:
                lanes.append(lane)
        rows = []
        at: Lane | None = None
        for i, h in enumerate(hops):
            rows.append((at, h.lane, h.kind, h.cycles, h.text, i < t.hops_done))
            at = h.lane
        answer = result_text(t.result) if t.done else None
        failed = t.done and t.result.exception is not None
        total = sum(h.cycles for h in hops[: t.hops_done])
        why = t.route.why if t.done else ""
        return (t.seq, t.guest, t.level, instruction_text(t.op, t.apqn)), lanes, rows, answer, failed, total, why

    def _lines(self, width: int) -> list[Text]:
        p = self.palette or Palette(*(Style() for _ in range(7)))
        if self.history is not None:
            return [Text(f"◀ history {self.history}, not the live instruction · H: back to it", p.warning,
                         no_wrap=True, overflow="ellipsis")] + self._diagram(width, p)
        return self._change_lines(p) + self._diagram(width, p) + (self._story_lines(width, p) if self.opening else [])

    def _story_lines(self, width: int, p: Palette) -> list[Text]:
        """The story, wrapped to the panel: the presenter's opening, before anything has run."""
        if not self.story:
            return []
        out = [Text("")]
        for paragraph in story(self.story).split("\n"):
            out += [Text(line, p.muted if not line.startswith("Look at") else p.accent)
                    for line in textwrap.wrap(paragraph, max(width - 1, 10))] or [Text("")]
        return out

    def _change_lines(self, p: Palette) -> list[Text]:
        out = []
        for c in self.changes:
            for i, line in enumerate(change_lines(c, c.found_by)):
                out.append(Text(line.rstrip("\n").replace(" us:", " µs:", 1), p.warning if i == 0 else p.muted,
                                no_wrap=True, overflow="ellipsis"))
        return out

    def _diagram(self, width: int, p: Palette) -> list[Text]:
        model = self._model()
        if model is None:
            return [Text("No instruction yet: add a request (+ in Requests) and press s.", p.muted)]
        (number, guest, level, what), lanes, rows, answer, failed, total, why = model
        guest = printable(guest)
        names = [guest] + [("firmware" if lane[1] == "firmware" else f"L{lane[0]} {SHORT[lane[1]]}") for lane in lanes]
        n = len(names)
        span = width - CYCLES
        colw = max(5, min(16, span // n))
        span = max(span, n * colw)
        x_of = {None: colw // 2}
        for i, lane in enumerate(lanes, 1):
            x_of[lane] = i * colw + colw // 2
        out: list[Text] = []

        wide = all(len(name) < colw for name in names[1:])
        if wide:
            heads = [names]
        else:  # two lines: the level over the place
            heads = [[guest] + [f"L{lane[0]}" for lane in lanes],
                     [f"L{level}"] + [{"firmware": "fw"}.get(lane[1], SHORT[lane[1]]) for lane in lanes]]
        for k, labels in enumerate(heads):
            head = _Canvas(span)
            for i, name in enumerate(labels):
                label = name if len(name) < colw else name[: colw - 2] + "…"
                head.put(i * colw + (colw - len(label) + 1) // 2, label, p.accent if i == 0 else p.strong)
            out.append(head.text(Text(f"{'cycles' if k == len(heads) - 1 else '':>{CYCLES}}", p.muted)))

        for frm, to, kind, cycles, text, done in rows:
            c = _Canvas(span)
            for x in x_of.values():
                c.put(x, "│", p.muted)
            style = (p.error if kind in (HopKind.EXCEPTION, HopKind.VALIDITY) else p.accent) if done else p.muted
            xa, xb = x_of[frm], x_of[to]
            if xa == xb:
                c.put(xa, "◆", style)
                c.put(xa + 2 if xa + 2 + len(kind) <= span else xa - 1 - len(kind), kind, style)
            else:
                c.arrow(xa, xb, "─", kind, style)
            cyc = Text(f"{cycles:>{CYCLES}}", p.strong if done else p.muted)
            out.append(c.text(cyc))
        last = rows[-1][1] if rows else None
        if answer is not None:
            c = _Canvas(span)
            for x in x_of.values():
                c.put(x, "│", p.muted)
            c.arrow(x_of[last], x_of[None], "═", answer, p.error if failed else p.success)
            out.append(c.text(Text(f"{total:>{CYCLES}}", p.strong)))
        foot = Text(no_wrap=True, overflow="ellipsis")
        done_rows = [row for row in rows if row[5]]
        if answer is not None:
            foot.append(f"#{number} {what}: ", p.strong)
            foot.append(answer, p.error if failed else p.success)
            foot.append(f" after {total} cycles", p.muted)
        elif done_rows:
            foot.append("▸ ", p.accent)
            foot.append(printable(done_rows[-1][4]))
        else:
            foot.append(f"next: #{number} {guest} {what}", p.strong)
            foot.append("  (s: hop by hop, n: all of it)", p.muted)
        out.append(foot)
        if why:
            out.append(Text.assemble(("why: ", p.strong), (printable(why), p.warning)))
        return out


class _Canvas:
    """A line of cells with a style each, for box-drawing the diagram."""

    def __init__(self, width: int):
        self.chars = [" "] * width
        self.styles: list[Style | None] = [None] * width

    def put(self, x: int, s: str, style: Style | None = None) -> None:
        for i, ch in enumerate(s):
            if 0 <= x + i < len(self.chars):
                self.chars[x + i] = ch
                self.styles[x + i] = style

    def arrow(self, xa: int, xb: int, line: str, label: str, style: Style) -> None:
        """From lifeline xa to lifeline xb, the label in the middle (cut when it does not fit)."""
        lo, hi = min(xa, xb), max(xa, xb)
        self.put(lo + 1, line * (hi - lo - 1), style)
        if xb > xa:
            self.put(xa, "├" if line == "─" else "╞", style)
            self.put(xb - 1, "▶", style)
        else:
            self.put(xb + 1, "◀", style)
            self.put(xa, "┤" if line == "─" else "╡", style)
        room = hi - lo - 3  # cells between the two ends and the head
        if len(label) + 2 <= room:
            self.put(lo + 2 + (room - len(label) - 2) // 2, f" {label} ", style)
        else:  # too short a span (neighbouring lanes): the label goes beside it, across lifelines
            self.put(hi + 2, label, style)

    def text(self, tail: Text) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        run, style = "", None
        for ch, st in zip(self.chars, self.styles):
            if st != style and run:
                t.append(run, style)
                run = ""
            run += ch
            style = st
        if run:
            t.append(run, style)
        t.append(tail)
        return t
