"""The fuzz oracle, shared by tests/fuzz (hypothesis, seconds) and bench/fuzz.py (thousands
of inputs per format): seed inputs of every reader, mutations, and what must hold for any input
through the real CLI entry, `aptui.cli.main` in-process.

What must hold: exit 0, 1 or 2; no traceback (nothing escapes main, stderr never shows one); every
--json output parses and holds no lone surrogate; no terminal control (C0 but tab and line feed,
DEL, C1) on stdout or stderr; after a failed `import -o OUT`, OUT is unchanged; no temporary
file is left beside OUT; an accepted import loads back, and dumps to the text it wrote; nothing
outside a sysfs tree (a canary behind its links) reaches the output.

Every mutation takes a `random.Random`: the tests get theirs from hypothesis (st.randoms, so a
failure replays from its seed), the bench seeds its own per format.
"""

from __future__ import annotations

import gc
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from aptui import demos
from aptui.cli import main
from aptui.formats.scenario import file as sf
from aptui.formats.errors import InputError
from aptui.model import bounds

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "formats" / "fixtures"
REAL_TOOLS = Path(os.environ.get("APTUI_REAL_TOOLS", ROOT.parent / "shared" / "fixtures" / "real-tools"))
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CANARY = "CANARY-0f1e2d-MUST-NOT-SHOW"
RUN_LIMIT = 20_000  # instructions: `run` only scenarios this short, to keep an example quick
EXPORTS = ("mdevctl", "libvirt", "hostdev", "qemu", "sysfs", "lszcrypt", "k8s")
CLASSES = ("exit status", "traceback", "invalid JSON", "control character", "OUT changed", "temporary file",
           "reload differs", "outside the tree", "sh syntax")

Tree = dict[str, bytes | None]  # relative path -> contents (None: a directory)


# -- seeds -----------------------------------------------------------------------------------------
def _tree(top: Path) -> Tree:
    out: Tree = {}
    for p in sorted(top.rglob("*")):
        out[str(p.relative_to(top))] = None if p.is_dir() else p.read_bytes()
    return out


def _files(*paths: Path) -> list[bytes]:
    return [p.read_bytes() for p in paths if p.is_file()]


def seeds() -> dict[str, list]:
    """Per format, the inputs mutations start from: bytes of a file, or a Tree."""
    real = sorted(REAL_TOOLS.glob("*.txt")) if REAL_TOOLS.is_dir() else []
    return {
        "scenario": [demos.text(n).encode() for n in demos.names()],
        "lszcrypt": _files(*sorted(FIXTURES.glob("lszcrypt*.txt")), *real),
        "sysfs": [_tree(FIXTURES / "sysfs-host")],
        "mdevctl-file": _files(*sorted((FIXTURES / "mdevctl.d" / "matrix").iterdir())),
        "mdevctl-dir": [_tree(FIXTURES / "mdevctl.d")],
        "mdevctl-list": _files(FIXTURES / "mdevctl-list.json"),
        "libvirt": _files(*sorted((FIXTURES / "libvirt").glob("*.xml"))),
    }


FORMATS = tuple(seeds())


# -- mutations -------------------------------------------------------------------------------------
HOSTILE_TEXT = ["\x1b[2J", "\x1b]52;c;QUFBQQ==\x07", "\x9b31m", "\u202e", "\x00", "\r", "\u2028", "名前", "'", '"',
                "$(touch PWNED)", "`x`", "\\", "\n", "\t", "esac", "\ufeff", "\U0001f600"]
