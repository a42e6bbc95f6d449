"""Spec 4.1-4.4: where an instruction is handled, its intercept path, and its answer."""

import pytest

from ._h import FW, K, U, assert_answer, bits, guest, host, req, run, toml

ALL = ["ap", "apqci", "apft", "apqi"]
NO_APQI = ["ap", "apqci", "apft"]
QUEUE_OPS = ["TAPQ", "RAPQ", "ZAPQ", "QACT", "NQAP", "DQAP"]


def passthrough_chain(depth, features=ALL, extra=()):
    """l1 .. l<depth>, all passthrough, each {5,6} x {4} except the deepest: {5} x {4}."""
    gs = []
    for k in range(1, depth + 1):
        gs.append(guest(f"l{k}", "host" if k == 1 else f"l{k - 1}", adapters=[5] if k == depth else [5, 6],
                        usage=[4], features=list(features)))
    return gs + list(extra)


# -- 4.1 interpreted ---------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("op", QUEUE_OPS)
def test_interpreted_outside_hw_rc01(depth, op):
    t = toml(host(5, 6), passthrough_chain(depth), [req(f"l{depth}", op, "06.0007")])
    (r,) = run(t)
    assert_answer(r, rc=0x01, handled_by=FW, intercepts=[], cycles=1000)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_interpreted_inside_hw_physical_queue(depth):
    t = toml(host(5, 6), passthrough_chain(depth), [req(f"l{depth}", "TAPQ", "05.0004"),
                                                     req(f"l{depth}", "QACT", "05.0004")])
    tapq, qact = run(t)
    assert_answer(tapq, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)
    assert bits(tapq) == {"E"}
    assert_answer(qact, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)


# -- 4.2 AQIC with the APIE chain on -------------------------------------------------------------
def test_l1_aqic_interpreted_enables_interrupts():
    t = toml(host(5, 6), passthrough_chain(1), [req("l1", "AQIC", "05.0004"), req("l1", "TAPQ", "05.0004"),
                                                 req("l1", "AQIC", "06.0009")])
    aqic, tapq, out = run(t)
    assert_answer(aqic, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)
    assert bits(tapq) == {"E", "I"}
    assert_answer(out, rc=0x01, handled_by=FW, intercepts=[], cycles=1000)


def test_l2_aqic_enabled_by_l1_kernel():
    t = toml(host(5, 6), passthrough_chain(2), [req("l2", "AQIC", "05.0004"), req("l2", "TAPQ", "05.0004")])
    aqic, tapq = run(t)
    assert_answer(aqic, rc=0x00, handled_by=(1, K), intercepts=[(1, K)], cycles=3000)
    assert_answer(tapq, rc=0x00, handled_by=FW, cycles=1000)
    assert bits(tapq) == {"E", "I"}


def test_l2_aqic_without_apqi_specification():
    t = toml(host(5, 6), passthrough_chain(2, NO_APQI), [req("l2", "AQIC", "05.0004"), req("l2", "AQIC", "06.0004")])
    for r in run(t):  # apqi is checked before the matrix
        assert_answer(r, exception="specification", handled_by=(1, K), intercepts=[(1, K)], cycles=3000 + 1000)


def test_l2_aqic_outside_crycb_rc01_in_kernel():
    t = toml(host(5, 6), passthrough_chain(2), [req("l2", "AQIC", "06.0004")])
    (r,) = run(t)
    assert_answer(r, rc=0x01, handled_by=(1, K), intercepts=[(1, K)], cycles=3000)


def test_l3_aqic_specification_in_l2_kernel():
    t = toml(host(5, 6), passthrough_chain(3), [req("l3", "AQIC", "05.0004"), req("l3", "TAPQ", "05.0004")])
    aqic, tapq = run(t)
    assert_answer(aqic, exception="specification", handled_by=(2, K), intercepts=[(1, K), (2, K)],
                  cycles=3000 + 16000 + 1000)  # v2 row 5
    assert bits(tapq) == {"E"}  # interrupts were not enabled


def test_l3_aqic_without_apqi_specification_in_l2_kernel():
    t = toml(host(5, 6), passthrough_chain(3, NO_APQI), [req("l3", "AQIC", "05.0004"), req("l3", "AQIC", "06.0004")])
    for r in run(t):
        assert_answer(r, exception="specification", handled_by=(2, K), intercepts=[(1, K), (2, K)],
                      cycles=3000 + 16000 + 1000)


