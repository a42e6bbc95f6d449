"""Spec 4.5: the cost model, overrides in [costs], the simulated clock (time_us) and wait_us."""

import pytest

from ._h import FW, K, U, assert_answer, guest, host, req, run, toml

ALL = ["ap", "apqci", "apft", "apqi"]
# Distinct primes, so that each sum names the transitions it is made of.
C = {"interpret": 7, "sie_exit": 11, "vsie_reflect": 13, "kernel_handler": 17, "userspace_exit": 19,
     "emulate": 23, "exception": 29}


def tree(costs=None, policy=None, requests=()):
    return toml(host(5, 6),
                [guest("lpar1", adapters=[5, 6], usage=[4], features=ALL),
                 guest("kvm1", "lpar1", adapters=[5, 6], usage=[4], features=ALL),
                 guest("emu2", "lpar1", backend="emulated", adapters=[5], usage=[4], features=ALL),
                 guest("none2", "lpar1", backend="none", adapters=[5], usage=[4], features=ALL),
                 guest("nested1", "kvm1", adapters=[5, 6], usage=[4], features=ALL),
                 guest("noapqi3", "kvm1", adapters=[5], usage=[4]),
                 guest("emu3", "kvm1", backend="emulated", adapters=[5], usage=[4], features=ALL),
                 guest("under_emu3", "emu2", adapters=[5], usage=[4], features=ALL),
                 guest("deep4", "nested1", adapters=[5], usage=[4], features=ALL),
                 guest("emu4", "nested1", backend="emulated", adapters=[5], usage=[4], features=ALL),
                 guest("fmt1", "lpar1", adapters=[5], usage=[4], crycb_format=1),
                 guest("wide3", "fmt1", adapters=[5], usage=[4], crycb_format=2),
                 ],
                requests, policy=policy, costs=costs)


CASES = [
    # guest, op, apqn, cycles as a function of the cost table
    ("lpar1", "TAPQ", "05.0004", lambda c: c["interpret"]),
    ("deep4", "NQAP", "05.0004", lambda c: c["interpret"]),
    ("lpar1", "AQIC", "05.0004", lambda c: c["interpret"]),
    ("kvm1", "AQIC", "05.0004", lambda c: c["sie_exit"] + c["kernel_handler"]),
    ("kvm1", "AQIC", "05.0009", lambda c: c["sie_exit"] + c["kernel_handler"]),
    ("nested1", "AQIC", "05.0004",  # v2 row 5
     lambda c: c["sie_exit"] + c["kernel_handler"] + c["vsie_reflect"] + c["kernel_handler"] + c["exception"]),
    ("noapqi3", "AQIC", "05.0004",
     lambda c: c["sie_exit"] + c["kernel_handler"] + c["vsie_reflect"] + c["kernel_handler"] + c["exception"]),
    ("emu2", "TAPQ", "05.0004", lambda c: c["sie_exit"] + c["kernel_handler"] + c["userspace_exit"] + c["emulate"]),
    ("emu2", "TAPQ", "06.0004", lambda c: c["sie_exit"] + c["kernel_handler"] + c["userspace_exit"] + c["emulate"]),
    ("none2", "TAPQ", "05.0004", lambda c: c["interpret"]),  # v2 row 1
    ("emu3", "DQAP", "05.0004",
     lambda c: c["sie_exit"] + c["kernel_handler"] + c["vsie_reflect"] + c["kernel_handler"] + c["userspace_exit"]
     + c["emulate"]),
    ("under_emu3", "TAPQ", "05.0004",
     lambda c: c["sie_exit"] + c["kernel_handler"] + c["vsie_reflect"] + c["kernel_handler"] + c["userspace_exit"]
     + c["exception"]),
    ("deep4", "AQIC", "05.0004",  # v2 row 5
     lambda c: c["sie_exit"] + c["kernel_handler"] + 2 * (c["vsie_reflect"] + c["kernel_handler"]) + c["exception"]),
    ("emu4", "TAPQ", "05.0004",
     lambda c: c["sie_exit"] + c["kernel_handler"] + 2 * (c["vsie_reflect"] + c["kernel_handler"])
     + c["userspace_exit"] + c["emulate"]),
    ("wide3", "TAPQ", "05.0004", lambda c: 0),
]
DEFAULTS = {"interpret": 1000, "sie_exit": 2000, "vsie_reflect": 15000, "kernel_handler": 1000,
            "userspace_exit": 30000, "emulate": 5000, "exception": 1000}


@pytest.mark.parametrize("costs", [None, C], ids=["defaults", "overridden"])
def test_cycles_per_path(costs):
    table = DEFAULTS if costs is None else C
    t = tree(costs=costs, requests=[req(g, op, q) for g, op, q, _ in CASES])
    results = run(t)
    assert [r.cycles for r in results] == [f(table) for *_, f in CASES]


def test_spec_example_l3_under_emulated_l2_50000():
    t = tree(requests=[req("under_emu3", "TAPQ", "05.0004")])
    (r,) = run(t)
    assert r.cycles == 2000 + 1000 + 15000 + 1000 + 30000 + 1000 == 50000


