"""Scenarios built in code for the console's tests."""

from __future__ import annotations

from aptui.formats.scenario.file import loads

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
