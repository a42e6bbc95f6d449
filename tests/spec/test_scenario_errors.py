"""Spec 8: the scenario file. Every input error: exit status 2, `FILE:LINE: message` naming the key,
no traceback, no file changed. Valid edge cases load; load -> save -> load is the identity."""

import asyncio
import json
import os
import re
import subprocess
import sys

import pytest

from aptui import demos
from aptui.engine import Engine
from aptui.formats.scenario import file as sf

from ._h import EXAMPLE_8, K, U, assert_answer, bits, call, run

BASE = """\
format = 1
name = "x"

[host]
adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]
domains = 16

[[guest]]
name = "lpar1"
parent = "host"
adapters = [5]
usage_domains = [4]
control_domains = [4]

[[guest]]
name = "kvm1"
parent = "lpar1"
backend = "passthrough"
adapters = [5]
usage_domains = [4]
control_domains = [4]

[[request]]
guest = "kvm1"
op = "TAPQ"
apqn = "05.0004"
repeat = 1
wait_us = 0
"""
M = "  #<"  # marks the line(s) an error must be reported at


def v(old, new, nth=0):
    """BASE with the nth occurrence of line `old` replaced by `new` (marked lines carry M)."""
    lines = BASE.split("\n")
    hits = [i for i, x in enumerate(lines) if x == old]
    lines[hits[nth]] = new
    return "\n".join(lines)


def add(text, after='name = "x"'):
    return v(after, after + "\n" + text)


KVM1_GUEST = 1  # occurrence index of the kvm1 guest's lines shared with lpar1

