"""lszcrypt listings (ref 7.1): ``lszcrypt`` and ``lszcrypt -V``, optionally followed by the
``lszcrypt -d`` domain table and ``lszcrypt -b`` bus lines, read into a scenario and written
for a guest.

A listing is the view of one Linux: its cards and queues. Columns are found by the header, not
by position, so older (CARD.DOMAIN) and newer (SESTAT) layouts read alike; STATUS is the only
column whose value may hold a blank ("in use"). lszcrypt never prints ``#`` or ``$``, so lines
with either are shell prompts or comments of a captured session and are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from aptui.formats.real import cards
from aptui.formats.errors import InputError
from aptui.formats.real.exporting import Exported, seen
from aptui.formats.files import read_text
from aptui.formats.real.importing import APXA_GUESSED, L1_NAME, L1_NAME_WHY, Guess, Imported, host_domains, ids_text
from aptui.formats.text import excerpt, path_text, printable
from aptui.model import mask as m
from aptui.model.facilities import ap_select_domain
from aptui.model.bounds import MAX_DEPTH, Violation, check_adapter
from aptui.model.matrix import Matrix
from aptui.model.scenario import Adapter, Guest, Host, Reserved, Scenario
from aptui.model.topology import GuestView, Topology
from aptui.model.vfio_ap import ap_owned_by_def_drv
from aptui.model.vocabulary import Guessed

# (header, width, right-aligned), as s390-tools defines the records
DEFAULT_COLUMNS = (("CARD.DOM", 8, False), ("TYPE", 5, False), ("MODE", 11, False), ("STATUS", 10, False),
                   ("REQUESTS", 8, True))
VERBOSE_COLUMNS = (("PENDING", 8, True), ("HWTYPE", 6, True), ("QDEPTH", 6, True), ("FUNCTIONS", 10, False),
                   ("DRIVER", 11, False))
KNOWN_COLUMNS = {c for c, _, _ in DEFAULT_COLUMNS + VERBOSE_COLUMNS} | {"CARD.DOMAIN", "SESTAT"}
FUNCTION_LETTERS = "SMCDAXNHFR"
STATES = {"deconfig": "deconfigured", "chkstop": "checkstopped"}
STATUS_OF = {"online": "online", "deconfigured": "deconfig", "checkstopped": "chkstop"}
LEGEND = ("C: Control domain", "U: Usage domain", "B: Both (Control + Usage domain)")
BUS_KEYS = ("ap_domain", "ap_max_domain_id", "ap_max_adapter_id", "ap_interrupts", "config_time", "poll_thread",
            "poll_timeout", "features")

_CARD = re.compile(r"^[0-9a-fA-F]{2}$")
_QUEUE = re.compile(r"^([0-9a-fA-F]{2})\.([0-9a-fA-F]{4})$")
_NUMBER = re.compile(r"[+-]?[0-9]{1,9}")  # a column's number: ASCII digits, few enough for int()
_BUS = re.compile(r"^(%s)\b\s*[=:]?\s*(.*)$" % "|".join(BUS_KEYS))
# What lszcrypt itself prints besides its records (zconf/zcrypt/lszcrypt.c): the warning after the
# table and the -d legend when the AP bus's default domain has no queue, and its errx() lines (on
# stderr, exit status 1) when there is no /sys/bus/ap or, in older versions, no card.
NO_BUS = "Crypto device driver not available."
NO_CARDS = "No crypto card devices found."
_NO_DEFAULT_DOMAIN = re.compile(r"^Warning: Default domain (0x[0-9a-fA-F]{1,16}) is not available\.$")
_TOOL_HEADS = ("WARNING:", "LSZCRYPT:", "CRYPTO", "NO")  # the first word of those lines, upper-cased
_TOOL_ERROR = re.compile(r"^(?:lszcrypt: )?(%s|%s)$" % (re.escape(NO_BUS), re.escape(NO_CARDS)))


# -- reading -------------------------------------------------------------------------------------
def read(path: str) -> Imported:
    p = Path(path)
    text = read_text(path, "lszcrypt output")
    listing = _Listing(path)
    listing.parse(text)
    return listing.imported(p.name or path)


class _Listing:
    def __init__(self, path: str):
        self.path = path
        self.notes: list[str] = []
        self.guesses: list[Guess] = []
        self.columns: list[str] | None = None
        self.cards: dict[int, tuple[int, dict]] = {}  # id -> (line, record)
        self.queues: dict[tuple[int, int], tuple[int, list[str]]] = {}  # (line, its fields in the header's order)
        self.usage: set[int] | None = None  # from the -d table
        self.control: set[int] | None = None
        self.table_row = -1  # next -d row expected, -1 outside the table
        self.max_domain: int | None = None  # from -b
        self.bus_features: set[str] | None = None
        self.tool_error: str | None = None  # NO_BUS or NO_CARDS, as lszcrypt said it
        self.tool_error_line = 0

    def fail(self, line: int, message: str):
        raise InputError(self.path, line, message)

    def parse(self, text: str) -> None:
        queue = _QUEUE.match
        for n, line in enumerate(text.splitlines(), 1):
            tokens = line.split()
            if not tokens or "#" in line or "$" in line or (len(tokens) == 1 and not tokens[0].strip("-")):
                continue
            cols = self.columns
            if cols is not None and len(tokens) == len(cols) and self.table_row < 0 and queue(tokens[0]):
                self.queue_row(n, tokens)  # nearly every line of a large listing: the rest is skipped
                continue
            head = tokens[0].upper()
            if head in _TOOL_HEADS and (_NO_DEFAULT_DOMAIN.match(line.strip()) or _TOOL_ERROR.match(line.strip())):
                self.tool_line(n, line.strip())
            elif head in ("CARD.DOM", "CARD.DOMAIN"):
                self.header(n, tokens)
            elif head == "DOMAIN":
                self.table_header(n, tokens)
            elif self.table_row >= 0:
                self.table_line(n, tokens)
            elif head[1:] == ":" and line.strip() in LEGEND:
                continue
            elif tokens[0].startswith(BUS_KEYS) and _BUS.match(line.strip()):
                self.bus_line(n, line.strip())
            elif self.columns is not None:
                self.row(n, tokens)
            else:
                self.fail(n, f"not lszcrypt output: expected the header line (CARD.DOM TYPE MODE ...), "
                             f"got {line.strip()[:40]!r}")
        if self.table_row >= 0:
            self.fail(max(1, len(text.splitlines())), f"the lszcrypt -d table ends after {self.table_row} of 16 rows")
        if self.tool_error is not None and (self.cards or self.queues):
            self.fail(self.tool_error_line, f"lszcrypt says {self.tool_error!r}, but the input also lists cards or "
                                            "queues: import one lszcrypt run at a time")
        if self.columns is None and self.usage is None and self.tool_error is None:
            self.fail(1, "no lszcrypt listing (a header line CARD.DOM TYPE MODE ...) and no lszcrypt -d table")

    def tool_line(self, n: int, line: str) -> None:
        """lszcrypt's own warning and errors: noted, and an error stands for an empty listing."""
        warning = _NO_DEFAULT_DOMAIN.match(line)
        if warning:
            self.notes.append(f"{self.path}:{n}: lszcrypt warns that the AP bus's default domain {warning.group(1)} "
                              "has no queue (the Linux has no queue at all, or that domain was unplugged after boot)")
            return
        self.tool_error = _TOOL_ERROR.match(line).group(1)
        self.tool_error_line = n
        why = ("there is no /sys/bus/ap: the Linux has no AP instructions or the ap module is not loaded"
               if self.tool_error == NO_BUS else "the AP bus has no card")
        self.notes.append(f"{self.path}:{n}: lszcrypt says {self.tool_error!r}: {why}; imported without adapters")

    def header(self, n: int, tokens: list[str]) -> None:
        if self.columns is not None:
            self.fail(n, "a second lszcrypt listing starts here: import one machine's listing at a time")
        self.columns = [t.upper() for t in tokens]
        self.columns[0] = "CARD.DOM"
        unknown = [c for c in self.columns if c not in KNOWN_COLUMNS]
        if unknown:
            self.notes.append(f"{self.path}:{n}: columns aptui does not know, not read: {', '.join(unknown)}")
        if len(set(self.columns)) != len(self.columns):
            self.fail(n, "a column appears twice in the header")

    def column(self, name: str) -> int | None:
        """Where the header has column `name`, None where it has not."""
        cols = self.columns or ()
        return cols.index(name) if name in cols else None

    def record(self, fields: list[str]) -> dict[str, str]:
        return dict(zip(self.columns, fields))

    def queue_row(self, n: int, tokens: list[str]) -> None:
        """A queue's line with as many fields as the header has columns (`row` without its checks)."""
        ident = tokens[0]
        key = (int(ident[:2], 16), int(ident[3:], 16))
        if key[1] > m.MAX_ID or key in self.queues:
            self.row(n, tokens)  # its error
            return
        self.queues[key] = (n, tokens)

    def row(self, n: int, tokens: list[str]) -> None:
        cols = self.columns
        extra = len(tokens) - len(cols)
        if extra < 0 or (extra and "STATUS" not in cols):
            self.fail(n, f"{len(tokens)} fields, but the header has {len(cols)} columns ({' '.join(cols)})")
        if extra:
            s = cols.index("STATUS")
            tokens = tokens[:s] + [" ".join(tokens[s: s + 1 + extra])] + tokens[s + 1 + extra:]
        rec = dict(zip(cols, tokens))
        ident = tokens[0]  # the CARD.DOM column
        q = _QUEUE.match(ident)
        if q:
            card, domain = q.groups()
            key = (int(card, 16), int(domain, 16))
            table, what = self.queues, "queue"
            if key[1] > m.MAX_ID:
                self.fail(n, f"queue {ident}: domain ids are 00..ff (8 bits of the APQN)")
        elif _CARD.match(ident):
            key = int(ident, 16)
            table, what = self.cards, "card"
        else:
            self.fail(n, f"{excerpt(ident)} is neither a card (xx) nor a queue (xx.yyyy) in hex")
        if key in table:
            self.fail(n, f"{what} {ident} is listed twice (first on line {table[key][0]})")
        table[key] = (n, rec if table is self.cards else tokens)

    def table_header(self, n: int, tokens: list[str]) -> None:
        if [t.lower() for t in tokens[1:]] != [f"{i:02x}" for i in range(16)]:
            self.fail(n, "an lszcrypt -d header is DOMAIN 00 01 ... 0f")
        if self.usage is not None:
            self.fail(n, "a second lszcrypt -d table starts here")
        self.usage, self.control, self.table_row = set(), set(), 0

    def table_line(self, n: int, tokens: list[str]) -> None:
        base = self.table_row * 16
        if tokens[0].lower() != f"{base:02x}" or len(tokens) != 17 or any(c not in ("C", "U", "B", ".") for c in tokens[1:]):
            self.fail(n, f"expected row {base:02x} of the lszcrypt -d table: {base:02x} and 16 cells of C, U, B or .")
        for i, cell in enumerate(tokens[1:]):
            if cell in "UB":
                self.usage.add(base + i)
            if cell in "CB":
                self.control.add(base + i)
        self.table_row = -1 if self.table_row == 15 else self.table_row + 1

    def bus_line(self, n: int, line: str) -> None:
        key, value = _BUS.match(line).groups()
        if key == "ap_max_domain_id":
            try:
                self.max_domain = int(value.split()[0][:20], 0)
            except (ValueError, IndexError):
                self.fail(n, f"ap_max_domain_id: {value[:40]!r} is not a number")
            if not 0 <= self.max_domain <= 255:
                self.fail(n, f"ap_max_domain_id {value.split()[0][:40]} is outside 0..255")
        elif key == "features":
            self.bus_features = set(value.split())

    # -- the scenario ----------------------------------------------------------------------------
    def adapter(self, aid: int) -> Adapter:
        """The adapter as its card line (or else its first queue line) shows it."""
        n, rec = self.cards.get(aid) or min(((n, self.record(fields)) for k, (n, fields) in self.queues.items()
                                             if k[0] == aid), key=lambda v: v[0])
        where = f"{self.path}:{n}"
        kind, mode = self.kind(rec, where, aid)
        try:
            check_adapter(kind, mode)
        except Violation as e:
            self.fail(n, f"card {aid:02x}: {e}")
        depth = 8
        if "QDEPTH" in rec:
            if not _NUMBER.fullmatch(rec["QDEPTH"]):
                self.fail(n, f"QDEPTH {excerpt(rec['QDEPTH'])} is not a number")
            depth = int(rec["QDEPTH"])
            clamped = min(max(depth, 1), MAX_DEPTH)
            if clamped != depth:
                self.notes.append(f"{where}: QDEPTH {depth} is outside 1..{MAX_DEPTH} (lszcrypt and kernel versions "
                                  f"count it differently): depth {clamped}")
                depth = clamped
        status = rec.get("STATUS", "online")
        if status == "offline":
            self.notes.append(f"{where}: card {aid:02x} is offline in zcrypt: modelled online (aptui has no offline)")
        return Adapter(aid, kind, mode, depth, STATES.get(status, "online"))

    def kind(self, rec: dict, where: str, aid: int) -> tuple[str, str]:
        """Type and mode: from TYPE (CEX8C), else HWTYPE with MODE or the FUNCTIONS letters."""
        typed = cards.from_type(rec.get("TYPE", ""))
        if typed:
            kind, mode, newer = typed
            if newer:
                self.guesses.append(Guess(f"card {aid:02x}'s type", where, "CEX8",
                                          f"{rec['TYPE'][:20]} is newer than aptui knows", ((Guessed.TYPE, aid),)))
            return kind, mode
        mode = cards.MODE_BY_NAME.get(rec.get("MODE", "").lower())
        if mode is None:
            letters = rec.get("FUNCTIONS", "")
            mode = next((k for k, c in cards.MODE_LETTERS.items() if c in letters), None)
        number = rec.get("HWTYPE", "")
        kind = cards.from_hwtype(int(number) if _NUMBER.fullmatch(number) else None)
        if kind is None or mode is None:
            self.guesses.append(Guess(f"card {aid:02x}'s type and mode", where, f"{kind or 'CEX8'} in {mode or 'cca'} mode",
                                      f"type {excerpt(rec.get('TYPE', '-'))} and mode {excerpt(rec.get('MODE', '-'))} "
                                      "do not say what the card is", ((Guessed.TYPE, aid),)))
        return kind or "CEX8", mode or "cca"

    def reserved(self) -> Reserved:
        """The queues of the host's own drivers as "adapters AND domains" (apmask/aqmask, ref 5.2).

        With -V: DRIVER cex4queue marks them. A plain listing shows only those: queues given to
        vfio_ap are not listed. The kernel's rule makes them adapters x domains; when the listing's
        are not, a block of adapters x domains within them is kept, so no vfio_ap queue turns
        host-owned.
        """
        verbose = self.columns is not None and "DRIVER" in self.columns
        host, unknown = set(), []
        driver_of = self.column("DRIVER")
        for key, (n, fields) in self.queues.items():
            driver = "cex4queue" if driver_of is None else fields[driver_of]
            if driver.startswith("cex"):
                host.add(key)
            elif driver != "vfio_ap":
                unknown.append(m.format_apqn(*key))
        if unknown:
            self.notes.append(f"{self.path}: queues with driver neither cex*queue nor vfio_ap, taken as given to "
                              f"vfio_ap: {', '.join(unknown[:8])}{' ...' if len(unknown) > 8 else ''}")
        if not verbose and self.queues:
            self.notes.append(f"{self.path}: a plain listing shows only the queues of the host's own drivers "
                              "(all reserved here); queues given to vfio_ap are missing: use lszcrypt -V")
        others = [k for k in self.queues if k not in host]  # one pass each: linear in the queues
        domains = {d for _, d in host}
        keep = {a for a, _ in host} - {a for a, d in others if d in domains}
        domains -= {d for a, d in others if a in keep}
        if {k for k in host if k[0] in keep and k[1] in domains} != host:
            self.notes.append(f"{self.path}: the queues of the host's own drivers are not all adapters x all "
                              "domains of a set, as apmask/aqmask make them: reserved keeps a block of them that is")
        return Reserved(frozenset(keep), frozenset(domains))

    def imported(self, label: str) -> Imported:
        adapters = set(self.cards) | {a for a, _ in self.queues}
        usage = {d for _, d in self.queues} | (self.usage or set())
        if self.control is None and not adapters:
            control = set()
        elif self.control is None:
            control = set(usage)
            self.guesses.append(Guess(f"{L1_NAME}'s control domains", self.path, "its usage domains",
                                      "no lszcrypt -d table"))
        else:
            control = self.control
        driver, status = self.column("DRIVER"), self.column("STATUS")
        in_use = 0 if driver is None or status is None else sum(
            fields[driver] == "vfio_ap" and fields[status] in ("in use", "assigned") for _, fields in self.queues.values())
        if in_use:
            self.notes.append(f"{self.path}: {in_use} queue(s) are held by mdevs, but lszcrypt does not say which: "
                              "import the sysfs tree or the mdevctl configs to get the guests")
        if adapters and "QDEPTH" not in (self.columns or ()):
            self.guesses.append(Guess(f"the depth of adapters {ids_text(adapters)}", self.path, "8",
                                      "no QDEPTH column (a plain listing)",
                                      tuple((Guessed.DEPTH, a) for a in sorted(adapters))))
        apxa = True if self.bus_features is None else "APXA" in self.bus_features
        if self.bus_features is None:
            self.guesses.append(Guess("the machine's APXA", self.path, "true", "no lszcrypt -b features line",
                                      APXA_GUESSED))
        highest = max(usage | control, default=None)
        if self.max_domain is not None:
            domains = self.max_domain + 1
        else:
            domains, counted = host_domains(highest, self.path, "no lszcrypt -b ap_max_domain_id line")
            self.guesses.append(counted)
        self.guesses.append(Guess("the L1's name", self.path, L1_NAME, L1_NAME_WHY))
        host = Host(apxa, tuple(self.adapter(a) for a in sorted(adapters)), domains)
        l1 = Guest(L1_NAME, adapters=frozenset(adapters), usage_domains=frozenset(usage),
                   control_domains=frozenset(control), reserved=self.reserved())
        scenario = Scenario(path_text(f"lszcrypt {label}"),
                            path_text(f"Imported by `aptui import lszcrypt {self.path}`."), host, (l1,))
        return Imported(scenario, tuple(self.notes), tuple(self.guesses))


