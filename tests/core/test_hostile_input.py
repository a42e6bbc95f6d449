"""Inputs found by review: each gives FILE:LINE and exit 2 (or the right answer), never a traceback."""

import errno
import os
import re
import shutil
import socket
import stat
from pathlib import Path

import pytest

from aptui.cli import main
from aptui.engine import Engine
from aptui.formats import files
from aptui.formats.scenario import file as sf
from aptui.formats.files import write_atomic
from aptui.formats.text import printable

FIXTURES = Path(__file__).parent.parent / "formats" / "fixtures"

L2 = ('format = 1\n[host]\nadapters = [{ id = 5, state = "deconfigured" }]\n[[guest]]\nname = "l1"\nadapters = [5]\n'
      'usage_domains = [4]\n[[guest]]\nname = "kvm"\nparent = "l1"\nadapters = [5]\nusage_domains = [4]\n'
      'features = ["ap", "apqi"]\n[[request]]\nguest = "kvm"\nop = "AQIC"\napqn = "05.0004"\n')


def test_aqic_through_the_parents_kernel_still_answers_the_adapter_state():
    engine = Engine(sf.loads(L2))
    engine.run_blocking()
    r = engine.results[0]
    assert (r.rc, r.cc, r.route.handled_by) == (0x03, 3, (1, "kernel"))


