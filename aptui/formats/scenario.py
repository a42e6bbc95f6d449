"""Scenario files (spec 8): TOML in, TOML out.

Every input error is an InputError naming FILE:LINE and the key. Saving writes a
temporary file next to the target and renames it over, so the old file stays whole
until the new one is complete.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from pathlib import Path

from aptui.formats.errors import InputError
from aptui.formats.files import read_text, write_atomic
from aptui.formats.toml_lines import key_lines, line_of
from aptui.model import mask as m
from aptui.model.scenario import (
    UUID, ADAPTER_TYPES, BACKENDS, FEATURES, HOST, MODES, OPS, OPS_WITHOUT_APQN, STATES, Adapter, Costs, Guest, Host,
    Policy, Request, Reserved, Scenario,
)

TOP_KEYS = ("format", "name", "description", "host", "guest", "request", "policy", "costs")
HOST_KEYS = ("apxa", "adapters", "domains")
ADAPTER_KEYS = ("id", "type", "mode", "depth", "state")
GUEST_KEYS = ("name", "parent", "backend", "adapters", "usage_domains", "control_domains", "crycb_format", "apie",
              "features", "reserved", "uuid")
RESERVED_KEYS = ("adapters", "domains")
REQUEST_KEYS = ("guest", "op", "apqn", "repeat", "wait_us")
POLICY_KEYS = ("nested_emulation",)
COST_KEYS = tuple(f.name for f in Costs.__attrs_attrs__)
_US_COSTS = ("accel_us", "cca_us", "ep11_us", "reset_us")
MAX_REPEAT = 10**7  # every executed instruction is kept as a result
MAX_CYCLES = 10**12
MAX_MHZ = 10**6
MAX_US = 1e12
_RANGE = re.compile(r"^\s*(0[xX][0-9a-fA-F]+|[0-9]+)\s*-\s*(0[xX][0-9a-fA-F]+|[0-9]+)\s*$")


def load(path: str | os.PathLike) -> Scenario:
    p = str(path)
    return loads(read_text(p, "a scenario TOML file"), p, default_name=Path(p).stem)


def loads(text: str, path: str = "<scenario>", default_name: str = "scenario") -> Scenario:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        found = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(found.group(1)) if found else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg).rstrip(".")
        if "end of document" in msg or "(at end" in msg:
            line = text.count("\n") + 1
            msg = re.sub(r"\s*\(at end of document\)", "", msg)
        raise InputError(path, line, f"not valid TOML: {msg}") from None
    return _Reader(path, text).scenario(doc, default_name)


class _Reader:
    def __init__(self, path: str, text: str):
        self.path = path
        self.text_ = text
        self._lines: dict | None = None

    @property
    def lines(self) -> dict:
        """Key paths to lines, computed only when an error needs one."""
        if self._lines is None:
            self._lines = key_lines(self.text_)
        return self._lines

    def fail(self, where: tuple, message: str):
        raise InputError(self.path, line_of(self.lines, where), message)

    # -- primitives ----------------------------------------------------------------------
    def keys(self, table: dict, allowed: tuple, where: tuple, what: str) -> None:
        for k in table:
            if k not in allowed:
                near = _close(k, allowed)
                hint = f" (did you mean '{near[0]}'?)" if near else f" (known: {', '.join(allowed)})"
                self.fail(where + (k,), f"{what}: unknown key '{k}'{hint}")

    def typed(self, value, kinds, where: tuple, what: str, expected: str):
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            self.fail(where, f"{what}: expected {expected}, got {_show(value)}")
        return value

    def text(self, value, where, what) -> str:
        return self.typed(value, (str,), where, what, "a string")

    def integer(self, value, where, what, lo: int, hi: int | None = None) -> int:
        v = self.typed(value, (int,), where, what, "an integer")
        if v < lo or (hi is not None and v > hi):
            self.fail(where, f"{what}: {_show(v)} is outside {lo}..{hi if hi is not None else 'inf'}")
        return v

    def number(self, value, where, what, hi: float = MAX_US) -> float:
        v = self.typed(value, (int, float), where, what, "a number")
        if isinstance(v, int) and not 0 <= v <= hi or isinstance(v, float) and not (math.isfinite(v) and 0 <= v <= hi):
            self.fail(where, f"{what}: {_show(v)} is outside 0..{hi:g}")
        return v

    def choice(self, value, choices, where, what) -> str:
        v = self.text(value, where, what)
        if v not in choices:
            near = _close(v, choices)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            self.fail(where, f"{what}: unknown value '{v}'{hint}; use one of {', '.join(choices)}")
        return v

    def ids(self, value, where, what) -> frozenset[int]:
        """A list of ids 0..255; strings 'a-b' (decimal or 0x hex) stand for ranges."""
        items = self.typed(value, (list,), where, what, "a list of ids")
        out: set[int] = set()
        for i, x in enumerate(items):
            if isinstance(x, str):
                r = _RANGE.match(x)
                if not r:
                    self.fail(where + (i,), f"{what}: '{x}' is neither an id nor a range like '0x10-0x1f'")
                lo, hi = _id_number(r.group(1)), _id_number(r.group(2))
                if not (0 <= lo <= hi <= 255):
                    self.fail(where + (i,), f"{what}: range '{x}' must lie within 0..255, low to high")
                out.update(range(lo, hi + 1))
            else:
                out.add(self.integer(x, where + (i,), what, 0, 255))
        return frozenset(out)

    def apqn(self, value, where, what) -> tuple[int, int]:
        if isinstance(value, str):
            try:
                return m.parse_apqn(value)
            except ValueError as e:
                self.fail(where, f"{what}: {e}")
        if isinstance(value, list) and len(value) == 2:
            a = self.integer(value[0], where + (0,), f"{what} adapter", 0, 255)
            d = self.integer(value[1], where + (1,), f"{what} domain", 0, 255)
            return a, d
        self.fail(where, f"{what}: expected \"aa.dddd\" (hex, e.g. \"05.0004\") or [adapter, domain], got {_show(value)}")

    def table(self, doc: dict, key: str, where: tuple) -> dict:
        v = doc.get(key, {})
        if not isinstance(v, dict):
            self.fail(where + (key,), f"'{key}' must be a table ([{key}]), got {_show(v)}")
        return v

    def array_of_tables(self, doc: dict, key: str) -> list[dict]:
        v = doc.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            self.fail((key,), f"'{key}' must be an array of tables ([[{key}]])")
        return v

    # -- sections ------------------------------------------------------------------------
    def scenario(self, doc: dict, default_name: str) -> Scenario:
        self.keys(doc, TOP_KEYS, (), "scenario")
        if "format" in doc and (type(doc["format"]) is not int or doc["format"] != 1):
            self.fail(("format",), f"format: this aptui reads format = 1, not {_show(doc['format'])}")
        name = self.text(doc.get("name", default_name), ("name",), "name")
        description = self.text(doc.get("description", ""), ("description",), "description")
        host = self.host(self.table(doc, "host", ()))
        guests = [self.guest(g, i) for i, g in enumerate(self.array_of_tables(doc, "guest"))]
        self.tree(guests)
        names = {g.name for g in guests}
        requests = tuple(self.request(r, i, names) for i, r in enumerate(self.array_of_tables(doc, "request")))
        pol = self.table(doc, "policy", ())
        self.keys(pol, POLICY_KEYS, ("policy",), "[policy]")
        policy = Policy(self.typed(pol.get("nested_emulation", False), (bool,), ("policy", "nested_emulation"),
                                   "nested_emulation", "true or false"))
        return Scenario(name, description, host, tuple(guests), requests, policy, self.costs(self.table(doc, "costs", ())))

    def host(self, t: dict) -> Host:
        w = ("host",)
        self.keys(t, HOST_KEYS, w, "[host]")
        apxa = self.typed(t.get("apxa", True), (bool,), w + ("apxa",), "host apxa", "true or false")
        domains = self.integer(t.get("domains", 85 if apxa else 16), w + ("domains",), "host domains", 1, 256)
        raw = self.typed(t.get("adapters", []), (list,), w + ("adapters",), "host adapters", "a list of adapters")
        adapters: dict[int, Adapter] = {}
        for i, a in enumerate(raw):
            aw = w + ("adapters", i)
            if isinstance(a, int) and not isinstance(a, bool):
                a = {"id": a}
            if not isinstance(a, dict):
                self.fail(aw, f"host adapter: expected {{ id = 5, type = \"CEX8\", mode = \"cca\", depth = 8 }}, got {_show(a)}")
            self.keys(a, ADAPTER_KEYS, aw, "host adapter")
            if "id" not in a:
                self.fail(aw, "host adapter: missing key 'id'")
            aid = self.integer(a["id"], aw + ("id",), "adapter id", 0, 255)
            if aid in adapters:
                self.fail(aw + ("id",), f"host adapter: id {aid} (0x{aid:02x}) is listed twice")
            adapters[aid] = Adapter(
                aid,
                self.choice(a.get("type", "CEX8"), ADAPTER_TYPES, aw + ("type",), "adapter type"),
                self.choice(a.get("mode", "cca"), MODES, aw + ("mode",), "adapter mode"),
                self.integer(a.get("depth", 8), aw + ("depth",), "adapter depth", 1, 16),
                self.choice(a.get("state", "online"), STATES, aw + ("state",), "adapter state"),
            )
        return Host(apxa, tuple(adapters[k] for k in sorted(adapters)), domains)

    def guest(self, t: dict, i: int) -> Guest:
        w = ("guest", i)
        if "name" not in t:
            self.fail(w, "[[guest]]: missing key 'name'")
        name = self.text(t["name"], w + ("name",), "guest name")
        if not name.strip() or name == HOST:
            self.fail(w + ("name",), f"guest name: {name!r} is not a usable name ('host' is the machine)")
        self.keys(t, GUEST_KEYS, w, f'guest "{name}"')
        g = f'guest "{name}"'
        res = t.get("reserved", {})
        if not isinstance(res, dict):
            self.fail(w + ("reserved",), f"{g}: reserved: expected {{ adapters = [...], domains = [...] }}, got {_show(res)}")
        self.keys(res, RESERVED_KEYS, w + ("reserved",), f"{g}: reserved")
        features = self.typed(t.get("features", ["ap", "apqci", "apft"]), (list,), w + ("features",), f"{g}: features",
                              "a list of CPU features")
        feats = frozenset(self.choice(f, FEATURES, w + ("features", j), f"{g}: feature") for j, f in enumerate(features))
        uuid = t.get("uuid")
        if uuid is not None and not UUID.fullmatch(self.text(uuid, w + ("uuid",), f"{g}: uuid")):
            self.fail(w + ("uuid",), f"{g}: uuid '{uuid}' is not 8-4-4-4-12 hex digits")
        fmt = t.get("crycb_format")
        apie = t.get("apie")
        return Guest(
            name=name,
            parent=self.text(t.get("parent", HOST), w + ("parent",), f"{g}: parent"),
            backend=self.choice(t.get("backend", "passthrough"), BACKENDS, w + ("backend",), f"{g}: backend"),
            adapters=self.ids(t.get("adapters", []), w + ("adapters",), f"{g}: adapters"),
            usage_domains=self.ids(t.get("usage_domains", []), w + ("usage_domains",), f"{g}: usage_domains"),
            control_domains=self.ids(t.get("control_domains", []), w + ("control_domains",), f"{g}: control_domains"),
            crycb_format=None if fmt is None else self.integer(fmt, w + ("crycb_format",), f"{g}: crycb_format", 0, 2),
            apie=None if apie is None else self.typed(apie, (bool,), w + ("apie",), f"{g}: apie", "true or false"),
            features=feats,
            reserved=Reserved(self.ids(res.get("adapters", []), w + ("reserved", "adapters"), f"{g}: reserved adapters"),
                              self.ids(res.get("domains", []), w + ("reserved", "domains"), f"{g}: reserved domains")),
            uuid=uuid,
        )

    def tree(self, guests: list[Guest]) -> None:
        index: dict[str, int] = {}
        for i, g in enumerate(guests):
            if g.name in index:
                self.fail(("guest", i, "name"), f'guest name: "{g.name}" is defined twice (first at line '
                          f'{line_of(self.lines, ("guest", index[g.name], "name"))})')
            index[g.name] = i
        for i, g in enumerate(guests):
            if g.parent != HOST and g.parent not in index:
                near = _close(g.parent, list(index) + [HOST])
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                self.fail(("guest", i, "parent"), f'guest "{g.name}": parent "{g.parent}" is not a guest of this scenario{hint}')
            if g.parent == HOST:
                if g.backend != "passthrough":
                    self.fail(("guest", i, "backend"), f'guest "{g.name}": backend: an L1 (parent "host") is an LPAR: '
                              f'the firmware always gives it passthrough, not "{g.backend}"')
                if g.apie is False:
                    self.fail(("guest", i, "apie"), f'guest "{g.name}": apie: an L1 always has APIE on (the firmware interprets for LPARs)')
        for i, g in enumerate(guests):
            seen = {g.name}
            p = g.parent
            while p != HOST:
                if p in seen:
                    self.fail(("guest", i, "parent"), f'guest "{g.name}": parent "{g.parent}" makes a cycle ({" -> ".join(sorted(seen))})')
                seen.add(p)
                p = guests[index[p]].parent

    def request(self, t: dict, i: int, names: set[str]) -> Request:
        w = ("request", i)
        self.keys(t, REQUEST_KEYS, w, "[[request]]")
        for key in ("guest", "op"):
            if key not in t:
                self.fail(w, f"[[request]]: missing key '{key}'")
        guest = self.text(t["guest"], w + ("guest",), "request guest")
        if guest not in names:
            near = _close(guest, sorted(names))
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            self.fail(w + ("guest",), f'request: guest "{guest}" is not a guest of this scenario{hint}')
        op = self.choice(t["op"], OPS, w + ("op",), "request op")
        apqn = None
        if op in OPS_WITHOUT_APQN:
            if "apqn" in t:
                self.fail(w + ("apqn",), f"request: {op} takes no apqn")
        elif "apqn" not in t:
            self.fail(w, f"request: {op} needs an apqn (\"aa.dddd\", e.g. \"05.0004\")")
        else:
            apqn = self.apqn(t["apqn"], w + ("apqn",), "request apqn")
        repeat = self.integer(t.get("repeat", 1), w + ("repeat",), "request repeat", 1, MAX_REPEAT)
        wait = self.number(t.get("wait_us", 0), w + ("wait_us",), "request wait_us")
        return Request(guest, op, apqn, repeat, wait)

    def costs(self, t: dict) -> Costs:
        w = ("costs",)
        self.keys(t, COST_KEYS, w, "[costs]")
        values = {}
        for k, v in t.items():
            if k in _US_COSTS:
                values[k] = self.number(v, w + (k,), f"costs {k}")
            else:
                values[k] = self.integer(v, w + (k,), f"costs {k}", 1 if k == "clock_mhz" else 0,
                                         MAX_MHZ if k == "clock_mhz" else MAX_CYCLES)
        return Costs(**values)


def _id_number(text: str) -> int:
    """'0x1f' is hex, '031' decimal (TOML has no octal ids)."""
    return int(text, 16) if text[:2].lower() == "0x" else int(text, 10)


def _close(word: str, choices) -> list[str]:
    import difflib  # only on the error path

    return difflib.get_close_matches(word, list(choices), n=1)


def _show(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
        return "a huge number"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


# -- saving ------------------------------------------------------------------------------
def dumps(s: Scenario) -> str:
    """The scenario as TOML, keys in a stable order; loads(dumps(s)) == s."""
    out = ["format = 1", f"name = {_str(s.name)}"]
    if s.description:
        out.append(f"description = {_str(s.description)}")
    out += ["", "[host]", f"apxa = {_bool(s.host.apxa)}", f"domains = {s.host.domains}"]
    if s.host.adapters:
        out.append("adapters = [")
        for a in s.host.adapters:
            out.append(f'  {{ id = 0x{a.id:02x}, type = "{a.type}", mode = "{a.mode}", depth = {a.depth}, state = "{a.state}" }},')
        out.append("]")
    else:
        out.append("adapters = []")
    for g in s.guests:
        out += ["", "[[guest]]", f"name = {_str(g.name)}", f"parent = {_str(g.parent)}", f'backend = "{g.backend}"',
                f"adapters = {_ids(g.adapters)}", f"usage_domains = {_ids(g.usage_domains)}",
                f"control_domains = {_ids(g.control_domains)}"]
        if g.crycb_format is not None:
            out.append(f"crycb_format = {g.crycb_format}")
        if g.apie is not None:
            out.append(f"apie = {_bool(g.apie)}")
        if g.features != Guest.__attrs_attrs__.features.default:
            out.append("features = [" + ", ".join(f'"{f}"' for f in FEATURES if f in g.features) + "]")
        if g.reserved:
            out.append(f"reserved = {{ adapters = {_ids(g.reserved.adapters)}, domains = {_ids(g.reserved.domains)} }}")
        if g.uuid is not None:
            out.append(f"uuid = {_str(g.uuid)}")
    if s.policy != Policy():
        out += ["", "[policy]", f"nested_emulation = {_bool(s.policy.nested_emulation)}"]
    default = Costs()
    changed = [k for k in COST_KEYS if getattr(s.costs, k) != getattr(default, k)]
    if changed:
        out += ["", "[costs]"] + [f"{k} = {_num(getattr(s.costs, k))}" for k in changed]
    for r in s.requests:
        out += ["", "[[request]]", f"guest = {_str(r.guest)}", f'op = "{r.op}"']
        if r.apqn is not None:
            out.append(f'apqn = "{m.format_apqn(*r.apqn)}"')
        if r.repeat != 1:
            out.append(f"repeat = {r.repeat}")
        if r.wait_us:
            out.append(f"wait_us = {_num(r.wait_us)}")
    return "\n".join(out) + "\n"


def save(s: Scenario, path: str | os.PathLike) -> str | None:
    """Write atomically (`write_atomic`); returns its warning, if any."""
    return write_atomic(path, dumps(s))


def _str(s: str) -> str:
    """A TOML basic string: escape quotes, backslashes and every character `str.isprintable` rejects."""
    out = []
    for c in s:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif not c.isprintable():  # controls (C1 too: TOML allows them raw, terminals obey them), bidi overrides
            out.append(_unicode_escape(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _unicode_escape(c: str) -> str:
    """TOML's escape of one character; a lone surrogate (a byte of a path that is not UTF-8) has
    none, so it becomes U+FFFD."""
    code = ord(c)
    if 0xD800 <= code <= 0xDFFF:
        code = 0xFFFD
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _bool(b: bool) -> str:
    return "true" if b else "false"


def _num(x) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return repr(x)


def _ids(ids) -> str:
    """Hex ids; runs of four or more as a range string ('0x10-0x1f')."""
    items: list[str] = []
    run: list[int] = []

    def flush():
        if len(run) >= 4:
            items.append(f'"0x{run[0]:02x}-0x{run[-1]:02x}"')
        else:
            items.extend(f"0x{n:02x}" for n in run)

    for n in sorted(ids):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            flush()
        run = [n]
    if run:
        flush()
    return "[" + ", ".join(items) + "]"
