"""What the engine reports: an Event per transition, a Result per instruction (a Segment for a
run of identical ones), the results kept, lane counters."""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from operator import itemgetter

import attrs

from aptui.engine.clock import ticks_after
from aptui.engine.responses import cc_of, rc_name
from aptui.model import mask as m
from aptui.model.hotplug import Seen
from aptui.model.matrix import Matrix
from aptui.model.vfio_ap import Verdict
from aptui.model.routing import COUNTERS, Lane, Route, enters_lane, instruction_text
from aptui.model.vocabulary import HopKind, Op, Where


@attrs.frozen
class Event:
    """One transition of an instruction: issued by the guest, a hop, or the answer back."""

    instruction: int  # running number of the instruction (SCAN steps included)
    seq: int  # the result entry it belongs to
    guest: str
    op: str
    apqn: tuple[int, int] | None
    level: int
    where: str  # guest | firmware | kernel | userspace
    kind: str  # issue | interpret | intercept | reflect | exit | emulate | exception | validity | answer
    text: str
    cycles: int
    time_us: float  # the instruction's issue time (its result's time_us)
    enters: bool = False  # the first hop in its lane: the instruction has just arrived there
    change: int = 0  # the [[change]] whose reset (ZAPQ) this is; 0: an instruction of a request

    @property
    def lane(self) -> Lane:
        return (self.level, self.where)


@attrs.define(slots=True)
class Instruction:
    """The next instruction the engine will issue."""

    number: int
    seq: int
    request: int
    guest: str
    op: str
    apqn: tuple[int, int] | None
    wait_ticks: float
    in_scan: bool


@attrs.define(slots=True)
class Result:
    """One entry of `aptui run --json` (a SCAN holds its QCI and TAPQ steps)."""

    seq: int
    request: int
    guest: str
    level: int
    op: str
    apqn: tuple[int, int] | None
    rc: int | None
    exception: str | None
    route: Route | None
    cycles: int
    time_us: float
    status: str | None = None
    ap_available: bool | None = None
    found: list | None = None
    steps: list | None = None

    @property
    def cc(self) -> int | None:
        return None if self.exception else cc_of(self.rc)


@attrs.define(slots=True)
class Segment:
    """`count` consecutive results that differ only in their number, time and request: the k-th
    is entry `seq + k`, issued when `cycles` were added k times to `clock` (in ticks). They may
    run on through requests that repeat the first one's instruction with no wait: `ends` holds
    the k at which each of those begins (request `request + 1`, then the next)."""

    seq: int
    request: int
    guest: str
    level: int
    op: str
    apqn: tuple[int, int] | None
    route: Route
    rc: int | None
    status: str | None
    clock: float
    count: int
    mhz: int
    ends: tuple[int, ...] = ()

    def request_of(self, k: int) -> int:
        return self.request + bisect_right(self.ends, k) if self.ends else self.request

    def spans(self) -> Iterator[tuple[int, int, int]]:
        """(request, how many of its results, the k of its last) for each request the segment runs through."""
        bounds = (0, *self.ends, self.count)
        for i in range(len(bounds) - 1):
            yield self.request + i, bounds[i + 1] - bounds[i], bounds[i + 1] - 1

    def result(self, k: int) -> Result:
        r = self.route
        return Result(self.seq + k, self.request_of(k), self.guest, self.level, self.op, self.apqn, self.rc,
                      r.exception, r, r.cycles, ticks_after(self.clock, r.cycles, k) / self.mhz, self.status)


class Results:
    """The results of a run so far, read like a list: len() counts every one, indices and slices
    name them from the first, but only the latest (at least `keep`) are kept, as Results or
    Segments; an index older than those is an IndexError, as is iterating once any is gone."""

    def __init__(self, keep: int):
        self._keep = keep
        self._held: deque[tuple[int, Result | Segment]] = deque()  # (index of its first result, it)
        self._first = 0  # index of the oldest result kept
        self._count = 0

    def add(self, entry: Result | Segment) -> None:
        self._held.append((self._count, entry))
        self._count += entry.count if type(entry) is Segment else 1
        held = self._held
        while len(held) > 1 and self._count - held[1][0] >= self._keep:
            held.popleft()
            self._first = held[0][0]

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: int | slice) -> Result | list[Result]:
        if isinstance(i, slice):
            start, stop, step = i.indices(self._count)
            if start < stop and start < self._first:
                raise IndexError(f"results before #{self._first + 1} are not kept")
            return [self[k] for k in range(start, stop, step)]
        k = i + self._count if i < 0 else i
        if not self._first <= k < self._count:
            raise IndexError(f"result index {i} out of the kept #{self._first + 1}..#{self._count}")
        start, entry = self._held[bisect_right(self._held, k, key=itemgetter(0)) - 1]
        return entry.result(k - start) if type(entry) is Segment else entry

    def __iter__(self) -> Iterator[Result]:
        return iter(self[0:])


