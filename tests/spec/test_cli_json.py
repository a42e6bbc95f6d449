"""Spec 9: the command line, its exit statuses, and the JSON of `run --json` and `check --json`."""

import json

import aptui
from aptui import demos
from aptui.formats.scenario import file as sf

from ._h import EXAMPLE_9, call, guest, host, req, toml

EXCEPTIONS = {None, "operation", "specification", "validity"}
ENTRY_KEYS = ["seq", "guest", "level", "op", "apqn", "cc", "rc", "exception", "handled_by", "intercepts", "cycles",
              "time_us"]


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def run_json(argv, capsys):
    code, out, err = call(argv, capsys)
    assert code == 0, err
    return json.loads(out)


# -- the example of section 9 ---------------------------------------------------------------------------
def test_json_example_of_section_9_reproduced_by_demo_2018(capsys):
    example = json.loads(EXAMPLE_9)
    doc = run_json(["run", "2018", "--json"], capsys)
    assert doc["scenario"] == example["scenario"]
    first = doc["results"][0]
    assert first == example["results"][0]
    assert list(first) == list(example["results"][0])
    assert isinstance(first["time_us"], float)


# -- the shape of every entry ----------------------------------------------------------------------------
MIXED = toml(host(5, 6),
             [guest("lpar1", adapters=[5, 6], usage=[4, 8]),
              guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4]),
              guest("nested1", "kvm1", adapters=[5], usage=[4]),
              guest("kvm2", "lpar1", adapters=[6], usage=[8], features=["ap"])],
             [req("lpar1", "TAPQ", "05.0004", repeat=3), req("nested1", "TAPQ", "05.0004"), req("kvm1", "SCAN"),
              req("nested1", "SCAN"), req("kvm2", "AQIC", "06.0008"), req("kvm1", "NQAP", [5, 4]),
              req("lpar1", "QCI")])


def check_entry(e, allow_scan=True):
    if e["op"] == "SCAN":
        assert allow_scan
        assert isinstance(e["ap_available"], bool)
        assert isinstance(e["found"], list) and all(isinstance(x, str) for x in e["found"])
        assert e["steps"] and e["steps"][0]["op"] == "QCI"
        for s in e["steps"]:
            check_entry(s, allow_scan=False)
        return
    assert set(ENTRY_KEYS) <= set(e)
    assert isinstance(e["seq"], int) and isinstance(e["level"], int) and isinstance(e["guest"], str)
    assert e["exception"] in EXCEPTIONS
    if e["exception"] is None:
        assert isinstance(e["rc"], int) and e["cc"] == (0 if e["rc"] == 0 else 3)
    else:
        assert e["rc"] is None and e["cc"] is None
    assert set(e["handled_by"]) == {"level", "where"}
    assert e["handled_by"]["where"] in ("firmware", "kernel", "userspace")
    for hop in e["intercepts"]:
        assert set(hop) == {"level", "where"} and hop["where"] in ("kernel", "userspace")
    if e["intercepts"] and e["exception"] != "validity":
        assert e["handled_by"] == e["intercepts"][-1]
    elif not e["intercepts"] and e["exception"] != "validity":
        assert e["handled_by"] == {"level": 0, "where": "firmware"}
    assert isinstance(e["cycles"], int)
    assert isinstance(e["time_us"], float)
    assert e["apqn"] is None if e["op"] == "QCI" else len(e["apqn"]) == 7


def test_json_shape(tmp_path, capsys):
    doc = run_json(["run", write(tmp_path, MIXED), "--json"], capsys)
    assert doc["scenario"] == "t"
    res = doc["results"]
    # repeat expanded; SCAN is one entry
    assert [e["op"] for e in res] == ["TAPQ"] * 3 + ["TAPQ", "SCAN", "SCAN", "AQIC", "NQAP", "QCI"]
    assert [e["seq"] for e in res] == list(range(1, 10))
    for e in res:
        check_entry(e)
    assert [e["level"] for e in res] == [1, 1, 1, 3, 2, 3, 2, 2, 1]
    assert res[0]["apqn"] == "05.0004" and res[7]["apqn"] == "05.0004"
    # the instructions' own values (4.1, 4.2, 4.3)
    assert (res[3]["exception"], res[3]["cycles"]) == ("operation", 50000)
    assert res[4]["found"] == ["05.0004"] and res[4]["ap_available"] is True
    assert res[5]["found"] == [] and res[5]["ap_available"] is False
    assert (res[6]["exception"], res[6]["handled_by"]) == ("specification", {"level": 1, "where": "kernel"})
    assert res[8]["rc"] == 0 and res[8]["cc"] == 0