def test_l3_aqic_outside_crycb_specification_in_l2_kernel():
    t = toml(host(5, 6), passthrough_chain(3), [req("l3", "AQIC", "06.0004")])
    (r,) = run(t)
    assert_answer(r, exception="specification", handled_by=(2, K), intercepts=[(1, K), (2, K)],
                  cycles=3000 + 16000 + 1000)  # v2 row 5: facility 65 is checked before the CRYCB


def test_l4_aqic_paths():
    t = toml(host(5, 6), passthrough_chain(4), [req("l4", "AQIC", "05.0004"), req("l4", "AQIC", "06.0004")])
    for r in run(t):  # v2 row 5: inside and outside the CRYCB
        assert_answer(r, exception="specification", handled_by=(3, K), intercepts=[(1, K), (2, K), (3, K)],
                      cycles=3000 + 2 * 16000 + 1000)
    t = toml(host(5, 6), passthrough_chain(4, NO_APQI), [req("l4", "AQIC", "05.0004")])
    (r,) = run(t)
    assert_answer(r, exception="specification", handled_by=(3, K), intercepts=[(1, K), (2, K), (3, K)],
                  cycles=3000 + 2 * 16000 + 1000)


# -- 4.3 intercepted (APIE chain off) -----------------------------------------------------------
def emu_l2(ops, nested=None, policy=None, l3_backend="passthrough", l3=((5, 6), (4,))):
    gs = [guest("lpar1", adapters=[5, 6], usage=[4, 8]),
          guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4], features=ALL)]
    if nested:
        gs.append(guest("nested1", "kvm1", backend=l3_backend, adapters=list(l3[0]), usage=list(l3[1]), features=ALL))
    return toml(host(5, 6), gs, ops, policy=policy)


@pytest.mark.parametrize("op", QUEUE_OPS + ["AQIC"])
def test_l2_emulated_answers_from_user_space(op):
    t = emu_l2([req("kvm1", op, "05.0004"), req("kvm1", op, "05.0008")])
    inside, outside = run(t)
    expect = 0x10 if op == "DQAP" else 0x00  # DQAP on an empty queue: no pending reply (5)
    assert_answer(inside, rc=expect, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=3000 + 30000 + 5000)
    assert_answer(outside, rc=0x01, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=3000 + 30000 + 5000)


def test_l3_passthrough_under_emulated_l2_operation_exception():
    t = emu_l2([req("nested1", op, "05.0004") for op in QUEUE_OPS] + [req("nested1", "QCI"),
                                                                      req("nested1", "AQIC", "05.0004")], nested=True)
    *others, aqic = run(t)
    for r in others:
        assert_answer(r, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=50000)
    assert_answer(aqic, exception="specification", handled_by=(2, K), intercepts=[(1, K), (2, K)],
                  cycles=3000 + 16000 + 1000)  # v2 row 6: own APIE on, 4.2


def test_l3_emulated_under_passthrough_l2():
    t = toml(host(5, 6),
             [guest("lpar1", adapters=[5, 6], usage=[4]),
              guest("kvm1", "lpar1", adapters=[5, 6], usage=[4]),
              guest("nested1", "kvm1", backend="emulated", adapters=[5], usage=[4])],
             [req("nested1", "TAPQ", "05.0004"), req("nested1", "TAPQ", "06.0004")])
    ok, no = run(t)
    cyc = 3000 + 16000 + 30000 + 5000
    assert_answer(ok, rc=0x00, handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=cyc)
    assert_answer(no, rc=0x01, handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=cyc)


def test_l4_emulated_under_passthrough_l3():
    t = toml(host(5, 6), passthrough_chain(3) + [guest("l4", "l3", backend="emulated", adapters=[5, 6], usage=[4])],
             [req("l4", "TAPQ", "05.0004"), req("l4", "TAPQ", "06.0004"), req("l4", "SCAN")])
    ok, no, scan = run(t)
    cyc = 3000 + 2 * 16000 + 30000 + 5000
    path = [(1, K), (2, K), (3, K), (3, U)]
    assert_answer(ok, rc=0x00, handled_by=(3, U), intercepts=path, cycles=cyc)
    # P.config for l4 is hw(l3) = {5} x {4}: adapter 6 is not in l4's emulated matrix.
    assert_answer(no, rc=0x01, handled_by=(3, U), intercepts=path, cycles=cyc)
    assert [(a, d) for a, d in scan.found] == [(5, 4)]