HOSTILE_BYTES = [b"\xff", b"\x80", b"\xc3(", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x00"]
NUMBERS = ["1" * 4301, "9" * 5000, "0x" + "f" * 300, "-1", "256", "0x100", "1e999", "nan", "inf", "-0", "1_000",
           "10000000", "10000001", "0", "65535", "0o777", "1.5", "99999999999999999999999"]
TOKENS = {
    "scenario": ['"SCAN"', '"TAPQ"', '"0-255"', '["0-255"]', "[0, 255, 256]", '"host"', "true", '"emulated"',
                 '"none"', '["ap"]', "[]", "{}", '"05.0004"', '"ff.00ff"', '"\\u001b[2J"', '"\\u009b"', '"a\\nb"'],
    "lszcrypt": ["05.0100", "ff", "ff.00ff", "CEX99C", "CEX2P", "EP11-Coproc", "Accelerator", "in use", "deconfig",
                 "chkstop", "vfio_ap", "cex4queue", "CARD.DOM", "DOMAIN", "B", "U", "--", "#", "$"],
    "json": ['"vfio_ap-passthrough"', '"assign_adapter"', '"ap_config"', '"0x100"', '"256"', "null", "true", "[]",
             "{}", '"\\u001b[2J"', '"\\ud800"', '"9f579710-6ffc-4201-987a-4ffa0fb1f3a5"', '"ff,ff,ff"'],
    "xml": ["<!DOCTYPE d [<!ENTITY a 'b'>]>", "<?xml version='1.0' encoding='utf-7'?>", "<attr name='ap_config' "
            "value='x'/>", "<uuid>x</uuid>", "<capability type='pci'/>", "&amp;", "&#27;", "<![CDATA[\x1b]]>"],
}
VOCABULARY = {"scenario": "scenario", "lszcrypt": "lszcrypt", "mdevctl-file": "json", "mdevctl-list": "json",
              "mdevctl-dir": "json", "libvirt": "xml", "sysfs": "lszcrypt"}
NESTING = {"scenario": ("[", "]"), "json": ("[", "]"), "xml": ("<a>", "</a>"), "lszcrypt": ("(", ")")}


def mutate_bytes(data: bytes, rng, vocabulary: str) -> bytes:
    """One to three of: byte flips, truncation, giant numbers, deep nesting, Unicode and control
    characters, bytes that are not UTF-8, tokens of the format, lines dropped or doubled."""
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        data = rng.choice(_MUTATIONS)(data, rng, vocabulary)
    return data


def _at(data: bytes, rng) -> int:
    return rng.randint(0, len(data))


def _flip(data, rng, _):
    if not data:
        return b"\x00"
    i = rng.randrange(len(data))
    return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]


def _truncate(data, rng, _):
    return data[:_at(data, rng)]


def _number(data, rng, _):
    """A giant or odd number in place of one the input has (or anywhere)."""
    found = list(re.finditer(rb"[0-9a-fA-Fx]+", data))
    value = rng.choice(NUMBERS).encode()
    if found and rng.random() < 0.8:
        m = rng.choice(found)
        return data[:m.start()] + value + data[m.end():]
    i = _at(data, rng)
    return data[:i] + value + data[i:]


def _nest(data, rng, vocabulary):
    open_, close = NESTING.get(vocabulary, ("[", "]"))
    n = rng.choice([50, 300, 600, 2000])
    i = _at(data, rng)
    inner = (open_ * n + close * n) if rng.random() < 0.7 else open_ * n
    if vocabulary == "scenario" and rng.random() < 0.5:
        inner = f"\nx = {open_ * n}{close * n}\n"
    return data[:i] + inner.encode() + data[i:]


def _text(data, rng, _):
    i = _at(data, rng)
    return data[:i] + rng.choice(HOSTILE_TEXT).encode("utf-8", "surrogatepass") + data[i:]


def _not_utf8(data, rng, _):
    i = _at(data, rng)
    return data[:i] + rng.choice(HOSTILE_BYTES) + data[i:]


def _token(data, rng, vocabulary):
    """A word or value of the format in place of another: keeps many inputs parseable, deeper in."""
    words = list(re.finditer(rb"[^\s=,:\[\]{}<>'\"]+|\"[^\"\n]*\"", data))
    token = rng.choice(TOKENS[vocabulary] + NUMBERS[:3] + HOSTILE_TEXT[:4]).encode("utf-8")
    if not words:
        return data + token
    m = rng.choice(words)
    return data[:m.start()] + token + data[m.end():]