@pytest.mark.parametrize("body, line, words", [
    ('[[guest]]\nname = "a"\nuuid = "12345678-1234-1234-1234-123456789abc\\n"\n', 4, "uuid"),
    ('[[guest]]\nname = "a"\nadapters = ["x-3"]\n', 4, "range"),
    ('[costs]\nclock_mhz = 10000000\n', 3, "clock_mhz"),
    ('[costs]\ninterpret = 1' + "0" * 400 + '\n', 3, "huge"),
    ('[[guest]]\nname = "a"\n[[request]]\nguest = "a"\nop = "QCI"\nwait_us = inf\n', 7, "wait_us"),
    ('[[guest]]\nname = "a"\n[[request]]\nguest = "a"\nop = "QCI"\nrepeat = 100000000\n', 7, "repeat"),
    ('[[guest]]\nname = "a"\n[guest.reserved]\nadapterz = [1]\n', 5, "adapterz"),
])
def test_bad_values_name_their_line(tmp_path, capsys, body, line, words):
    f = tmp_path / "s.toml"
    f.write_text("format = 1\n" + body)
    assert main(["check", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{f}:{line}: ") and words in err and "Traceback" not in err


def test_ranges_with_leading_zeros_are_decimal():
    s = sf.loads('format = 1\n[[guest]]\nname = "a"\nadapters = ["01-3", "0x0a-0x0b"]\n')
    assert s.guests[0].adapters == {1, 2, 3, 10, 11}


def test_format_must_be_the_integer_1(capsys, tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("format = 1.0\n")
    assert main(["run", str(f)]) == 2


def test_not_a_regular_file(capsys):
    assert main(["check", "/dev/zero"]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_name_too_long(capsys):
    assert main(["run", "x" * 5000]) == 2


def test_terminal_control_characters_are_escaped(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text('format = 1\n[[guest]]\nname = "a\\u001b[2J"\nusage_domains = [1]\n')
    assert main(["check", str(f)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[2J" in out


def test_write_atomic_follows_symlinks_and_honours_the_umask(tmp_path):
    real = tmp_path / "real.toml"
    real.write_text("old")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "fresh.toml", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "fresh.toml").stat().st_mode) == 0o644


# -- control characters from input never reach the terminal (the "Hostile input" issue, 1) ------
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # what a terminal obeys, but the line feed


def test_printable_escapes_every_character_a_terminal_obeys():
    for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]:
        shown = printable(f"a{chr(code)}b")
        assert shown.isprintable() and not CONTROLS.search(shown), hex(code)
    assert printable("kvm-1 [b]x ✓ 名前") == "kvm-1 [b]x ✓ 名前"


def test_the_name_of_a_missing_demo_is_echoed_escaped(capsys):
    assert main(["demo", "\x1b]52;c;AAAA\x07"]) == 2
    err = capsys.readouterr().err
    assert not CONTROLS.search(err) and r"\x1b]52;c;AAAA\x07" in err


def test_argument_errors_echo_arguments_escaped(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "2018", "\x1b]0;TITLE\x07", "\x9b2J"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert not CONTROLS.search(err) and r"\x1b]0;TITLE\x07" in err


def _lszcrypt_with_c1(tmp_path):
    listing = tmp_path / "ls\x9b2J.txt"
    listing.write_text("CARD.DOM TYPE  MODE        STATUS     REQUESTS\n"
                       "----------------------------------------------\n"
                       "05       CEX5C\x9b31m CCA-Coproc  online            1\n"
                       "05.0004  CEX5C CCA-Coproc  online            1\n", encoding="utf-8")
    return listing


def _sysfs_with_c1(tmp_path):
    root = tmp_path / "sys\x9b2J"
    shutil.copytree(FIXTURES / "sysfs-host", root)
    return root


@pytest.mark.parametrize("kind, make", [("lszcrypt", _lszcrypt_with_c1), ("sysfs", _sysfs_with_c1)])
def test_an_import_writes_no_control_character(tmp_path, capsys, kind, make):
    """C1 characters (U+009B is an 8-bit CSI) in a listing and in its path: the TOML's comments
    and strings spell them as escapes, and so do the warnings."""
    source = make(tmp_path)
    out = tmp_path / "out.toml"
    assert main(["import", kind, str(source), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert not CONTROLS.search(text) and not CONTROLS.search(capsys.readouterr().err)
    assert r"\x9b2J" in text and "\x9b2J" in sf.loads(text).name  # the name itself is kept


# -- a write never replaces a device, a FIFO, a socket or a directory (the issue, 2) -------------
def _char_device(path):
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    except PermissionError:
        pytest.skip("making a device node needs root")


def _fifo(path):
    os.mkfifo(path)


def _socket(path):
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()


def _dir(path):
    path.mkdir()


@pytest.mark.parametrize("make, kind", [(_char_device, "character device"), (_fifo, "FIFO"), (_socket, "socket"),
                                        (_dir, "directory")])
@pytest.mark.parametrize("via_symlink", [False, True])
def test_out_that_is_not_a_regular_file_is_refused(tmp_path, capsys, make, kind, via_symlink):
    node = tmp_path / "node"
    make(node)
    before = os.lstat(node)
    out = node
    if via_symlink:
        out = tmp_path / "link"
        out.symlink_to(node)
    assert main(["import", "lszcrypt", str(FIXTURES / "lszcrypt.txt"), "-o", str(out)]) == 2
    assert capsys.readouterr().err == f"{out}: not a regular file ({kind}): refusing to replace it\n"
    after = os.lstat(node)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"node", out.name})


def test_a_write_keeps_the_mode_and_the_extended_attributes(tmp_path):
    target = tmp_path / "s.toml"
    target.write_text("old")
    target.chmod(0o640)
    try:
        os.setxattr(target, "user.aptui", b"kept")
    except OSError as e:
        if e.errno not in (errno.ENOTSUP, errno.EPERM):
            raise
        xattrs = False
    else:
        xattrs = True
    assert write_atomic(target, "new") is None
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    if xattrs:
        assert os.getxattr(target, "user.aptui") == b"kept"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_a_write_as_root_keeps_the_owner_and_the_group(tmp_path):
    target = tmp_path / "s.toml"
    target.write_text("old")
    os.chown(target, 1234, 4321)
    write_atomic(target, "new")
    st = target.stat()
    assert (st.st_uid, st.st_gid, target.read_text()) == (1234, 4321, "new")


def test_a_write_over_a_hard_link_says_it_breaks_the_link(tmp_path, capsys):
    out = tmp_path / "out.toml"
    out.write_text("old")
    other = tmp_path / "other.toml"
    os.link(out, other)
    assert main(["import", "lszcrypt", str(FIXTURES / "lszcrypt.txt"), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"aptui: warning: {out}: one of 2 hard links" in err and "old contents" in err
    assert other.read_text() == "old" and out.read_text().startswith("# Imported by")


@pytest.mark.parametrize("call, error", [("replace", OSError(28, "No space left on device")),
                                         ("fsync", KeyboardInterrupt())])
def test_a_failed_or_interrupted_write_leaves_no_temporary_file(tmp_path, monkeypatch, call, error):
    target = tmp_path / "s.toml"
    target.write_text("old")

    def fail(*args):
        raise error

    monkeypatch.setattr(files.os, call, fail)
    with pytest.raises(type(error)):
        write_atomic(target, "new")
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"] and target.read_text() == "old"