def test_l4_passthrough_under_emulated_l3():
    t = toml(host(5),
             [guest("l1", adapters=[5], usage=[4]), guest("l2", "l1", adapters=[5], usage=[4]),
              guest("l3", "l2", backend="emulated", adapters=[5], usage=[4]),
              guest("l4", "l3", adapters=[5], usage=[4])],
             [req("l4", "TAPQ", "05.0004")])
    (r,) = run(t)
    assert_answer(r, exception="operation", handled_by=(3, U), intercepts=[(1, K), (2, K), (3, K), (3, U)],
                  cycles=3000 + 2 * 16000 + 30000 + 1000)


def test_l2_backend_none_interpreted_against_an_empty_crycb():
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", backend="none", adapters=[5], usage=[4], features=ALL)],
             [req("kvm1", op, "05.0004") for op in QUEUE_OPS] + [req("kvm1", "AQIC", "05.0004"), req("kvm1", "QCI")])
    *queue_ops, aqic, qci = run(t)
    for r in queue_ops:
        assert_answer(r, rc=0x01, handled_by=FW, intercepts=[], cycles=1000)  # v2 row 1
    assert_answer(aqic, rc=0x01, handled_by=(1, K), intercepts=[(1, K)], cycles=3000)  # v2 row 1: 4.2 check 3
    assert_answer(qci, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)  # v2 row 1


def test_aqic_with_chain_off_is_emulated_and_sets_the_emulated_i_bit():
    t = emu_l2([req("kvm1", "AQIC", "05.0004"), req("kvm1", "TAPQ", "05.0004"), req("lpar1", "TAPQ", "05.0004")])
    aqic, etapq, ptapq = run(t)
    assert_answer(aqic, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=38000)
    assert bits(etapq) == {"E", "I"}
    assert bits(ptapq) == {"E"}  # the physical queue is separate (5)


# -- missing CPU feature `ap`: the path of backend none -----------------------------------------
def test_l2_passthrough_without_ap():
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", adapters=[5], usage=[4], features=["apqci", "apft", "apqi"])],
             [req("kvm1", "TAPQ", "05.0004"), req("kvm1", "AQIC", "05.0004"), req("kvm1", "SCAN")])
    tapq, aqic, scan = run(t)
    for r in (tapq, aqic):
        assert_answer(r, exception="operation", handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=34000)
    assert scan.ap_available is False and scan.found == []


def test_l2_emulated_without_ap_is_not_emulated():
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4], features=[])],
             [req("kvm1", "TAPQ", "05.0004")])
    (r,) = run(t)
    assert_answer(r, exception="operation", handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=34000)


def test_l3_without_ap():
    t = toml(host(5, 6), passthrough_chain(2) + [guest("l3", "l2", adapters=[5], usage=[4], features=["apqci"])],
             [req("l3", "TAPQ", "05.0004"), req("l3", "AQIC", "05.0004")])
    for r in run(t):
        assert_answer(r, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=50000)


# -- nested_emulation -----------------------------------------------------------------------------
def test_nested_emulation_default_false_is_real_kvm():
    t = emu_l2([req("nested1", "TAPQ", "05.0004")], nested=True)
    (r,) = run(t)
    assert_answer(r, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=50000)
    t = emu_l2([req("nested1", "TAPQ", "05.0004")], nested=True, policy={"nested_emulation": False})
    (r,) = run(t)
    assert_answer(r, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=50000)


def test_nested_emulation_l1_user_space_emulates_l3():
    # nested1 {5,6}x{4} under kvm1 emulated {5}x{4}: q must be in nested1's matrix AND kvm1's.
    t = emu_l2([req("nested1", "TAPQ", "05.0004"), req("nested1", "TAPQ", "06.0004"),
                req("nested1", "TAPQ", "05.0008"), req("nested1", "SCAN")],
               nested=True, policy={"nested_emulation": True})
    ok, a6, d8, scan = run(t)
    cyc = 3000 + 30000 + 5000
    assert_answer(ok, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=cyc)
    assert_answer(a6, rc=0x01, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=cyc)
    assert_answer(d8, rc=0x01, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=cyc)
    assert scan.ap_available is True
    assert [(a, d) for a, d in scan.found] == [(5, 4)]
    assert [s.cycles for s in scan.steps] == [cyc, cyc]


