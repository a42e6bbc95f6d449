"""What the console's edits make, aptui loads: the edits refuse what the loader refuses, in the
same words; any sequence of accepted edits saves and loads back equal, and so does its recovery
file; a recovery file that does not load is kept aside, not dropped. No Textual here."""

from __future__ import annotations

import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from aptui import demos
from aptui.console import edits
from aptui.console.edits import Refused
from aptui.console.recovery import Recovery, UnreadableRecovery
from .conftest import end_process
from aptui.formats.scenario import file as sf
from aptui.formats.errors import InputError
from aptui.model.scenario import ADAPTER_TYPES, BACKENDS, FEATURES, MODES, OPS, STATES, Costs, Reserved

L2 = 'format = 1\n[[guest]]\nname = "lpar1"\n[[guest]]\nname = "kvm1"\nparent = "lpar1"\nbackend = "emulated"\n'
ADAPTER = '{ id = 7, type = "CEX3", mode = "ep11" }'


def request(extra: str) -> str:
    return L2 + f'[[request]]\nguest = "kvm1"\nop = "TAPQ"\napqn = "05.0004"\n{extra}\n'


# (what, the console's edit of L2, a file the loader gets instead, the words both say)
REFUSED = [
    ("repeat", lambda s: edits.make_request(s, "kvm1", "TAPQ", "05.0004", "100000000"),
     request("repeat = 100000000"), "100000000 is outside 1..10000000"),
    ("wait", lambda s: edits.make_request(s, "kvm1", "TAPQ", "05.0004", "1", "1e13"),
     request("wait_us = 1e13"), "10000000000000.0 is outside 0..1e+12"),
    ("apqn", lambda s: edits.make_request(s, "kvm1", "QCI", "05.0004"),
     request("").replace('"TAPQ"', '"QCI"'), "QCI takes no APQN"),
    ("cycles", lambda s: edits.set_costs(s, {"interpret": "10000000000000"}),
     L2 + "[costs]\ninterpret = 10000000000000\n", "10000000000000 is outside 0..1000000000000"),
    ("time", lambda s: edits.set_costs(s, {"cca_us": "1e13"}),
     L2 + "[costs]\ncca_us = 1e13\n", "10000000000000.0 is outside 0..1e+12"),
    ("clock", lambda s: edits.set_costs(s, {"clock_mhz": "0"}), L2 + "[costs]\nclock_mhz = 0\n",
     "0 is outside 1..1000000"),
    ("ep11-on-cex3", lambda s: edits.set_host(s, True, "85", ["0x07 CEX3 ep11"]),
     f"format = 1\n[host]\nadapters = [{ADAPTER}]\n", "a CEX3 has no ep11 mode (EP11 exists from CEX4P on)"),
    ("depth", lambda s: edits.set_host(s, True, "85", ["5 CEX8 cca 17"]),
     "format = 1\n[host]\nadapters = [{ id = 5, depth = 17 }]\n", "17 is outside 1..16"),
    ("domains", lambda s: edits.set_host(s, True, "257", []), "format = 1\n[host]\ndomains = 257\n",
     "257 is outside 1..256"),
    ("name", lambda s: edits.add_guest(s, "host", "host"), L2 + '[[guest]]\nname = "host"\n',
     "'host' is not a usable name ('host' is the machine)"),
    ("twice", lambda s: edits.add_guest(s, "kvm1", "lpar1"), L2 + '[[guest]]\nname = "kvm1"\nparent = "lpar1"\n',
     'a guest named "kvm1" exists already'),
    ("parent", lambda s: edits.add_guest(s, "k", "lpar9"), L2 + '[[guest]]\nname = "k"\nparent = "lpar9"\n',
     "\"lpar9\" is not a guest of this scenario (did you mean 'lpar1'?)"),
    ("l1-backend", lambda s: edits.update_guest(s, "kvm1", parent="host"),
     'format = 1\n[[guest]]\nname = "kvm1"\nbackend = "emulated"\n', 'an L1 (parent "host") is an LPAR'),
    ("l1-apie", lambda s: edits.update_guest(s, "lpar1", apie=False),
     L2.replace('"lpar1"\n', '"lpar1"\napie = false\n', 1),
     "an L1 always has APIE on"),
    ("cycle", lambda s: edits.update_guest(s, "lpar1", parent="kvm1"),
     L2.replace('"lpar1"\n', '"lpar1"\nparent = "kvm1"\n', 1), '"kvm1" makes a cycle (lpar1 -> kvm1 -> lpar1)'),
    ("crycb-format", lambda s: edits.update_guest(s, "kvm1", crycb_format=3), L2 + "crycb_format = 3\n",
     "3 is outside 0..2"),
    ("feature", lambda s: edits.update_guest(s, "kvm1", features=["apx"]), L2 + 'features = ["apx"]\n',
     "unknown value 'apx' (did you mean 'ap'?)"),
    ("id", lambda s: edits.set_ids(s, "kvm1", "apm", {256}, True), L2 + "adapters = [256]\n", "256 is outside 0..255"),
    ("range", lambda s: edits.parse_reserved("0x20-0x10", ""), L2 + 'reserved = { adapters = ["0x20-0x10"] }\n',
     "range '0x20-0x10' must lie within 0..255, low to high"),
    ("not-an-id", lambda s: edits.parse_reserved("", "zz"), L2 + 'reserved = { domains = ["zz"] }\n',
     "'zz' is neither an id nor a range like '0x10-0x1f'"),
]


