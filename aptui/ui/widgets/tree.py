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

from aptui.console import tokens as tk
from aptui.console.tokens import Token
from aptui.model.diagnostics import Diagnostic
from aptui.model.scenario import HOST
from aptui.model.topology import Topology
from aptui.ui.legend import legend_text
from aptui.ui.palette import Palette

FEW_ADAPTERS = 8  # more than this and the adapters start collapsed


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
        self._tokens: dict[int, tuple[Token, ...]] = {}  # by node id: what its label says, for its tooltip
        self.rebuilding = True  # cursor moves until the first build and while rebuilding are not the user's
        self._want: tuple | None = None

    def show(self, topo: Topology, diagnostics: list[Diagnostic], marked: dict[str, bool], select: tuple | None,
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
            self._tokens.clear()
            self.clear()
            self._node_of = {("host", None): self.root}
            group_tokens = tuple(tk.adapters_tokens(len(host.adapters)))
            group = self.root.add(_text(group_tokens, p), data=("host", None),
                                  expand=len(host.adapters) <= FEW_ADAPTERS)
            self._tokens[group.id] = group_tokens
            for a in host.adapters:
                self._node_of[("adapter", a.id)] = group.add_leaf(Text(), data=("adapter", a.id))
            for name in topo.walk():
                parent = self._node_of[("host", None) if topo.guests[name].parent == HOST else ("guest", topo.guests[name].parent)]
                self._node_of[("guest", name)] = parent.add(Text(), data=("guest", name), expand=True)
            self.root.expand()
        self._label(("host", None), (*_host_tokens(topo, badges.get(HOST)), *tk.guess_tokens(guessed, None)), p)
        for a in host.adapters:
            self._label(("adapter", a.id), (*tk.adapter_tokens(a), *tk.guess_tokens(guessed, a.id)), p)
        for name in topo.walk():
            self._label(("guest", name), _guest_tokens(topo, name, badges.get(name), marked.get(name)), p)
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

    def _label(self, key: tuple, tokens: tuple[Token, ...], p: Palette) -> None:
        """Relabel only what changed: every set_label costs a refresh of the node."""
        self._tokens[self._node_of[key].id] = tokens
        label = _text(tokens, p)
        if self._labels.get(key) != label:
            self._labels[key] = label
            self._node_of[key].set_label(label)

    def watch_hover_line(self, previous: int, line: int) -> None:
        """The hovered node's tokens and what each means, as its tooltip."""
        super().watch_hover_line(previous, line)
        node = self._get_node(line)
        tokens = None if node is None else self._tokens.get(node.id)
        self.tooltip = legend_text(tk.explain(tokens)) if tokens else None

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


def _host_tokens(topo: Topology, diags) -> tuple[Token, ...]:
    return (*tk.host_tokens(topo), *tk.badge_tokens(diags or ()))


def _guest_tokens(topo: Topology, name: str, diags, marked: bool | None) -> tuple[Token, ...]:
    return (*tk.guest_tokens(topo, name, marked), *tk.badge_tokens(diags or ()))


@lru_cache(maxsize=1024)
def _text(tokens: tuple[Token, ...], p: Palette) -> Text:
    """A label from its tokens (console/tokens.py), styled by what each one is."""
    t = Text(no_wrap=True)
    quiet = "dim"  # a passthrough guest's backend and format; an emulated one's are italic
    for key, text in tokens:
        if t:
            t.append(" ")
        if key == "adapter":
            t.append(text[:2], "dim")
            t.append(text[2:], "bold")
        elif key in ("apie-on", "apie-off"):
            t.append(text[:-1], "dim")
            t.append(text[-1], p.success if key == "apie-on" else p.error)
        elif key in ("emul(hyp)", "none"):
            quiet = "italic"
            t.append(text, quiet)
        elif key.startswith("badge-"):
            t.append(text, p.severity(key.removeprefix("badge-")))
        elif key == "guess":
            t.append(text, p.warning)
        else:
            t.append(text, {"host": "bold", "level": "bold", "name": "bold", "adapters": "dim", "passthru": quiet,
                            "format": quiet, "gets": "dim" if text == "gets 0" else "bold", "breakpoint-off": "dim"}.get(key) or
                     (p.error if key in ("breakpoint", "state", "no start", "no AP") else ""))
    return t
