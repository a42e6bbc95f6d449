"""The command line (spec 9). Imports nothing of Textual unless the console is opened."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

from aptui import __version__
from aptui.formats.opening import Opened, open_path
from aptui.formats.text import printable, printable_lines

COMMANDS = ("run", "check", "demo", "import", "export", "watch")
# sysexits.h EX_SOFTWARE: a fault of aptui's own, never a verdict on the input (check's 1, input errors' 2).
EX_SOFTWARE = 70
DEBUG = "APTUI_DEBUG"  # set (to anything but empty or 0) to see the traceback of such a fault


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if args and args[0] in COMMANDS:
            return _command(args)
        return _console(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except Exception as e:  # MemoryError and RecursionError among them: a bug or the machine, not the input
        return _fault(e)


def _fault(e: Exception) -> int:
    """One line, and the status of its own, for what escaped every reader's checks: a script
    that tests for 1 or 2 must not take aptui's fault for a verdict on its file."""
    if os.environ.get(DEBUG, "") not in ("", "0"):
        import traceback

        sys.stderr.write(printable_lines("".join(traceback.format_exception(e))))
    what = "out of memory" if isinstance(e, MemoryError) else f"internal error: {type(e).__name__}: {str(e)[:200]}"
    print(printable(f"aptui: {what} (set {DEBUG}=1 for the traceback; please report it)"), file=sys.stderr)
    return EX_SOFTWARE


def _parser(**kwargs):
    """argparse's parser, loaded on first use (`_plain` spares `aptui check FILE` its import)."""
    import argparse

    class Parser(argparse.ArgumentParser):
        """Its errors quote the arguments (``unrecognized arguments: ...``): they may hold anything."""

        def error(self, message: str):
            super().error(printable(message))

    parser = Parser(prog="aptui", description="IBM Z crypto (AP) virtualization console.", **kwargs)
    parser.add_argument("--version", action="version", version=f"aptui {__version__}")
    return parser


def _plain(args: list[str]) -> SimpleNamespace | None:
    """`aptui run|check FILE [--json]`, what scripts run most, read as argparse reads it; None
    for anything else (an option, a FILE that starts with -, help), which argparse then parses.
    argparse, gettext, locale and shutil are a tenth of `aptui check`'s start-up."""
    if args[0] in ("run", "check") and len(args) in (2, 3) and not args[1].startswith("-") and args[2:] in ([], ["--json"]):
        return SimpleNamespace(command=args[0], file=args[1], json=len(args) == 3, summary=False, k8s=None, node=None)
    return None


def _command(args: list[str]) -> int:
    parser, ns = (None, _plain(args))
    if ns is None:
        parser, ns = _parse(args)
    if ns.command == "watch":
        return _watch(ns.path, ns.interval)
    if ns.command == "demo":
        return _demo(ns.name)
    if ns.command == "import":
        return _import(ns.kind, ns.path, ns.output)
    from aptui.formats.errors import InputError

    try:
        opened = open_scenario(ns.file)
    except InputError as e:
        print(printable(str(e)), file=sys.stderr)  # FILE:LINE: message, as spec 8 writes it
        return 2
    _say_imported(ns.file, opened)
    scenario = opened.scenario
    if ns.command == "export":
        if ns.change is not None and (ns.guest is not None or ns.hypervisor is not None):
            parser.error("--change names its guest: give --change, or --guest/--hypervisor, not both")
        return _export(ns.kind, scenario, ns.guest, ns.hypervisor, ns.change)
    if ns.command == "run":
        return _run(scenario, ns.json, ns.summary)
    if ns.k8s is None and ns.node is not None:
        parser.error("--node goes with --k8s")
    return _check(scenario, ns.json, ns.k8s, ns.node)


