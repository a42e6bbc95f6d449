"""lszcrypt listings: the reference samples in, the guest's listing out, FILE:LINE errors."""

import pytest

from aptui import demos
from aptui.formats.real import lszcrypt
from aptui.formats.real.convert import export_text
from aptui.formats.errors import InputError
from aptui.formats.real.exporting import seen
from aptui.formats.scenario.file import loads
from aptui.model import Adapter, Guest, Host, Matrix, Reserved, Scenario, Topology, check

from .tools import FIXTURES

SAMPLE_V = (FIXTURES / "lszcrypt-V.txt").read_text()


def read_text(tmp_path, text, name="listing.txt"):
    f = tmp_path / name
    f.write_text(text)
    return lszcrypt.read(str(f))


def test_verbose_sample_gives_the_host_and_its_reserved_queue():
    imp = lszcrypt.read(str(FIXTURES / "lszcrypt-V.txt"))
    s = imp.scenario
    assert s.host.adapters == (Adapter(5, "CEX8", "cca", 8, "online"),)
    l1 = s.guest("lpar1")
    assert l1.matrix == Matrix.of([5], [4, 0x47], [4, 0x47])
    assert l1.reserved == Reserved(frozenset({5}), frozenset({4}))  # cex4queue: the host's; vfio_ap: given away
    assert any("held by mdevs" in n for n in imp.notes)
    assert any(g.what == "lpar1's control domains" and g.value == "its usage domains" for g in imp.guesses)
    assert not [d for d in check(s) if d.severity == "error"]


def test_plain_sample_and_the_old_header():
    s = lszcrypt.read(str(FIXTURES / "lszcrypt.txt")).scenario
    assert [(a.id, a.type, a.mode) for a in s.host.adapters] == [(5, "CEX5", "cca"), (6, "CEX5", "accel")]
    assert s.guest("lpar1").matrix == Matrix.of([5, 6], [4, 0xab], [4, 0xab])
    old = lszcrypt.read(str(FIXTURES / "lszcrypt-old.txt")).scenario
    assert old.guest("lpar1").matrix == Matrix.of([9], [0x3d], [0x3d])
    assert old.host.adapters[0].type_string == "CEX6C"


def test_a_captured_session_with_prompts_domain_table_and_bus(tmp_path):
    table = export_text("lszcrypt", _sample_scenario(), "lpar1").split("# lpar1: lszcrypt -d\n")[1]
    text = ("root@lpar1:~# lszcrypt -V\n" + SAMPLE_V + "root@lpar1:~# lszcrypt -d\n" + table
            + "$ lszcrypt -b\nap_domain=0x4\nap_max_domain_id=0x54\nap_interrupts are enabled\nconfig_time=30 (seconds)\n"
              "poll_thread is disabled\npoll_timeout=250000 (nanoseconds)\nfeatures: APSC APXA QACT RC8A APSB\n")
    imp = read_text(tmp_path, text)
    assert imp.scenario.guest("lpar1").matrix == Matrix.of([5], [4, 0x47], [4, 0x47])
    assert imp.scenario.host.domains == 0x55 and imp.scenario.host.apxa
    assert not any("-d table" in g.why for g in imp.guesses)


def test_statuses_types_and_depth(tmp_path):
    text = """CARD.DOM TYPE  MODE        STATUS     REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER
------------------------------------------------------------------------------------------
03       CEX7P EP11-Coproc deconfig          -        -     13     04 S----XN-F- cex4card
04       -     Unknown     chkstop           0        0     12     16 S---A-N-F- cex4card
07       CEX9C CCA-Coproc  offline           0        0     15     32 S--D--N-F- cex4card
"""
    imp = read_text(tmp_path, text)
    a = {x.id: x for x in imp.scenario.host.adapters}
    assert a[3] == Adapter(3, "CEX7", "ep11", 4, "deconfigured")
    assert a[4] == Adapter(4, "CEX6", "accel", 16, "checkstopped")
    assert a[7] == Adapter(7, "CEX8", "cca", 16, "online")
    notes = " ".join(imp.notes)
    assert "QDEPTH 32" in notes and "offline" in notes
    assert any(g.what == "card 07's type" and g.value == "CEX8" and "CEX9C is newer" in g.why for g in imp.guesses)
    assert not any("card 04" in g.what for g in imp.guesses)  # HWTYPE and FUNCTIONS say what it is


