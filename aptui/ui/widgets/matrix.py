"""The matrix editor: adapters down, domains across, one glyph per APQN.

A Line API ScrollView: every line is a Strip built from runs of equal cells and cached,
so a 256x256 frame costs a few milliseconds (a DataTable of the same cells takes about a
second). The domain header, the usage (AQM) and control (ADM) rows and the adapter gutter
stay in view while the grid scrolls under them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.text import Text
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from aptui.model import mask as m
from aptui.console import cells as c

HEADER = 4  # high nibble, low nibble, AQM row, ADM row
GUTTER = 6  # "05 ■  "
CELL = 2

MARKS = {True: "•", False: "◦"}  # beside a cell an APQN breakpoint watches: enabled, disabled
_EXTRA = ("header", "axis", "cursor", "selection", "breakpoint", "breakpoint-off")
_CLASS = {
    c.EFFECTIVE: "effective", c.ASSIGNED: "assigned", c.CONFLICT: "conflict", c.FREE: "free", c.SIBLING: "sibling",
    c.HELD: "held", c.NONE: "none", **{s: "lost" for s in c.LOST if s != c.CONFLICT},
}


class MatrixPanel(Vertical):
    """The grid with its cell line and legend; zooms (z) as one."""

    ALLOW_MAXIMIZE = True


class MatrixGrid(ScrollView, can_focus=True):
    """The grid of one guest (or of the machine). Edits are posted as Toggle messages."""

    BINDING_GROUP_TITLE = "Matrix"
    BINDINGS = [
        Binding("a", "toggle('apm')", "Adapter", tooltip="Assign or unassign the adapter of the cursor row (APM)"),
        Binding("u", "toggle('aqm')", "Usage dom", tooltip="Assign or unassign the usage domain of the cursor column (AQM)"),
        Binding("o", "toggle('adm')", "Control dom", tooltip="Assign or unassign the control domain of the cursor column (ADM)"),
        Binding("v", "mark", "Range", tooltip="Start (or drop) a range selection at the cursor"),
        Binding("m", "mode", "View", tooltip="Cycle the view: states, configured, effective, difference"),
        Binding("w", "all_ids", "All ids", tooltip="Show all 256 ids, or only the ids in use"),
        Binding("up,k", "move(-1, 0)", "Up", show=False),
        Binding("down,j", "move(1, 0)", "Down", show=False),
        Binding("left,h", "move(0, -1)", "Left", show=False),
        Binding("right,l", "move(0, 1)", "Right", show=False),
        Binding("shift+up", "move(-1, 0, True)", "Extend up", show=False),
        Binding("shift+down", "move(1, 0, True)", "Extend down", show=False),
        Binding("shift+left", "move(0, -1, True)", "Extend left", show=False),
        Binding("shift+right", "move(0, 1, True)", "Extend right", show=False),
        Binding("pageup", "move(-10, 0)", "Page up", show=False),
        Binding("pagedown", "move(10, 0)", "Page down", show=False),
        Binding("home", "move(0, -256)", "First domain", show=False),
        Binding("end", "move(0, 256)", "Last domain", show=False),
        Binding("escape", "unmark", "Drop range", show=False),
    ]
    COMPONENT_CLASSES = {f"matrix--{n}" for n in (*set(_CLASS.values()), *_EXTRA)}
    DEFAULT_CSS = """
    MatrixGrid { background: $surface; scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; }
    MatrixGrid > .matrix--effective { color: $success; text-style: bold; }
    MatrixGrid > .matrix--assigned { color: $primary; text-style: bold; }
    MatrixGrid > .matrix--lost { color: $error; text-style: bold; }
    MatrixGrid > .matrix--conflict { color: $error; text-style: bold reverse; }
    MatrixGrid > .matrix--free { color: $foreground 45%; }
    MatrixGrid > .matrix--sibling { color: $warning; }
    MatrixGrid > .matrix--held { color: $secondary; }
    MatrixGrid > .matrix--none { color: $foreground 30%; }
    MatrixGrid > .matrix--header { color: $foreground 60%; }
    MatrixGrid > .matrix--axis { color: $accent; text-style: bold; }
    MatrixGrid > .matrix--cursor { text-style: bold reverse; }
    MatrixGrid > .matrix--selection { background: $secondary 40%; }
    MatrixGrid > .matrix--breakpoint { color: $error; text-style: bold; }
    MatrixGrid > .matrix--breakpoint-off { color: $foreground 50%; }
    """

    @dataclass
    class Toggle(Message):
        """Assign (on) or unassign ids of one mask."""

        mask: str
        ids: frozenset[int]
        on: bool

    @dataclass
    class CursorMoved(Message):
        adapter: int | None
        domain: int | None

    def __init__(self, **kw):
        super().__init__(**kw)
        self.cells: c.GuestCells | None = None
        self._scenario = None
        self.rows: tuple[int, ...] = ()
        self.cols: tuple[int, ...] = ()
        self.mode = "states"
        self.all_ids = False
        self.cursor = (0, 0)  # (row index, column index)
        self.anchor: tuple[int, int] | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._styles: dict[str, Style] | None = None
        self.breakpoints: dict[tuple[int, int], bool] = {}  # APQN breakpoints (enabled or not): marked beside their cells

    # -- data --------------------------------------------------------------------------
    def show(self, cells: c.GuestCells, scenario=None, keep_ids: bool = False) -> None:
        """Show `cells`; keep_ids keeps the rows and columns (an edit of the same guest)."""
        a, d = self.cursor_apqn
        same = keep_ids and self.cells is not None and self.cells.name == cells.name
        self.cells = cells
        self._scenario = scenario or self._scenario
        if not same:
            self.anchor = None
        rows, cols = (tuple(range(256)), tuple(range(256))) if self.all_ids else map(tuple, cells.used_ids(self._scenario))
        if same and not self.all_ids:  # never drop a row or column under the user's hands
            rows = tuple(sorted(set(rows) | set(self.rows)))
            cols = tuple(sorted(set(cols) | set(self.cols)))
        self.rows, self.cols = rows, cols
        self.virtual_size = Size(GUTTER + CELL * len(cols), HEADER + len(rows))
        if not same:  # a new guest: start on its first assigned queue
            first = next(cells.configured.apqns(), None)
            a, d = first if first else (None, None)
        self._place(a, d)
        self._strips.clear()
        self.refresh()

    def _place(self, a: int | None, d: int | None) -> None:
        """Put the cursor on adapter a / domain d if shown, else the nearest place."""
        ri = _nearest(self.rows, a)
        ci = _nearest(self.cols, d)
        self.cursor = (ri, ci)
        self.call_after_refresh(self._follow)

    @property
    def cursor_apqn(self) -> tuple[int | None, int | None]:
        ri, ci = self.cursor
        return (self.rows[ri] if ri < len(self.rows) else None, self.cols[ci] if ci < len(self.cols) else None)

    def go_to(self, adapter: int | None, domain: int | None) -> None:
        if adapter is not None and adapter not in self.rows or domain is not None and domain not in self.cols:
            self.all_ids = True
            if self.cells is not None:
                self.show(self.cells)
        self._place(adapter, domain)
        self._strips.clear()
        self.refresh()
        self.post_message(self.CursorMoved(*self.cursor_apqn))

    def states_shown(self) -> set[str]:
        """Every state some shown cell or id has (the legend explains only these)."""
        if self.cells is None:
            return set()
        out: set[str] = set()
        cells = self.cells
        for a in cells.distinct_rows(self.rows):
            out.update(cells.row_states(a, self.cols, self.mode))
        for a in self.rows:
            out.add(cells.id_state("apm", a, self.mode))
        for d in self.cols:
            out.add(self.cells.id_state("aqm", d, self.mode))
            out.add(self.cells.id_state("adm", d, self.mode))
        return out

    def selection(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """(first row, last row), (first column, last column) of the range, or of the cursor cell."""
        r0, c0 = self.anchor or self.cursor
        r1, c1 = self.cursor
        return (min(r0, r1), max(r0, r1)), (min(c0, c1), max(c0, c1))

    # -- actions -----------------------------------------------------------------------
    def action_move(self, dr: int, dc: int, extend: bool = False) -> None:
        if not self.rows or not self.cols:
            return
        if extend and self.anchor is None:
            self.anchor = self.cursor
        elif not extend and self.anchor is not None and not self._marking:
            self.anchor = None
        ri = min(max(self.cursor[0] + dr, 0), len(self.rows) - 1)
        ci = min(max(self.cursor[1] + dc, 0), len(self.cols) - 1)
        self._set_cursor(ri, ci)

    _marking = False

    def action_mark(self) -> None:
        if self._marking:
            self.action_unmark()
            return
        self.anchor = self.cursor
        self._marking = True
        self._changed()

    def action_unmark(self) -> None:
        self.anchor = None
        self._marking = False
        self._changed()

    def action_toggle(self, mask: str) -> None:
        if self.cells is None or not self.rows or not self.cols:
            return
        (r0, r1), (c0, c1) = self.selection()
        ids = frozenset(self.rows[r0:r1 + 1]) if mask == "apm" else frozenset(self.cols[c0:c1 + 1])
        current = getattr(self.cells.configured, mask)
        on = not all(m.has(current, i) for i in ids)
        self.post_message(self.Toggle(mask, ids, on))

    def action_mode(self) -> None:
        self.mode = c.MODES[(c.MODES.index(self.mode) + 1) % len(c.MODES)]
        self._changed()

    def action_all_ids(self) -> None:
        self.all_ids = not self.all_ids
        if self.cells is not None:
            self.show(self.cells)
        self.post_message(self.CursorMoved(*self.cursor_apqn))

    def _set_cursor(self, ri: int, ci: int) -> None:
        if (ri, ci) == self.cursor:
            return
        self.cursor = (ri, ci)
        self._follow()
        self._changed()

    def _changed(self) -> None:
        self._strips.clear()
        self.refresh()
        self.post_message(self.CursorMoved(*self.cursor_apqn))

    def _follow(self) -> None:
        """Scroll so that the cursor cell is visible under the pinned header and beside the gutter."""
        ri, ci = self.cursor
        height = max(self.size.height - HEADER, 1)
        width = max(self.size.width - GUTTER, CELL)
        sx, sy = self.scroll_offset
        if ri < sy:
            sy = ri
        elif ri >= sy + height:
            sy = ri - height + 1
        x = CELL * ci
        if x < sx:
            sx = x
        elif x + CELL > sx + width:
            sx = x + CELL - width
        if (sx, sy) != tuple(self.scroll_offset):
            self.scroll_to(sx, sy, animate=False, immediate=True)

    def on_click(self, event: events.Click) -> None:
        x, y = event.x, event.y
        sx, sy = self.scroll_offset
        ri = self.cursor[0] if y < HEADER else y - HEADER + sy
        ci = self.cursor[1] if x < GUTTER else (x - GUTTER + sx) // CELL
        if 0 <= ri < len(self.rows) and 0 <= ci < len(self.cols):
            self.anchor = self.cursor if event.shift else None
            self._marking = False
            self.cursor = (ri, ci)
            self._changed()

    # -- rendering ---------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def style_of(self, name: str) -> Style:
        if self._styles is None:
            base = self.rich_style
            self._styles = {n: base + self.get_component_rich_style(f"matrix--{n}", partial=True)
                            for n in (*set(_CLASS.values()), *_EXTRA)}
            self._styles["base"] = base
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.style_of("base")
        if self.cells is None or not self.cols:
            return Strip.blank(width, base)
        sx, sy = self.scroll_offset
        if y < HEADER:
            key = ("head", y)
        else:
            ri = y - HEADER + sy
            if ri >= len(self.rows):
                return Strip.blank(width, base)
            key = ("row", ri)
        gutter = self._gutter(key)
        content = self._content(key).crop(sx, sx + max(width - GUTTER, 0))
        return Strip.join([gutter, content]).adjust_cell_length(width, base)

    def _in_range(self, ri: int | None, ci: int | None) -> bool:
        if self.anchor is None:
            return False
        (r0, r1), (c0, c1) = self.selection()
        return (ri is None or r0 <= ri <= r1) and (ci is None or c0 <= ci <= c1)

    def _gutter(self, key) -> Strip:
        cells = self.cells
        if key[0] == "head":
            label = ("", "dom", "AQM", "ADM")[key[1]]
            return Strip([Segment(f"{label:<{GUTTER}}", self.style_of("header"))], GUTTER)
        ri = key[1]
        a = self.rows[ri]
        state = cells.id_state("apm", a, self.mode)
        axis = "axis" if ri == self.cursor[0] else "header"
        marked = self._in_range(ri, None) and self.anchor is not None
        label_style = self.style_of(axis) + (self.style_of("selection") if marked else Style())
        return Strip([Segment(f"{a:02x} ", label_style), Segment(c.GLYPHS[state], self.style_of(_CLASS[state])),
                      Segment("  ", self.style_of("base"))], GUTTER)

    def _content(self, key) -> Strip:
        """A whole unscrolled line of cells, cached by what it shows."""
        ri_cur, ci_cur = self.cursor
        if key[0] == "head":
            y = key[1]
            if y < 2:
                ck = ("nibble", y, ci_cur, self.cols)
            else:
                mask = "aqm" if y == 2 else "adm"
                states = tuple(self.cells.id_state(mask, d, self.mode) for d in self.cols)
                ck = ("ids", states, ci_cur, self._sel_cols())
        else:
            ri = key[1]
            states = self.cells.row_states(self.rows[ri], self.cols, self.mode)
            ck = ("cells", id(states), ci_cur if ri == ri_cur else -1, self._sel_cols() if self._in_range(ri, None) else None,
                  self._row_marks(self.rows[ri]))
        strip = self._strips.get(ck)
        if strip is None:
            if ck[0] == "nibble":
                strip = self._nibbles(key[1])
            elif ck[0] == "ids":
                strip = self._cells(list(ck[1]), ci_cur, ck[3])
            else:
                strip = self._cells(states, ck[2], ck[3], dict(ck[4]))
            self._strips[ck] = strip
        return strip

    def _row_marks(self, a: int) -> tuple[tuple[int, bool], ...]:
        """(column index, enabled) of each cell of adapter row `a` a breakpoint watches."""
        if not self.breakpoints:
            return ()
        return tuple((ci, self.breakpoints[(a, d)]) for ci, d in enumerate(self.cols) if (a, d) in self.breakpoints)

    def _sel_cols(self) -> tuple[int, int] | None:
        if self.anchor is None:
            return None
        return self.selection()[1]

    def _nibbles(self, y: int) -> Strip:
        """Hex domain ids written downwards: the high digit where it changes, the low digit always."""
        header, axis = self.style_of("header"), self.style_of("axis")
        segs = []
        prev = None
        for ci, d in enumerate(self.cols):
            if y == 0:
                text = f"{d >> 4:x}" if prev is None or d >> 4 != prev else " "
                prev = d >> 4
            else:
                text = f"{d & 15:x}"
            segs.append(Segment(text + " ", axis if ci == self.cursor[1] else header))
        return Strip(segs, CELL * len(self.cols))

    def _cells(self, states: list[str], cursor_ci: int, sel: tuple[int, int] | None,
               marks: dict[int, bool] | None = None) -> Strip:
        """Runs of equal cells become one segment each; the cursor, the range and the cells a
        breakpoint watches (marked in the space after the glyph) split runs."""
        marks = marks or {}
        segs: list[Segment] = []
        glyphs = c.GLYPHS
        sel_style = self.style_of("selection")
        n = len(states)
        start = 0
        while start < n:
            st = states[start]
            in_sel = sel is not None and sel[0] <= start <= sel[1]
            end = start + 1
            if start != cursor_ci and start not in marks:
                while end < n and states[end] == st and end != cursor_ci and end not in marks and (
                        sel is None or (sel[0] <= end <= sel[1]) == in_sel):
                    end += 1
            style = self.style_of(_CLASS[st])
            if in_sel:
                style = style + sel_style
            if start == cursor_ci or start in marks:
                segs.append(Segment(glyphs[st], style + self.style_of("cursor") if start == cursor_ci else style))
                on = marks.get(start)
                segs.append(Segment(" ", style) if on is None else
                            Segment(MARKS[on], self.style_of("breakpoint" if on else "breakpoint-off")))
            else:
                segs.append(Segment((glyphs[st] + " ") * (end - start), style))
            start = end
        return Strip(segs, CELL * n)


def _nearest(ids: tuple[int, ...], want: int | None) -> int:
    if not ids:
        return 0
    if want is None:
        return 0
    for i, x in enumerate(ids):
        if x >= want:
            return i
    return len(ids) - 1


def legend(grid: MatrixGrid) -> Text:
    """Glyph and meaning of each state the grid shows now, styled as the grid draws them."""
    out = Text(no_wrap=True, overflow="ellipsis")
    shown = grid.states_shown()
    for state, text in c.LEGEND:
        if state not in shown and not (state == c.EFFECTIVE and c.ASSIGNED in shown):
            continue
        if state == c.EFFECTIVE and grid.mode == "configured":
            text = "assigned"
        if out:
            out.append("  ")
        out.append(c.GLYPHS[state], grid.style_of(_CLASS[state]))
        out.append(f" {text}")
    for on in sorted(set(grid.breakpoints.values()), reverse=True):
        out.append(f"  {MARKS[on]}", grid.style_of("breakpoint" if on else "breakpoint-off"))
        out.append(" breakpoint" if on else " disabled")
    return out
