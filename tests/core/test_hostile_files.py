"""The "Hostile input" issue, defects 3 to 8: whatever a file, a tree or a path holds, aptui answers
`FILE:LINE: what` and exit 2 (or the right answer), never a traceback; an import's output always
loads; the recovery file loads for any path; sysfs is read within its root; the sysfs script
parses for any name; a run's size is bounded before it starts."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import given

from aptui.cli import EX_SOFTWARE, main
from aptui.console import edits
from aptui.console.recovery import Recovery
from aptui.engine import Engine
from aptui.formats.real import convert, lszcrypt
from aptui.formats.scenario import file as sf
from aptui.formats.real.convert import export_text
from aptui.formats.real.importing import Imported
from aptui.formats.text import printable
from aptui.model import Adapter, Guest, Host, Request, Scenario
from aptui.model.bounds import MAX_REPEAT
from aptui.model.routing import ap_bus_configuration
from tests.ui.conftest import end_process
from aptui.model.topology import Topology

from .strategies import scenarios

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "formats" / "fixtures"
GUEST1 = "62177883-f1bb-47f0-914d-32a22e3a8804"
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and not CONTROLS.search(out + err)
    return code, out, err


def sysfs_tree(tmp_path) -> Path:
    root = tmp_path / "sys"
    shutil.copytree(FIXTURES / "sysfs-host", root)
    return root


def listing(tmp_path, *rows: str, name: str = "ls.txt") -> Path:
    f = tmp_path / name
    f.write_text("CARD.DOM TYPE  MODE        STATUS     REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER\n"
                 + "".join(r + "\n" for r in rows))
    return f


CARD = "05       CEX8C CCA-Coproc  online            5        0     14     08 S--D--N-F- cex4card"
QUEUE = "05.0004  CEX8C CCA-Coproc  online            5        0     14     08 S--D--N-F- cex4queue"


# -- 3: tracebacks ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["[" * 600 + "]" * 600, "{ a = " * 600 + "1" + " }" * 600],
                         ids=["arrays", "inline tables"])
def test_toml_nested_deeper_than_the_parser_follows(tmp_path, capsys, value):
    f = tmp_path / "deep.toml"
    f.write_text(f'format = 1\nname = "[[[ not structure ]]]" # {{{{ nor this\nx = {value}\n')
    code, _, err = run(capsys, "check", f)
    assert code == 2 and err.startswith(f"{f}:3: nested 600 levels deep (arrays, inline tables)")


def test_toml_integer_of_more_digits_than_python_converts(tmp_path, capsys):
    f = tmp_path / "big.toml"
    f.write_text('format = 1\ndescription = "' + "7" * 5000 + '"\n[host]\nadapters = [0x' + "f" * 5000
                 + "]\ndomains = " + "1_" * 4400 + "1\n")
    code, _, err = run(capsys, "run", f)
    assert code == 2 and err.startswith(f"{f}:5: an integer of more than 4300 digits")


@pytest.mark.parametrize("fields, expected", [
    ({1: "-", 6: "1" * 5000}, 0), ({1: "CEX" + "9" * 5000 + "C"}, 0), ({7: "1" * 5000}, 2)],
    ids=["HWTYPE", "TYPE", "QDEPTH"])
def test_lszcrypt_numbers_of_any_length(tmp_path, capsys, fields, expected):
    """HWTYPE (read when TYPE says nothing), TYPE's generation and QDEPTH, as long as a line goes."""
    row = CARD.split()
    for i, value in fields.items():
        row[i] = value
    f = listing(tmp_path, " ".join(row), QUEUE)
    code, out, err = run(capsys, "import", "lszcrypt", f)
    assert code == expected and len(err) < 2000
    if expected:
        assert err.startswith(f"{f}:2: QDEPTH '1111") and "is not a number" in err


def test_sysfs_type_of_any_length(tmp_path, capsys):
    root = sysfs_tree(tmp_path)
    (root / "devices/ap/card05/type").write_text("CEX" + "9" * 5000 + "C\n")
    code, out, _ = run(capsys, "import", "sysfs", root)
    assert code == 0 and sf.loads(out).host.adapters[0].type == "CEX8"  # from hwtype 14