VALUES = ["1" * 4301, "-" + "9" * 5000, "0x" + "f" * 300, "-1", "256", "0x100", "inf", "nan", "-0.0", "1e300",
          "10000000", "9999999", "0", "255", "16", "17", '"' + "x" * 100_000 + '"', "[" * 600 + "]" * 600,
          "{ a = " * 400 + "1" + " }" * 400, '["0-255"]', '["0x00-0xff", 256]', '"SCAN"', '"QCI"', '"AQIC"',
          '"emulated"', '"none"', '"host"', '["ap"]', '["apqi", "apqci"]', "[]", "{}", r'"\u001b]52;c;QUFBQQ==\u0007"',
          r'"\u009b2J"', r'"a\nb\rc"', '"esac"', r'"\u202e"', '"ff.00ff"', '"05.0100"', '[5, 256]', "true",
          '"12345678-1234-1234-1234-123456789abc"', "1979-05-27", r'"""\n\u001b"""']


def _value(data, rng, vocabulary):
    """Scenario TOML: a value replaced by another that is valid TOML, so the loader's checks are
    reached (a request repeated 10,000,000 times, ids past 255, names with controls...)."""
    if vocabulary != "scenario":
        return _token(data, rng, vocabulary)
    found = list(re.finditer(rb"(?m)^([ \t]*[A-Za-z_][\w.-]*[ \t]*=[ \t]*)(.+)$", data))
    if not found:
        return _token(data, rng, vocabulary)
    m = rng.choice(found)
    return data[:m.start(2)] + rng.choice(VALUES).encode() + data[m.end(2):]


def _lines(data, rng, _):
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    if rng.random() < 0.5:
        return b"\n".join(lines[:i] + lines[i + 1:])
    return b"\n".join(lines[:i + 1] + lines[i:i + 1] * rng.randint(1, 50) + lines[i + 1:])


_MUTATIONS: list[Callable] = [_flip, _truncate, _number, _number, _nest, _text, _text, _not_utf8, _token, _token,
                              _token, _lines, _value, _value, _value]


def mutate_tree(tree: Tree, rng, vocabulary: str) -> list[tuple]:
    """Operations that build a mutated copy of `tree`: ("file", path, bytes), ("dir", path),
    ("link", path, target) where target is "canary", "canary-dir", "loop", "dangling" or a path of
    the tree, ("fifo", path). One to three changes: a file's bytes, an entry renamed to a hostile
    name, replaced by a link (out of the tree, to itself, nowhere, within), removed, a FIFO or a
    directory in its place, a queue or card directory added."""
    entries = dict(tree)
    links: dict[str, str] = {}
    fifos: set[str] = set()
    for _ in range(rng.randint(1, 3)):
        paths = sorted(entries)
        if not paths:
            break
        path = rng.choice(paths)
        what = rng.random()
        if what < 0.45 and entries[path] is not None:
            entries[path] = mutate_bytes(entries[path], rng, vocabulary)
        elif what < 0.55:
            name = path.rsplit("/", 1)[-1]
            hostile = rng.choice(["\x1b[2J", "\x9b", "\udcff", "\n", " ", "x" * 200, "'$(x)'"])
            new = path[: len(path) - len(name)] + (name + hostile if rng.random() < 0.5 else hostile)
            for p in [p for p in entries if p == path or p.startswith(path + "/")]:
                entries[new + p[len(path):]] = entries.pop(p)
        elif what < 0.75:
            _drop(entries, path)
            links[path] = rng.choice(["canary", "canary-dir", "loop", "dangling", rng.choice(paths)])
        elif what < 0.82:
            _drop(entries, path)
        elif what < 0.87:
            _drop(entries, path)
            fifos.add(path)
        elif what < 0.92:
            _drop(entries, path)
            entries[path] = None
        else:
            parent = rng.choice([p for p in paths if entries[p] is None] or [""])
            entries[f"{parent}/{rng.choice(['05.0100', '05.0004', 'cardff', 'card05', '0a.00ff'])}".lstrip("/")] = None
    made = sorted(entries.items(), key=lambda e: e[0].count("/"))  # parents first
    return ([("dir", p) if v is None else ("file", p, v) for p, v in made]
            + [("link", p, t) for p, t in links.items()] + [("fifo", p) for p in sorted(fifos)])


