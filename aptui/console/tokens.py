"""The topology tree's tokens and the Levels panel's columns: how each reads and what it means.

The tree's labels are made here, as (entry, text) tokens, and the help screen and the tooltips
read the same TREE_LEGEND: the tree can show nothing that the legend does not explain, and
tests/ui/test_legend.py checks each token's text against its entry's pattern. The Levels
columns are model/routing.py's COUNTERS, with their meanings. No Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from aptui.formats.text import printable
from aptui.model.diagnostics import Diagnostic
from aptui.model.routing import COUNTERS, ap_bus_configuration
from aptui.model.scenario import Adapter
from aptui.model.topology import Topology
from aptui.model.vocabulary import Backend, Guessed


@attrs.frozen
class Entry:
    """One legend line: what the token looks like, the text it matches, what it means."""

    key: str
    shows: str
    pattern: str
    meaning: str

    def matches(self, text: str) -> bool:
        return re.fullmatch(self.pattern, text) is not None


Token = tuple[str, str]  # (Entry.key, the text shown)

SEVERITY_MARK = {"error": "✖", "warning": "⚠", "info": "i"}
BACKEND_LABEL = {Backend.PASSTHROUGH: "passthru", Backend.EMULATED: "emul(hyp)", Backend.NONE: "none"}

TREE_LEGEND = (
    Entry("host", "host", "host", "the machine: level 0, its firmware, PR/SM and the physical adapters"),
    Entry("host-format", "f2 f1", "f[12]", "the machine's CRYCB format: f2 with APXA, else f1 (kvm_s390_set_crycb_format)"),
    Entry("apxa", "APXA, no APXA", "(no )?APXA",
          "AP extended addressing: adapter and domain ids up to ff; without it up to 3f and 000f"),
    Entry("domains", "85 domains", r"\d+ domains", "the machine's domains: ids 0 to N-1"),
    Entry("adapters", "adapters (2)", r"adapters \(\d+\)", "the machine's crypto adapters (collapsed when more than 8)"),
    Entry("adapter", "▪ 05", r"▪ [0-9a-f]{2}", "an adapter, by its id (APID, hex)"),
    Entry("type", "CEX8C", r"CEX\d+[CAP]", "the type lszcrypt shows: the CEX generation and its mode's letter "
          "(C CCA coprocessor, A accelerator, P EP11 coprocessor)"),
    Entry("mode", "cca accel ep11", "cca|accel|ep11", "the adapter's mode"),
    Entry("depth", "d8", r"d\d+", "queue depth: requests a queue of this adapter holds at once (1 to 16)"),
    Entry("state", "deconfigured checkstopped", "deconfigured|checkstopped",
          "an adapter that is not online: its queues answer rc 03 (deconfigured) or 04 (checkstopped)"),
    Entry("breakpoint", "●", "●", "a breakpoint on this guest: the run stops at its instructions (b toggles it)"),
    Entry("breakpoint-off", "○", "○", "a disabled breakpoint on this guest: kept in 8 Breakpoints, it never stops "
          "the run (e there enables it)"),
    Entry("level", "L1 L2 L3", r"L\d+", "the level: L1 an LPAR, L2 a KVM guest of an L1, L3 a guest of an L2 ..."),
    Entry("name", "kvm1", ".+", "the guest's name"),
    Entry("passthru", "passthru", "passthru", "backend passthrough: a vfio_ap mediated device of the parent; the "
          "guest's CRYCB holds the mdev's filtered matrix"),
    Entry("emul(hyp)", "emul(hyp)", r"emul\(hyp\)", "backend emulated, hypothetical: the parent's QEMU would emulate "
          "AP devices (no QEMU does today)"),
    Entry("none", "none", "none", "no AP backend: no vfio-ap device (QEMU still sets APIE when the CPU model has ap)"),
    Entry("format", "f0 f1 f2", "f[012]", "the guest's CRYCB format: f0 and f1 hold adapters 00-3f and domains "
          "0000-000f (APCB0), f2 all 256 × 256 (APCB1)"),
    Entry("apie-on", "APIE✓", "APIE✓", "APIE chain: every hypervisor from the machine down sets APIE, so the "
          "firmware interprets the guest's AP instructions"),
    Entry("apie-off", "APIE✗", "APIE✗", "no APIE chain: the guest's AP instructions are intercepted to a "
          "hypervisor, which emulates them or answers with an operation exception"),
    Entry("no start", "no start", "no start", "the guest, or one above it, cannot start: validity intercept 0x0022 "
          "(a CRYCB format its hypervisor cannot shadow)"),
    Entry("no AP", "no AP", "no AP", "no AP instructions (no ap CPU feature, or a parent without AP): each one "
          "is an operation exception"),
    Entry("gets", "gets 4", r"gets \d+", "the APQNs the guest's AP bus finds: its effective matrix (dim when 0)"),
    Entry("guess", "?type ?depth ?domains ?APXA", r"\?(%s)" % "|".join(Guessed),
          "a value an import filled in because its input does not show it: check it (editing it drops the ?)"),
    *(Entry(f"badge-{sev}", f"{mark}1", rf"{mark}\d+", f"the number of {what} about it in 6 Diagnostics")
      for (sev, mark), what in zip(SEVERITY_MARK.items(), ("errors", "warnings", "notes"))),
)
TREE_ENTRY = {e.key: e for e in TREE_LEGEND}

# The Levels panel: its columns, as its header names them (the counters are model/routing.py's).
LEVELS_LEGEND = (
    ("lane", "where an instruction is handled: the firmware, then each level's kernel (KVM) and user space (QEMU)"),
    *((c.short, f"{c.label}: {c.meaning}") for c in COUNTERS),
    ("cycles", "the cycles spent in the lane (the scenario's costs)"),
    ("last event", "the latest hops there, #N the result they belong to"),
    ("▶", "the lane the current instruction has reached"),
    ("●", "a breakpoint on the lane: the run stops when an instruction reaches it (b)"),
    ("○", "a disabled breakpoint on the lane: kept in 8 Breakpoints, it never stops the run"),
)


def host_tokens(topo: Topology) -> list[Token]:
    h = topo.host
    return [("host", "host"), ("host-format", f"f{h.crycb_format}"), ("apxa", "APXA" if h.apxa else "no APXA"),
            ("domains", f"{h.domains} domains")]


def adapters_tokens(count: int) -> list[Token]:
    return [("adapters", f"adapters ({count})")]


def adapter_tokens(a: Adapter) -> list[Token]:
    out = [("adapter", f"▪ {a.id:02x}"), ("type", a.type_string), ("mode", a.mode), ("depth", f"d{a.depth}")]
    if a.state != "online":
        out.append(("state", a.state))
    return out


def guest_tokens(topo: Topology, name: str, marked: bool | None) -> list[Token]:
    """`marked`: the guest's breakpoint is enabled (True), disabled (False), or there is none."""
    v = topo.view(name)
    g = v.guest
    out = [] if marked is None else [("breakpoint", "●") if marked else ("breakpoint-off", "○")]
    out += [("level", f"L{v.level}"), ("name", printable(name)), (BACKEND_LABEL[g.backend], BACKEND_LABEL[g.backend]),
            ("format", f"f{v.crycb_format}"), ("apie-on", "APIE✓") if v.apie_chain else ("apie-off", "APIE✗")]
    if not v.startable:
        out.append(("no start", "no start"))
    elif not v.has_ap:
        out.append(("no AP", "no AP"))
    else:
        out.append(("gets", f"gets {ap_bus_configuration(topo, name)[0].apqn_count}"))
    return out


def guess_tokens(guessed: frozenset, adapter: int | None) -> list[Token]:
    """``?type`` and the like: the machine's values (`adapter` None: its domain count and APXA; else
    that adapter's type and depth) an import guessed, as (Guessed, adapter id or None) pairs."""
    return [("guess", f"?{what}") for what in Guessed if (what, adapter) in guessed]


def badge_tokens(diagnostics: Iterable[Diagnostic]) -> list[Token]:
    diags = list(diagnostics)
    out = []
    for sev, mark in SEVERITY_MARK.items():
        n = sum(d.severity == sev for d in diags)
        if n:
            out.append((f"badge-{sev}", f"{mark}{n}"))
    return out


def explain(tokens: Iterable[Token]) -> list[tuple[str, str]]:
    """(text, meaning) of each token of a label but the name: the tooltip of a tree node."""
    return [(text, TREE_ENTRY[key].meaning) for key, text in tokens if key != "name"]