# -- writing -------------------------------------------------------------------------------------
def listing_text(scenario: Scenario, topo: Topology, view: GuestView) -> tuple[str, str | None]:
    """What ``lszcrypt -V`` and ``lszcrypt -d`` print in the guest, and why it is empty or hypothetical."""
    matrix, why = seen(topo, view)
    name = printable(view.name)
    if not view.has_ap:  # ap_module_init: no AP instructions, no /sys/bus/ap
        failed = [f"lszcrypt: {NO_BUS}", "# (on stderr; lszcrypt exits with status 1)"]
        lines = [f"# {name}: lszcrypt -V", *failed, "", f"# {name}: lszcrypt -d", *failed]
        return "\n".join(lines) + "\n", why or f"{view.name} has no AP instructions, so no AP bus"
    warning = _default_domain_warning(matrix)
    lines = [f"# {name}: lszcrypt -V", *_verbose_listing(scenario, topo, view, matrix), *warning,
             "", f"# {name}: lszcrypt -d", *_domain_table(matrix), *warning]
    return "\n".join(lines) + "\n", why


def _default_domain_warning(matrix: Matrix) -> list[str]:
    """lszcrypt's warning when ``ap_domain`` is -1 (printed with %02lx, so 64 bits of ones) or
    not in the usage domain mask; a guest's bus whose matrix has no queue chose no domain."""
    domain = ap_select_domain(matrix)
    if domain is not None and domain in matrix.usage_domains:
        return []
    shown = (-1 if domain is None else domain) & 0xFFFF_FFFF_FFFF_FFFF
    return [f"Warning: Default domain 0x{shown:02x} is not available."]