def result_text(r: Result, compact: bool = False) -> str:
    """A result in words, as the Path panel answers it ('rc 0x01 Q_NOT_AVAIL (cc 3)', 'found 1
    APQN(s)') or, compact, as a table cell or a list row shows it ('rc 01 Q_NOT_AVAIL cc 3',
    'found 1: 05.0004')."""
    if r.exception:
        return f"{r.exception} exception"
    if r.op == Op.SCAN:
        if not r.ap_available:
            return "no AP: QCI raised an exception" if compact else "no AP (QCI raised an exception)"
        if not compact:
            return f"found {len(r.found)} APQN(s)"
        listed = ", ".join(m.format_apqn(*a) for a in r.found[:4]) + (" ..." if len(r.found) > 4 else "")
        return f"found {len(r.found)}: {listed or '-'}"
    if compact:
        return f"rc {r.rc:02x} {rc_name(r.rc, r.op)} cc {r.cc}" + (f" [{r.status}]" if r.status else "")
    return f"rc 0x{r.rc:02x} {rc_name(r.rc, r.op)} (cc {r.cc})" + (f" status {r.status}" if r.status else "")


@attrs.frozen(these={name: attrs.field(default=0) for name in (*(c.field for c in COUNTERS), "cycles")})
class LaneCounters:
    """One lane's counters: each of the model's COUNTERS, then the cycles spent there."""

    def as_tuple(self) -> tuple[int, ...]:
        return attrs.astuple(self)


@attrs.define
class Hotplug:
    """A [[change]] as the run met it (model.hotplug): applied or refused at `time_us`, the ZAPQs
    the parent's vfio_ap issued for the queues that left the guest (their results: route, rc,
    time), what each guest's `hw` lost and gained, and the SCAN (its result's seq) at which each
    guest's AP bus first looked again after it."""

    number: int
    guest: str
    level: int
    time_us: float
    text: str
    new: Matrix  # the matrix the ap_config write asks for
    refusal: Verdict | None
    resets: list[Result]
    seen: list[Seen]
    found_by: dict[str, int] = attrs.Factory(dict)
    callout: str | None = None  # ap-check's refusal of mdevctl modify --live (then `refusal` is None)

    @property
    def refused(self) -> bool:
        return self.refusal is not None or self.callout is not None

    def cost(self) -> dict[Lane, int]:
        """The cycles of the resets per lane; the CRYCB update itself has no figure (see `Engine`)."""
        out: dict[Lane, int] = {}
        for r in self.resets:
            for h in r.route.hops:
                out[h.lane] = out.get(h.lane, 0) + h.cycles
        return out


@attrs.frozen
class Stop:
    """Why a run or a step came back."""

    reason: str  # end | breakpoint | paused | step | reached (a run given `results`)
    event: Event | None = None
    instruction: Instruction | None = None
    breakpoint: object | None = None
    result: Result | None = None  # a step that brought the answer back: the instruction's result


def instruction_events(number: int, seq: int, guest: str, level: int, op: str, apqn, hops, time_us: float,
                       answer: Callable[[], str] | None = None) -> Iterator[Event]:
    """The transitions of an instruction, in order: the guest issues it, one per hop (`enters` on
    the first of its lane), then `answer` back to the guest. `answer` is called only after the
    last hop, when the engine completes the instruction; without it the instruction is in flight."""
    yield Event(number, seq, guest, op, apqn, level, Where.GUEST, HopKind.ISSUE,
                f"{guest} issues {instruction_text(op, apqn)}", 0, time_us)
    for i, h in enumerate(hops):
        yield Event(number, seq, guest, op, apqn, h.level, h.where, h.kind, h.text, h.cycles, time_us,
                    enters_lane(hops, i))
    if answer is not None:
        yield Event(number, seq, guest, op, apqn, level, Where.GUEST, HopKind.ANSWER, answer(), 0, time_us)