def _drop(entries: Tree, path: str) -> None:
    for p in [p for p in entries if p == path or p.startswith(path + "/")]:
        del entries[p]


def build_tree(root: Path, operations: list[tuple], outside: Path) -> None:
    """Make the mutated tree at `root`; links out of it lead to `outside`, which holds the canary."""
    root.mkdir(parents=True, exist_ok=True)
    for op in operations:
        p = root / op[1]
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            if op[0] == "dir":
                p.mkdir(exist_ok=True)
            elif op[0] == "file":
                if not p.is_dir():
                    p.write_bytes(op[2])
            elif op[0] == "fifo":
                os.mkfifo(p)
            elif op[0] == "link":
                target = {"canary": outside / "canary", "canary-dir": outside, "loop": p,
                          "dangling": outside / "nothing"}.get(op[2], root / op[2])
                p.symlink_to(target)
        except OSError:
            pass  # an earlier change took the place: the tree is only ever an input


# -- running the CLI ---------------------------------------------------------------------------------
class Outcome:
    def __init__(self, args: list[str], code, out: str, err: str, escaped: BaseException | None):
        self.args, self.code, self.out, self.err, self.escaped = args, code, out, err, escaped


def invoke(args: list[str]) -> Outcome:
    """`aptui.cli.main(args)` with stdout and stderr captured as a UTF-8 terminal would take them
    (strict: a lone surrogate written is an error, as on a real UTF-8 stdout)."""
    captured = [_Kept(), _Kept()]
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (io.TextIOWrapper(b, encoding="utf-8", errors="strict", newline="\n") for b in captured)
    escaped = None
    try:
        code = main(args)
    except SystemExit as e:  # argparse
        code = e.code
    except BaseException as e:  # noqa: BLE001 - anything that escapes main is a failure to report
        code, escaped = None, e
    finally:
        for wrapper in (sys.stdout, sys.stderr):
            try:
                wrapper.flush()
            except (ValueError, UnicodeError):  # closed (a broken pipe), or a surrogate left in its buffer
                pass
        sys.stdout, sys.stderr = streams
        gc.enable()  # `aptui run` disables the collector for its process
    out, err = (b.getvalue().decode("utf-8", "replace") for b in captured)
    return Outcome(args, code, out, err, escaped)


class _Kept(io.BytesIO):
    """A buffer whose text wrapper may close it (main closes stderr on a broken pipe) and which
    still gives what was written."""

    def close(self) -> None:
        pass


def problems(o: Outcome, as_json: bool = False, canary: bool = False) -> list[tuple[str, str]]:
    """(class, detail) for each rule an outcome breaks."""
    found = []
    where = " ".join(map(repr, o.args))[:300]
    if o.escaped is not None or "Traceback (most recent call last)" in o.err:
        found.append(("traceback", f"{where}: {o.escaped!r}" if o.escaped else f"{where}: {o.err[-300:]}"))
    elif o.code not in (0, 1, 2):
        found.append(("exit status", f"{where}: exit {o.code}: {o.err[-300:]}"))
    if CONTROLS.search(o.out) or CONTROLS.search(o.err):
        found.append(("control character", f"{where}: {CONTROLS.search(o.out + o.err).group()!r}"))
    if as_json and o.code in (0, 1):
        try:
            json.dumps(json.loads(o.out), ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeError) as e:
            found.append(("invalid JSON", f"{where}: {e}"))
    if canary and CANARY in o.out + o.err:
        found.append(("outside the tree", where))
    return found


# -- one input, every command that reads it --------------------------------------------------------
IMPORT_KIND = {"lszcrypt": "lszcrypt", "sysfs": "sysfs", "mdevctl-file": "mdevctl", "mdevctl-dir": "mdevctl",
               "mdevctl-list": "mdevctl", "libvirt": "libvirt"}


class Checked:
    """What went wrong with one input, (class, detail) each, and the exit statuses of its commands."""

    def __init__(self):
        self.problems: list[tuple[str, str]] = []
        self.exits: list = []

    def add(self, o: Outcome, as_json: bool = False, canary: bool = False) -> Outcome:
        self.exits.append(o.code)
        self.problems += problems(o, as_json, canary)
        return o