def export(topo: Topology, views: list[GuestView], named: bool) -> Exported:
    """Each guest's listing; why one is empty or hypothetical, as a note."""
    texts, notes = [], []
    for v in views:
        text, why = listing_text(topo.scenario, topo, v)
        if why:
            notes.append(f"{v.name}: {why}")
        texts.append(text)
    return Exported("\n".join(texts), tuple(notes))


def _verbose_listing(scenario: Scenario, topo: Topology, view: GuestView, matrix: Matrix) -> list[str]:
    columns = DEFAULT_COLUMNS + VERBOSE_COLUMNS
    header = _record(columns, [c for c, _, _ in columns])
    out = [header, "-" * len(header)]
    vfio = _vfio_status(topo, view, matrix)
    for a in matrix.adapters if matrix.usage_domains else ():  # ap_scan_adapter: no card without a queue
        ad = scenario.host.adapter_or_default(a)
        status = STATUS_OF[ad.state]
        deconfig = ad.state == "deconfigured"
        functions = "".join(c if c in ("S", cards.MODE_LETTERS[ad.mode], "F") or (c == "N" and scenario.host.apxa)
                            else "-" for c in FUNCTION_LETTERS)
        common = [ad.type_string, cards.MODE_NAMES[ad.mode]]
        tail = [str(cards.hwtype(ad)), f"{ad.depth:02d}", functions]
        count = "-" if deconfig else "0"
        out.append(_record(columns, [f"{a:02x}", *common, status, count, count, *tail, "cex4card"]))
        for d in matrix.usage_domains:
            queue = vfio.get((a, d))
            if queue is None:
                out.append(_record(columns, [m.format_apqn(a, d), *common, status, count, count, *tail, "cex4queue"]))
            else:
                out.append(_record(columns, [m.format_apqn(a, d), *common, status if ad.state != "online" else queue,
                                             count, "-", *tail, "vfio_ap"]))
    return out


