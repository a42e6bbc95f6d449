"""The command line: exit statuses, JSON shapes, FILE:LINE errors, and no Textual on the fast paths."""

import json
import os
import subprocess
import sys

import pytest

from aptui import __version__, demos
from aptui.cli import main

SPEC_EXAMPLE = {
    "seq": 1, "guest": "nested1", "level": 3, "op": "TAPQ", "apqn": "05.0004",
    "cc": None, "rc": None, "exception": "operation",
    "handled_by": {"level": 2, "where": "userspace"},
    "intercepts": [{"level": 1, "where": "kernel"}, {"level": 2, "where": "kernel"},
                   {"level": 2, "where": "userspace"}],
    "cycles": 50000, "time_us": 0.0,
}


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_spec_json_example_reproduces(capsys):
    code, out, _ = run(capsys, "run", "2018", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["scenario"] == "L1 emulates, L2 interprets"
    assert data["results"][0] == SPEC_EXAMPLE


def test_scan_entries(capsys):
    data = json.loads(run(capsys, "run", "2018", "--json")[1])
    scan = data["results"][1]
    assert (scan["op"], scan["ap_available"], scan["found"]) == ("SCAN", False, [])
    assert [s["op"] for s in scan["steps"]] == ["QCI"]
    kvm = data["results"][2]
    assert kvm["found"] == ["05.0004"] and [s["op"] for s in kvm["steps"]] == ["QCI", "TAPQ"]
    assert kvm["steps"][1]["rc"] == 0 and kvm["cycles"] == 76000


@pytest.mark.parametrize("name", demos.names())
def test_every_demo_runs_and_checks(capsys, name):
    code, out, _ = run(capsys, "run", name, "--json")
    assert code == 0 and json.loads(out)["results"]
    code, out, _ = run(capsys, "check", name, "--json")
    diags = json.loads(out)["diagnostics"]
    assert code == (1 if any(d["severity"] == "error" for d in diags) else 0)
    for d in diags:
        assert set(d) == {"code", "severity", "guest", "apqns", "message"}


@pytest.mark.parametrize("name, code", [
    ("2018", "interpretation-below-emulation"),
    ("sibling-conflict", "apqn-in-use"),
    ("format-mismatch", "crycb-format-mismatch"),
    ("format-mismatch", "beyond-crycb-format"),  # v2 row 12
    ("host-reserved", "apqn-reserved-by-host"),
    ("host-reserved", "adapter-filtered"),
])
def test_demos_show_their_diagnostic(capsys, name, code):
    codes = [d["code"] for d in json.loads(run(capsys, "check", name, "--json")[1])["diagnostics"]]
    assert code in codes


def test_passthrough_demo_is_clean(capsys):
    code, out, _ = run(capsys, "check", "passthrough", "--json")
    assert code == 0 and json.loads(out) == {"diagnostics": []}


def test_check_prints_errors_first(capsys):
    code, out, _ = run(capsys, "check", "host-reserved")
    severities = [line.split()[0] for line in out.splitlines()]
    assert code == 1 and severities == sorted(severities, key=["error", "warning", "info"].index)


def test_human_run_output_is_a_table_and_a_level_summary(capsys):
    code, out, _ = run(capsys, "run", "2018")
    assert code == 0
    assert "handled by" in out and "L2 user space" in out and "per level" in out and "L1 kernel" in out


def test_demo_lists_and_prints(capsys):
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "2018" in out and "(default)" in out
    code, out, _ = run(capsys, "demo", "queues")
    assert code == 0 and out == demos.text("queues")
    assert run(capsys, "demo", "nope")[0] == 2


def test_input_error_is_file_line_and_exit_2(capsys, tmp_path):
    f = tmp_path / "bad.toml"
    text = 'format = 1\n\n[[guest]]\nname = "l1"\nadapterz = [1]\n'
    f.write_text(text)
    for cmd in ("run", "check"):
        code, out, err = run(capsys, cmd, str(f))
        assert code == 2 and out == ""
        assert err.strip() == f"{f}:5: guest \"l1\": unknown key 'adapterz' (did you mean 'adapters'?)"
    assert f.read_text() == text


def test_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, "run", str(tmp_path / "none.toml"))
    assert code == 2 and "no such file" in err


def test_console_input_error_before_any_screen(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("format = 1\n[host]\napxa = 3\n")
    p = subprocess.run([sys.executable, "-m", "aptui", str(f)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip() == f"{f}:3: host apxa: expected true or false, got 3"
    assert "Traceback" not in p.stderr


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"aptui {__version__}"


@pytest.mark.parametrize("args", [["--version"], ["run", "2018", "--json"], ["check", "2018"], ["demo"]])
def test_fast_paths_import_no_textual(args):
    code = ("import sys\nfrom aptui.cli import main\n"
            "try:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
            "assert not bad, bad\n") % (args,)
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)


def test_check_and_run_of_a_file_import_no_argparse():
    """`aptui check FILE` is read without argparse (with gettext, locale and shutil, a tenth of its start-up)."""
    code = ("import sys, io, contextlib\nfrom aptui.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            "    main(['check', '2018'])\n"
            "    assert 'argparse' not in sys.modules and 'json' not in sys.modules\n"
            "    main(['run', '2018', '--json'])\n"
            "assert 'argparse' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)


@pytest.mark.parametrize("plain, parsed", [
    (["check", "sibling-conflict"], ["check", "--", "sibling-conflict"]),
    (["check", "sibling-conflict", "--json"], ["check", "--json", "sibling-conflict"]),
    (["run", "2018", "--json"], ["run", "--json", "2018"]),
    (["check", "no-such-file"], ["check", "--", "no-such-file"]),
])
def test_plain_arguments_read_as_argparse_reads_them(capsys, plain, parsed):
    assert run(capsys, *plain) == run(capsys, *parsed)


def test_model_engine_formats_import_no_textual():
    code = ("import sys\nimport aptui.model, aptui.engine, aptui.formats, aptui.cli\n"
            "import pkgutil, importlib, aptui.formats as f\n"
            "for m in pkgutil.walk_packages(f.__path__, 'aptui.formats.'):\n    importlib.import_module(m.name)\n"
            "assert 'textual' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)


def test_no_usage_domain_is_an_mdev_rule_not_an_lpars(tmp_path, capsys):
    """ap-check refuses an mdev with control domains only; an LPAR has no mdev (issue 9, defect 3)."""
    f = tmp_path / "s.toml"
    f.write_text('format = 1\n[host]\nadapters = [{ id = 5 }]\n[[guest]]\nname = "lpar1"\nadapters = [5]\n'
                 'control_domains = [4]\n[[guest]]\nname = "kvm1"\nparent = "lpar1"\nadapters = [5]\n'
                 'control_domains = [4]\n')
    code, out, _ = run(capsys, "check", str(f), "--json")
    found = [(d["code"], d["guest"]) for d in json.loads(out)["diagnostics"]]
    assert ("no-usage-domain", "kvm1") in found and ("no-usage-domain", "lpar1") not in found


def test_a_dumb_terminal_gets_a_message_not_the_console():
    """TERM=dumb used to get the full UI, drawn as escape sequences."""
    env = {**os.environ, "TERM": "dumb"}
    p = subprocess.run([sys.executable, "-m", "aptui"], capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip() == ("aptui: the console needs a terminal with cursor addressing (TERM=dumb); "
                                "aptui run and aptui check work without one")