def check_input(fmt: str, rng) -> Checked:
    """Build one mutated input of `fmt` in a fresh directory and feed it to every command that
    reads that format."""
    seed = rng.choice(SEEDS[fmt])
    vocabulary = VOCABULARY[fmt]
    with tempfile.TemporaryDirectory(prefix="aptui-fuzz-") as tmp:
        tmp = Path(tmp)
        outside = tmp / "outside"
        outside.mkdir()
        (outside / "canary").write_text(CANARY + "\n")
        name = rng.choice(["input", "in\x1b[2Jput", os.fsdecode(b"in\xffput"), "in put'$(x)"])
        src = tmp / "in" / name
        src.parent.mkdir()
        if isinstance(seed, dict):
            build_tree(src, mutate_tree(seed, rng, vocabulary), outside)
        else:
            src.write_bytes(mutate_bytes(seed, rng, vocabulary))
        checked = Checked()
        if fmt == "scenario":
            _scenario(checked, src, rng)
        else:
            _import(checked, IMPORT_KIND[fmt], src, tmp / "out", fmt == "sysfs", to_stdout=rng.random() < 0.3)
        return checked


def _scenario(checked: Checked, src: Path, rng) -> None:
    checked.add(invoke(["check", str(src)]))
    checked.add(invoke(["check", str(src), "--json"]), as_json=True)
    try:
        s = sf.load(src)
    except Exception:  # noqa: BLE001 - an input error, or a fault that `check` has reported already
        return
    guests = {g.name: g for g in s.guests}
    if sum(bounds.instructions(r, guests[r.guest]) for r in s.requests) <= RUN_LIMIT:
        checked.add(invoke(["run", str(src), "--json"]), as_json=True)
        checked.add(invoke(["run", str(src)]))
    kind = rng.choice(EXPORTS)
    o = checked.add(invoke(["export", kind, str(src)]))
    if kind == "sysfs" and o.code == 0 and shutil.which("sh"):
        parsed = subprocess.run(["sh", "-n"], input=o.out, capture_output=True, text=True)
        if parsed.returncode != 0:
            checked.problems.append(("sh syntax", f"{src}: {parsed.stderr[:200]}"))


SENTINEL = "# a good file that a failed import must leave alone\n"


def _import(checked: Checked, kind: str, src: Path, out_dir: Path, canary: bool, to_stdout: bool) -> None:
    """`import KIND SRC`, to stdout or with -o OUT over a good file; an accepted import is loaded
    back and must dump to the text written (its comment lines aside)."""
    found = checked.problems
    if to_stdout:
        o = checked.add(invoke(["import", kind, str(src)]), canary=canary)
        if o.code == 0:
            _reloads(found, src, o.out)
        return
    out_dir.mkdir()
    out = out_dir / "out.toml"
    out.write_text(SENTINEL)
    before = os.stat(out)
    o = checked.add(invoke(["import", kind, str(src), "-o", str(out)]), canary=canary)
    left = sorted(p.name for p in out_dir.iterdir())
    if left != ["out.toml"]:
        found.append(("temporary file", f"{src}: {left}"))
    text = out.read_bytes().decode("utf-8", "replace") if out.exists() else None
    if o.code != 0:
        after = os.stat(out) if out.exists() else None
        if text != SENTINEL or after is None or after.st_ino != before.st_ino:
            found.append(("OUT changed", f"{src}: exit {o.code}"))
    elif text is not None:
        if canary and CANARY in text:
            found.append(("outside the tree", f"{src}: in OUT"))
        if CONTROLS.search(text):
            found.append(("control character", f"{src}: in OUT"))
        _reloads(found, src, text)


def _reloads(found: list, src: Path, text: str) -> None:
    try:
        if sf.dumps(sf.loads(text)) != re.sub(r"\A(#[^\n]*\n)+", "", text):
            found.append(("reload differs", f"{src}: dumps(loads(OUT)) is not OUT"))
    except InputError as e:
        found.append(("reload differs", f"{src}: {e}"))


SEEDS = seeds()