def _vfio_status(topo: Topology, view: GuestView, matrix: Matrix) -> dict[tuple[int, int], str]:
    """For a guest that runs KVM guests with passthrough: its queues not reserved for its own
    drivers are bound to vfio_ap, ``in use`` in a guest, ``assigned`` to an mdev that does not get
    them, or ``unassigned`` (ref 5.7). Other guests keep every queue for their own drivers."""
    kids = topo.mdev_children(view.name)
    if not kids:
        return {}
    out = {}
    for a, d in matrix.apqns():
        if ap_owned_by_def_drv(view.guest.reserved, True, a, d):
            continue
        if any(k.filtered.has_apqn(a, d) for k in kids):
            out[(a, d)] = "in use"
        elif any(k.guest.matrix.has_apqn(a, d) for k in kids):
            out[(a, d)] = "assigned"
        else:
            out[(a, d)] = "unassigned"
    return out


def _record(columns, values: list[str]) -> str:
    return " ".join(v.rjust(w) if right else v.ljust(w) for (_, w, right), v in zip(columns, values)).rstrip()


def _domain_table(matrix: Matrix) -> list[str]:
    out = ["DOMAIN " + " ".join(f"{i:02x}" for i in range(16)), "-" * 54]
    for row in range(16):
        cells = []
        for d in range(row * 16, row * 16 + 16):
            usage, control = m.has(matrix.aqm, d), m.has(matrix.adm, d)
            cells.append(" " + ("B" if usage and control else "U" if usage else "C" if control else "."))
        out.append(f"{row * 16:02x}".rjust(6) + " " + " ".join(cells))
    return out + ["-" * 54, *LEGEND]
