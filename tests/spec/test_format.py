"""Spec 2.2: CRYCB format, its default, and the nested rule (validity intercept 0x0022)."""

import pytest

from ._h import FW, assert_answer, guest, host, req, run, toml

OPS = [("TAPQ", "05.0004"), ("RAPQ", "05.0004"), ("ZAPQ", "05.0004"), ("AQIC", "05.0004"), ("QACT", "05.0004"),
       ("NQAP", "05.0004"), ("DQAP", "05.0004"), ("QCI", None)]


def chain3(f1=None, f2=None, f3=None, apxa=True, requests=()):
    def g(name, parent, fmt):
        kw = {} if fmt is None else {"crycb_format": fmt}
        return guest(name, parent, adapters=[5], usage=[4], features=["ap", "apqci", "apft", "apqi"], **kw)

    return toml(host(5, domains=16, apxa=apxa),
                [g("lpar1", "host", f1), g("kvm1", "lpar1", f2), g("nested1", "kvm1", f3)],
                requests)


def assert_validity(r, parent_level):
    assert_answer(r, exception="validity", handled_by=(parent_level, "kernel"), intercepts=[], cycles=0)


# -- the nested rule: 2 under 0/1, 1 under 0 ---------------------------------------------------
@pytest.mark.parametrize("guest_fmt,hyp_fmt", [(2, 1), (2, 0), (1, 0)])
def test_l3_wider_than_its_hypervisor_cannot_start(guest_fmt, hyp_fmt):
    t = chain3(f2=hyp_fmt, f3=guest_fmt, requests=[req("nested1", op, q) for op, q in OPS])
    for r in run(t):
        assert_validity(r, 2)


@pytest.mark.parametrize("guest_fmt,hyp_fmt", [(2, 1), (2, 0), (1, 0)])
def test_l2_wider_than_its_hypervisor_cannot_start(guest_fmt, hyp_fmt):
    t = chain3(f1=hyp_fmt, f2=guest_fmt, requests=[req("kvm1", op, q) for op, q in OPS])
    for r in run(t):
        assert_validity(r, 1)


def test_validity_scan_sees_no_ap():
    t = chain3(f2=1, f3=2, requests=[req("nested1", "SCAN")])
    (scan,) = run(t)
    assert scan.ap_available is False
    assert scan.found == []
    assert len(scan.steps) == 1
    assert scan.steps[0].op == "QCI"
    assert_validity(scan.steps[0], 2)


def test_validity_costs_no_time():
    # 0 cycles: the clock does not move (4.5).
    t = chain3(f2=1, f3=2, requests=[req("nested1", "TAPQ", "05.0004"), req("nested1", "NQAP", "05.0004"),
                                     req("lpar1", "TAPQ", "05.0004")])
    a, b, c = run(t)
    assert (a.time_us, b.time_us, c.time_us) == (0.0, 0.0, 0.0)
    assert_answer(c, rc=0x00, cycles=1000)


@pytest.mark.parametrize("guest_fmt,hyp_fmt", [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)])
def test_not_wider_runs(guest_fmt, hyp_fmt):
    t = chain3(f2=hyp_fmt, f3=guest_fmt, requests=[req("nested1", "TAPQ", "05.0004")])
    (r,) = run(t)
    assert_answer(r, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)


# -- the default: the parent's format -----------------------------------------------------------
def test_default_is_the_parents_format_not_the_hosts():
    # kvm1 has format 1; nested1 without the key inherits 1 (not the host's 2) and so can start.
    t = chain3(f2=1, requests=[req("nested1", "TAPQ", "05.0004")])
    (r,) = run(t)
    assert_answer(r, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)


def test_default_inherits_format_0():
    # kvm1 format 0; nested1 inherits 0; a sibling that says 1 is wider than 0 and cannot start.
    t = toml(host(5, domains=16),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", adapters=[5], usage=[4], crycb_format=0),
              guest("n0", "kvm1", adapters=[5], usage=[4]),
              guest("n1", "kvm1", adapters=[5], usage=[4], crycb_format=1)],
             [req("n0", "TAPQ", "05.0004"), req("n1", "TAPQ", "05.0004")])
    ok, bad = run(t)
    assert_answer(ok, rc=0x00, cycles=1000)
    assert_validity(bad, 2)


def test_host_without_apxa_gives_format_1():
    # The host's format is 1 without APXA, so an L2 asking for format 2 is wider than L1's inherited 1;
    # an L2 without the key runs.
    t = toml(host(5, domains=16, apxa=False),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", adapters=[5], usage=[4]),
              guest("kvm2", "lpar1", adapters=[5], usage=[4], crycb_format=2)],
             [req("kvm1", "TAPQ", "05.0004"), req("kvm2", "TAPQ", "05.0004")])
    ok, bad = run(t)
    assert_answer(ok, rc=0x00, cycles=1000)
    assert_validity(bad, 1)


def test_host_without_apxa_l1_truncated_to_format_1():
    # L1 under a non-APXA host has format 1: domain 0x10 and adapter 0x40 are dropped (2.1 step 3), and
    # instructions on them are a specification exception from the firmware (4.1).
    t = toml(host(5, 0x40, domains=32, apxa=False),
             [guest("lpar1", adapters=[5, 0x40], usage=[4, 0x10])],
             [req("lpar1", "TAPQ", "05.0010"), req("lpar1", "TAPQ", "40.0004"), req("lpar1", "TAPQ", "05.0004"),
              req("lpar1", "SCAN")])
    d, a, ok, scan = run(t)
    assert_answer(d, exception="specification", cycles=1000)  # v2 row 7
    assert_answer(a, exception="specification", cycles=1000)  # v2 row 7
    assert_answer(ok, rc=0x00, cycles=1000)
    assert [tuple(q) for q in scan.found] == [(5, 4)]


def test_validity_with_backend_none():
    # v2 row 3: only backend none (APIE on) still gets validity; emulated (APIE off) starts (test_v2_format).
    t = toml(host(5, domains=16),
             [guest("lpar1", adapters=[5], usage=[4], crycb_format=1),
              guest("kvm1", "lpar1", backend="none", adapters=[5], usage=[4], crycb_format=2)],
             [req("kvm1", "TAPQ", "05.0004"), req("kvm1", "SCAN")])
    tapq, scan = run(t)
    assert_validity(tapq, 1)
    assert scan.ap_available is False