def test_sysfs_queue_directory_above_ff_without_the_usage_mask(tmp_path, capsys):
    root = sysfs_tree(tmp_path)
    (root / "bus/ap/ap_usage_domain_mask").unlink()
    (root / "devices/ap/card05/05.0100").mkdir()
    code, _, err = run(capsys, "import", "sysfs", root)
    assert code == 2 and err.startswith(f"{root}/devices/ap/card05/05.0100: a queue directory of a domain above ff")


LONG = "x" * 300  # one name longer than NAME_MAX


@pytest.mark.parametrize("kind", ["lszcrypt", "sysfs", "mdevctl", "libvirt"])
def test_names_too_long(tmp_path, capsys, kind):
    code, _, err = run(capsys, "import", kind, tmp_path / LONG)
    assert code == 2 and "File name too long" in err
    out = tmp_path / LONG / "out.toml"
    code, _, err = run(capsys, "import", "lszcrypt", FIXTURES / "lszcrypt.txt", "-o", out)
    assert code == 2 and err == f"aptui: {out}: cannot write: File name too long\n"


def test_a_loop_of_links_for_an_mdev_directory(tmp_path, capsys):
    root = sysfs_tree(tmp_path)
    loop = root / "devices/vfio_ap/matrix/11111111-2222-3333-4444-555555555555"
    loop.symlink_to(loop.name)
    code, _, err = run(capsys, "import", "sysfs", root)
    assert code == 2 and err == f"{loop}: cannot read: Too many levels of symbolic links\n"
    mdevs = tmp_path / "mdevctl"
    shutil.copytree(FIXTURES / "mdevctl.d", mdevs)
    (mdevs / "matrix" / loop.name).symlink_to(loop.name)
    code, _, err = run(capsys, "import", "mdevctl", mdevs)
    assert code == 0 and f"{loop.name}: not read (not a config file)" in err


def test_paths_a_user_may_not_search(tmp_path, capsys, monkeypatch):
    """EACCES, as a user meets it (root searches everything): listing a directory, stat'ing a path."""
    closed = tmp_path / "closed"
    shutil.copytree(FIXTURES / "mdevctl.d", closed)
    real_listdir, real_stat = os.listdir, os.stat

    def refuse(call):
        def check(path, *args, **kwargs):
            if str(path).startswith(str(closed)):
                raise PermissionError(13, "Permission denied", str(path))
            return call(path, *args, **kwargs)
        return check

    monkeypatch.setattr(os, "listdir", refuse(real_listdir))
    code, _, err = run(capsys, "import", "mdevctl", closed)
    assert code == 2 and err == f"{closed}: cannot read: Permission denied\n"
    monkeypatch.setattr(os, "stat", refuse(real_stat))
    for kind in ("sysfs", "libvirt"):
        code, _, err = run(capsys, "import", kind, closed / "x")
        assert code == 2 and err == f"{closed}/x: cannot read: Permission denied\n"


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to become nobody")
def test_paths_nobody_may_not_search():
    """The same as a real unprivileged process: nobody, in a directory of root's that is mode 0700."""
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    if subprocess.run([*as_nobody, "-c", "import attrs, rich, aptui.formats.real, aptui.cli"], capture_output=True, env=env).returncode:
        pytest.skip("nobody cannot import aptui and its dependencies here (a checkout or Python environment in a private directory)")
    top = Path(tempfile.mkdtemp())
    try:
        top.chmod(0o755)
        closed = top / "closed"
        shutil.copytree(FIXTURES / "mdevctl.d", closed / "mdevctl.d")
        shutil.copytree(FIXTURES / "libvirt", closed / "libvirt")
        closed.chmod(0o700)
        for args, words in ((["import", "mdevctl", closed / "mdevctl.d"], "cannot read: Permission denied"),
                            (["import", "libvirt", closed / "libvirt"], "cannot read: Permission denied"),
                            (["import", "sysfs", closed / "sys"], "cannot read: Permission denied"),
                            (["check", closed / "s.toml"], "Permission denied")):
            done = subprocess.run([*as_nobody, "-m", "aptui", *map(str, args)], capture_output=True, text=True, env=env)
            assert (done.returncode, "Traceback" in done.stderr) == (2, False), (args, done.stderr)
            assert words in done.stderr
    finally:
        shutil.rmtree(top)