@pytest.mark.parametrize("edit, text, words", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_the_console_refuses_what_the_loader_refuses_in_its_words(edit, text, words):
    with pytest.raises(Refused) as refused:
        edit(sf.loads(L2))
    with pytest.raises(InputError) as error:
        sf.loads(text, "s.toml")
    assert words in str(refused.value)
    assert words in error.value.message


def test_at_the_bounds_the_console_saves_what_loads():
    s = sf.loads(L2)
    s = edits.add_request(s, edits.make_request(s, "kvm1", "TAPQ", "05.0004", "10000000", "1e12"))
    s = edits.set_costs(s, {"interpret": "1000000000000", "clock_mhz": "1000000", "cca_us": "1e12"})
    s = edits.set_host(s, True, "256", ["0x07 CEX3 accel 16", "0xff CEX4 ep11 1"])
    s = edits.update_guest(s, "kvm1", reserved=edits.parse_reserved("0x10-0x1f, 5", "0, 0xff"))
    assert sf.loads(sf.dumps(s)) == s
    assert s.guest("kvm1").reserved == Reserved(frozenset({5, *range(0x10, 0x20)}), frozenset({0, 0xFF}))


# -- the recovery file -------------------------------------------------------------------------------
UNLOADABLE = request("repeat = 100000000")  # what the console could write before it had the loader's bounds


def test_a_recovery_file_that_does_not_load_is_kept_aside(tmp_path):
    crashed = Recovery(tmp_path, "demo:2018")
    crashed.write(sf.loads(L2))
    end_process(crashed)
    crashed.path.write_text(UNLOADABLE)
    recovery = Recovery(tmp_path, "demo:2018")
    with pytest.raises(UnreadableRecovery) as first:
        recovery.read()
    assert "repeat" in str(first.value) and str(first.value.kept) in str(first.value)
    assert first.value.kept.read_text() == UNLOADABLE and not crashed.path.exists()
    assert recovery.read() is None  # no longer offered; the next edit writes a fresh one
    crashed.path.write_text("not toml [")
    with pytest.raises(UnreadableRecovery) as second:
        recovery.read()
    assert second.value.kept != first.value.kept and first.value.kept.read_text() == UNLOADABLE  # nothing overwritten


def test_a_running_consoles_recovery_file_is_not_offered(tmp_path):
    """One file per console: another console's is offered only once its process is gone."""
    running = Recovery(tmp_path, "demo:2018")
    running.write(sf.loads(L2))
    later = Recovery(tmp_path, "demo:2018")
    assert later.read() is None and later.path != running.path
    later.write(sf.loads(L2))
    later.clear()
    assert running.path.exists()
    end_process(running)
    assert Recovery(tmp_path, "demo:2018").read() == sf.loads(L2)
    assert Recovery(tmp_path, "demo:other").read() is None


# -- any sequence of edits -------------------------------------------------------------------------
NAMES = (st.sampled_from(["lpar1", "kvm1", "nested1", "kvm9", "host", "", " ", 'q"\\', "tab\there"])
         | st.text(max_size=5))
ID_TEXT = st.sampled_from(["", "5", "0x47, 4", "0x10-0x1f", "0xf0-0xff, 1", "256", "0x20-0x10", "zz", " , 7,"])
NUMBER_TEXT = (st.integers(-2, 10**13).map(str) | st.floats(allow_nan=True).map(repr)
               | st.sampled_from(["", "x", "1e12", "1e13", "1_000", " 3 "]))
ADAPTER_LINE = st.builds(  # a line of the host form: mostly well-formed, some EP11 on a CEX3
    lambda *parts: " ".join(parts), st.sampled_from(["0x05", "6", "0x07", "0xff", "0x40"]),
    st.sampled_from(ADAPTER_TYPES + ("cex4",)), st.sampled_from(MODES), st.integers(1, 16).map(str),
    st.sampled_from(STATES))
BAD_ADAPTER_LINE = st.builds(
    lambda *parts: " ".join(parts), st.sampled_from(["0x100", "-1", "x", "5"]), st.sampled_from(["CEX9", "CEX8"]),
    st.sampled_from(["rsa", "cca"]), st.sampled_from(["0", "17", "x"]), st.sampled_from(["offline", "online"]))


class ConsoleEdits(RuleBasedStateMachine):
    """A scenario as the console's edits leave it; a refused edit changes nothing."""

    @initialize(name=st.sampled_from(demos.names()))
    def start(self, name):
        self.s = sf.loads(demos.text(name))

    def apply(self, edit, *args, **kw):
        try:
            self.s = edit(self.s, *args, **kw)
        except Refused:
            pass

    def guests(self):
        return st.sampled_from([g.name for g in self.s.guests])

    def parents(self):
        return st.sampled_from(["host", "nobody"] + [g.name for g in self.s.guests])

    @rule(data=st.data(), name=NAMES, backend=st.sampled_from(BACKENDS + ("bogus",)))
    def add_guest(self, data, name, backend):
        self.apply(edits.add_guest, name, data.draw(self.parents()), backend)

    @precondition(lambda self: self.s.guests)
    @rule(data=st.data())
    def remove_guest(self, data):
        self.apply(edits.remove_guest, data.draw(self.guests()))

    @precondition(lambda self: self.s.guests)
    @rule(data=st.data(), new_name=NAMES)
    def rename_or_reparent(self, data, new_name):
        self.apply(edits.update_guest, data.draw(self.guests()), new_name=new_name, parent=data.draw(self.parents()))

    @precondition(lambda self: self.s.guests)
    @rule(data=st.data(), backend=st.sampled_from(BACKENDS + ("bogus",)),
          crycb_format=st.sampled_from(["keep", None, 0, 1, 2, 3]), apie=st.sampled_from(["keep", None, True, False]),
          features=st.none() | st.frozensets(st.sampled_from(FEATURES + ("apx",))),
          reserved=st.tuples(ID_TEXT, ID_TEXT), persistent=st.none() | st.just("keep") | st.tuples(ID_TEXT, ID_TEXT),
          start=st.sampled_from([None, "auto", "manual", "bogus"]), active=st.sampled_from([None, True, False]))
    def update_settings(self, data, backend, crycb_format, apie, features, reserved, persistent, start, active):
        try:
            res = edits.parse_reserved(*reserved)
            boot = edits.parse_reserved(*persistent, "persistent") if isinstance(persistent, tuple) else persistent
        except Refused:
            res, boot = None, "keep"
        self.apply(edits.update_guest, data.draw(self.guests()), backend=backend, crycb_format=crycb_format,
                   apie=apie, features=features, reserved=res, persistent_reserved=boot, start=start, active=active)

    @precondition(lambda self: self.s.guests)
    @rule(data=st.data(), mask=st.sampled_from(sorted(edits.FIELDS)),
          ids=st.frozensets(st.integers(0, 255), max_size=6), on=st.booleans())
    def set_ids(self, data, mask, ids, on):
        self.apply(edits.set_ids, data.draw(self.guests()), mask, ids, on)

    @precondition(lambda self: self.s.guests)
    @rule(data=st.data(), op=st.sampled_from(OPS + ("FOO",)),
          apqn=st.sampled_from(["", "05.0004", "ff.00ff", "zz", "100.0004"]), repeat=NUMBER_TEXT, wait=NUMBER_TEXT)
    def add_request(self, data, op, apqn, repeat, wait):
        try:
            req = edits.make_request(self.s, data.draw(self.guests()), op, apqn, repeat, wait)
        except Refused:
            return
        self.s = edits.add_request(self.s, req)

    @precondition(lambda self: self.s.requests)
    @rule(data=st.data())
    def remove_request(self, data):
        self.s = edits.remove_request(self.s, data.draw(st.integers(0, len(self.s.requests) - 1)))

    @rule(apxa=st.booleans(), domains=st.integers(1, 256).map(str) | st.sampled_from(["0", "257", "x", " 85 "]),
          lines=st.lists(ADAPTER_LINE, max_size=4, unique_by=lambda line: line.split()[0])
          | st.lists(ADAPTER_LINE | BAD_ADAPTER_LINE, max_size=3))
    def set_host(self, apxa, domains, lines):
        self.apply(edits.set_host, apxa, domains, lines)

    @rule(values=st.dictionaries(st.sampled_from([f.name for f in attrs.fields(Costs)]), NUMBER_TEXT, max_size=4))
    def set_costs(self, values):
        self.apply(edits.set_costs, values)

    @rule(on=st.booleans())
    def set_policy(self, on):
        self.apply(edits.set_policy, on)

    @invariant()
    def saves_and_loads_back_equal(self):
        assert sf.loads(sf.dumps(self.s)) == self.s

    def teardown(self):
        with tempfile.TemporaryDirectory() as state:
            recovery = Recovery(Path(state), "demo:property")
            recovery.write(self.s)
            end_process(recovery)
            assert Recovery(Path(state), "demo:property").read() == self.s


TestConsoleEdits = ConsoleEdits.TestCase
TestConsoleEdits.settings = settings(stateful_step_count=25)
