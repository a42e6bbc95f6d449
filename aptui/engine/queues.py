"""An AP queue, physical or emulated, on the simulated clock (spec 5).

Times are in clock ticks (CPU cycles at clock_mhz) so that the clock stays exact. A run of
identical instructions is answered in one call (execute_run), as far as the answer stays the
same; execute answers one instruction.
"""

from __future__ import annotations

from collections import deque

from aptui.engine.clock import first_at_or_after, ticks_after
from aptui.engine.responses import CHECKSTOPPED, DECONFIGURED, NORMAL, Q_FULL, RESET_IN_PROGRESS

_STATE_RC = {"deconfigured": DECONFIGURED, "checkstopped": CHECKSTOPPED}
_BLOCKED_BY_RESET = frozenset({"TAPQ", "NQAP", "DQAP", "AQIC"})  # spec 5: rc 0x02 until the reset completes
STATUS_TEXTS = tuple("".join(c if bits >> (3 - i) & 1 else "-" for i, c in enumerate("ERFI")) for bits in range(16))


class Queue:
    """Request slots (depth), replies and their ready times, reset and interrupt state."""

    __slots__ = ("depth", "process_ticks", "reset_ticks", "state_rc", "slots", "irq", "reset_until")

    def __init__(self, depth: int, process_ticks: float, reset_ticks: float, state: str = "online"):
        self.depth = depth
        self.process_ticks = process_ticks
        self.reset_ticks = reset_ticks
        self.state_rc = _STATE_RC.get(state)
        self.slots: deque[float] = deque()  # ready time of each accepted request, oldest first
        self.irq = False
        self.reset_until = -1.0

    def execute(self, op: str, now: float) -> tuple[int, str | None]:
        """Answer one instruction: (response code, TAPQ status bits or None)."""
        if self.state_rc is not None:
            return self.state_rc, None
        if now < self.reset_until and op in _BLOCKED_BY_RESET:
            return RESET_IN_PROGRESS, None
        if op == "TAPQ":
            return NORMAL, self.status(now)
        if op == "NQAP":
            if len(self.slots) >= self.depth:
                return Q_FULL, None
            self.slots.append(now + self.process_ticks)
            return NORMAL, None
        if op == "DQAP":
            if self.slots and self.slots[0] <= now:
                self.slots.popleft()
                return NORMAL, None
            return Q_FULL, None  # NO_PENDING_REPLY
        if op in ("RAPQ", "ZAPQ"):
            self.slots.clear()
            self.irq = False
            self.reset_until = now + self.reset_ticks
            return NORMAL, None
        if op == "AQIC":
            self.irq = True
            return NORMAL, None
        return NORMAL, None  # QACT

    def execute_run(self, op: str, now: float, cycles: int, count: int) -> tuple[int, int, str | None]:
        """Answer `count` instructions `op`, issued at `now` and then every `cycles` ticks, as far
        as they get the first one's answer: (how many, rc, status). The queue is left as after
        them. The answer changes where the clock reaches the end of a reset or a reply's ready
        time, and where NQAP fills the queue or DQAP finds no reply ready."""
        if self.state_rc is not None:
            return count, self.state_rc, None
        if now < self.reset_until and op in _BLOCKED_BY_RESET:
            return first_at_or_after(now, cycles, count, self.reset_until), RESET_IN_PROGRESS, None
        slots = self.slots
        if op == "TAPQ":  # only R changes, when the oldest reply becomes ready
            ripens = first_at_or_after(now, cycles, count, slots[0]) if slots else count
            return ripens or count, NORMAL, self.status(now)
        if op == "NQAP":
            accepted = min(count, self.depth - len(slots))
            if accepted <= 0:
                return count, Q_FULL, None
            for _ in range(accepted):
                slots.append(now + self.process_ticks)
                now += cycles
            return accepted, NORMAL, None
        if op == "DQAP":
            if not slots:
                return count, Q_FULL, None
            if slots[0] > now:
                return first_at_or_after(now, cycles, count, slots[0]), Q_FULL, None
            taken = 0
            while taken < count and slots and slots[0] <= now:
                slots.popleft()
                taken += 1
                now += cycles
            return taken, NORMAL, None
        if op in ("RAPQ", "ZAPQ"):
            slots.clear()
            self.irq = False
            self.reset_until = ticks_after(now, cycles, count - 1) + self.reset_ticks
            return count, NORMAL, None
        if op == "AQIC":
            self.irq = True
        return count, NORMAL, None  # AQIC, QACT

    def status(self, now: float) -> str:
        """E (empty), R (replies waiting), F (full), I (interrupts enabled); '-' when clear."""
        n = len(self.slots)
        return STATUS_TEXTS[(n == 0) << 3 | (n > 0 and self.slots[0] <= now) << 2 | (n >= self.depth) << 1 | self.irq]