def _parse(args: list[str]):
    import argparse

    parser = _parser()
    from aptui.formats.real.registry import EXPORTS, FORMATS, IMPORTS, NAMED

    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run a scenario's requests headless, in order")
    p.add_argument("file", help="scenario file, or the name of a built-in demo; - reads standard input")
    p.add_argument("--json", action="store_true", help="print one JSON object (spec 9)")
    p.add_argument("--summary", action="store_true", help="print only the per-level summary (with --json: "
                   "{\"scenario\", \"levels\"})")
    p = sub.add_parser("check", help="print the diagnostics of a scenario")
    p.add_argument("file", help="scenario file, or the name of a built-in demo; - reads standard input")
    p.add_argument("--json", action="store_true", help="print {\"diagnostics\": [...]}")
    p.add_argument("--k8s", metavar="JSON", help="also check a Kubernetes CEX device plugin cex_resources.json "
                   "as the plugin on --node reads it")
    p.add_argument("--node", metavar="NAME", help="the guest that runs the plugin (default: the scenario's only "
                   "passthrough guest below an L1, as for export)")
    p = sub.add_parser("demo", help="list the built-in demos, or print one as TOML")
    p.add_argument("name", nargs="?")
    p = sub.add_parser("import", help="build a scenario from a real configuration",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="KIND reads:\n" + "\n".join(f"  {n:9} {NAMED[n].reads}" for n in IMPORTS))
    p.add_argument("kind", choices=IMPORTS)
    p.add_argument("path", help="the file or directory to read (what each KIND reads: below); - reads standard input")
    p.add_argument("-o", "--output", metavar="OUT", help="write the scenario TOML here (default: stdout)")
    p = sub.add_parser("export", help="write a guest's configuration in a real format")
    p.add_argument("kind", choices=EXPORTS)
    p.add_argument("file", help="scenario file, or the name of a built-in demo")
    one_document = " and ".join(f.name for f in FORMATS if f.one_document)
    p.add_argument("--guest", metavar="NAME", help="the guest (default: every passthrough guest below an L1; "
                   f"{one_document} need it when there are several)")
    one_hypervisor = ", ".join(f.name for f in FORMATS if f.one_hypervisor)
    p.add_argument("--hypervisor", metavar="NAME", help="only the guests this guest or LPAR runs as their hypervisor "
                   f"({one_hypervisor} need it when the guests run under several)")
    p.add_argument("--change", metavar="N", type=int, help="the scenario's N-th [[change]] instead, for the running "
                   "guest: mdevctl (the JSON for mdevctl modify --live --jsonfile) or sysfs (one ap_config write)")
    p = sub.add_parser("watch", help="keep a live host's configuration on screen (read-only, polls its sysfs)")
    p.add_argument("path", help="the sysfs tree to read, e.g. /sys")
    p.add_argument("--interval", metavar="SECONDS", type=_interval, default=None,
                   help="seconds between reads (default: 2)")
    return parser, parser.parse_args(args)


def load_scenario(arg: str):
    """A scenario file, or a built-in demo by name (`aptui run 2018`)."""
    return open_scenario(arg).scenario


def open_scenario(arg: str) -> Opened:
    """A scenario file, a built-in demo by name, or a file in a real format, imported
    (formats.opening.open_path)."""
    from aptui import demos
    from aptui.formats.scenario import file as sf
    from aptui.formats.errors import InputError

    if arg == "-":  # standard input, read once: a scenario file (a real format: aptui import KIND -)
        from aptui.formats.files import STDIN, read_text

        return Opened(sf.loads(read_text(STDIN, "a scenario TOML file (aptui import KIND - reads a real format)"),
                               STDIN))
    name = arg[5:] if arg.startswith("demo:") else arg
    try:
        exists = Path(arg).exists()
    except OSError as e:  # a name too long, a directory we may not search
        raise InputError(arg, None, e.strerror or str(e)) from None
    if not exists and name in demos.names():
        return Opened(sf.loads(demos.text(name), demos.label(name)))
    if not exists:
        raise InputError(arg, None, "no such file, and no built-in demo of that name (aptui demo lists them)")
    return open_path(arg)


