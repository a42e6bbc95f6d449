"""A live change in words, as `aptui run`'s table and the console's Path panel write it: its own
module, so that the console does not load the run writers (and json) to show one."""

from __future__ import annotations

from aptui.engine.events import Hotplug, result_text
from aptui.formats.text import printable
from aptui.model import mask as m
from aptui.model.routing import lane_name


def change_lines(c: Hotplug, scanned: dict[str, int]) -> list[str]:
    """A change in words, one line each: what was written, the resets, what each guest lost and gained."""
    head = f"-- change {c.number} at {c.time_us:.1f} us: {printable(c.text)}: "
    if c.callout is not None:
        return [head + f"mdevctl modify --live refused by ap-check ({printable(c.callout)}); nothing changes\n"]
    if c.refusal is not None:
        return [head + f"ap_config refused ({c.refusal.errno}: {printable(c.refusal.message)}); nothing changes\n"]
    out = [head + "ap_config written\n"]
    for r in c.resets:
        out.append(f"   {printable(r.guest)}'s vfio_ap resets {m.format_apqn(*r.apqn)}: ZAPQ {result_text(r, compact=True)}, "
                   f"{lane_name(r.route.handled_by)}, {r.cycles} cycles\n")
    for x in c.seen:
        parts = []
        if x.lost:
            parts.append(f"loses {_apqn_list(x.lost)} at once")
        if x.gained:
            seq = scanned.get(x.guest)
            parts.append(f"gains {_apqn_list(x.gained)}, found by its AP bus at "
                         + (f"its next SCAN (#{seq})" if seq else "its next SCAN (none in this run)"))
        out.append(f"   {printable(x.guest)} (L{x.level}) " + "; ".join(parts) + "\n")
    return out


def _apqn_list(apqns) -> str:
    shown = ", ".join(m.format_apqn(*q) for q in apqns[:4])
    return shown + (f" +{len(apqns) - 4}" if len(apqns) > 4 else "")