CASES = [
    # -- unknown keys
    ("top-unknown", add(f'colour = "red"{M}'), "colour"),
    ("host-unknown", v("domains = 16", f"domainz = 16{M}"), "domainz"),
    ("adapter-unknown", v('adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]',
                          f'adapters = [{{ id = 5, typ = "CEX8" }}]{M}'), "typ"),
    ("guest-unknown", v("adapters = [5]", f"adaptors = [5]{M}", KVM1_GUEST), "adaptors"),
    ("reserved-unknown", v("control_domains = [4]", f"control_domains = [4]\nreserved = {{ adapters = [5], domainz = [4] }}{M}"),
     "domainz"),
    ("request-unknown", v("repeat = 1", f"repeats = 1{M}"), "repeats"),
    ("policy-unknown", BASE + f"\n[policy]\nnested = true{M}\n", "nested"),
    ("costs-unknown", BASE + f"\n[costs]\ninterpet = 5{M}\n", "interpet"),
    # -- wrong types
    ("name-type", v('name = "x"', f"name = 5{M}"), "name"),
    ("format-value", v("format = 1", f"format = 2{M}"), "format"),
    ("apxa-type", v("[host]", f'[host]\napxa = "yes"{M}'), "apxa"),
    ("domains-type", v("domains = 16", f'domains = "16"{M}'), "domains"),
    ("domains-257", v("domains = 16", f"domains = 257{M}"), "domains"),
    ("depth-type", v('adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]',
                     f'adapters = [{{ id = 5, depth = "8" }}]{M}'), "depth"),
    ("adapter-id-type", v('adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]',
                          f'adapters = [{{ id = "5" }}]{M}'), "id"),
    ("guest-adapters-type", v("adapters = [5]", f"adapters = 5{M}", KVM1_GUEST), "adapters"),
    ("usage-type", v("usage_domains = [4]", f'usage_domains = ["four"]{M}', KVM1_GUEST), "usage_domains"),
    ("crycb-format-type", v('backend = "passthrough"', f'crycb_format = "2"{M}'), "crycb_format"),
    ("apie-type", v('backend = "passthrough"', f'apie = "on"{M}'), "apie"),
    ("features-type", v('backend = "passthrough"', f'features = "ap"{M}'), "features"),
    ("parent-type", v('parent = "lpar1"', f"parent = 1{M}"), "parent"),
    ("repeat-type", v("repeat = 1", f'repeat = "2"{M}'), "repeat"),
    ("wait-type", v("wait_us = 0", f'wait_us = "5"{M}'), "wait_us"),
    ("policy-type", BASE + f"\n[policy]\nnested_emulation = 1{M}\n", "nested_emulation"),
    ("costs-type", BASE + f'\n[costs]\ninterpret = "fast"{M}\n', "interpret"),
    # -- wrong values
    ("backend-value", v('backend = "passthrough"', f'backend = "emulate"{M}'), "backend"),
    ("feature-value", v('backend = "passthrough"', f'features = ["ap", "apx"]{M}'), "feature"),
    ("type-value", v('adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]',
                     f'adapters = [{{ id = 5, type = "CEX9" }}]{M}'), "type"),
    ("mode-value", v('adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]',
                     f'adapters = [{{ id = 5, mode = "rsa" }}]{M}'), "mode"),
    ("state-value", v('adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]',
                      f'adapters = [{{ id = 5, state = "offline" }}]{M}'), "state"),
    *[(f"ep11-on-{legacy}", v('adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]',
                              f'adapters = [{{ id = 5, type = "{legacy}", mode = "ep11" }}]{M}'), "mode")
      for legacy in ("CEX2", "CEX3")],  # spec v2 row 16: EP11 exists from CEX4P on
    ("depth-value", v('adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]',
                      f"adapters = [{{ id = 5, depth = 17 }}]{M}"), "depth"),
    ("crycb-format-value", v('backend = "passthrough"', f"crycb_format = 3{M}"), "crycb_format"),
    ("op-value", v('op = "TAPQ"', f'op = "FOO"{M}'), "op"),
    ("request-guest", v('guest = "kvm1"', f'guest = "nobody"{M}'), "guest"),
    ("repeat-value", v("repeat = 1", f"repeat = 0{M}"), "repeat"),
    ("wait-value", v("wait_us = 0", f"wait_us = -1{M}"), "wait_us"),
    # a missing key: the line of its table
    ("apqn-missing", v("[[request]]", f"[[request]]{M}").replace('apqn = "05.0004"\n', ""), "apqn"),
    ("op-missing", v("[[request]]", f"[[request]]{M}").replace('op = "TAPQ"\n', ""), "op"),
    ("apqn-on-qci", v('op = "TAPQ"', f'op = "QCI"').replace('apqn = "05.0004"', f'apqn = "05.0004"{M}'), "apqn"),
    # -- the tree
    ("unknown-parent", v('parent = "lpar1"', f'parent = "lpar9"{M}'), "parent"),
    ("duplicate-name", BASE + f'\n[[guest]]\nname = "kvm1"{M}\nparent = "lpar1"\n', "name"),
    ("cycle", BASE + f'\n[[guest]]\nname = "a"\nparent = "b"{M}\n\n[[guest]]\nname = "b"\nparent = "a"{M}\n', "parent"),
    ("self-parent", BASE + f'\n[[guest]]\nname = "c"\nparent = "c"{M}\n', "parent"),
    ("l1-emulated", v('parent = "host"', f'parent = "host"\nbackend = "emulated"{M}'), "backend"),
    ("l1-none", v('parent = "host"', f'parent = "host"\nbackend = "none"{M}'), "backend"),
    ("l1-apie-false", v('parent = "host"', f'parent = "host"\napie = false{M}'), "apie"),
    # -- malformed APQNs
    *[(f"apqn-{i}", v('apqn = "05.0004"', f"apqn = {bad}{M}"), "apqn") for i, bad in enumerate(
        ['"05:0004"', '"zz.0004"', '"05"', '"05.0004.1"', '""', '"05."', "5", "[5]", "[5, 4, 1]", '["05", "0004"]'])],
    # -- ids outside 0..255
    ("host-id-256", v('adapters = [{ id = 5, type = "CEX8", mode = "cca", depth = 8, state = "online" }]',
                      f"adapters = [{{ id = 256 }}]{M}"), "id"),
    ("adapters-256", v("adapters = [5]", f"adapters = [5, 256]{M}", KVM1_GUEST), "adapters"),
    ("usage-neg", v("usage_domains = [4]", f"usage_domains = [-1]{M}", KVM1_GUEST), "usage_domains"),
    ("control-300", v("control_domains = [4]", f"control_domains = [300]{M}", KVM1_GUEST), "control_domains"),
    ("reserved-256", v("control_domains = [4]", f"control_domains = [4]\nreserved = {{ adapters = [256], domains = [4] }}{M}"),
     "adapters"),
    ("apqn-100", v('apqn = "05.0004"', f'apqn = "100.0004"{M}'), "apqn"),
    ("apqn-0100", v('apqn = "05.0004"', f'apqn = "05.0100"{M}'), "apqn"),
    ("apqn-pair-256", v('apqn = "05.0004"', f"apqn = [5, 256]{M}"), "apqn"),
    ("apqn-pair-neg", v('apqn = "05.0004"', f"apqn = [-1, 4]{M}"), "apqn"),
]


