"""Scenarios built in code for the console's tests, screenshots and benchmark."""

from __future__ import annotations

from aptui.formats.scenario.file import loads
from aptui.model import Adapter, Guest, Host, Reserved, Scenario

ALL = frozenset(range(256))
HOSTILE = ("[/]", "[b]x", "[@click=app.quit]x", "[$accent]x", "[VM1] guest", "x\\")


def hostile_scenario():
    """A chain host -> L1 -> L2 -> L3 whose names are markup, with a request from each."""
    names = [HOSTILE[0], HOSTILE[1], HOSTILE[2]]
    esc = [n.replace("\\", "\\\\").replace('"', '\\"') for n in names]
    text = f'''format = 1
name = "{HOSTILE[3]}"
[host]
adapters = [{{ id = 5 }}]
[[guest]]
name = "{esc[0]}"
adapters = [5]
usage_domains = [4]
control_domains = [4]
[[guest]]
name = "{esc[1]}"
parent = "{esc[0]}"
backend = "emulated"
adapters = [5]
usage_domains = [4]
[[guest]]
name = "{esc[2]}"
parent = "{esc[1]}"
adapters = [5]
usage_domains = [4]
[[request]]
guest = "{esc[2]}"
op = "TAPQ"
apqn = "05.0004"
[[request]]
guest = "{esc[0]}"
op = "TAPQ"
apqn = "05.0004"
'''
    return loads(text, "hostile.toml")



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


# Names that drive a terminal: OSC 52 (writes the clipboard), CSI 2J + OSC 0 (clears the screen,
# sets the window title), 8-bit CSI (U+009B), and a scenario name with an OSC 8 hyperlink.
CONTROLS = ("g\x1b]52;c;QUFBQQ==\x07", "h\x1b[2J\x1b]0;TITLE\x07", "k\x9b31m",
            "s\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\")


def controls_toml() -> str:
    """host -> L1 -> L2 -> L3 named CONTROLS[0..2], the scenario CONTROLS[3], a request from each
    guest and a diagnostic on the L3 (usage domain 9 is not its hypervisor's)."""
    g, h, k, name = (_toml_str(s) for s in CONTROLS)
    return f'''format = 1
name = {name}
description = {_toml_str("d" + CONTROLS[0])}
[host]
adapters = [{{ id = 5 }}]
[[guest]]
name = {g}
adapters = [5]
usage_domains = [4]
control_domains = [4]
[[guest]]
name = {h}
parent = {g}
adapters = [5]
usage_domains = [4]
[[guest]]
name = {k}
parent = {h}
adapters = [5]
usage_domains = [4, 9]
[[request]]
guest = {k}
op = "TAPQ"
apqn = "05.0004"
[[request]]
guest = {g}
op = "TAPQ"
apqn = "05.0004"
'''


def _toml_str(s: str) -> str:
    return '"' + "".join(f"\\u{ord(c):04x}" if not c.isprintable() or c in '"\\' else c for c in s) + '"'
