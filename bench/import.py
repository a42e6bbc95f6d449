"""`aptui import sysfs` on a full machine, beside a bare os.walk of the same tree.

Target (issue "Real formats in and out"): reading 256 adapters x 256 domains (65,536 queue
directories) takes at most 3x a bare os.walk of the tree. The tree is laid out like /sys: bus
masks, card attributes, a few files in every queue directory, and 16 mdevs.

Run: python bench/import.py [ADAPTERS [DOMAINS]]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aptui.formats.real import sysfs
from aptui.model import mask as m

REPEATS = 3
MDEVS = 16


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


def bare_walk(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def best(fn, *args) -> float:
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    adapters = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    domains = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    with tempfile.TemporaryDirectory(prefix="aptui-bench-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        build_tree(root, adapters, domains)
        print(f"tree: {adapters} adapters x {domains} domains = {adapters * domains:,} queue directories "
              f"(built in {time.perf_counter() - t:.1f} s)")
        bare_walk(root)  # warm the dentry cache for both
        walk = best(bare_walk, root)
        read = best(sysfs.read, str(root))
        imported = sysfs.read(str(root)).scenario
        assert len(imported.host.adapters) == adapters, "the importer must have read every card"
    ratio = read / walk
    print(f"os.walk:            {walk * 1000:9.1f} ms")
    print(f"aptui import sysfs: {read * 1000:9.1f} ms")
    print(f"ratio:              {ratio:9.2f}x  (target <= 3x)")
    return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