NOT_UTF8 = os.fsdecode(b"n\xff\xfe")


def test_non_utf8_names_load_save_and_recover(tmp_path, capsys):
    """A file name that is not UTF-8: the scenario named after it checks (--json stays valid),
    saves, loads back equal, and its recovery file is found again."""
    f = tmp_path / f"{NOT_UTF8}.toml"
    f.write_text("format = 1\n[[guest]]\nname = \"a\"\n")
    code, out, _ = run(capsys, "check", f, "--json")
    assert code == 0 and json.loads(out) == {"diagnostics": []}
    s = sf.load(f)
    assert s.name == "n\ufffd\ufffd"
    sf.save(s, f)
    assert sf.load(f) == s
    recovery = Recovery(tmp_path / "state", str(f))
    recovery.write(s)
    end_process(recovery)  # the console is gone: the next one on this path finds its file
    assert Recovery(tmp_path / "state", str(f)).read() == s


@pytest.mark.parametrize("kind, source", [("lszcrypt", "lszcrypt-V.txt"), ("mdevctl", "mdevctl.d"),
                                          ("libvirt", "libvirt"), ("sysfs", "sysfs-host")])
def test_non_utf8_names_import_and_reload_equal(tmp_path, capsys, kind, source):
    src = tmp_path / f"{NOT_UTF8}{source}"
    (shutil.copytree if (FIXTURES / source).is_dir() else shutil.copy)(FIXTURES / source, src)
    if kind == "mdevctl":
        config = next((src / "matrix").iterdir())
        config.rename(config.with_name(f"guest-{NOT_UTF8}"))
    out = tmp_path / f"{NOT_UTF8}.toml"
    code, _, _ = run(capsys, "import", kind, src, "-o", out)
    assert code == 0
    imported = convert.read(kind, str(src)).scenario
    assert sf.load(out) == imported and "\ufffd" in imported.name


def test_a_fault_of_aptuis_own_exits_70_in_one_line(capsys, monkeypatch):
    """Not 1 (check: the scenario has errors) nor 2 (input error): a fault, the traceback on demand."""
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(Engine, "run_blocking", out_of_memory)
    code, _, err = run(capsys, "run", "2018")
    assert (code, err) == (EX_SOFTWARE, "aptui: out of memory (set APTUI_DEBUG=1 for the traceback; please report it)\n")
    monkeypatch.setattr(Engine, "run_blocking", lambda *args, **kwargs: {}["\x1b[2J"])
    monkeypatch.setenv("APTUI_DEBUG", "1")
    assert main(["run", "2018"]) == EX_SOFTWARE
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and not CONTROLS.search(err)
    assert err.splitlines()[-1].startswith("aptui: internal error: KeyError: '\\x1b[2J'")


# -- 4: an import's output always loads ----------------------------------------------------------
def test_lszcrypt_queue_above_ff_is_refused_and_out_kept(tmp_path, capsys):
    f = listing(tmp_path, CARD, QUEUE.replace("05.0004", "05.0100"))
    out = tmp_path / "out.toml"
    out.write_text("good\n")
    code, _, err = run(capsys, "import", "lszcrypt", f, "-o", out)
    assert code == 2 and err == f"{f}:3: queue 05.0100: domain ids are 00..ff (8 bits of the APQN)\n"
    assert out.read_text() == "good\n" and sorted(p.name for p in tmp_path.iterdir()) == ["ls.txt", "out.toml"]


