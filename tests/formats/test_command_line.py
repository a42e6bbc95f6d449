"""The command line as operators use it (issue 9, deliverable 7): imports from standard input,
`aptui FILE` on a real format, guesses never silent, `run --summary`, `watch` refusing bad input."""

from __future__ import annotations

import io
import json
import shutil
import sys

import pytest

from aptui.cli import main
from aptui.console import watching
from aptui.formats.real import sniffing
from aptui.formats.scenario.file import loads

from .tools import FIXTURES


def run(capsys, *args, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind, fixture", [("lszcrypt", "lszcrypt-V.txt"), ("mdevctl", "mdevctl-list.json"),
                                           ("libvirt", "libvirt/guest1.xml")])
def test_imports_read_standard_input_as_the_file_itself(capsys, monkeypatch, kind, fixture):
    code, from_file, _ = run(capsys, "import", kind, str(FIXTURES / fixture))
    code_in, from_stdin, err = run(capsys, "import", kind, "-", stdin=(FIXTURES / fixture).read_bytes(),
                                   monkeypatch=monkeypatch)
    assert (code, code_in) == (0, 0)
    assert f"`aptui import {kind} -`" in from_stdin
    assert loads(from_stdin, "-").host == loads(from_file, "f").host
    assert [g.matrix for g in loads(from_stdin, "-").guests] == [g.matrix for g in loads(from_file, "f").guests]


def test_errors_on_standard_input_say_stdin_and_the_line(capsys, monkeypatch):
    code, out, err = run(capsys, "import", "lszcrypt", "-", stdin=b"CARD.DOM TYPE\n-----\nzz.1 CEX8C\n",
                         monkeypatch=monkeypatch)
    assert (code, out) == (2, "")
    assert err.startswith("<stdin>:3: ")


@pytest.mark.parametrize("args", [["run", "FILE"], ["run", "FILE", "--json"], ["check", "FILE", "--json"],
                                  ["export", "sysfs", "FILE"], ["export", "mdevctl", "FILE", "--hypervisor", "lpar1"]])
def test_run_check_and_export_read_a_scenario_from_standard_input(capsys, monkeypatch, args):
    from aptui import demos

    code, expected, _ = run(capsys, *[a.replace("FILE", "passthrough") for a in args])
    code_in, got, err = run(capsys, *[a.replace("FILE", "-") for a in args],
                            stdin=demos.text("passthrough").encode(), monkeypatch=monkeypatch)
    assert (code_in, got) == (code, expected) and expected


def test_a_scenario_error_on_standard_input_says_stdin_and_the_line(capsys, monkeypatch):
    code, out, err = run(capsys, "check", "-", stdin=b'[host]\n[[guest]]\nname = "l"\nbackend = "bad"\n',
                         monkeypatch=monkeypatch)
    assert (code, out) == (2, "") and err.startswith("<stdin>:4: ")
    assert run(capsys, "-")[0] == 2  # the console reads its keys from standard input: no file from it


def test_a_sysfs_tree_cannot_come_from_standard_input(capsys, monkeypatch):
    code, out, err = run(capsys, "import", "sysfs", "-", stdin=b"", monkeypatch=monkeypatch)
    assert code == 2 and "directory" in err and err.startswith("<stdin>: ")


@pytest.mark.parametrize("path, kind", [("lszcrypt-V.txt", "lszcrypt"), ("lszcrypt-old.txt", "lszcrypt"),
                                        ("real-V-running.txt", "lszcrypt"), ("sysfs-host", "sysfs"),
                                        ("mdevctl.d", "mdevctl"), ("mdevctl-list.json", "mdevctl"),
                                        ("libvirt/guest1.xml", "libvirt"), ("libvirt", "libvirt")])
def test_aptui_file_recognises_a_real_format_and_imports_it(capsys, path, kind):
    assert sniffing.recognise(str(FIXTURES / path)) == kind
    code, out, err = run(capsys, "check", str(FIXTURES / path))
    assert code == 0
    assert f"imported from {kind}" in err.splitlines()[0]
    assert "aptui: guess: " in err  # every import guesses the L1's name at least


@pytest.mark.parametrize("kind", ["udev", "lszdev"])
def test_the_masks_formats_are_recognised_too(capsys, tmp_path, kind):
    f = tmp_path / kind
    code, out, _ = run(capsys, "export", kind, "passthrough", "--hypervisor", "lpar1")
    f.write_text(out)
    assert code == 0 and sniffing.recognise(str(f)) == kind
    code, _, err = run(capsys, "check", str(f))
    assert f"imported from {kind}" in err and "guessed the L1's name = lpar1" in err


