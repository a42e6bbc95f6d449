"""A scenario built in code, too large to write as a demo file: the screenshots, the console's
benchmark and its tests open it."""

from __future__ import annotations

from aptui.model import Adapter, Guest, Host, Reserved, Scenario

ALL = frozenset(range(256))


def big() -> Scenario:
    """A 256x256 LPAR, an L2 that gets most of it, and the ways an L2 loses queues."""
    host = Host(True, tuple(Adapter(i, "CEX8", "cca" if i % 3 else "ep11", 8) for i in range(256)), 256)
    lpar = Guest("lpar-big", adapters=ALL, usage_domains=ALL, control_domains=ALL,
                 reserved=Reserved(frozenset(range(0xF0, 0x100)), frozenset(range(0xF0, 0x100))))
    kvm = Guest("kvm-big", parent="lpar-big", adapters=frozenset(range(0x00, 0x40)) | frozenset(range(0xF8, 0x100)),
                usage_domains=frozenset(range(0x00, 0xF4)), control_domains=frozenset(range(0x00, 0xF4)))
    sib = Guest("kvm-small", parent="lpar-big", adapters=frozenset(range(0x40, 0x50)),
                usage_domains=frozenset(range(0x10)), control_domains=frozenset(range(0x10)))
    return Scenario("256 x 256", "A full LPAR and two KVM guests sharing it.", host, (lpar, kvm, sib))