def test_an_import_that_would_not_load_is_refused(tmp_path, capsys, monkeypatch):
    """The net below every importer: the TOML is loaded back before anything is written."""
    bad = Scenario("x", guests=(Guest("l1", usage_domains=frozenset({256})),))
    monkeypatch.setattr(lszcrypt, "read", lambda path: Imported(bad))  # the registry finds the function by name
    out = tmp_path / "out.toml"
    out.write_text("good\n")
    code, stdout, err = run(capsys, "import", "lszcrypt", FIXTURES / "lszcrypt.txt", "-o", out)
    assert code == 2 and "imported, but aptui would not load the result: guest \"l1\": usage_domains" in err
    assert out.read_text() == "good\n"
    odd = Scenario("x\udcff", guests=(Guest("l1"),))  # loads, but not as itself (U+FFFD): refused too
    monkeypatch.setattr(lszcrypt, "read", lambda path: Imported(odd))
    code, stdout, err = run(capsys, "import", "lszcrypt", FIXTURES / "lszcrypt.txt")
    assert code == 2 and stdout == "" and "imported, but the scenario file would not load back the same" in err


# -- 5: the recovery file loads for any path the console could open ------------------------------
@pytest.mark.parametrize("origin", ["/s/\x1b]0;t\x07.toml", "/s/a\rb\nc\x9b.toml", "/s/\u202e.toml",
                                    f"/s/{NOT_UTF8}.toml", "/s/\udcff\udc80\\'\".toml"])
def test_the_recovery_file_loads_for_any_path(tmp_path, origin):
    s = sf.loads('format = 1\n[[guest]]\nname = "a"\n', origin, default_name="b")
    recovery = Recovery(tmp_path, origin)
    recovery.write(s)
    end_process(recovery)
    assert Recovery(tmp_path, origin).read() == s


# -- 6: sysfs is read within its root -------------------------------------------------------------
SECRET = "root:$6$SECRET-HASH-THAT-MUST-NOT-SHOW:19000:0:99999:7:::\n"


@pytest.mark.parametrize("entry", ["devices/ap/card05/depth", "devices/ap/card05/type", "bus/ap/ap_adapter_mask",
                                   f"devices/vfio_ap/matrix/{GUEST1}/matrix", "devices/ap/card05",
                                   f"devices/vfio_ap/matrix/{GUEST1}", "bus/ap"])
def test_sysfs_follows_no_link_out_of_its_root(tmp_path, capsys, entry):
    root = sysfs_tree(tmp_path)
    outside = tmp_path / "outside"
    shutil.copytree(root / entry, outside) if (root / entry).is_dir() else outside.write_text(SECRET)
    if (root / entry).is_dir():
        for f in outside.iterdir():
            if f.is_file():
                f.write_text(SECRET)
        shutil.rmtree(root / entry)
    else:
        (root / entry).unlink()
    (root / entry).symlink_to(outside)
    code, out, err = run(capsys, "import", "sysfs", root)
    assert code == 2 and "SECRET" not in out + err
    assert "a symbolic link out of the sysfs tree: not followed" in err


def test_sysfs_follows_links_within_its_root(tmp_path, capsys):
    """As /sys has them: bus/ap/devices/cardNN to devices/ap/cardNN, an mdev directory elsewhere."""
    root = sysfs_tree(tmp_path)
    code, before, _ = run(capsys, "import", "sysfs", root)
    (root / "devices/ap").rename(root / "devices/ap-elsewhere")
    (root / "bus/ap/devices").mkdir()
    for card in (root / "devices/ap-elsewhere").iterdir():
        (root / "bus/ap/devices" / card.name).symlink_to(Path("../../../devices/ap-elsewhere") / card.name)
    mdev = root / "devices/vfio_ap/matrix" / GUEST1
    mdev.rename(root / "devices/mdev-elsewhere")
    mdev.symlink_to(Path("../../mdev-elsewhere"))
    code, after, _ = run(capsys, "import", "sysfs", root)
    before, after = sf.loads(before), sf.loads(after)
    assert code == 0 and (after.host, after.guests) == (before.host, before.guests)


@pytest.mark.parametrize("entry, text", [("devices/ap/card05/depth", "SECRET\n"), ("bus/ap/aqmask", "SECRET\n"),
                                         (f"devices/vfio_ap/matrix/{GUEST1}/matrix", "05.0004\nSECRET\n"),
                                         (f"devices/vfio_ap/matrix/{GUEST1}/control_domains", "SECRET\n")])