def marked_lines(text):
    return [i + 1 for i, line in enumerate(text.split("\n")) if line.endswith(M)]


@pytest.mark.parametrize("case,text,key", CASES, ids=[c[0] for c in CASES])
def test_input_error(tmp_path, capsys, case, text, key):
    lines = marked_lines(text)
    assert lines, case
    p = tmp_path / "bad.toml"
    p.write_text(text)
    before = (p.read_bytes(), p.stat().st_mtime_ns, sorted(os.listdir(tmp_path)))
    for argv in (["run", str(p)], ["run", str(p), "--json"], ["check", str(p)], ["check", str(p), "--json"], [str(p)]):
        code, out, err = call(argv, capsys)
        assert code == 2, (argv, out, err)
        assert "Traceback" not in err + out
        m = re.search(re.escape(str(p)) + r":(\d+): (.+)", err)
        assert m, err
        assert int(m.group(1)) in lines, (err, lines)
        assert re.search(rf"(?<![A-Za-z_]){re.escape(key)}(?![A-Za-z])", m.group(2), re.I), \
            f"message does not name the key {key!r}: {m.group(2)}"
    assert (p.read_bytes(), p.stat().st_mtime_ns, sorted(os.listdir(tmp_path))) == before


def test_toml_syntax_error(tmp_path, capsys):
    text = v("usage_domains = [4]", f"usage_domains = [4 4]{M}", KVM1_GUEST)
    p = tmp_path / "bad.toml"
    p.write_text(text)
    code, _, err = call(["run", str(p)], capsys)
    assert code == 2
    assert f"{p}:{marked_lines(text)[0]}: " in err
    assert "Traceback" not in err


@pytest.mark.parametrize("what", ["missing", "directory", "not-utf8"])
def test_unreadable_input_exit_2(tmp_path, capsys, what):
    p = tmp_path / "s.toml"
    if what == "directory":
        p.mkdir()
    elif what == "not-utf8":
        p.write_bytes(b'format = 1\nname = "\xff\xfe"\n')
    for argv in (["run", str(p)], ["check", str(p)]):
        code, _, err = call(argv, capsys)
        assert code == 2
        assert str(p) in err and "Traceback" not in err