def test_validity_entry(tmp_path, capsys):
    doc = run_json(["run", write(tmp_path, toml(host(5), [
        guest("lpar1", adapters=[5], usage=[4], crycb_format=1),
        guest("kvm1", "lpar1", adapters=[5], usage=[4], crycb_format=2)], [req("kvm1", "TAPQ", "05.0004")])),
        "--json"], capsys)
    e = doc["results"][0]
    assert {k: e[k] for k in ("cc", "rc", "exception", "handled_by", "intercepts", "cycles")} == {
        "cc": None, "rc": None, "exception": "validity", "handled_by": {"level": 1, "where": "kernel"},
        "intercepts": [], "cycles": 0}


# -- exit statuses ----------------------------------------------------------------------------------------
def test_run_text_and_json_exit_0(tmp_path, capsys):
    p = write(tmp_path, MIXED)
    for argv in (["run", p], ["run", p, "--json"], ["run", "2018"], ["run", "queues", "--json"]):
        code, out, _ = call(argv, capsys)
        assert code == 0 and out


def test_every_demo_runs_and_checks(capsys):
    for name in demos.names():
        code, out, _ = call(["run", name, "--json"], capsys)
        assert code == 0
        json.loads(out)
        code, out, _ = call(["check", name, "--json"], capsys)
        diags = json.loads(out)["diagnostics"]
        assert code == (1 if any(d["severity"] == "error" for d in diags) else 0)


def test_check_exit_statuses(tmp_path, capsys):
    clean = write(tmp_path, toml(host(5), [guest("lpar1", adapters=[5], usage=[4])]), "clean.toml")
    warn = write(tmp_path, toml(host(5), [guest("lpar1", adapters=[5, 6], usage=[4], control=[4, 8])]), "warn.toml")
    err = write(tmp_path, toml(host(5), [guest("a", adapters=[5], usage=[4]), guest("b", adapters=[5], usage=[4])]),
                "err.toml")
    bad = write(tmp_path, "format = 1\n[[guest]]\nname = 5\n", "bad.toml")
    for argv_tail in ([], ["--json"]):
        assert call(["check", clean] + argv_tail, capsys)[0] == 0
        assert call(["check", warn] + argv_tail, capsys)[0] == 0
        assert call(["check", err] + argv_tail, capsys)[0] == 1
        assert call(["check", bad] + argv_tail, capsys)[0] == 2
    assert call(["run", bad], capsys)[0] == 2
    assert call(["run", bad, "--json"], capsys)[0] == 2


def test_check_json_shape(tmp_path, capsys):
    err = write(tmp_path, toml(host(5), [guest("a", adapters=[5], usage=[4]), guest("b", adapters=[5], usage=[4])]))
    code, out, _ = call(["check", err, "--json"], capsys)
    doc = json.loads(out)
    assert list(doc) == ["diagnostics"]
    assert doc["diagnostics"]
    for d in doc["diagnostics"]:
        assert {"code", "severity", "guest", "apqns", "message"} <= set(d)
    code, out, _ = call(["check", write(tmp_path, toml(host(5), [guest("a", adapters=[5], usage=[4])]), "ok.toml"),
                         "--json"], capsys)
    assert json.loads(out) == {"diagnostics": []}


def test_console_on_a_bad_file_exit_2(tmp_path, capsys):
    bad = write(tmp_path, "format = 1\n[host]\napxa = 3\n")
    code, _, err = call([bad], capsys)
    assert code == 2
    assert f"{bad}:3: " in err


def test_demo_lists_and_prints(capsys):
    code, out, _ = call(["demo"], capsys)
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert set(demos.names()) <= set(listed)
    assert "2018" in listed
    code, out, _ = call(["demo", "2018"], capsys)
    assert code == 0
    assert sf.loads(out, "x.toml") == sf.loads(demos.text("2018"), "y.toml")


def test_version(capsys):
    code, out, err = call(["--version"], capsys)
    assert code == 0
    assert aptui.__version__ in out + err


# -- import / export: exit statuses -----------------------------------------------------------------------
PT = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]), guest("kvm1", "lpar1", adapters=[5], usage=[4])])


def test_export_input_error_exit_2(tmp_path, capsys):
    bad = write(tmp_path, "format = 1\n[host]\nadapters = 5\n")
    for kind in ("mdevctl", "libvirt", "hostdev", "qemu", "sysfs", "lszcrypt", "k8s"):
        assert call(["export", kind, bad, "--guest", "kvm1"], capsys)[0] == 2


def test_export_unknown_guest_exit_2(tmp_path, capsys):
    p = write(tmp_path, PT)
    assert call(["export", "mdevctl", p, "--guest", "nosuch"], capsys)[0] == 2


def test_export_mdevctl_json_exit_0(tmp_path, capsys):
    p = write(tmp_path, PT)
    code, out, _ = call(["export", "mdevctl", p, "--guest", "kvm1"], capsys)
    assert code == 0
    json.loads(out)


def test_import_missing_path_exit_2(tmp_path, capsys):
    for kind in ("lszcrypt", "sysfs", "mdevctl", "libvirt"):
        assert call(["import", kind, str(tmp_path / "nope")], capsys)[0] == 2
