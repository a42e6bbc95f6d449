"""The queue inspector's rows: the state of the AP queue that answers the selected guest's
instructions on the selected APQN (the engine's Queue: request slots and when each reply is
ready, a reset under way, interrupts enabled by AQIC, what TAPQ would say now), and what the
guest's last QCI returned. Read from the engine as the run stands; no Textual here.
"""

from __future__ import annotations

import attrs

from aptui.engine import Engine, result_text
from aptui.model import mask as m
from aptui.model.scenario import HOST
from aptui.model.vocabulary import Outcome

SLOTS_SHOWN = 8  # replies listed one by one; the rest are counted


@attrs.frozen
class Row:
    """One line of the inspector: what, its value, and its tone (a Palette field name)."""

    label: str
    value: str
    tone: str = "strong"


def queue_rows(engine: Engine, guest: str, apqn: tuple[int, int] | None) -> list[Row]:
    """The queue `guest` (HOST: the machine) reaches on `apqn`, then the guest's last QCI."""
    if apqn is None:
        return [Row("queue", "select a matrix cell: the inspector shows its queue", "muted")]
    name = m.format_apqn(*apqn)
    route, queue = engine.queue_of(None if guest == HOST else guest, apqn)
    rows = [Row("queue", _whose(name, route, guest))]
    if route is not None and route.outcome not in (Outcome.PHYSICAL, Outcome.IRQ, Outcome.EMULATED):
        answer = f"{route.exception} exception" if route.exception else f"rc 0x{route.rc:02x}"
        rows.append(Row("answer", f"no queue answers: {answer}" + (f" ({route.why})" if route.why else ""), "warning"))
    elif queue is None:
        state = engine.scenario.host.adapter_or_default(apqn[0]).state
        rows.append(Row("state", "empty: no instruction has reached it yet" if state == "online" else
                        f"{state}: no instruction has reached it yet", "muted" if state == "online" else "error"))
    else:
        rows += _state(engine, queue)
    if guest != HOST:
        rows.append(_qci(engine, guest))
    return rows


def _whose(name: str, route, guest: str) -> str:
    if route is None or route.outcome in (Outcome.PHYSICAL, Outcome.IRQ):
        return f"{name} · physical" + ("" if route is None else f", as {guest} reaches it")
    if route.outcome is Outcome.EMULATED:
        return f"{name} · emulated by {route.owner} (hypothetical nested emulation)"
    return f"{name} · none for {guest}"


def _state(engine: Engine, q) -> list[Row]:
    mhz = engine.scenario.costs.clock_mhz
    now = engine.clock
    if q.state_rc is not None:
        return [Row("state", f"not online: every instruction gets rc 0x{q.state_rc:02x}", "error")]
    ready = sum(t <= now for t in q.slots)
    tone = "warning" if len(q.slots) >= q.depth else "strong"
    rows = [Row("slots", f"{len(q.slots)} of {q.depth} in use · {ready} repl{'y' if ready == 1 else 'ies'} ready", tone)]
    for i, t in enumerate(list(q.slots)[:SLOTS_SHOWN], 1):
        when = "ready" if t <= now else f"in {(t - now) / mhz:.1f}µs"
        rows.append(Row(f"  reply {i}", f"ready at t={t / mhz:.1f}µs ({when})", "success" if t <= now else "muted"))
    if len(q.slots) > SLOTS_SHOWN:
        rows.append(Row("", f"… and {len(q.slots) - SLOTS_SHOWN} more", "muted"))
    if q.reset_until > now:
        rows.append(Row("reset", f"under way until t={q.reset_until / mhz:.1f}µs (in {(q.reset_until - now) / mhz:.1f}µs):"
                        " TAPQ, NQAP, DQAP and AQIC get rc 0x02", "warning"))
    elif q.reset_until >= 0:
        rows.append(Row("reset", f"done at t={q.reset_until / mhz:.1f}µs", "muted"))
    else:
        rows.append(Row("reset", "none yet", "muted"))
    rows.append(Row("interrupts", "enabled (AQIC)" if q.irq else "off (no AQIC)",
                    "success" if q.irq else "muted"))
    rows.append(Row("TAPQ now", q.status(now)))
    return rows


def _qci(engine: Engine, guest: str) -> Row:
    r = engine.last_qci.get(guest)
    if r is None:
        return Row("last QCI", f"{guest} has issued none yet", "muted")
    if r.exception or r.route.matrix is None:
        return Row("last QCI", f"t={r.time_us:.1f}µs: {result_text(r, compact=True)}", "error")
    mx = r.route.matrix
    return Row("last QCI", f"t={r.time_us:.1f}µs: APM {m.format_ids(mx.adapters, 2)} · AQM "
               f"{m.format_ids(mx.usage_domains, 4)} · ADM {m.format_ids(mx.control_domains, 4)}")
