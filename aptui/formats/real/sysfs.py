"""sysfs (ref 1.5, 7.2): a tree laid out like /sys read into a scenario, and the sh script of the
writes that set a guest up.

Reading is read-only and touches what it needs: the bus masks, each card's attributes and the
names in its directory, and each mdev's matrix. Queue directories are listed with their card but
never entered, which keeps 65,536 queues well within a bare os.walk of the tree.
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import stat
from pathlib import Path
from typing import NamedTuple

from aptui import __version__
from aptui.formats.real import apmasks, cards, mdev
from aptui.formats.errors import InputError
from aptui.formats.files import STDIN
from aptui.formats.real.exporting import Exported
from aptui.formats.real.importing import (APXA_GUESSED, L1_NAME, L1_NAME_WHY, Guess, Imported, Mdev, card_marks,
                                         host_domains, mdev_guests)
from aptui.formats.text import path_text, printable
from aptui.model import mask as m
from aptui.model.bounds import MAX_DEPTH, Violation, check_adapter
from aptui.model.matrix import Matrix
from aptui.model.scenario import UUID, Adapter, Guest, Host, Reserved, Scenario, boot_masks
from aptui.model.topology import GuestView, Topology
from aptui.model.vocabulary import Errno, Guessed

BUS_ENTRIES = {
    "ap_domain", "ap_control_domain_mask", "ap_usage_domain_mask", "ap_adapter_mask", "config_time", "poll_thread",
    "ap_interrupts", "poll_timeout", "ap_max_domain_id", "ap_max_adapter_id", "apmask", "aqmask", "scans",
    "bindings", "features", "devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent",
}
CARD_ENTRIES = {
    "hwtype", "raw_hwtype", "depth", "ap_functions", "request_count", "requestq_count", "pendingq_count",
    "modalias", "config", "chkstop", "max_msg_size", "type", "online", "load", "serialnr", "mkvps", "op_modes",
    "API_ordinalnr", "FW_version", "driver", "power", "subsystem", "uevent",
}
MATRIX_ENTRIES = {"features", "mdev_supported_types", "driver", "power", "subsystem", "uevent"}
MDEV_ENTRIES = {*mdev.ATTRS, "control_domains", "matrix", "guest_matrix", "remove", "driver", "iommu_group",
                "mdev_type", "power", "subsystem", "uevent", "vfio-dev"}
CONFIG_MASKS = ("ap_adapter_mask", "ap_usage_domain_mask", "ap_control_domain_mask")

_CARD = re.compile(r"^card([0-9a-f]{2})$")
_QUEUE = re.compile(r"^([0-9a-f]{2})\.([0-9a-f]{4})$")
_APQN_LINE = re.compile(r"^([0-9a-fA-F]{1,4})?\.([0-9a-fA-F]{1,4})?$")  # 05.0004, 05. or .0004
_DOMAIN_LINE = re.compile(r"^[0-9a-fA-F]{1,4}$")


# -- reading -------------------------------------------------------------------------------------
_OPEN = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW
_QUEUE_DOMAINS = {f"{d:04x}": d for d in range(m.MAX_ID + 1)}  # a queue directory's domain part, 0000..00ff


def read(path: str) -> Imported:
    if path == STDIN:
        raise InputError(path, None, "a sysfs tree is a directory, which standard input cannot hold: give its path "
                                     "(e.g. /sys)")
    tree = _Tree(Path(path))
    if not tree.is_dir(tree.top):
        raise InputError(path, None, "not a directory: a sysfs tree is laid out like /sys (bus/ap, devices/ap, "
                                     "devices/vfio_ap)")
    if not tree.is_dir(tree.bus):
        raise InputError(path, None, "no bus/ap directory: not a sysfs tree of a Linux with the AP bus")
    return tree.imported(path_text(os.path.basename(tree.top.real) or path))


class _Dir(NamedTuple):
    """A directory of the tree: `path` as the operator names it, which messages quote, and `real`,
    the same resolved within the root once, from which its attributes are opened (resolving each
    attribute's path again would lstat every directory above it, for each of them)."""

    path: str
    real: str

    def at(self, name: str) -> str:
        """The operator's path of entry `name`: `path` is spelled as pathlib spells it, and below the
        root, so joining a name gives the string ``Path(path) / name`` does."""
        return os.path.join(self.path, name)


class _Tree:
    """The tree under `root`, read without leaving it: /sys links only within itself (devices
    under bus/ap/devices, mdevs of devices/vfio_ap/matrix on some kernels), so a link that leads
    out is refused rather than followed, and no message quotes what an attribute holds."""

    def __init__(self, root: Path):
        self.root = root
        self.top = _Dir(str(root), os.path.realpath(root))
        self.bus = self.dir(root / "bus" / "ap")
        self.notes: list[str] = []
        self.guesses: list[Guess] = []

    def inside(self, p: str) -> str:
        """`p` with every link resolved, which must stay within the root."""
        real = os.path.realpath(p)
        root = self.top.real
        if real != root and not real.startswith(root.rstrip("/") + "/"):
            raise InputError(p, None, "a symbolic link out of the sysfs tree: not followed")
        return real

    def dir(self, path: str | Path) -> _Dir:
        return _Dir(str(path), self.inside(str(path)))

    def is_dir(self, d: _Dir) -> bool:
        try:
            return stat.S_ISDIR(os.stat(d.real).st_mode)
        except FileNotFoundError:
            return False
        except OSError as e:
            raise InputError(d.path, None, f"cannot read: {e.strerror or e}") from None

    def text(self, d: _Dir, name: str) -> str | None:
        """Attribute `name` of `d`, or None when it is absent. Opened from `d`'s real path without
        following a link: an attribute that is itself a link (ELOOP) is resolved as any path is,
        within the root; a link put in `d`'s path since it was resolved is not seen."""
        path = d.at(name)
        try:
            try:
                fd = os.open(os.path.join(d.real, name), _OPEN)
            except OSError as e:
                if e.errno != errno.ELOOP:
                    raise
                fd = os.open(self.inside(path), _OPEN)
            with os.fdopen(fd, "rb") as f:
                raw = f.read(1 << 20) or b""
        except FileNotFoundError:
            return None
        except OSError as e:
            raise InputError(path, None, f"cannot read: {e.strerror or e}") from None
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError as e:
            raise InputError(path, raw[: e.start].count(b"\n") + 1, "not sysfs text (not ASCII)") from None

    def number(self, d: _Dir, name: str) -> int | None:
        t = self.text(d, name)
        if t is None:
            return None
        try:
            if len(t.strip()) > 20:  # no sysfs number is that long; int() would take its time
                raise ValueError
            return int(t.strip(), 0)
        except ValueError:
            raise InputError(d.at(name), 1, "expected a number (decimal, or 0x hex)") from None

    def mask(self, d: _Dir, name: str) -> int | None:
        """A bus mask; None when absent or ``not supported`` (no QCI)."""
        t = self.text(d, name)
        if t is None or t.strip() == "not supported":
            return None
        try:
            return mdev.parse_mask(t)
        except ValueError as e:
            raise InputError(d.at(name), 1, str(e)) from None

    def names(self, d: _Dir) -> list[str]:
        """The names in directory `d`; an entry is read as ``d.at(name)``, as the operator names it."""
        try:
            return os.listdir(d.real)
        except FileNotFoundError:
            return []
        except OSError as e:
            raise InputError(d.path, None, f"cannot list: {e.strerror or e}") from None

    def unknown(self, where: str, names: set[str]) -> None:
        if names:
            self.notes.append(f"{where}: entries aptui does not read: {', '.join(sorted(names))}")

    # -- the machine, as the L1 sees it ----------------------------------------------------------
    def cards(self) -> dict[int, tuple[_Dir, set[str], set[int]]]:
        """card id -> (directory, attribute names, domains of its queue directories)."""
        top = self.dir(self.root / "devices" / "ap")
        if not self.is_dir(top):
            top = self.dir(self.bus.at("devices"))
        out = {}
        strange: set[str] = set()
        for name in self.names(top):
            c = _CARD.match(name)
            if not c:
                if not _QUEUE.match(name) and name not in ("uevent", "power"):
                    strange.add(name)
                continue
            aid = int(c.group(1), 16)
            card = self.dir(top.at(name))
            out[aid] = (card, *self.card_entries(card, aid))
        self.unknown(top.path, strange)
        return out

    def card_entries(self, card: _Dir, aid: int) -> tuple[set[str], set[int]]:
        """The names in card `aid`'s directory that are not its queues, and the domains of its queues.
        Nearly all of them are queues named as the kernel names them (aa.dddd of this card, 00..ff),
        looked up in a table; only the rest go through `queue_domain`, the rule."""
        prefix = f"{aid:02x}."
        names, domains = set(), set()
        for name in self.names(card):
            domain = _QUEUE_DOMAINS.get(name[3:]) if name.startswith(prefix) else None
            if domain is None:
                domain = self.queue_domain(card, aid, name)
            if domain is None:
                names.add(name)
            else:
                domains.add(domain)
        return names, domains

    @staticmethod
    def queue_domain(card: _Dir, aid: int, name: str) -> int | None:
        """The domain of `name` when it is one of card `aid`'s queue directories, else None; a domain
        above ff is refused."""
        queue = _QUEUE.match(name)
        if not queue or int(queue.group(1), 16) != aid:
            return None
        if int(queue.group(2), 16) > m.MAX_ID:
            raise InputError(card.at(name), None, "a queue directory of a domain above ff: domain ids are 00..ff "
                                                  "(8 bits of the APQN)")
        return int(queue.group(2), 16)

    def adapter(self, aid: int, d: _Dir) -> Adapter:
        kind, mode = self.kind(d, aid)
        try:
            check_adapter(kind, mode)
        except Violation as e:
            raise InputError(d.path, None, str(e)) from None
        depth = self.number(d, "depth")
        if depth is None:
            depth = 8
            self.guesses.append(Guess(f"card {aid:02x}'s depth", d.at("depth"), "8", "absent or unreadable",
                                      ((Guessed.DEPTH, aid),)))
        elif depth != (clamped := min(max(depth, 1), MAX_DEPTH)):
            self.notes.append(f"{d.at('depth')}: depth {depth} is outside 1..{MAX_DEPTH} (kernels count it as qd "
                              f"or qd+1, ref 6.2): {clamped}")
            depth = clamped
        if self.number(d, "config") == 0:
            state = "deconfigured"
        elif (self.number(d, "chkstop") or 0) > 0:
            state = "checkstopped"
        else:
            state = "online"
        return Adapter(aid, kind, mode, depth, state)

    def kind(self, d: _Dir, aid: int) -> tuple[str, str]:
        """Type and mode from ``type`` (CEX8C), else from ``hwtype`` and the ``ap_functions`` mode bits."""
        text = self.text(d, "type") or ""
        typed = cards.from_type(text)
        if typed:
            kind, mode, newer = typed
            if newer:
                self.guesses.append(Guess(f"card {aid:02x}'s type", d.at("type"), "CEX8",
                                          f"{text.strip()[:20]} is newer than aptui knows", ((Guessed.TYPE, aid),)))
            return kind, mode
        kind = cards.from_hwtype(self.number(d, "hwtype"))
        functions = self.number(d, "ap_functions") or 0
        mode = next((name for name, bit in cards.MODE_BITS.items() if functions & bit), None)
        if kind is None or mode is None:
            self.guesses.append(Guess(f"card {aid:02x}'s type and mode", d.path, f"{kind or 'CEX8'} in "
                                      f"{mode or 'cca'} mode", "neither type nor hwtype and ap_functions say what "
                                      "the card is", ((Guessed.TYPE, aid),)))
        return kind or "CEX8", mode or "cca"

    # -- vfio_ap mdevs ---------------------------------------------------------------------------
    def mdevs(self) -> list[tuple[Mdev, _Dir]]:
        top = self.dir(self.root / "devices" / "vfio_ap" / "matrix")
        out = []
        strange: set[str] = set()
        for name in sorted(self.names(top)):
            if UUID.fullmatch(name) and self.is_dir(d := self.dir(top.at(name))):
                out.append((self.mdev(name, d), d))
            elif name not in MATRIX_ENTRIES:
                strange.add(name)
        self.unknown(top.path, strange)
        return out

    def mdev(self, uuid: str, d: _Dir) -> Mdev:
        self.unknown(d.path, set(self.names(d)) - MDEV_ENTRIES)
        apqns = self.apqn_lines(d, "matrix")
        if apqns is not None:
            apm, aqm = apqns
            adm = m.mask_of(self.domain_lines(d, "control_domains"))
            return Mdev(uuid, Matrix(apm, aqm, adm), uuid)
        config = self.text(d, mdev.AP_CONFIG)
        if config is None:
            raise InputError(d.path, None, "an mdev directory without matrix or ap_config")
        try:
            return Mdev(uuid, mdev.parse_ap_config(config), uuid)
        except ValueError as e:
            raise InputError(d.at(mdev.AP_CONFIG), 1, str(e)) from None

    def apqn_lines(self, d: _Dir, name: str) -> tuple[int, int] | None:
        """``matrix`` or ``guest_matrix``: the APQNs, ``aa.`` for adapters without domains, ``.dddd``
        for domains without adapters (ref 1.5). They must be adapters x domains, as the kernel prints them."""
        t = self.text(d, name)
        if t is None:
            return None
        p = d.at(name)
        adapters, domains, seen = set(), set(), set()
        for n, line in enumerate(t.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            found = _APQN_LINE.match(line)
            if not found or not any(found.groups()):
                raise InputError(p, n, "expected an APQN like 05.0004 (or 05. or .0004)")
            a, dom = (int(x, 16) if x else None for x in found.groups())
            if max(a or 0, dom or 0) > m.MAX_ID:
                raise InputError(p, n, f"{line!r} has an id above 255")
            if a is not None:
                adapters.add(a)
            if dom is not None:
                domains.add(dom)
            if a is not None and dom is not None:
                seen.add((a, dom))
        missing = {(a, dom) for a in adapters for dom in domains} - seen
        if adapters and domains and missing:
            a, dom = min(missing)
            raise InputError(p, None, f"not adapters x domains, as the kernel prints it: {m.format_apqn(a, dom)} "
                                      "is missing")
        return m.mask_of(adapters), m.mask_of(domains)

    def domain_lines(self, d: _Dir, name: str) -> set[int]:
        t = self.text(d, name) or ""
        out = set()
        for n, line in enumerate(t.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            if not _DOMAIN_LINE.match(line):
                raise InputError(d.at(name), n, "expected a domain like 0004")
            if int(line, 16) > m.MAX_ID:
                raise InputError(d.at(name), n, f"domain {line!r} is above 255")
            out.add(int(line, 16))
        return out

    # -- the scenario ----------------------------------------------------------------------------
    def imported(self, label: str) -> Imported:
        self.unknown(self.bus.path, set(self.names(self.bus)) - BUS_ENTRIES)
        card_dirs = self.cards()
        adapters = {aid: self.adapter(aid, d) for aid, (d, _, _) in sorted(card_dirs.items())}
        strange = set().union(*(names for _, names, _ in card_dirs.values())) - CARD_ENTRIES
        self.unknown(f"{self.root / 'devices' / 'ap'}/card*", strange)
        apm, aqm, adm = (self.mask(self.bus, name) for name in CONFIG_MASKS)
        queue_domains = set().union(*(domains for _, _, domains in card_dirs.values()))
        if apm is None:
            apm = m.mask_of(card_dirs)
            self.guesses.append(Guess(f"{L1_NAME}'s adapters", self.bus.at("ap_adapter_mask"), "its cards",
                                      "absent or not supported"))
        if aqm is None:
            aqm = m.mask_of(queue_domains)
            self.guesses.append(Guess(f"{L1_NAME}'s usage domains", self.bus.at("ap_usage_domain_mask"),
                                      "those of its queues", "absent or not supported"))
        if adm is None:
            adm = aqm
            self.guesses.append(Guess(f"{L1_NAME}'s control domains", self.bus.at("ap_control_domain_mask"),
                                      "its usage domains", "absent or not supported"))
        config = Matrix(apm, aqm, adm)
        for aid in config.adapters:
            if aid not in adapters:
                self.guesses.append(Guess(f"adapter {aid:02x}", self.bus.at("ap_adapter_mask"),
                                          "CEX8 in CCA mode, depth 8, online", "it has no card directory",
                                          card_marks([aid])))
                adapters[aid] = Adapter(aid)
        reserved = self.reserved()
        l1 = Guest(L1_NAME, adapters=frozenset(config.adapters), usage_domains=frozenset(config.usage_domains),
                   control_domains=frozenset(config.control_domains), reserved=reserved,
                   persistent_reserved=self.persistent(reserved))
        found = self.mdevs()
        guests = mdev_guests([md for md, _ in found], L1_NAME)
        scenario = Scenario(f"sysfs {label}", path_text(f"Imported by `aptui import sysfs {self.root}`."),
                            self.host(adapters, config), (l1, *guests))
        self.compare_guest_matrix(scenario, guests, [d for _, d in found])
        self.guesses.append(Guess("the L1's name", str(self.root), L1_NAME, L1_NAME_WHY))
        return Imported(scenario, tuple(self.notes), tuple(self.guesses))

    def reserved(self) -> Reserved:
        """apmask AND aqmask: the queues of the L1's own zcrypt drivers (ref 5.2); both default to all ones."""
        masks = [self.mask(self.bus, name) for name in ("apmask", "aqmask")]
        if None in masks:
            self.guesses.append(Guess(f"{L1_NAME}'s reserved queues", self.bus.at("apmask"), "none",
                                      "no apmask/aqmask"))
            return Reserved()
        return Reserved(frozenset(m.ids_of(masks[0])), frozenset(m.ids_of(masks[1])))

    def persistent(self, active: Reserved) -> Reserved | None:
        """The persistent masks of the 41-ap.rules beside the tree (ROOT/../etc/udev/rules.d), a mask
        it does not set being the active one, as libap's `ap_read_udev_masks` reads them."""
        found = apmasks.rules_beside(self.root)
        if found is None:
            return None
        path, masks = found
        self.notes.append(f"{path}: read for the persistent masks (chzdev --persistent)")
        return boot_masks(active, apmasks.ap_read_udev_masks(masks, apmasks.masks_of(active)))

    def host(self, adapters: dict[int, Adapter], config: Matrix) -> Host:
        features = self.text(self.bus, "features")
        max_adapter = self.number(self.bus, "ap_max_adapter_id")
        max_domain = self.number(self.bus, "ap_max_domain_id")
        if features is not None:
            apxa = "APXA" in features.split()
        else:
            apxa = max_adapter is None or max_adapter > 63
            self.guesses.append(Guess("the machine's APXA", self.bus.at("features"), str(apxa).lower(),
                                      "absent: from ap_max_adapter_id (above 63 only with APXA)", APXA_GUESSED))
        highest = max(config.usage_domains + config.control_domains, default=-1)
        if max_domain is not None and 0 <= max_domain <= m.MAX_ID:
            domains = max(max_domain, highest) + 1
        else:
            domains, counted = host_domains(None if highest < 0 else highest, self.bus.at("ap_max_domain_id"),
                                            "absent or out of range")
            self.guesses.append(counted)
        return Host(apxa, tuple(adapters[a] for a in sorted(adapters)), domains)

    def compare_guest_matrix(self, scenario: Scenario, guests: list[Guest], dirs: list[_Dir]) -> None:
        """Say where the kernel's guest_matrix differs from the filtering aptui computes (spec 2.1)."""
        topo = Topology(scenario)
        for g, d in zip(guests, dirs):
            shown = self.apqn_lines(d, "guest_matrix")
            if shown is None:
                continue
            mine = topo.view(g.name).shadow_apcb
            if (shown[0] if shown[1] else 0, shown[1] if shown[0] else 0) != (
                    mine.apm if mine.aqm else 0, mine.aqm if mine.apm else 0):
                self.notes.append(f"{d.at('guest_matrix')}: the kernel gives {g.name} {Matrix(*shown).apqn_count} "
                                  f"queue(s), aptui computes {mine.apqn_count}: queue states (bindings, resets) "
                                  "aptui does not model may differ")


# -- writing -------------------------------------------------------------------------------------
def script_text(scenario: Scenario, topo: Topology, views: list[GuestView]) -> str:
    """A ``set -e`` sh script of the sysfs writes that give the guests their queues; one section
    per hypervisor, chosen by its first argument when there are several."""
    machines: dict[str, list[GuestView]] = {}
    for v in views:
        machines.setdefault(v.guest.parent, []).append(v)
    who = ", ".join(printable(v.name) for v in views)
    out = ["#!/bin/sh",
           f"# aptui {__version__}, scenario {printable(scenario.name)!r}: the sysfs writes that give {who}",
           "# their AP queues through vfio_ap. A write the kernel refuses stops the script, which says",
           "# which write it was and what the kernel meant.",
           "# SYSFS=/path/to/a/copy runs it on a copy of /sys (the persistent masks, which chzdev",
           "# keeps on /sys, then go to 41-ap.rules in $SYSFS/../etc/udev/rules.d)."]
    if len(machines) == 1:
        (parent,) = machines
        out.append(f"# Run it as root on {printable(parent)}, the hypervisor of these guests.")
        out += ["set -e", 'SYSFS="${SYSFS:-/sys}"', *_WRITER, ""]
        out += _machine(topo, parent, machines[parent])
        return "\n".join(out) + "\n"
    names = list(machines)
    out.append("# The guests run under several hypervisors: run it as root on each, naming it:")
    out += [f"#   sh SCRIPT {_word(p)}" for p in names]
    out += ["set -e", 'SYSFS="${SYSFS:-/sys}"', *_WRITER, "", 'case "${1:-}" in']
    for p in names:
        out.append(f"{_word(p)})")
        out += [f"  {line}" if line else "" for line in _machine(topo, p, machines[p])]
        out.append("  ;;")
    usage = "usage: sh SCRIPT HYPERVISOR, one of: " + " ".join(_word(p) for p in names)
    out += ["*)", f"  echo {shlex.quote(usage)} >&2", "  exit 2", "  ;;", "esac"]
    return "\n".join(out) + "\n"


def export(topo: Topology, views: list[GuestView], named: bool) -> Exported:
    return Exported(script_text(topo.scenario, topo, views))


# The C library's words for the errnos a vfio_ap write answers (glibc's, then musl's where they
# differ), which tee prints after the file's name.
STRERROR = {
    Errno.ENODEV: ("No such device",),
    Errno.EADDRNOTAVAIL: ("Cannot assign requested address", "Address not available"),
    Errno.EADDRINUSE: ("Address already in use", "Address in use"),
    Errno.EINVAL: ("Invalid argument",),
    Errno.EBUSY: ("Device or resource busy", "Resource busy"),
}


def _writer() -> tuple[str, ...]:
    """``ap_write VALUE FILE WHO``: one sysfs write, through tee, which says why a write failed
    (dash's echo says only "I/O error"); a refusal stops the script with the write, the kernel's
    errno and what it means (`Errno.meaning`). LC_ALL=C keeps tee's words the ones matched."""
    cases = [f'    {"|".join("*" + shlex.quote(": " + t) for t in texts)}) why={shlex.quote(f"{e}: {e.meaning}")} ;;'
             for e, texts in STRERROR.items()]
    return ("LC_ALL=C",
            "export LC_ALL",
            "# ap_write VALUE FILE WHO: write VALUE to FILE for WHO; if the kernel refuses it, say so and stop.",
            "ap_write() {",
            '  if err=$(printf \'%s\\n\' "$1" | tee "$2" 2>&1 >/dev/null); then return 0; fi',
            '  case "$err" in',
            *cases,
            "    *) why= ;;",
            "  esac",
            '  printf \'aptui script: %s: the kernel refused echo %s > %s\\n  %s\\n\' "$3" "$1" "$2" "$err" >&2',
            '  [ -z "$why" ] || printf \'  %s\\n\' "$why" >&2',
            "  exit 1",
            "}")


_WRITER = _writer()


def _write(value: str, target: str, who: str) -> str:
    """The script's line that writes ``value`` (a word that needs no quotes) to ``target`` (a path of
    safe names and $SYSFS or $mdev, expanded in double quotes) for guest ``who``."""
    return f'ap_write {value} "{target}" {_word(who)}'


def _word(name: str) -> str:
    """A hypervisor's name as the script matches and prints it: always in single quotes (shlex.quote
    leaves a plain word bare, and a bare ``esac``, ``fi`` or ``done`` as a case pattern is a syntax
    error), its control characters spelled as escapes (the script holds none, and says the name
    the way it must be typed)."""
    return "'" + printable(name).replace("'", "'\"'\"'") + "'"


def _machine(topo: Topology, parent: str, views: list[GuestView]) -> list[str]:
    """One hypervisor's writes in the kernel's order: the bus masks first (from the default all
    ones they only clear bits, which never fails; an assignment of a queue the host still keeps
    fails with EADDRNOTAVAIL), then the persistent masks, then each running guest's mdev."""
    hyp = topo.guests[parent]
    out = _active_masks(hyp) + [""] + _persistent_masks(hyp)
    for v in views:
        out += [""] + (_mdev(v) if v.guest.active else _not_started(v.guest))
    return out


def _active_masks(hyp: Guest) -> list[str]:
    reserved = hyp.reserved
    who = printable(hyp.name)
    return [f"# {who} keeps {apmasks.keeps_text(reserved)} for its own zcrypt drivers (apmask AND aqmask);",
            "# every other queue goes to vfio_ap. Giving queues away always succeeds; taking one back",
            "# fails with EBUSY while an mdev holds it.",
            _write(m.format_mask(m.mask_of(reserved.adapters)), "$SYSFS/bus/ap/apmask", hyp.name),
            _write(m.format_mask(m.mask_of(reserved.domains)), "$SYSFS/bus/ap/aqmask", hyp.name)]


def _persistent_masks(hyp: Guest) -> list[str]:
    """The masks from boot on: sysfs forgets apmask/aqmask at a reboot, and the kernel's all ones
    would give every queue back to zcrypt. chzdev --persistent keeps them in 41-ap.rules
    (zdev/src/ap.c `ap_write_type_udev`), checking them against the auto mdev configs as it
    does; on a copy of /sys the rule is written beside it (``$SYSFS/../etc``, where
    `aptui import sysfs` and ap-check read it)."""
    boot = hyp.boot_reserved
    rules = '"$SYSFS/../' + apmasks.RULES_PATH + '"'
    text = apmasks.rules_text(*apmasks.masks_of(boot)).splitlines()
    return [f"# From boot on {printable(hyp.name)} keeps {apmasks.keeps_text(boot)} (the persistent masks, 41-ap.rules).",
            'if [ "${SYSFS%/}" = /sys ]; then',
            "  command -v chzdev >/dev/null || { echo 'aptui script: chzdev (s390-tools zdev) keeps the persistent "
            "masks: install it, or write 41-ap.rules as aptui export udev does' >&2; exit 1; }",
            f"  chzdev -t ap --persistent {apmasks.chzdev_args(boot)}",
            "else",
            f'  mkdir -p "$SYSFS/../{os.path.dirname(apmasks.RULES_PATH)}"',
            "  printf '%s\\n' " + " ".join(shlex.quote(line) for line in text) + f" > {rules}",
            "fi"]


def _not_started(g: Guest) -> list[str]:
    """An mdev that is defined but not running exists only in mdevctl's configs, never in sysfs."""
    return [f"# {printable(g.name)}: mdev {g.mdev_uuid} is defined but not started (active = false): not created "
            f"here; aptui export mdevctl defines it (start {g.start})."]


def _mdev(view: GuestView) -> list[str]:
    g = view.guest
    uuid = g.mdev_uuid
    matrix = g.matrix
    name = printable(g.name)
    parts = [f"adapters {m.format_ids(matrix.adapters) or 'none'}",
             f"usage domains {m.format_ids(matrix.usage_domains, 4) or 'none'}",
             f"control domains {m.format_ids(matrix.control_domains, 4) or 'none'}"]
    assign = ["  " + _write(value, f"$mdev/{attr}", g.name) for attr, value in mdev.assignments(matrix)] or ["  :"]
    return [f"# {name}: mdev {uuid} (type {mdev.TYPE}), created unless it exists.",
            f'mdev="$SYSFS/devices/vfio_ap/matrix/{uuid}"',
            f'[ -d "$mdev" ] || '
            + _write(uuid, f"$SYSFS/devices/vfio_ap/matrix/mdev_supported_types/{mdev.TYPE}/create", g.name),
            f"# {name}: {'; '.join(parts)}.",
            "# One ap_config write when the driver has it (all or nothing), else one assign_* write per id.",
            'if grep -qw ap_config "$SYSFS/devices/vfio_ap/matrix/features" 2>/dev/null; then',
            "  " + _write(mdev.ap_config_text(matrix), f"$mdev/{mdev.AP_CONFIG}", g.name),
            "else", *assign, "fi"]