def test_nested_emulation_l4_under_passthrough_l3_under_emulated_l2():
    t = toml(host(5, 6),
             [guest("l1", adapters=[5, 6], usage=[4, 8]),
              guest("l2", "l1", backend="emulated", adapters=[5, 6], usage=[4, 8]),
              guest("l3", "l2", adapters=[5, 6], usage=[4]),
              guest("l4", "l3", adapters=[5], usage=[4, 8])],
             [req("l4", "TAPQ", "05.0004"), req("l4", "TAPQ", "05.0008"), req("l4", "TAPQ", "06.0004")],
             policy={"nested_emulation": True})
    ok, d8, a6 = run(t)
    cyc = 3000 + 30000 + 5000
    assert_answer(ok, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=cyc)
    assert_answer(d8, rc=0x01, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=cyc)  # not in l3's matrix
    assert_answer(a6, rc=0x01, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=cyc)  # not in l4's matrix


def test_nested_emulation_l4_under_emulated_l3():
    t = toml(host(5, 6),
             [guest("l1", adapters=[5, 6], usage=[4]),
              guest("l2", "l1", adapters=[5, 6], usage=[4]),
              guest("l3", "l2", backend="emulated", adapters=[5], usage=[4]),
              guest("l4", "l3", adapters=[5, 6], usage=[4])],
             [req("l4", "TAPQ", "05.0004"), req("l4", "TAPQ", "06.0004")],
             policy={"nested_emulation": True})
    ok, a6 = run(t)
    cyc = 3000 + 16000 + 30000 + 5000
    assert_answer(ok, rc=0x00, handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=cyc)
    assert_answer(a6, rc=0x01, handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=cyc)


def test_nested_emulation_without_an_emulating_ancestor_changes_nothing():
    t = toml(host(5),
             [guest("l1", adapters=[5], usage=[4]), guest("l2", "l1", adapters=[5], usage=[4], apie=False),
              guest("l3", "l2", adapters=[5], usage=[4])],
             [req("l3", "TAPQ", "05.0004"), req("l2", "TAPQ", "05.0004")], policy={"nested_emulation": True})
    l3, l2 = run(t)
    assert_answer(l3, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=50000)
    assert_answer(l2, exception="operation", handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=34000)


def test_nested_emulation_does_not_touch_interpreted_guests():
    t = toml(host(5, 6), passthrough_chain(3), [req("l3", "TAPQ", "05.0004"), req("l3", "AQIC", "05.0004")],
             policy={"nested_emulation": True})
    tapq, aqic = run(t)
    assert_answer(tapq, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)
    assert_answer(aqic, exception="specification", handled_by=(2, K), intercepts=[(1, K), (2, K)],
                  cycles=20000)  # v2 row 5


def test_nested_emulation_applies_whatever_the_backend_of_g():
    # The rule looks only at the levels the intercept passes: lpar1's user space emulates for kvm1,
    # which is on G's chain, so it emulates G's instruction even for backend none or apie = false.
    for kw in ({"backend": "none"}, {"apie": False}):
        t = toml(host(5, 6),
                 [guest("lpar1", adapters=[5, 6], usage=[4]),
                  guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4]),
                  guest("nested1", "kvm1", adapters=[5], usage=[4], **kw)],
                 [req("nested1", "TAPQ", "05.0004")], policy={"nested_emulation": True})
        (r,) = run(t)
        assert_answer(r, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=38000)


def test_nested_emulation_not_for_interpreted_under_emulated_with_apie():
    # kvm1 emulated with apie = true: nested1's APIE chain is on, so 4.1 applies (empty hw: 0x01), not 4.3.
    t = toml(host(5),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", backend="emulated", apie=True, adapters=[5], usage=[4]),
              guest("nested1", "kvm1", adapters=[5], usage=[4])],
             [req("nested1", "TAPQ", "05.0004")], policy={"nested_emulation": True})
    (r,) = run(t)
    assert_answer(r, rc=0x01, handled_by=FW, intercepts=[], cycles=1000)