def test_sysfs_messages_quote_no_content(tmp_path, capsys, entry, text):
    root = sysfs_tree(tmp_path)
    (root / entry).write_text(text)
    code, _, err = run(capsys, "import", "sysfs", root)
    assert code == 2 and err.startswith(f"{root / entry}:") and "SECRET" not in err


# -- 8: a run's size is bounded before it starts -------------------------------------------------
def scanning(repeat: int, adapters=range(256), domains=range(256), apqci=True, before: int = 0) -> str:
    features = '["ap", "apqci", "apft"]' if apqci else '["ap", "apft"]'
    text = (f"format = 1\n[host]\ndomains = 256\n[[guest]]\nname = \"l1\"\nadapters = {list(adapters)}\n"
            f"usage_domains = {list(domains)}\nfeatures = {features}\n")
    if before:
        text += f'[[request]]\nguest = "l1"\nop = "QCI"\nrepeat = {before}\n'
    return text + f'[[request]]\nguest = "l1"\nop = "SCAN"\nrepeat = {repeat}\n'


@pytest.mark.parametrize("text, accepted", [
    (scanning(MAX_REPEAT // 65537), True), (scanning(MAX_REPEAT // 65537 + 1), False),
    (scanning(MAX_REPEAT // 1025, apqci=False), True), (scanning(MAX_REPEAT // 1025 + 1, apqci=False), False),
    (scanning(1, before=MAX_REPEAT - 65537), True), (scanning(1, before=MAX_REPEAT - 65536), False),
    (scanning(MAX_REPEAT // 2, adapters=[5], domains=[4]), True),
], ids=["152 full", "153 full", "9756 probing", "9757 probing", "at the bound", "one past", "5e6 of one APQN"])
def test_scans_count_their_tapqs_against_the_bound(tmp_path, capsys, text, accepted):
    f = tmp_path / "s.toml"
    f.write_text(text)
    code, _, err = run(capsys, "check", f)
    line = len(text.splitlines())  # the SCAN's repeat, the last line
    assert (code != 2) == accepted
    if not accepted:
        assert err.startswith(f"{f}:{line}: request repeat: the requests make 10,0")
        assert "above the 10,000,000 a run may make" in err


def test_the_console_refuses_edits_past_the_bound():
    s = sf.loads(scanning(200, domains=[4]))  # 200 SCANs of 256 APQNs
    with pytest.raises(edits.Refused, match="usage_domains: the requests make"):
        edits.set_ids(s, "l1", "aqm", range(256), True)
    with pytest.raises(edits.Refused, match="repeat: the requests make"):
        edits.make_request(s, "l1", "SCAN", repeat=MAX_REPEAT // 257)
    s = edits.add_request(s, Request("l1", "TAPQ", (5, 4), MAX_REPEAT - 200 * 257))
    with pytest.raises(edits.Refused, match="CPU features: the requests make"):
        edits.update_guest(s, "l1", features=["ap", "apft"])  # without apqci: 1,024 probes a SCAN


@given(scenarios())
def test_a_qci_answer_lies_within_the_guests_matrix(s):
    """What makes a SCAN's count a bound: its TAPQs go to the APQNs of the QCI answer."""
    topo = Topology(s)
    for g in s.guests:
        assert ap_bus_configuration(topo, g.name)[0].apqn_count <= g.matrix.apqn_count



def test_run_json_writes_a_scan_by_itself(capsys):
    """A SCAN's entry holds every TAPQ it issued: 152 SCANs of 65,536 APQNs are 2.5 GB of text,
    so no write joins SCANs (it did, 256 entries at a time: 10 GB at the bound)."""
    from aptui.formats.output import results

    s = sf.loads(scanning(300, adapters=range(4), domains=range(8)).replace("[host]", "[host]\nadapters = [0, 1, 2, 3]"))
    writes = []
    results.write_json(type("Out", (), {"write": lambda self, text: writes.append(text)})(), s)
    parsed = json.loads("".join(writes))["results"]
    one_scan = len(json.dumps(parsed[0]))
    assert len(parsed[0]["steps"]) == 33 and max(map(len, writes)) < 2 * one_scan
    assert parsed[299]["found"][-1] == "03.0007"