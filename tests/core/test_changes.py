"""[[change]]: a running guest's mdev rewritten on the simulated clock (ref 5.3, 5.5, 5.6): the
file, the kernel's refusals, the engine's resets and rescans, `run`, `check` and the exports."""

import io
import json

import pytest
from hypothesis import given

from aptui import demos
from aptui.cli import main
from aptui.console import edits
from aptui.engine import Engine
from aptui.engine.events import Segment
from aptui.formats.errors import InputError
from aptui.formats.output import results as out
from aptui.formats.real import mdev
from aptui.formats.real.live import export_change
from aptui.formats.scenario import file as sf
from aptui.model.diagnostics import check
from aptui.model.hotplug import applied_changes
from aptui.model.scenario import Change

from .strategies import busy_scenarios

BASE = """format = 1
[host]
adapters = [5, 6]
[[guest]]
name = "lpar1"
adapters = [5, 6]
usage_domains = [4, 5]
control_domains = [4]
reserved = { adapters = [6], domains = [5] }
[[guest]]
name = "kvm1"
parent = "lpar1"
adapters = [5]
usage_domains = [4]
control_domains = [4]
[[guest]]
name = "kvm2"
parent = "lpar1"
adapters = [6]
usage_domains = [4]
"""

LIVE = BASE + """
[[request]]
guest = "kvm1"
op = "NQAP"
apqn = "05.0004"
[[change]]
guest = "kvm1"
at_us = 10
adapters = []
[[request]]
guest = "kvm1"
op = "DQAP"
apqn = "05.0004"
wait_us = 400
[[change]]
guest = "kvm1"
at_us = 500
adapters = [5]
[[request]]
guest = "kvm1"
op = "DQAP"
apqn = "05.0004"
wait_us = 100
[[request]]
guest = "kvm1"
op = "SCAN"
"""


def run(text):
    engine = Engine(sf.loads(text, "t.toml"))
    engine.run_blocking(breakpoints=())
    return engine


def test_absent_changes_change_nothing():
    s = sf.loads(BASE, "t.toml")
    assert s.changes == () and "[[change]]" not in sf.dumps(s)
    text = io.StringIO()
    out.write_json(text, s)
    assert '"changes"' not in text.getvalue()


def test_an_unplugged_adapter_loses_its_reply_and_a_plugged_one_waits_for_the_scan():
    e = run(LIVE)
    nqap, gone, back, scan = e.results
    assert nqap.rc == 0
    assert gone.rc == 0x01  # 05.0004 left kvm1's CRYCB at 10 µs
    assert back.rc == 0x10  # plugged again at 500 µs: the ZAPQ at 10 µs threw the reply away
    assert scan.found == [(5, 4)]
    first, second = e.changes
    assert [(r.guest, r.op, r.apqn, r.route.handled_by) for r in first.resets] == [("lpar1", "ZAPQ", (5, 4),
                                                                                   (0, "firmware"))]
    assert first.cost() == {(0, "firmware"): 1000}  # the default `interpret`; the CRYCB update has no figure
    assert [(x.guest, x.lost, x.gained) for x in first.seen] == [("kvm1", ((5, 4),), ())]
    assert second.resets == [] and second.seen[0].gained == ((5, 4),)
    assert second.found_by == {"kvm1": scan.seq}
    assert e.counters()[(0, "firmware")].interpreted == 6  # 5 instructions (SCAN: QCI + TAPQ) and the ZAPQ
    # the spec's results stay one per executed instruction; the changes are a list of their own
    text = io.StringIO()
    out.write_json(text, sf.loads(LIVE, "t.toml"))
    doc = json.loads(text.getvalue())
    assert [r["op"] for r in doc["results"]] == ["NQAP", "DQAP", "DQAP", "SCAN"]
    assert [c["change"] for c in doc["changes"]] == [1, 2]
    assert doc["changes"][0]["ap_config"] == mdev.ap_config_text(first.new)
    assert doc["changes"][1]["guests"][0]["scanned_by"] == 4


def test_the_table_shows_each_change_where_it_happens():
    text = io.StringIO()
    out.write_table(text, sf.loads(LIVE, "t.toml"))
    lines = text.getvalue().splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("-- change 1 at 10.0 us"))
    assert lines[at - 1].lstrip().startswith("1 ") and "resets 05.0004" in lines[at + 1]
    assert any("found by its AP bus at its next SCAN (#4)" in x for x in lines)


