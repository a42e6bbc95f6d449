"""The request queue: what each guest will issue, the one under way, and how each one ended."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from aptui.console.runner import Runner
from aptui.engine import Result, result_text
from aptui.formats.text import printable
from aptui.model import mask as m
from aptui.model.vocabulary import Op
from aptui.ui.palette import Palette


class RequestList(OptionList):
    BINDING_GROUP_TITLE = "Requests"
    BINDINGS = [
        Binding("plus,insert", "screen.add_request", "Add request", tooltip="Add a request (guest, op, APQN, repeat, wait)"),
        Binding("delete,minus", "screen.remove_request", "Remove", tooltip="Remove the highlighted request"),
        Binding("enter", "screen.repeat", "Repeat step", show=False,
                tooltip="Repeat the last step command (s, n or c)"),
    ]
    DEFAULT_CSS = """
    RequestList { background: $surface; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis; }
    RequestList:focus { border: none; }
    """

    def __init__(self, **kw):
        super().__init__(**kw)
        self._count: dict[int, int] = {}
        self._last: dict[int, Result] = {}
        self._shape: tuple = ()

    def update(self, runner: Runner, marked: dict[int, bool], p: Palette) -> None:
        """`marked`: the requests with a breakpoint, each with whether it is enabled."""
        engine = runner.engine
        reqs = engine.scenario.requests
        self._count = {i: engine.done(i) for i in range(len(reqs))}
        self._last = {i: last for i in range(len(reqs)) if (last := runner.answer(i)) is not None}
        cur = engine.current.request if engine.current is not None else None
        if cur is None:
            nxt = engine.peek()
            cur = nxt.request if nxt is not None else None
        width = max((len(printable(r.guest)) for r in reqs), default=5)
        width = min(max(width, 5), 18)
        prompts = [self._prompt(i, r, i == cur, marked.get(i), width, p) for i, r in enumerate(reqs)]
        shape = tuple(prompts)  # Text equality sees the styles: a theme change restyles
        if shape == self._shape:
            return
        keep = self.highlighted
        if len(prompts) == self.option_count and len(prompts) == len(self._shape):
            for i, (new, old) in enumerate(zip(shape, self._shape)):
                if new != old:
                    self.replace_option_prompt_at_index(i, prompts[i])
        else:
            self.set_options(Option(t) for t in prompts)
            if prompts:
                self.highlighted = min(keep or 0, len(prompts) - 1) if keep is not None else (cur or 0)
        self._shape = shape

    def _prompt(self, i: int, r, current: bool, marked: bool | None, width: int, p: Palette) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(" " if marked is None else "●" if marked else "○", p.muted if marked is False else p.error)
        t.append("▶" if current else " ", p.accent)
        t.append(f"{i + 1:>2} ", p.accent if current else p.muted)
        guest = printable(r.guest)
        name = guest if len(guest) <= width else guest[: width - 1] + "…"
        t.append(f"{name:<{width}} ", p.strong)
        t.append(f"{r.op:<4} ")
        t.append(f"{m.format_apqn(*r.apqn) if r.apqn else '':<7}")
        done = self._count.get(i, 0)
        if r.repeat > 1:
            t.append(f" {done}/{r.repeat}" if done else f" ×{r.repeat}", p.muted)
        if r.wait_us:
            t.append(f" +{r.wait_us:g}µs", p.muted)
        last = self._last.get(i)
        if last is not None:
            t.append("  ")
            if last.op == Op.SCAN:
                style = p.error if not last.ap_available else p.success if last.found else p.warning
            else:
                style = p.error if last.exception else p.warning if last.rc else p.success
            t.append(result_text(last, compact=True), style)
        return t
