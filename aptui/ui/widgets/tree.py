"""The topology tree: the machine and its adapters, then L1 -> L2 -> L3 ... guests.

Labels are rich Text built from data, never markup: a guest called `[b]x` shows as typed, one
called `a\x1b[2J` shows that escape (`printable`) rather than clearing the terminal.
"""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from aptui.formats.text import printable
from aptui.model.diagnostics import Diagnostic
from aptui.model.routing import ap_bus_configuration
from aptui.model.scenario import HOST
from aptui.model.topology import Topology
from aptui.model.vocabulary import Guessed
from aptui.ui.palette import Palette

BACKEND_LABEL = {"passthrough": "passthru", "emulated": "emul(hyp)", "none": "none"}
FEW_ADAPTERS = 8  # more than this and the adapters start collapsed
SEVERITY_MARK = {"error": "✖", "warning": "⚠", "info": "i"}


class TopologyTree(Tree[tuple[str, object]], can_focus=True):
    BINDING_GROUP_TITLE = "Topology"
    BINDINGS = [
        Binding("plus,insert", "screen.add_guest", "Add guest", tooltip="Add a guest under the selected node"),
        Binding("e", "screen.edit_guest", "Edit", tooltip="Rename, re-parent, backend, format, APIE, features, reserved"),
        Binding("delete,minus", "screen.remove_guest", "Remove", tooltip="Remove the guest, its guests and their requests"),
        Binding("x", "screen.scan", "SCAN", tooltip="Queue a SCAN of the selected guest and show what it finds"),
        Binding("space", "screen.pause", "Pause", show=False, tooltip="Pause a running continue"),
        Binding("enter", "screen.focus_matrix", "Matrix", show=False, tooltip="Edit the matrix of the selected node"),
    ]
    DEFAULT_CSS = """
    TopologyTree { background: $surface; scrollbar-size-horizontal: 0; }
    """

    def __init__(self, **kw):
        super().__init__(Text("host"), data=("host", None), **kw)
        self.guide_depth = 2
        self.auto_expand = False
        self._shape: tuple | None = None
        self._node_of: dict[tuple, TreeNode] = {}
        self._labels: dict[tuple, Text] = {}
        self.rebuilding = True  # cursor moves until the first build and while rebuilding are not the user's
        self._want: tuple | None = None

    def show(self, topo: Topology, diagnostics: list[Diagnostic], marked: set[str], select: tuple | None,
             p: Palette, guessed: frozenset = frozenset()) -> None:
        """Rebuild when the tree's shape changed, else relabel in place (keeps the cursor still).
        `guessed`: (Guessed, adapter id or None) of the machine's values an import guessed."""
        host = topo.host
        shape = (tuple(a.id for a in host.adapters), tuple((n, topo.guests[n].parent) for n in topo.walk()))
        badges = _badges(diagnostics)
        rebuilt = shape != self._shape
        if rebuilt:
            self._shape = shape
            self._labels.clear()
            self.clear()
            self._node_of = {("host", None): self.root}
            group = self.root.add(Text(f"adapters ({len(host.adapters)})", "dim"), data=("host", None),
                                  expand=len(host.adapters) <= FEW_ADAPTERS)
            for a in host.adapters:
                self._node_of[("adapter", a.id)] = group.add_leaf(Text(), data=("adapter", a.id))
            for name in topo.walk():
                parent = self._node_of[("host", None) if topo.guests[name].parent == HOST else ("guest", topo.guests[name].parent)]
                self._node_of[("guest", name)] = parent.add(Text(), data=("guest", name), expand=True)
            self.root.expand()
        self._label(("host", None), with_guesses(_host_label(topo, badges.get(HOST), p), guessed, None, p))
        for a in host.adapters:
            self._label(("adapter", a.id), with_guesses(_adapter_label(a, p), guessed, a.id, p))
        for name in topo.walk():
            self._label(("guest", name), _guest_label(topo, name, badges.get(name), name in marked, p))
        self._want = select
        if rebuilt:  # node lines are laid out on the next refresh; move the cursor after it
            self.rebuilding = True
            self.call_after_refresh(self._select)
        elif not self.rebuilding:
            self._select()

    def point_at(self, select: tuple) -> None:
        """Move the cursor to a node the screen selected (now, or after a rebuild)."""
        self._want = select
        if not self.rebuilding:
            self._select()

    def _select(self) -> None:
        """Put the cursor on the latest selection asked for."""
        self.rebuilding = False
        select = self._want
        node = self._node_of.get(select) if select is not None else None
        if node is None or self.cursor_node is node:
            return
        line = _line_of(self.root, node)
        if line is not None:
            self.move_cursor_to_line(line)  # by line: a fresh node learns its line only when the tree is built
            self.call_after_refresh(self.scroll_to_node, node, animate=False)

    def _label(self, key: tuple, label: Text) -> None:
        """Relabel only what changed: every set_label costs a refresh of the node."""
        if self._labels.get(key) != label:
            self._labels[key] = label
            self._node_of[key].set_label(label)

    @property
    def selected(self) -> tuple[str, object]:
        node = self.cursor_node
        return node.data if node is not None and node.data else ("host", None)


