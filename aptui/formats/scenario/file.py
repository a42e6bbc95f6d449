"""Scenario files (spec 8): TOML in, TOML out.

Every input error is an InputError naming FILE:LINE and the key. Saving writes a
temporary file next to the target and renames it over, so the old file stays whole
until the new one is complete.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

from aptui.formats.errors import InputError
from aptui.formats.files import read_text, write_atomic
from aptui.formats.scenario.toml_lines import deepest, key_lines, line_of, long_integer
from aptui.formats.text import path_text
from aptui.model import bounds as b
from aptui.model import mask as m
from aptui.model.bounds import COST_KEYS, US_COSTS, Violation
from aptui.model.idlist import id_items, parse_id_item
from aptui.model.scenario import (
    ADAPTER_TYPES, BACKENDS, DEFAULT_FEATURES, FEATURES, HOST, MODES, OPS, OPS_WITHOUT_APQN, STARTS, STATES, Adapter,
    Costs, Guest, Host, Policy, Request, Reserved, Scenario, boot_masks,
)

TOP_KEYS = ("format", "name", "description", "host", "guest", "request", "policy", "costs")
HOST_KEYS = ("apxa", "adapters", "domains")
ADAPTER_KEYS = ("id", "type", "mode", "depth", "state")
GUEST_KEYS = ("name", "parent", "backend", "adapters", "usage_domains", "control_domains", "crycb_format", "apie",
              "features", "reserved", "uuid", "persistent_reserved", "start", "active")
RESERVED_KEYS = ("adapters", "domains")
REQUEST_KEYS = ("guest", "op", "apqn", "repeat", "wait_us")
POLICY_KEYS = ("nested_emulation",)
_ADAPTER = Adapter(0)  # the defaults of an adapter's keys


def load(path: str | os.PathLike) -> Scenario:
    p = str(path)
    return loads(read_text(p, "a scenario TOML file"), p, default_name=path_text(Path(p).stem))


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
    except RecursionError:  # tomllib recurses once per level
        depth, line = deepest(text)
        raise InputError(path, line, f"nested {depth} levels deep (arrays, inline tables): deeper than the TOML "
                                     "parser follows, and than any scenario needs") from None
    except ValueError:  # tomllib's int() on an integer of more digits than Python converts
        line = long_integer(text)
        if line is None:
            raise
        raise InputError(path, line, f"an integer of more than {sys.get_int_max_str_digits()} digits: no scenario "
                                     "value has so many") from None
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
    def bound(self, where: tuple, what: str, check, *args):
        """One of the scenario's checks (model.bounds) on a value read at `where`."""
        try:
            return check(*args)
        except Violation as e:
            self.fail(where, f"{what}: {e}")

    def keys(self, table: dict, allowed: tuple, where: tuple, what: str) -> None:
        for k in table:
            if k not in allowed:
                near = b.closest(k, allowed)
                hint = f" (did you mean '{near}'?)" if near else f" (known: {', '.join(allowed)})"
                self.fail(where + (k,), f"{what}: unknown key '{k}'{hint}")

    def typed(self, value, kinds, where: tuple, what: str, expected: str):
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            self.fail(where, f"{what}: expected {expected}, got {_show(value)}")
        return value

    def text(self, value, where, what) -> str:
        return self.typed(value, (str,), where, what, "a string")

    def integer(self, value, where, what, check) -> int:
        """An integer that passes `check` (one of model.bounds)."""
        return self.bound(where, what, check, self.typed(value, (int,), where, what, "an integer"))

    def number(self, value, where, what, check) -> int | float:
        """An integer or a float that passes `check` (one of model.bounds)."""
        return self.bound(where, what, check, self.typed(value, (int, float), where, what, "a number"))

    def choice(self, value, choices, where, what) -> str:
        return self.bound(where, what, b.check_one_of, self.text(value, where, what), choices)

    def ids(self, value, where, what) -> frozenset[int]:
        """A list of ids and range strings, in the id-list grammar (model.idlist)."""
        items = self.typed(value, (list,), where, what, "a list of ids")
        out: set[int] = set()
        for i, x in enumerate(items):
            if not isinstance(x, str):
                self.typed(x, (int,), where + (i,), what, "an integer")
            out.update(self.bound(where + (i,), what, parse_id_item, x))
        return frozenset(out)

    def apqn(self, value, where, what) -> tuple[int, int]:
        if isinstance(value, str):
            try:
                return m.parse_apqn(value)
            except ValueError as e:
                self.fail(where, f"{what}: {e}")
        if isinstance(value, list) and len(value) == 2:
            a = self.integer(value[0], where + (0,), f"{what} adapter", b.check_id)
            d = self.integer(value[1], where + (1,), f"{what} domain", b.check_id)
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
        names = {g.name: g.active for g in guests}
        requests = tuple(self.request(r, i, names) for i, r in enumerate(self.array_of_tables(doc, "request")))
        self.run_length(requests, guests)
        pol = self.table(doc, "policy", ())
        self.keys(pol, POLICY_KEYS, ("policy",), "[policy]")
        policy = Policy(self.typed(pol.get("nested_emulation", False), (bool,), ("policy", "nested_emulation"),
                                   "nested_emulation", "true or false"))
        return Scenario(name, description, host, tuple(guests), requests, policy, self.costs(self.table(doc, "costs", ())))

    def host(self, t: dict) -> Host:
        w = ("host",)
        self.keys(t, HOST_KEYS, w, "[host]")
        apxa = self.typed(t.get("apxa", True), (bool,), w + ("apxa",), "host apxa", "true or false")
        domains = self.integer(t.get("domains", 85 if apxa else 16), w + ("domains",), "host domains", b.check_domains)
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
            aid = self.integer(a["id"], aw + ("id",), "adapter id", b.check_id)
            self.bound(aw + ("id",), "host adapter", b.check_unique_adapter, aid, adapters)
            kind = self.choice(a.get("type", _ADAPTER.type), ADAPTER_TYPES, aw + ("type",), "adapter type")
            mode = self.choice(a.get("mode", _ADAPTER.mode), MODES, aw + ("mode",), "adapter mode")
            self.bound(aw + ("mode",), "adapter mode", b.check_adapter, kind, mode)
            adapters[aid] = Adapter(
                aid, kind, mode,
                self.integer(a.get("depth", _ADAPTER.depth), aw + ("depth",), "adapter depth", b.check_depth),
                self.choice(a.get("state", _ADAPTER.state), STATES, aw + ("state",), "adapter state"),
            )
        return Host(apxa, tuple(adapters[k] for k in sorted(adapters)), domains)

    def guest(self, t: dict, i: int) -> Guest:
        w = ("guest", i)
        if "name" not in t:
            self.fail(w, "[[guest]]: missing key 'name'")
        name = self.text(t["name"], w + ("name",), "guest name")
        self.bound(w + ("name",), "guest name", b.check_guest_name, name)
        self.keys(t, GUEST_KEYS, w, f'guest "{name}"')
        g = f'guest "{name}"'
        reserved = self.reserved(t, "reserved", w, g)
        persistent = self.reserved(t, "persistent_reserved", w, g) if "persistent_reserved" in t else None
        features = self.typed(t.get("features", sorted(DEFAULT_FEATURES)), (list,), w + ("features",), f"{g}: features",
                              "a list of CPU features")
        feats = frozenset(self.choice(f, FEATURES, w + ("features", j), f"{g}: feature") for j, f in enumerate(features))
        uuid = t.get("uuid")
        if uuid is not None:
            self.bound(w + ("uuid",), f"{g}: uuid", b.check_uuid, self.text(uuid, w + ("uuid",), f"{g}: uuid"))
        fmt = t.get("crycb_format")
        apie = t.get("apie")
        return Guest(
            name=name,
            parent=self.text(t.get("parent", HOST), w + ("parent",), f"{g}: parent"),
            backend=self.choice(t.get("backend", "passthrough"), BACKENDS, w + ("backend",), f"{g}: backend"),
            adapters=self.ids(t.get("adapters", []), w + ("adapters",), f"{g}: adapters"),
            usage_domains=self.ids(t.get("usage_domains", []), w + ("usage_domains",), f"{g}: usage_domains"),
            control_domains=self.ids(t.get("control_domains", []), w + ("control_domains",), f"{g}: control_domains"),
            crycb_format=None if fmt is None else self.integer(fmt, w + ("crycb_format",), f"{g}: crycb_format",
                                                               b.check_crycb_format),
            apie=None if apie is None else self.typed(apie, (bool,), w + ("apie",), f"{g}: apie", "true or false"),
            features=feats,
            reserved=reserved,
            uuid=uuid,
            persistent_reserved=boot_masks(reserved, persistent),
            start=self.choice(t.get("start", "auto"), STARTS, w + ("start",), f"{g}: start"),
            active=self.typed(t.get("active", True), (bool,), w + ("active",), f"{g}: active", "true or false"),
        )

    def reserved(self, t: dict, key: str, w: tuple, g: str) -> Reserved:
        """``reserved`` or ``persistent_reserved``: { adapters = [...], domains = [...] }."""
        res = t.get(key, {})
        if not isinstance(res, dict):
            self.fail(w + (key,), f"{g}: {key}: expected {{ adapters = [...], domains = [...] }}, got {_show(res)}")
        self.keys(res, RESERVED_KEYS, w + (key,), f"{g}: {key}")
        return Reserved(self.ids(res.get("adapters", []), w + (key, "adapters"), f"{g}: {key} adapters"),
                        self.ids(res.get("domains", []), w + (key, "domains"), f"{g}: {key} domains"))

    def tree(self, guests: list[Guest]) -> None:
        index: dict[str, int] = {}
        for i, g in enumerate(guests):
            try:
                b.check_unique_name(g.name, index)
            except Violation as e:
                first = line_of(self.lines, ("guest", index[g.name], "name"))
                self.fail(("guest", i, "name"), f"guest name: {e} (at line {first})")
            index[g.name] = i
        for i, g in enumerate(guests):
            self.bound(("guest", i, "parent"), f'guest "{g.name}": parent', b.check_parent, g.parent, index)
            self.bound(("guest", i, "backend"), f'guest "{g.name}": backend', b.check_l1_backend, g.parent, g.backend)
            self.bound(("guest", i, "apie"), f'guest "{g.name}": apie', b.check_l1_apie, g.parent, g.apie)
            for key, default in (("start", "auto"), ("active", True)):
                if getattr(g, key) != default:
                    self.bound(("guest", i, key), f'guest "{g.name}"', b.check_has_mdev, g.parent, g.backend, key)
            if g.parent in index:
                parent = guests[index[g.parent]]
                self.bound(("guest", i, "parent"), f'guest "{g.name}": parent', b.check_running, parent.name,
                           parent.active, "guests")
        parents = {g.name: g.parent for g in guests}
        for i, g in enumerate(guests):
            self.bound(("guest", i, "parent"), f'guest "{g.name}": parent', b.check_no_cycle, g.name, parents)

    def request(self, t: dict, i: int, names: dict[str, bool]) -> Request:
        w = ("request", i)
        self.keys(t, REQUEST_KEYS, w, "[[request]]")
        for key in ("guest", "op"):
            if key not in t:
                self.fail(w, f"[[request]]: missing key '{key}'")
        guest = self.bound(w + ("guest",), "request guest", b.check_known_guest,
                           self.text(t["guest"], w + ("guest",), "request guest"), names)
        self.bound(w + ("guest",), "request guest", b.check_running, guest, names[guest], "requests")
        op = self.choice(t["op"], OPS, w + ("op",), "request op")
        self.bound(w + ("apqn",) if "apqn" in t else w, "request apqn", b.check_request_apqn, op, "apqn" in t)
        apqn = None if op in OPS_WITHOUT_APQN else self.apqn(t["apqn"], w + ("apqn",), "request apqn")
        repeat = self.integer(t.get("repeat", 1), w + ("repeat",), "request repeat", b.check_repeat)
        wait = self.number(t.get("wait_us", 0), w + ("wait_us",), "request wait_us", b.check_wait_us)
        return Request(guest, op, apqn, repeat, wait)

    def run_length(self, requests: tuple[Request, ...], guests: list[Guest]) -> None:
        """Refused up front, at the request that passes the bound: a run too long to keep in memory."""
        by_name = {g.name: g for g in guests}
        total = 0
        for i, r in enumerate(requests):
            total += b.instructions(r, by_name[r.guest])
            self.bound(("request", i, "repeat"), "request repeat", b.check_run_length, total)

    def costs(self, t: dict) -> Costs:
        w = ("costs",)
        self.keys(t, COST_KEYS, w, "[costs]")
        values = {}
        for k, v in t.items():
            value = self.typed(v, (int, float) if k in US_COSTS else (int,), w + (k,), f"costs {k}",
                               "a number" if k in US_COSTS else "an integer")
            values[k] = self.bound(w + (k,), f"costs {k}", b.check_cost, k, value)
        return Costs(**values)


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
        if g.persistent_reserved is not None:
            out.append(f"persistent_reserved = {{ adapters = {_ids(g.persistent_reserved.adapters)}, "
                       f"domains = {_ids(g.persistent_reserved.domains)} }}")
        if g.start != "auto":
            out.append(f'start = "{g.start}"')
        if not g.active:
            out.append("active = false")
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
    """The id list in the id-list grammar (model.idlist): ids as TOML integers, ranges as strings."""
    return "[" + ", ".join(f'"{item}"' if "-" in item else item for item in id_items(ids)) + "]"