def test_unknown_columns_are_listed_and_status_may_hold_a_blank(tmp_path):
    text = ("CARD.DOM TYPE  MODE        STATUS     REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER      SESTAT  NEWCOL\n"
            "05.0047  CEX8C CCA-Coproc  in use            0        -     14     08 S--D--N-F- vfio_ap     usable  x\n")
    imp = read_text(tmp_path, text)
    assert any("NEWCOL" in n for n in imp.notes)
    assert imp.scenario.guest("lpar1").matrix.apqn_count == 1


@pytest.mark.parametrize("text, line, words", [
    ("hello\n", 1, "not lszcrypt output"),
    ("CARD.DOM TYPE MODE STATUS REQUESTS\n05 CEX8C\n", 2, "2 fields"),
    ("CARD.DOM TYPE MODE STATUS REQUESTS\nzz CEX8C CCA-Coproc online 0\n", 2, "neither a card"),
    ("CARD.DOM TYPE MODE STATUS REQUESTS\n05 CEX8C CCA-Coproc online 0\n05 CEX8C CCA-Coproc online 0\n", 3,
     "listed twice (first on line 2)"),
    ("CARD.DOM TYPE MODE STATUS REQUESTS\n\nCARD.DOM TYPE MODE STATUS REQUESTS\n", 3, "second lszcrypt listing"),
    ("CARD.DOM QDEPTH\n05 xx\n", 2, "QDEPTH 'xx'"),
    ("DOMAIN 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n    00  .  B\n", 2, "row 00"),
    ("DOMAIN 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n" + "    00" + "  ." * 16 + "\n", 2, "after 1 of 16"),
    ("ap_max_domain_id=0x999\n", 1, "outside 0..255"),
    ("CARD.DOM TYPE MODE STATUS REQUESTS\n05 CEX8C CCA-Coproc online 0\n07 CEX3P EP11-Coproc online 0\n", 3,
     "card 07: a CEX3 has no ep11 mode"),  # spec v2 row 16: EP11 exists from CEX4P on
    ("", 1, "no lszcrypt listing"),
])
def test_bad_input_names_file_and_line(tmp_path, text, line, words):
    with pytest.raises(InputError) as e:
        read_text(tmp_path, text)
    assert e.value.line == line and words in e.value.message, str(e.value)
    assert str(e.value).startswith(str(tmp_path / "listing.txt") + f":{line}: ")


def test_not_utf8(tmp_path):
    f = tmp_path / "bin"
    f.write_bytes(b"CARD.DOM TYPE\n\xff\xfe\n")
    with pytest.raises(InputError) as e:
        lszcrypt.read(str(f))
    assert e.value.line == 2


def _sample_scenario():
    """The -V sample's machine: 05.0004 for lpar1's own drivers, 05.0047 in use by kvm1."""
    host = Host(True, (Adapter(5, "CEX8", "cca", 8),), 85)
    return Scenario("sample", host=host, guests=(
        Guest("lpar1", adapters=frozenset({5}), usage_domains=frozenset({4, 0x47}), control_domains=frozenset({4, 0x47}),
              reserved=Reserved(frozenset({5}), frozenset({4}))),
        Guest("kvm1", parent="lpar1", adapters=frozenset({5}), usage_domains=frozenset({0x47}))))


