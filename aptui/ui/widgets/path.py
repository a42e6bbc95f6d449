"""The Path panel: the current instruction as a sequence diagram across the lanes.

One column per participant (the issuing guest, firmware, then each level's kernel and user
space), one row per transition with its cycles; transitions still ahead are drawn dim, so
stepping with `s` lights the path hop by hop. An instruction that never reaches firmware
is the picture of "L3 sees no device".
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from aptui.model.routing import Lane, instruction_text
from aptui.formats.text import printable
from aptui.ui.palette import Palette
from aptui.console.runner import Runner

SHORT = {"firmware": "firmware", "kernel": "kern", "userspace": "user"}
CYCLES = 8


class PathView(Widget, can_focus=True):
    BINDING_GROUP_TITLE = "Path"
    BINDINGS = [Binding("enter", "screen.repeat", "Repeat step", show=False,
                tooltip="Repeat the last step command (s, n or c)")]
    DEFAULT_CSS = """
    PathView { background: $surface; height: auto; }
    """

    def __init__(self, **kw):
        super().__init__(**kw)
        self.runner: Runner | None = None
        self.palette: Palette | None = None

    def show(self, runner: Runner, p: Palette) -> None:
        self.runner, self.palette = runner, p
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(max(width, 20)))

    def render(self) -> Text:
        return Text("\n").join(self._lines(max(self.size.width, 20)))

    # -- the diagram -------------------------------------------------------------------
    def _model(self):
        """(title, participants, rows, footer): rows are (from, to, kind, cycles, text, done)."""
        r = self.runner
        if r is None:
            return None
        e = r.engine
        lanes: list[Lane] = e.lanes()
        trace = r.trace
        pending = []
        if e.current is not None and trace is not None and not trace.done:
            guest, level, op, apqn, number = trace.guest, trace.level, trace.op, trace.apqn, trace.seq
            done = [ev for ev in trace.events if ev.kind not in ("issue", "answer")]
            pending = list(e.current_route.hops[e.hops_done:])
            answer = None
        elif trace is not None:
            guest, level, op, apqn, number = trace.guest, trace.level, trace.op, trace.apqn, trace.seq
            done = [ev for ev in trace.events if ev.kind not in ("issue", "answer")]
            answer = printable(trace.events[-1].text) if trace.done else None
        else:
            nxt = e.peek()
            if nxt is None:
                return None
            guest, op, apqn, number = nxt.guest, nxt.op, nxt.apqn, nxt.seq
            level = e.topology.views[guest].level
            done = []
            pending = list(e.route(guest, op, apqn).hops)
            answer = None
        for lane in [ev.lane for ev in done] + [h.lane for h in pending]:
            if lane not in lanes:
                lanes.append(lane)
        what = instruction_text(op, apqn)
        rows = []
        at: Lane | None = None
        for ev in done:
            rows.append((at, ev.lane, ev.kind, ev.cycles, ev.text, True))
            at = ev.lane
        for h in pending:
            rows.append((at, h.lane, h.kind, h.cycles, h.text, False))
            at = h.lane
        total = sum(x[3] for x in rows if x[5])
        return (number, guest, level, what), lanes, rows, answer, total

    def _lines(self, width: int) -> list[Text]:
        p = self.palette or Palette(*(Style() for _ in range(7)))
        model = self._model()
        if model is None:
            return [Text("No instruction yet: add a request (+ in Requests) and press s.", p.muted)]
        (number, guest, level, what), lanes, rows, answer, total = model
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
            style = (p.error if kind in ("exception", "validity") else p.accent) if done else p.muted
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
            bad = "exception" in answer or "no AP" in answer
            c.arrow(x_of[last], x_of[None], "═", answer, p.error if bad else p.success)
            out.append(c.text(Text(f"{total:>{CYCLES}}", p.strong)))
        foot = Text(no_wrap=True, overflow="ellipsis")
        done_rows = [row for row in rows if row[5]]
        if answer is not None:
            foot.append(f"#{number} {what}: ", p.strong)
            foot.append(answer, p.error if "exception" in answer else p.success)
            foot.append(f" after {total} cycles", p.muted)
        elif done_rows:
            foot.append("▸ ", p.accent)
            foot.append(printable(done_rows[-1][4]))
        else:
            foot.append(f"next: #{number} {guest} {what}", p.strong)
            foot.append("  (s: hop by hop, n: all of it)", p.muted)
        out.append(foot)
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
