"""`aptui watch PATH`: a live host's sysfs read again and again, and what changed between two
reads, in words an operator reads at a glance (guests, adapters and domains added or removed).
No Textual here: the console polls in a worker thread and shows these lines."""

from __future__ import annotations

from aptui.formats.errors import InputError
from aptui.formats.real import convert
from aptui.formats.real.importing import Imported, ids_text
from aptui.model.scenario import Guest, Scenario

DEFAULT_INTERVAL = 2.0  # seconds between reads: the AP bus itself rescans every config_time (30 s)
MIN_INTERVAL = 0.2  # a floor: each read lists every card directory


def read_host(path: str) -> Imported:
    """One read of the tree, as `aptui import sysfs PATH` makes it. Read-only: nothing is written."""
    return convert.read("sysfs", path)


def poll(path: str) -> Imported | InputError:
    """A read for the worker thread: the import, or why the tree cannot be read now (a card
    directory that vanished mid-read, a tree unmounted), never an exception."""
    try:
        return read_host(path)
    except InputError as e:
        return e


def changes(old: Scenario, new: Scenario) -> list[str]:
    """What differs between two reads of a host: the machine's adapters, then each guest (added,
    removed, or its adapters and usage and control domains added or removed). Empty when equal
    in all of that; other differences (a card's state, depth) are said as one line."""
    out = _ids_change("the machine", "adapters", {a.id for a in old.host.adapters}, {a.id for a in new.host.adapters})
    before = {g.name: g for g in old.guests}
    after = {g.name: g for g in new.guests}
    out += [f"guest {n} added ({_matrix_text(after[n])})" for n in after if n not in before]
    out += [f"guest {n} removed" for n in before if n not in after]
    for name in (n for n in after if n in before):
        b, a = before[name], after[name]
        for what in ("adapters", "usage_domains", "control_domains"):
            out += _ids_change(f"guest {name}", what.replace("_", " "), getattr(b, what), getattr(a, what))
    if not out and old != new:
        changed = [a.id for a in new.host.adapters if a not in old.host.adapters]
        out.append(f"adapters {ids_text(changed)} changed (state, type or depth)" if changed
                   else "the configuration changed (reserved queues, the machine's limits or features)")
    return out


def _ids_change(whose: str, what: str, before, after) -> list[str]:
    added, removed = set(after) - set(before), set(before) - set(after)
    out = []
    if added:
        out.append(f"{whose}: {what} {ids_text(added)} added")
    if removed:
        out.append(f"{whose}: {what} {ids_text(removed)} removed")
    return out


def _matrix_text(g: Guest) -> str:
    return f"adapters {ids_text(g.adapters) or 'none'}, usage domains {ids_text(g.usage_domains) or 'none'}"
