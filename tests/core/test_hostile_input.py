"""Inputs found by review: each gives FILE:LINE and exit 2 (or the right answer), never a traceback."""

import os
import stat

import pytest

from aptui.cli import main
from aptui.engine import Engine
from aptui.formats import scenario as sf
from aptui.formats.files import write_atomic

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