def test_the_export_of_an_import_needs_no_toml_in_between(capsys):
    code, out, err = run(capsys, "export", "mdevctl", str(FIXTURES / "mdevctl-list.json"))
    assert code == 0 and json.loads(out)[0]["matrix"]


def test_a_scenario_is_still_toml_and_other_files_keep_the_toml_error(capsys, tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('format = 1\nname = "CARD.DOM TYPE"\n[host]\nadapters = [{ id = 5 }]\n')
    assert sniffing.recognise(str(toml)) is None
    code, _, err = run(capsys, "check", str(toml))
    assert code == 0 and "imported" not in err
    table = tmp_path / "t.toml"
    table.write_text('[host]\nadapters = []\n')  # a TOML table is not JSON's list
    assert sniffing.recognise(str(table)) is None
    other = tmp_path / "notes.txt"
    other.write_text("just some notes\n")
    code, _, err = run(capsys, "check", str(other))
    assert code == 2 and "not valid TOML" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert sniffing.recognise(str(empty)) is None


def test_a_recognised_file_that_is_broken_reports_the_importers_error(capsys, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("CARD.DOM TYPE\n------\nzz CEX8C\n")
    code, _, err = run(capsys, "run", str(bad))
    assert code == 2 and err.startswith(f"{bad}:3: ")


def test_guesses_are_toml_comments_and_stderr_lines(capsys):
    code, out, err = run(capsys, "import", "mdevctl", str(FIXTURES / "mdevctl-list.json"))
    comments = [line[len("# guess: "):] for line in out.splitlines() if line.startswith("# guess: ")]
    stderr = [line[len("aptui: guess: "):] for line in err.splitlines() if line.startswith("aptui: guess: ")]
    assert comments == stderr
    text = "\n".join(comments)
    for words in ("CEX8 in CCA mode, depth 8", "domain count = ", "APXA = true", "the L1 = lpar1"):
        assert words in text


def _many_requests(tmp_path):
    text = (FIXTURES.parents[2] / "aptui" / "demos" / "2018.toml").read_text()
    text = text.replace('op = "TAPQ"\napqn = "05.0004"\n', 'op = "TAPQ"\napqn = "05.0004"\nrepeat = 5000\n', 1)
    f = tmp_path / "many.toml"
    f.write_text(text)
    return f


def test_run_summary_is_the_tables_summary_alone(capsys, tmp_path):
    f = _many_requests(tmp_path)
    _, table, _ = run(capsys, "run", str(f))
    code, summary, _ = run(capsys, "run", str(f), "--summary")
    assert code == 0 and summary.startswith("per level\n") and table.endswith("\n\n" + summary)
    _, full, _ = run(capsys, "run", str(f), "--json")
    code, short, _ = run(capsys, "run", str(f), "--summary", "--json")
    assert code == 0
    assert json.loads(short) == {k: v for k, v in json.loads(full).items() if k != "results"}


def test_watch_refuses_what_it_cannot_watch(capsys, tmp_path):
    assert run(capsys, "watch", str(tmp_path / "none"))[0] == 2
    with pytest.raises(SystemExit) as e:
        main(["watch", str(tmp_path), "--interval", "0"])
    assert e.value.code == 2


def test_changes_name_guests_adapters_and_domains(tmp_path):
    root = tmp_path / "sys"
    shutil.copytree(FIXTURES / "sysfs-host", root, symlinks=True)
    before = watching.read_host(str(root)).scenario
    assert watching.changes(before, before) == []
    shutil.rmtree(root / "devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804")
    (root / "bus/ap/ap_adapter_mask").write_text("0x06" + "0" * 62 + "\n")  # adapters 05, 06: 0a gone
    shutil.rmtree(root / "devices/ap/card0a")
    after = watching.read_host(str(root)).scenario
    assert watching.changes(before, after) == ["the machine: adapters 0a removed", "guest mdev-62177883 removed",
                                               "guest lpar1: adapters 0a removed"]
    assert watching.changes(after, before)[:2] == ["the machine: adapters 0a added",
                                                   "guest mdev-62177883 added (adapters 05, 06, usage domains 04, ab)"]