def _say_imported(arg: str, opened: Opened) -> None:
    """On stderr: that FILE was imported, not read as a scenario, and the import's notes and guesses."""
    if opened.kind is None:
        return
    print(f"aptui: {printable(arg)}: imported from {opened.kind} (not a scenario file; "
          f"aptui import {opened.kind} FILE -o OUT.toml writes the scenario)", file=sys.stderr)
    _say_import(opened.imported)


def _say_import(imported) -> None:
    for note in imported.notes:
        _warn(note)
    for guess in imported.guesses:
        print(f"aptui: guess: {printable(str(guess))}", file=sys.stderr)


def _run(scenario, as_json: bool, summary: bool = False) -> int:
    from aptui.formats.output import results

    out = sys.stdout
    if summary:
        (results.write_summary_json if as_json else results.write_summary)(out, scenario)
    else:
        (results.write_json if as_json else results.write_table)(out, scenario)
    out.flush()
    return 0


def _check(scenario, as_json: bool, k8s: str | None = None, node: str | None = None) -> int:
    from aptui.model.diagnostics import check

    diags = check(scenario)
    if k8s is not None:
        from aptui.formats.errors import InputError
        from aptui.formats.real import k8s as plugin
        from aptui.formats.real.exporting import ExportError, targets
        from aptui.model.cex_plugin import check_crypto_config
        from aptui.model.topology import Topology

        topo = Topology(scenario)
        try:
            read = plugin.read(k8s)
            views = targets(topo, node, any_guest=True)
        except InputError as e:
            print(printable(str(e)), file=sys.stderr)
            return 2
        except ExportError as e:
            print(f"aptui: {printable(str(e))}", file=sys.stderr)
            return 2
        if len(views) > 1:
            print(f"aptui: {len(views)} passthrough guests: name the one that runs the plugin with --node NAME",
                  file=sys.stderr)
            return 2
        for note in read.notes:
            _warn(note)
        diags += check_crypto_config(topo, views[0].name, read.config)
    if as_json:
        import json  # only here: a tenth of `aptui check FILE`'s start-up otherwise

        print(json.dumps({"diagnostics": [d.as_json() for d in diags]}, indent=1))
    else:
        for d in diags:
            apqns = f" [{', '.join(d.apqns[:6])}{', ...' if len(d.apqns) > 6 else ''}]" if d.apqns else ""
            print(printable(f"{d.severity:7} {d.code:30} {d.guest}{apqns}: {d.message}"))
        errors = sum(d.severity == "error" for d in diags)
        print(f"{len(diags)} diagnostic(s), {errors} error(s)" if diags else "no diagnostics", file=sys.stderr)
    return 1 if any(d.severity == "error" for d in diags) else 0


def _import(kind: str, path: str, out: str | None) -> int:
    """Exit status 2, and no file written, when the input cannot be read."""
    import os

    from aptui.formats.errors import InputError
    from aptui.formats.files import STDIN, NotReplaceable, replaced_file, write_atomic
    from aptui.formats.real import convert

    path = STDIN if path == "-" else path

    try:
        replaced = None if out is None else replaced_file(out)  # a device, a FIFO: refused before any work
    except NotReplaceable as e:
        print(printable(str(e)), file=sys.stderr)  # OUT: not a regular file (...)
        return 2
    except OSError as e:  # a name too long, a directory that may not be searched
        print(f"aptui: {printable(out)}: cannot write: {e.strerror or e}", file=sys.stderr)
        return 2
    try:
        if replaced is not None and path != STDIN and os.path.exists(path) and os.path.samestat(replaced, os.stat(path)):
            raise InputError(out, None, "is the input itself: choose another output file")
        imported = convert.read(kind, path)
        text = convert.toml_text(imported, kind, path)
    except InputError as e:
        print(printable(str(e)), file=sys.stderr)  # FILE:LINE: message
        return 2
    _say_import(imported)
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        warning = write_atomic(out, text)
    except OSError as e:
        print(f"aptui: {printable(out)}: cannot write: {e.strerror or e}", file=sys.stderr)
        return 2
    if warning:
        _warn(warning)
    return 0