def test_nested_emulation_costs_overridden():
    t = tree(costs=C, policy={"nested_emulation": True}, requests=[req("under_emu3", "TAPQ", "05.0004")])
    (r,) = run(t)
    assert_answer(r, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)],
                  cycles=C["sie_exit"] + C["kernel_handler"] + C["userspace_exit"] + C["emulate"])


def test_partial_override_keeps_other_defaults():
    t = tree(costs={"userspace_exit": 100}, requests=[req("emu2", "TAPQ", "05.0004"), req("lpar1", "TAPQ", "05.0004")])
    emu, fw = run(t)
    assert emu.cycles == 2000 + 1000 + 100 + 5000
    assert fw.cycles == 1000


# -- the clock ----------------------------------------------------------------------------------
def test_time_us_is_the_issue_time_and_advances_by_cycles_over_clock_mhz():
    t = tree(requests=[req("lpar1", "TAPQ", "05.0004"), req("emu2", "TAPQ", "05.0004"),
                       req("under_emu3", "TAPQ", "05.0004"), req("lpar1", "TAPQ", "05.0004")])
    a, b, c, d = run(t)
    # 1000 cycles at 5000 MHz = 0.2 us; 38000 -> 7.6 us; 50000 -> 10 us.
    assert a.time_us == 0.0
    assert b.time_us == pytest.approx(0.2)
    assert c.time_us == pytest.approx(7.8)
    assert d.time_us == pytest.approx(17.8)


def test_clock_mhz_override():
    t = tree(costs={"clock_mhz": 1000}, requests=[req("lpar1", "TAPQ", "05.0004")] * 2 + [req("emu2", "TAPQ", "05.0004"),
                                                                                          req("lpar1", "TAPQ", "05.0004")])
    a, b, c, d = run(t)
    assert [a.time_us, b.time_us, c.time_us, d.time_us] == pytest.approx([0.0, 1.0, 2.0, 40.0])


def test_wait_us_idles_before_the_request():
    t = tree(requests=[req("lpar1", "TAPQ", "05.0004"), req("lpar1", "TAPQ", "05.0004", wait_us=5),
                       req("lpar1", "TAPQ", "05.0004"), req("lpar1", "TAPQ", "05.0004", wait_us=2.5)])
    a, b, c, d = run(t)
    assert [a.time_us, b.time_us, c.time_us, d.time_us] == pytest.approx([0.0, 5.2, 5.4, 8.1])
    assert b.cycles == 1000  # waiting costs no cycles of the instruction


def test_wait_us_on_the_first_request():
    t = tree(requests=[req("lpar1", "TAPQ", "05.0004", wait_us=10), req("lpar1", "TAPQ", "05.0004")])
    a, b = run(t)
    assert [a.time_us, b.time_us] == pytest.approx([10.0, 10.2])


def test_repeat_expands_and_each_instruction_advances_the_clock():
    t = tree(requests=[req("emu2", "TAPQ", "05.0004", repeat=3), req("lpar1", "TAPQ", "05.0004")])
    res = run(t)
    assert len(res) == 4
    assert [r.time_us for r in res] == pytest.approx([0.0, 7.6, 15.2, 22.8])
    assert [r.cycles for r in res] == [38000, 38000, 38000, 1000]


def test_scan_steps_advance_the_clock():
    t = tree(requests=[req("kvm1", "SCAN"), req("lpar1", "TAPQ", "05.0004")])
    scan, after = run(t)
    # QCI + TAPQ 05.0004 + TAPQ 06.0004, each interpreted (1000 cycles = 0.2 us)
    assert [s.op for s in scan.steps] == ["QCI", "TAPQ", "TAPQ"]
    assert [s.time_us for s in scan.steps] == pytest.approx([0.0, 0.2, 0.4])
    assert [s.cycles for s in scan.steps] == [1000, 1000, 1000]
    assert after.time_us == pytest.approx(0.6)


def test_exceptions_advance_the_clock_validity_does_not():
    # v2 row 1: backend none is interpreted now; under_emu3's TAPQ is the operation exception (50000 cycles).
    t = tree(requests=[req("under_emu3", "TAPQ", "05.0004"), req("wide3", "TAPQ", "05.0004"),
                       req("lpar1", "TAPQ", "05.0004")])
    a, b, c = run(t)
    assert a.exception == "operation" and b.exception == "validity"
    assert [a.time_us, b.time_us, c.time_us] == pytest.approx([0.0, 10.0, 10.0])
    assert_answer(c, rc=0x00, handled_by=FW, cycles=1000)


def test_wait_us_before_a_scan():
    t = tree(requests=[req("lpar1", "TAPQ", "05.0004"), req("kvm1", "SCAN", wait_us=3)])
    _, scan = run(t)
    assert [s.time_us for s in scan.steps] == pytest.approx([3.2, 3.4, 3.6])