def test_refusals_are_atomic_and_reported_by_check():
    text = BASE + """
[[change]]
guest = "kvm1"
at_us = 1
adapters = [5, 6]
usage_domains = [4, 7]
[[change]]
guest = "kvm1"
at_us = 2
control_domains = [0x60]
[[change]]
guest = "kvm1"
at_us = 3
usage_domains = [4, 5]
"""
    s = sf.loads(text, "t.toml")
    shared, high, ok = applied_changes(s)
    assert shared.verdict.errno == "EADDRINUSE" and shared.after == shared.before  # 06.0004 is kvm2's
    assert high.verdict.errno == "ENODEV"
    assert ok.verdict is None and ok.after.guest("kvm1").usage_domains == {4, 5}
    refused = [d for d in check(s) if d.code == "change-refused"]
    assert [d.message.split(":")[0] for d in refused] == ["change 1 at 1 µs", "change 2 at 2 µs"]
    assert all(d.severity == "error" for d in refused)
    e = run(text + '[[request]]\nguest = "kvm1"\nop = "TAPQ"\napqn = "05.0005"\nwait_us = 5\n')
    assert [c.refusal is not None for c in e.changes] == [True, True, False]
    assert e.results[0].rc == 0


def test_a_domain_reserved_for_the_hypervisor_is_eaddrnotavail():
    s = sf.loads(BASE + '[[change]]\nguest = "kvm2"\nat_us = 0\nusage_domains = [4, 5]\n', "t.toml")
    (a,) = applied_changes(s)
    assert a.verdict.errno == "EADDRNOTAVAIL"


@pytest.mark.parametrize("body, message", [
    ('guest = "lpar1"\nat_us = 1\nadapters = [5]', "is an L1, an LPAR"),
    ('guest = "kvm1"\nadapters = [5]', "missing key 'at_us'"),
    ('guest = "kvm1"\nat_us = -1\nadapters = [5]', "change at_us: -1 is outside"),
    ('guest = "kvm1"\nat_us = 1', "sets at least one of"),
    ('guest = "kvm1"\nat_us = 1\nadapter = [5]', "did you mean 'adapters'"),
    ('guest = "kvm1"\nat_us = 1\nadapters = [256]', "outside 0..255"),
])
def test_bad_changes_are_input_errors_with_their_line(body, message):
    with pytest.raises(InputError) as e:
        sf.loads(BASE + "[[change]]\n" + body + "\n", "t.toml")
    assert message in str(e.value) and str(e.value).startswith("t.toml:")


def test_an_emulated_guest_has_no_mdev_to_change():
    text = BASE.replace('name = "kvm2"\nparent = "lpar1"', 'name = "kvm2"\nparent = "lpar1"\nbackend = "emulated"')
    with pytest.raises(InputError, match='backend "emulated"'):
        sf.loads(text + '[[change]]\nguest = "kvm2"\nat_us = 1\nadapters = [6]\n', "t.toml")


def test_a_change_counts_towards_the_run_bound_of_its_guests_scans():
    text = BASE.replace("[5, 6]\nusage_domains = [4, 5]", '[5, 6]\nusage_domains = ["0-84"]', 1)
    text += '[[request]]\nguest = "kvm1"\nop = "SCAN"\nrepeat = 200000\n'
    sf.loads(text, "t.toml")  # 200000 x (1 + 1 APQN); with 85 domains, 200000 x 86 passes the bound
    with pytest.raises(InputError, match="instructions"):
        sf.loads(text + '[[change]]\nguest = "kvm1"\nat_us = 1\nusage_domains = ["0-84"]\n', "t.toml")


@given(busy_scenarios())
def test_changes_split_segments_as_one_instruction_at_a_time(s):
    """A segment stops before the first repetition at or after a change: the fast path gives the
    results, changes and counters of one instruction at a time (a listener)."""
    def runs(listen):
        got = []
        e = Engine(s, sink=got.append)
        if listen:
            e.subscribe(lambda ev: None)
        e.run_blocking(breakpoints=())
        flat = [x for g in got for x in ([g.result(k) for k in range(g.count)] if type(g) is Segment else [g])]
        return [out.result_json(r) for r in flat], [out.change_json(c) for c in e.changes], e.counters()

    assert runs(False) == runs(True)