def test_the_export_prints_the_sample_columns():
    text = export_text("lszcrypt", _sample_scenario(), "lpar1")
    listing = text.split("\n\n")[0].splitlines()[1:]
    expected = SAMPLE_V.replace("online            5        0", "online            0        0").splitlines()
    assert listing[0] == expected[0] and listing[2:] == expected[2:]
    assert set(listing[1]) == {"-"} and len(listing[1]) == len(expected[0])


def test_every_demo_guest_listing_reads_back_as_what_it_sees(tmp_path):
    for name in demos.names():
        s = loads(demos.text(name))
        topo = Topology(s)
        for guest in topo.walk():
            f = tmp_path / f"{name}-{guest}.txt"
            f.write_text(export_text("lszcrypt", s, guest))
            back = lszcrypt.read(str(f)).scenario
            assert back.guest("lpar1").matrix == seen(topo, topo.view(guest))[0], (name, guest)
            for a in back.host.adapters:
                assert a == (s.host.adapter(a.id) or Adapter(a.id)), (name, guest)


# -- lszcrypt's own lines (zconf/zcrypt/lszcrypt.c): issue 9, defect 2 ------------------------------


def test_the_default_domain_warning_is_read_and_noted(tmp_path):
    listing = (FIXTURES / "lszcrypt-V.txt").read_text() + "Warning: Default domain 0x04 is not available.\n"
    imp = read_text(tmp_path, listing)
    assert imp.scenario.guest("lpar1").matrix == lszcrypt.read(str(FIXTURES / "lszcrypt-V.txt")).scenario.guest(
        "lpar1").matrix
    assert any(":6:" in n and "default domain 0x04" in n for n in imp.notes)


@pytest.mark.parametrize("text", [
    "CARD.DOM TYPE  MODE        STATUS     REQUESTS\n-----------------\n"
    "Warning: Default domain 0xffffffffffffffff is not available.\n",
    "lszcrypt: Crypto device driver not available.\n",
    "lszcrypt: No crypto card devices found.\n",
])
def test_a_guest_without_queues_or_without_an_ap_bus_imports_empty(tmp_path, text):
    imp = read_text(tmp_path, text)
    assert imp.scenario.host.adapters == () and imp.scenario.guest("lpar1").matrix == Matrix.of([], [], [])
    assert any("lszcrypt" in n for n in imp.notes)


def _guests_without_queues():
    return loads('format = 1\nname = "t"\n[host]\nadapters = [{ id = 5 }]\n'
                 '[[guest]]\nname = "lpar1"\nadapters = [5]\nusage_domains = [4]\n'
                 '[[guest]]\nname = "empty"\nparent = "lpar1"\n'
                 '[[guest]]\nname = "noap"\nparent = "lpar1"\nbackend = "none"\nfeatures = []\n', "t")


def test_the_export_of_a_guest_without_queues_prints_the_warning_and_reads_back(tmp_path):
    text = export_text("lszcrypt", _guests_without_queues(), "empty")
    assert text.count("Warning: Default domain 0xffffffffffffffff is not available.") == 2  # after -V and -d
    assert "cex4card" not in text
    imp = read_text(tmp_path, text)
    assert imp.scenario.host.adapters == ()
    assert "Warning" not in export_text("lszcrypt", _guests_without_queues(), "lpar1")


def test_the_export_of_a_guest_without_an_ap_bus_prints_lszcrypts_error(tmp_path):
    text = export_text("lszcrypt", _guests_without_queues(), "noap")
    assert text.count("lszcrypt: Crypto device driver not available.") == 2 and "CARD.DOM" not in text
    assert read_text(tmp_path, text).scenario.host.adapters == ()


def test_the_real_tools_output_reads_with_its_warning(tmp_path):
    real = FIXTURES / "real-V-running.txt"  # printed by the real lszcrypt -V (shared/fixtures/real-tools)
    imp = read_text(tmp_path, real.read_text() + "Warning: Default domain 0x04 is not available.\n")
    assert len(imp.scenario.host.adapters) == 4