def test_input_error_in_a_real_process(tmp_path):
    text = v('parent = "lpar1"', f'parent = "lpar9"{M}')
    p = tmp_path / "bad.toml"
    p.write_text(text)
    for cmd in ("run", "check"):
        r = subprocess.run([sys.executable, "-m", "aptui", cmd, str(p)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2
        assert "Traceback" not in r.stderr
        assert f"{p}:{marked_lines(text)[0]}: " in r.stderr
    assert p.read_text() == text


# -- valid input ------------------------------------------------------------------------------------
def test_example_of_section_8_loads_and_runs(tmp_path, capsys):
    scan, tapq = run(EXAMPLE_8)
    # nested1 (L3, APIE on) under kvm1 (emulated, APIE off): QCI is an operation exception in L2 user space.
    assert scan.op == "SCAN" and scan.ap_available is False and scan.found == []
    assert_answer(scan.steps[0], exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                  cycles=50000)
    assert scan.steps[0].time_us == 0.0
    # kvm1's TAPQ: emulated by lpar1's user space.
    assert_answer(tapq, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=38000)
    assert bits(tapq) == {"E"}
    assert tapq.time_us == pytest.approx(10.0)
    p = tmp_path / "example.toml"
    p.write_text(EXAMPLE_8)
    code, out, _ = call(["run", str(p), "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["scenario"] == "L1 emulates, L2 interprets"
    assert [e["op"] for e in doc["results"]] == ["SCAN", "TAPQ"]
    code, out, _ = call(["check", str(p)], capsys)
    assert code == 0


def test_name_defaults_to_the_file_name(tmp_path, capsys):
    p = tmp_path / "my-scenario.toml"
    p.write_text(BASE.replace('name = "x"\n', ""))
    code, out, _ = call(["run", str(p), "--json"], capsys)
    assert code == 0
    assert json.loads(out)["scenario"] == "my-scenario"


def test_apqn_as_decimal_pair_and_hex_ids():
    a = sf.loads(v('apqn = "05.0004"', "apqn = [5, 4]"))
    b = sf.loads(BASE)
    assert a.requests == b.requests
    c = sf.loads(BASE.replace("usage_domains = [4]", "usage_domains = [0x04]").replace("adapters = [5]", "adapters = [0x5]"))
    assert c == b
    res = asyncio.run(Engine(a).run_to_end())
    assert res[0].rc == 0


def test_ids_the_format_cannot_address_are_not_input_errors(tmp_path, capsys):
    # Ids within 0..255 that format 1 cannot address: check reports beyond-crycb-format (adapter 200) and
    # id-out-of-range (domain 100, beyond the machine's 16 domains), exit 1; run drops them.
    text = BASE.replace("[[request]]", "[[guest]]\nname = \"f1\"\nparent = \"lpar1\"\ncrycb_format = 1\n"
                        "adapters = [5, 200]\nusage_domains = [4, 100]\ncontrol_domains = [4, 100]\n\n[[request]]")
    text = text.replace('guest = "kvm1"', 'guest = "f1"').replace('apqn = "05.0004"', 'apqn = "c8.0004"')
    p = tmp_path / "f1.toml"
    p.write_text(text)
    code, out, _ = call(["run", str(p), "--json"], capsys)
    assert code == 0
    entry = json.loads(out)["results"][0]
    assert (entry["rc"], entry["cc"], entry["exception"]) == (None, None, "specification")  # v2 row 7
    code, out, _ = call(["check", str(p), "--json"], capsys)
    assert code == 1
    diags = json.loads(out)["diagnostics"]
    assert any(d["code"] == "beyond-crycb-format" and d["guest"] == "f1" for d in diags)  # v2 row 12
    assert any(d["code"] == "id-out-of-range" and d["guest"] == "f1" for d in diags)


# -- load -> save -> load ------------------------------------------------------------------------------
RICH = """\
format = 1
name = "rich \\"one\\""
description = \"\"\"two
lines\"\"\"

[host]
apxa = true
domains = 200
adapters = [
  { id = 5, type = "CEX8", mode = "cca", depth = 8 },
  { id = 6, type = "CEX7", mode = "accel", depth = 16, state = "deconfigured" },
  { id = 7, type = "CEX4", mode = "ep11", depth = 1, state = "checkstopped" },
  { id = 8, type = "CEX3", mode = "accel", depth = 2 },
  0x20,
]

[[guest]]
name = "lpar1"
adapters = [5, 6, 7, 8, 0x20]
usage_domains = [4, 0x47, 10, 11, 12, 13, 14]
control_domains = [4, 0x47, 199]
reserved = { adapters = [6], domains = [0x47] }
features = ["ap", "apqci", "apft", "apqi"]

[[guest]]
name = "kvm1"
parent = "lpar1"
backend = "emulated"
apie = true
crycb_format = 1
adapters = [5]
usage_domains = [4]
control_domains = [4]
uuid = "0b2a4f3e-1c5d-4e6f-8a9b-0c1d2e3f4a5b"

[[guest]]
name = "kvm2"
parent = "lpar1"
backend = "none"
apie = false
features = []
adapters = [0x20]
usage_domains = [10]

[policy]
nested_emulation = true

[costs]
interpret = 7
clock_mhz = 1234
accel_us = 12.5
reset_us = 0

[[request]]
guest = "kvm1"
op = "NQAP"
apqn = [5, 4]
repeat = 3
wait_us = 1.5

[[request]]
guest = "lpar1"
op = "SCAN"
"""


@pytest.mark.parametrize("name", ["example-8", "rich"] + demos.names())
def test_load_save_load(tmp_path, name):
    text = {"example-8": EXAMPLE_8, "rich": RICH}.get(name) or demos.text(name)
    first = sf.loads(text, "in.toml")
    out = tmp_path / "out.toml"
    sf.save(first, out)
    assert sf.load(out) == first
