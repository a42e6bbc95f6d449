"""The Levels panel: one lane per place an instruction can be handled (firmware, then the
kernel and user space of each hypervisor level), with its counters and recent events."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from aptui.engine import Event, LaneCounters, lane_name
from aptui.formats.text import printable
from aptui.model.routing import COUNTERS, Lane
from aptui.model.vocabulary import HopKind
from aptui.ui.legend import levels_legend
from aptui.ui.palette import Palette

NAME_WIDTH = 14
NARROW_NAME = 7  # 'L1 kern'; the firmware is 'fw', as the Path's narrow header has it


class LaneList(OptionList):
    BINDING_GROUP_TITLE = "Levels"
    BINDINGS = [Binding("enter", "screen.repeat", "Repeat step", show=False,
                tooltip="Repeat the last step command (s, n or c)")]
    # One line per fact, cut at the edge: wrapping would also ask Rich to fold at width 0 when
    # a resize lays the panel out before its column has room (a ValueError that killed the console).
    # The header is a disabled option: Textual would grey it ($text-disabled) under its own dim
    # muted style, 2:1 on the background; it keeps the foreground, dimmed once.
    DEFAULT_CSS = """
    LaneList { background: $surface; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis; }
    LaneList:focus { border: none; }
    LaneList > .option-list--option-disabled { color: $foreground; }
    """

    def __init__(self, **kw):
        super().__init__(**kw)
        self.tooltip = levels_legend()
        self.lanes: list[Lane] = []
        self._shape: tuple = ()
        self._args: tuple | None = None

    @property
    def lane(self) -> Lane | None:
        """The highlighted lane (option 0 is the column header)."""
        i = self.highlighted
        return self.lanes[i - 1] if i is not None and 0 < i <= len(self.lanes) else None

    def update(self, lanes: list[Lane], counters: dict[Lane, LaneCounters], recent: dict[Lane, deque[Event]],
               active: Lane | None, marked: dict[Lane, bool], p: Palette) -> None:
        self._args = (lanes, counters, recent, active, marked, p)
        self._render()

    def on_resize(self) -> None:
        if self._args is not None:
            self._render()

    def _render(self) -> None:
        lanes, counters, recent, active, marked, p = self._args
        width = self.scrollable_content_region.width
        extra = 0
        if lanes:
            extra = max(0, min(3, (self.size.height - 1 - len(lanes)) // len(lanes)))
        narrow = width < 62
        name_w, col_w, cycles_w = (NARROW_NAME, 4, 7) if narrow else (NAME_WIDTH, 5, 9)
        values = {lane: _values(counters.get(lane, LaneCounters()), col_w - 1, cycles_w - 1) for lane in lanes}
        # A column is as wide as its name (whole: the legend's word) or its longest value, and a
        # space: neighbours never run together.
        widths = [max([col_w, len(c.short) + 1, *(len(v[i]) + 1 for v in values.values())])
                  for i, c in enumerate(COUNTERS)] + [cycles_w]
        prompts = [self._header(p, name_w, widths)] + [
            self._row(lane, values[lane], recent.get(lane, ()), lane == active, marked.get(lane), extra, name_w,
                      widths, p) for lane in lanes]
        shape = (tuple(lanes), tuple(prompts))  # Text equality sees the styles: a theme change restyles
        if shape == self._shape:
            return
        keep = self.highlighted
        if tuple(lanes) == tuple(self.lanes) and self.option_count == len(prompts):
            for i, t in enumerate(prompts):
                self.replace_option_prompt_at_index(i, t)
        else:
            self.lanes = list(lanes)
            self.set_options([Option(prompts[0], disabled=True), *(Option(t) for t in prompts[1:])])
            self.highlighted = keep if keep and keep < len(prompts) else 1 if lanes else None
        self._shape = shape

    @staticmethod
    def _header(p: Palette, name_w: int, widths: list[int]) -> Text:
        t = Text(("  " if name_w == NARROW_NAME else "   ") + "lane".ljust(name_w), p.muted, no_wrap=True,
                 overflow="ellipsis")
        for counter, w in zip(COUNTERS, widths):
            t.append(f"{counter.short:>{w}}", p.muted)
        t.append(f"{'cycles':>{widths[-1]}}" + ("" if name_w == NARROW_NAME else "  last event"), p.muted)
        return t

    @staticmethod
    def _row(lane: Lane, values: list[str], recent, active: bool, marked: bool | None, extra: int, name_w: int,
             widths: list[int], p: Palette) -> Text:
        name = lane_name(lane)
        narrow = name_w == NARROW_NAME
        if narrow:
            name = name.replace("user space", "user").replace("kernel", "kern").replace("firmware", "fw")
        under = narrow and extra > 0  # the columns alone fill a narrow line: its events go under it
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(" " if marked is None else "●" if marked else "○", p.muted if marked is False else p.error)
        t.append(("▶" if active else " ") + ("" if narrow else " "), p.accent)
        t.append(name.ljust(name_w), p.accent if active else p.strong)
        for v, w in zip(values, widths):
            t.append(f"{v:>{w}}", p.muted if v == "0" else p.strong)
        events = list(recent)[-extra:] if under else list(recent)[-(extra + 1):]
        if events and not under:
            t.append("  ")
            _event(t, events.pop(), p)
        for ev in reversed(events):
            t.append("\n" + " " * ((2 if narrow else 3) + name_w))
            _event(t, ev, p)
        return t


def _values(c: LaneCounters, width: int, cycles_width: int) -> list[str]:
    return [count(getattr(c, counter.field), width) for counter in COUNTERS] + [count(c.cycles, cycles_width)]


def count(n: int, width: int) -> str:
    """`n` whole when it fits in `width`, else in at most four characters: 200k, 1.2M, 600M."""
    whole = str(n)
    if len(whole) <= width:
        return whole
    for unit in "kMGTP":
        n /= 1000
        if n < 999.5 or unit == "P":
            return f"{n:.1f}{unit}" if n < 9.95 else f"{n:.0f}{unit}"


def _event(t: Text, ev: Event, p: Palette) -> None:
    style = p.error if ev.kind in (HopKind.EXCEPTION, HopKind.VALIDITY) else p.muted
    t.append(f"change {ev.change} {ev.kind} " if ev.change else f"#{ev.seq} {ev.kind} ", style)
    t.append(printable(ev.text))