def _export(kind: str, scenario, guest: str | None, hypervisor: str | None = None, change: int | None = None) -> int:
    from aptui.formats.real import convert, live
    from aptui.formats.real.exporting import ExportError

    try:
        exported = (convert.export(kind, scenario, guest, hypervisor) if change is None
                    else live.export_change(kind, scenario, change))
    except ExportError as e:
        print(f"aptui: {printable(str(e))}", file=sys.stderr)
        return 2
    sys.stdout.write(exported.text)
    sys.stdout.flush()
    for note in exported.notes:
        _warn(note)
    return 0


def _interval(text: str) -> float:
    import argparse

    from aptui.console.watching import MIN_INTERVAL

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not MIN_INTERVAL <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} s: between {MIN_INTERVAL} and 3600 seconds")
    return value


def _watch(path: str, interval: float | None) -> int:
    """The console on the sysfs import of PATH, read again every INTERVAL seconds; nothing is written there."""
    from aptui.console import watching
    from aptui.formats.errors import InputError

    try:
        first = watching.read_host(path)
    except InputError as e:
        print(printable(str(e)), file=sys.stderr)
        return 2
    _say_import(first)
    if not _terminal():
        return 2
    from aptui.ui.app import run_console

    watch = (path, interval or watching.DEFAULT_INTERVAL, first)
    return EX_SOFTWARE if run_console(first.scenario, None, watch=watch) else 0


def _terminal() -> bool:
    if os.environ.get("TERM") == "dumb":  # Textual would draw its escape sequences as text
        print("aptui: the console needs a terminal with cursor addressing (TERM=dumb); "
              "aptui run and aptui check work without one", file=sys.stderr)
        return False
    return True


def _warn(note: str) -> None:
    print(f"aptui: warning: {printable(note)}", file=sys.stderr)


def _demo(name: str | None) -> int:
    from aptui import demos
    from aptui.formats.scenario import file as sf

    if name is None:
        for n in demos.names():
            s = sf.loads(demos.text(n), demos.label(n))
            default = " (default)" if n == demos.DEFAULT else ""
            print(f"{n:24} {s.name}{default}")
        return 0
    if name not in demos.names():
        print(f"aptui: no built-in demo '{printable(name)}'; aptui demo lists them", file=sys.stderr)
        return 2
    sys.stdout.write(demos.text(name))
    return 0


def _console(args: list[str]) -> int:
    parser = _parser(epilog="commands: aptui run|check FILE [--json], aptui demo [NAME], "
                     "aptui import KIND PATH [-o OUT], aptui export KIND FILE [--guest NAME], "
                     "aptui watch PATH [--interval SECONDS]")
    parser.add_argument("file", nargs="?", help="scenario file, or a file or directory in a real format (an "
                        "lszcrypt listing, a sysfs tree, mdevctl configs, a libvirt node device), opened as its "
                        "import (default: the built-in 2018 demo)")
    ns = parser.parse_args(args)
    from aptui import demos
    from aptui.formats.errors import InputError

    if ns.file == "-":
        print("aptui: the console reads its keys from the terminal, not a file from standard input: give FILE "
              "(aptui run - and aptui check - read standard input)", file=sys.stderr)
        return 2
    try:
        opened = open_scenario(ns.file or demos.DEFAULT)
    except InputError as e:
        print(printable(str(e)), file=sys.stderr)  # FILE:LINE: message, as spec 8 writes it
        return 2
    _say_imported(ns.file, opened)
    if not _terminal():
        return 2
    from aptui.ui.app import run_console

    imported = None if opened.kind is None else (opened.kind, opened.imported)
    return EX_SOFTWARE if run_console(opened.scenario, ns.file, imported) else 0  # Textual showed a crash's traceback