def test_exports_of_a_change(tmp_path, capsys):
    f = tmp_path / "live.toml"
    f.write_text(LIVE)
    assert main(["export", "mdevctl", str(f), "--change", "2"]) == 0
    o = capsys.readouterr()
    assert json.loads(o.out)["attrs"] == [{"assign_adapter": "0x05"}, {"assign_domain": "0x0004"},
                                          {"assign_control_domain": "0x0004"}]
    assert "--live --jsonfile" in o.err and "500 µs" in o.err
    assert main(["export", "sysfs", str(f), "--change", "1"]) == 0
    script = capsys.readouterr().out
    writes = [x for x in script.splitlines() if x.startswith("echo 0x")]
    assert len(writes) == 1 and writes[0].endswith('> "$mdev/ap_config"')
    apm, aqm, adm = writes[0].split()[1].split(",")
    assert apm == "0x" + "0" * 64 and len(aqm) == len(adm) == 66
    assert main(["export", "qemu", str(f), "--change", "1"]) == 2
    assert main(["export", "sysfs", str(f), "--change", "3"]) == 2
    assert "no change 3" in capsys.readouterr().err


def test_the_live_change_demo():
    s = sf.loads(demos.text("live-change"), demos.label("live-change"))
    e = Engine(s)
    e.run_blocking(breakpoints=())
    rcs = [r.rc for r in e.results if r.op != "SCAN"]
    assert rcs == [0, 0x01, 0x01, 0, 0x10]  # NQAP; unplugged (L3, L2); 07 answers; the reply lost in the reset
    assert [c.refusal.errno if c.refusal else None for c in e.changes] == [None, None, "EADDRINUSE", None]
    assert e.results[5].found == [(7, 4)] and e.changes[1].found_by == {"kvm1": 6}


def test_console_edits_keep_the_changes_with_their_guest():
    s = sf.loads(LIVE, "t.toml")
    renamed = edits.rename_guest(s, "kvm1", "web")
    assert {c.guest for c in renamed.changes} == {"web"}
    assert edits.remove_guest(s, "kvm1").changes == ()
    with pytest.raises(edits.Refused, match='backend "emulated"'):
        edits.update_guest(s, "kvm1", backend="emulated")
    live = edits.live_change(s, edits.set_ids(s, "kvm1", "aqm", {5}, True), "kvm1", 3.5)
    assert live.changes[-1] == Change("kvm1", 3.5, usage_domains=frozenset({4, 5}))
    with pytest.raises(edits.Refused, match="more than kvm1's matrix"):
        edits.live_change(s, edits.set_ids(s, "kvm2", "adm", {5}, True), "kvm1", 3.5)


def test_control_domains_without_usage_domains_are_ap_checks_refusal_not_the_kernels():
    """ap-check's `ap_check_active` refuses mdevctl modify --live of a config with control domains
    and no usage domain; the kernel's ap_config_store has no such rule: a raw write would pass."""
    s = sf.loads(BASE + '[[change]]\nguest = "kvm1"\nat_us = 1\nusage_domains = []\n'
                 '[[request]]\nguest = "kvm1"\nop = "TAPQ"\napqn = "05.0004"\nwait_us = 5\n', "t.toml")
    (a,) = applied_changes(s)
    assert a.refused and a.verdict is None and a.callout == "At least one usage domain must be specified"
    assert a.after == s  # kvm1 keeps its matrix
    (d,) = [d for d in check(s) if d.code == "change-refused"]
    assert "ap-check refuses mdevctl modify --live" in d.message and "a raw ap_config write passes" in d.message
    raw = export_change("sysfs", s, 1)
    assert "the kernel takes this raw ap_config write" in raw.notes[0]
    assert "mdevctl modify --live fails" in export_change("mdevctl", s, 1).notes[0]
    text = io.StringIO()
    out.write_json(text, s)
    assert json.loads(text.getvalue())["changes"][0]["refused"] == {"by": "ap-check", "errno": None,
                                            "message": "At least one usage domain must be specified"}
