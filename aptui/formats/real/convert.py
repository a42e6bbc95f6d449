"""``aptui import`` and ``aptui export`` (spec 9): real formats in and out.

Each format lives in its own module, found through the registry; this one picks it, and turns
what it reads into scenario TOML with its notes as comments. It returns text and notes and raises errors, so that
the command line prints them and the console previews them before it writes anything.
"""

from __future__ import annotations

from aptui import __version__
from aptui.formats.real import apmasks
from aptui.formats.real.exporting import ExportError, Exported, on_hypervisor, targets
from aptui.formats.real.importing import Imported
from aptui.formats.real.registry import EXPORTS, IMPORTS, NAMED
from aptui.formats.errors import InputError
from aptui.formats.files import STDIN
from aptui.formats.scenario.file import dumps, loads
from aptui.formats.text import printable
from aptui.model.diagnostics import check
from aptui.model.scenario import Scenario
from aptui.model.topology import Topology


# -- import --------------------------------------------------------------------------------------
def read(kind: str, path: str) -> Imported:
    """The scenario a real configuration describes, and what could not be carried over exactly.
    Raises InputError (FILE:LINE: message) for what cannot be read: the readers say why where
    they can, and any path that cannot be listed or stat'ed on the way (too long, not searchable,
    a loop of links) is the input's fault too."""
    if kind not in IMPORTS:
        raise ValueError(f"unknown import kind {kind!r}; one of {', '.join(IMPORTS)}")
    try:
        return NAMED[kind].function(NAMED[kind].read)(path)
    except OSError as e:
        raise InputError(e.filename or path, None, f"cannot read: {e.strerror or e}") from None


def read_recognised(path: str) -> tuple[str, Imported] | None:
    """The import of a file or directory in a real format (`aptui FILE` on a listing, a sysfs tree,
    an mdevctl config, a node device), as its content tells, checked as `aptui import` checks it;
    None when it is none of them. Raises InputError when it is one but cannot be read."""
    from aptui.formats.real.sniffing import recognise

    kind = recognise(path)
    if kind is None:
        return None
    imported = read(kind, path)
    toml_text(imported, kind, path)
    return kind, imported


def import_scenario(kind: str, path: str) -> Scenario:
    return read(kind, path).scenario


def toml_text(imported: Imported, kind: str, path: str) -> str:
    """The scenario file, its notes kept as comments at the top. Loaded back before it is
    returned: an import that aptui would refuse to open, or would open changed, is an InputError
    of its input, never a file written."""
    shown = "-" if path == STDIN else printable(path)
    head = [f"# Imported by `aptui import {kind} {shown}` (aptui {__version__})."]
    head += [f"# warning: {printable(n)}" for n in imported.notes]
    head += [f"# guess: {printable(str(g))}" for g in imported.guesses]
    text = "\n".join(head) + "\n" + dumps(imported.scenario)
    try:
        same = loads(text, path) == imported.scenario
    except InputError as e:
        raise InputError(path, None, f"imported, but aptui would not load the result: {e.message}") from None
    if not same:
        raise InputError(path, None, "imported, but the scenario file would not load back the same")
    return text


# -- export --------------------------------------------------------------------------------------
def export(kind: str, scenario: Scenario, guest: str | None = None, hypervisor: str | None = None) -> Exported:
    """One guest's configuration in a real format, or every passthrough guest's when ``guest`` is
    None (of the guests of ``hypervisor`` when it is named). Raises ExportError when that cannot
    be made."""
    if kind not in EXPORTS:
        raise ValueError(f"unknown export kind {kind!r}; one of {', '.join(EXPORTS)}")
    fmt = NAMED[kind]
    topo = Topology(scenario)
    views = on_hypervisor(topo, targets(topo, guest, any_guest=fmt.any_guest), hypervisor, fmt.one_hypervisor)
    if fmt.one_document and len(views) > 1:
        raise ExportError(f"{len(views)} passthrough guests ({', '.join(repr(v.name) for v in views)}) and {kind} "
                          "writes one guest per document: choose one with --guest NAME")
    names = {v.name for v in views}
    notes = [f"{d.guest}: aptui check reports {d.code}: {d.message}"
             for d in check(scenario, topo) if d.severity == "error" and d.guest in names]
    if fmt.needs_masks:
        notes.append(apmasks.masks_note(topo, views))
    written = fmt.function(fmt.export)(topo, views, guest is not None)
    return Exported(written.text, (*notes, *written.notes))


def export_text(kind: str, scenario: Scenario, guest: str | None = None) -> str:
    return export(kind, scenario, guest).text
