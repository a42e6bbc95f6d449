"""The importers at full scale, each beside the bare reading of what it reads.

`aptui import sysfs` of 256 adapters x 256 domains (65,536 queue directories, listed with
their cards but never entered) beside a scandir of only what the importer reads: the bus
directory and its files, each card directory and the card attributes it reads, the mdevs.
`aptui import lszcrypt` of a `lszcrypt -V` listing of the same machine (65,536 queue lines)
beside reading the file and splitting its lines.

Targets: sysfs within 3x of its bare reads; lszcrypt within 5x of splitting the lines (issue 11).

Run: python bench/import.py [ADAPTERS [DOMAINS]]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import attrs

import paired  # first: it puts this checkout on the path
from paired import Pair, call

from aptui.demos.large import big
from aptui.formats.real import lszcrypt, sysfs
from aptui.model import mask as m
from aptui.model.topology import Topology

ROUNDS = 5
MDEVS = 16
CARD_READS = ("type", "depth", "config", "chkstop")  # what sysfs.adapter reads of a card with a type


def build_tree(root: Path, adapters: int, domains: int, mdevs: int = MDEVS) -> None:
    """A /sys-like tree: every adapter a CEX8C, every domain in the LPAR's configuration."""
    bus = root / "bus" / "ap"
    bus.mkdir(parents=True)
    config = m.format_mask(m.mask_below(adapters)) + "\n"
    usage = m.format_mask(m.mask_below(domains)) + "\n"
    for name, text in {
        "apmask": m.format_mask(m.mask_below(adapters // 2)) + "\n", "aqmask": m.format_mask(m.FULL) + "\n",
        "ap_adapter_mask": config, "ap_usage_domain_mask": usage, "ap_control_domain_mask": usage,
        "ap_max_adapter_id": "255\n", "ap_max_domain_id": "255\n", "features": "APSC APXA QACT RC8A APSB\n",
    }.items():
        (bus / name).write_text(text)
    for a in range(adapters):
        card = root / "devices" / "ap" / f"card{a:02x}"
        card.mkdir(parents=True)
        for name, text in (("type", "CEX8C"), ("hwtype", "14"), ("depth", "8"), ("ap_functions", "0x92800000"),
                           ("online", "1"), ("config", "1"), ("chkstop", "0"), ("request_count", "0")):
            (card / name).write_text(text + "\n")
        for d in range(domains):
            queue = card / f"{a:02x}.{d:04x}"
            queue.mkdir()
            for name in ("config", "online", "request_count"):
                (queue / name).write_text("1\n")
    matrix = root / "devices" / "vfio_ap" / "matrix"
    matrix.mkdir(parents=True)
    (matrix / "features").write_text("guest_matrix hotplug ap_config\n")
    for i in range(mdevs):
        md = matrix / str(uuid.UUID(int=i + 1))
        md.mkdir()
        a = adapters // 2 + i % max(1, adapters - adapters // 2)
        (md / "matrix").write_text(f"{a:02x}.{i % domains:04x}\n")
        (md / "control_domains").write_text(f"{i % domains:04x}\n")


def importer_reads(root: Path) -> int:
    """What `aptui import sysfs` touches, read and not interpreted: bytes read."""
    size = 0

    def read(path) -> int:
        with open(path, "rb") as f:
            return len(f.read())

    with os.scandir(root / "bus" / "ap") as bus:
        size += sum(read(e.path) for e in bus if e.is_file())
    with os.scandir(root / "devices" / "ap") as cards:
        for card in cards:
            with os.scandir(card.path) as entries:  # the queue directories by name, not entered
                size += len(list(entries))
            size += sum(read(os.path.join(card.path, name)) for name in CARD_READS)
    with os.scandir(root / "devices" / "vfio_ap" / "matrix") as mdevs:
        for md in mdevs:
            if md.is_dir():
                with os.scandir(md.path) as files:
                    size += sum(read(e.path) for e in files if e.is_file())
    return size


def listing(path: Path, adapters: int, domains: int) -> int:
    """`lszcrypt -V` of an LPAR holding every queue of the machine; its lines."""
    s = big()
    lpar = attrs.evolve(s.guests[0], adapters=frozenset(range(adapters)), usage_domains=frozenset(range(domains)))
    s = attrs.evolve(s, host=attrs.evolve(s.host, adapters=s.host.adapters[:adapters]), guests=(lpar,))
    topo = Topology(s)
    text, _ = lszcrypt.listing_text(s, topo, topo.view(lpar.name))
    path.write_text(text)
    return text.count("\n")


def split_lines(path: Path) -> int:
    return len([line.split() for line in path.read_text().splitlines()])


def main() -> int:
    paired.compile_checkout()
    adapters = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    domains = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    print("paired runs (A B A B ...), CPU time (user + sys): best times, and the min and median of the ratios\n")
    with tempfile.TemporaryDirectory(prefix="aptui-bench-") as tmp:
        root = Path(tmp) / "sys"
        t = time.perf_counter()
        build_tree(root, adapters, domains)
        print(f"sysfs tree: {adapters} adapters x {domains} domains = {adapters * domains:,} queue directories "
              f"(built in {time.perf_counter() - t:.1f} s)")
        importer_reads(root)  # warm the dentry cache for both
        assert len(sysfs.read(str(root)).scenario.host.adapters) == adapters, "the importer must read every card"
        print(Pair(call(lambda: sysfs.read(str(root))), call(lambda: importer_reads(root)), ROUNDS)
              .line("aptui import sysfs", "scandir of what it reads", 3))
        text = Path(tmp) / "lszcrypt.txt"
        lines = listing(text, adapters, domains)
        assert len(lszcrypt.read(str(text)).scenario.host.adapters) == adapters
        print(f"\nlszcrypt -V listing: {lines:,} lines")
        print(Pair(call(lambda: lszcrypt.read(str(text))), call(lambda: split_lines(text)), ROUNDS)
              .line("aptui import lszcrypt", "read and split the lines", 5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