def _line_of(root: TreeNode, target: TreeNode) -> int | None:
    """The line of `target` in the shown tree: expanded nodes in pre-order, the root first."""
    line = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node is target:
            return line
        line += 1
        if node.is_expanded:
            stack.extend(reversed(node.children))
    return None


def _badges(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    out: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        out.setdefault(d.guest, []).append(d)
    return out


def _badge(text: Text, diags: list[Diagnostic] | None, p: Palette) -> None:
    if not diags:
        return
    for sev in ("error", "warning", "info"):
        n = sum(d.severity == sev for d in diags)
        if n:
            text.append(f" {SEVERITY_MARK[sev]}{n}", p.severity(sev))


def with_guesses(label: Text, guessed: frozenset, adapter: int | None, p: Palette) -> Text:
    """`label` and, when an import guessed some of its values, ``?type`` and the like after it:
    for the host (`adapter` None) its domain count and APXA, for an adapter its type and depth."""
    names = [str(what) for what in Guessed if (what, adapter) in guessed]
    if not names:
        return label
    return Text.assemble(label, (" " + " ".join(f"?{n}" for n in names), p.warning), no_wrap=True)


def _host_label(topo: Topology, diags, p: Palette) -> Text:
    h = topo.host
    t = Text.assemble(("host", "bold"), f"  f{h.crycb_format} {'APXA' if h.apxa else 'no APXA'} {h.domains} domains",
                      no_wrap=True)
    _badge(t, diags, p)
    return t


@lru_cache(maxsize=1024)
def _adapter_label(a, p: Palette) -> Text:
    t = Text.assemble(("▪ ", "dim"), (f"{a.id:02x}", "bold"), f" {a.type_string} {a.mode} d{a.depth}", no_wrap=True)
    if a.state != "online":
        t.append(f" {a.state}", p.error)
    return t


def _guest_label(topo: Topology, name: str, diags, marked: bool, p: Palette) -> Text:
    v = topo.view(name)
    g = v.guest
    t = Text(no_wrap=True)
    if marked:
        t.append("● ", p.error)
    t.append(f"L{v.level} ", "bold")
    t.append(printable(name), "bold")
    t.append(f" {BACKEND_LABEL[g.backend]} f{v.crycb_format}", "dim" if g.backend == "passthrough" else "italic")
    t.append(" APIE", "dim")
    t.append("✓" if v.apie_chain else "✗", p.success if v.apie_chain else p.error)
    if not v.startable:
        t.append(" no start", p.error)
    elif not v.has_ap:
        t.append(" no AP", p.error)
    else:
        gets = ap_bus_configuration(topo, name)[0].apqn_count
        t.append(f" gets {gets}", "bold" if gets else "dim")
    _badge(t, diags, p)
    return t

