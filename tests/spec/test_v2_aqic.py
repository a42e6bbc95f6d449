"""Spec version 2, rows 5, 6, 8 and 11: AQIC (PQAP fc 3) of nested guests, the order of `handle_pqap`'s
checks, an L1's AQIC without `apqi`, and AQIC during a reset (sections 4.2, 4.3, 4.5, 5)."""

import pytest

from ._h import (EMULATE, EXCEPTION, FIRST_KERNEL, FW, INTERPRET, K, U, USERSPACE_EXIT, assert_answer, bits,
                 codes_of, diagnose, guest, host, kernels_cost, lane_counters, req, run, toml)

ALL = ["ap", "apqci", "apft", "apqi"]
NO_APQI = ["ap", "apqci", "apft"]
SPEC_L2 = FIRST_KERNEL + EXCEPTION  # 4000
SPEC_L3 = kernels_cost(3) + EXCEPTION  # 2000 + 1000 + 15000 + 1000 + 1000 = 20000
SPEC_L4 = kernels_cost(4) + EXCEPTION  # 36000
OPERATION_L3 = kernels_cost(3) + USERSPACE_EXIT + EXCEPTION  # 50000
EMULATED_L2 = FIRST_KERNEL + USERSPACE_EXIT + EMULATE  # 38000


def chain(depth, features=ALL):
    """l1 .. l<depth>, passthrough, {5,6} x {4} except the deepest: {5} x {4}."""
    return [guest(f"l{k}", "host" if k == 1 else f"l{k - 1}", adapters=[5] if k == depth else [5, 6], usage=[4],
                  features=list(features)) for k in range(1, depth + 1)]


# -- row 5: AQIC of a guest of level >= 3 -----------------------------------------------------------------
@pytest.mark.parametrize("apqn", ["05.0004", "06.0004"], ids=["in-crycb", "not-in-crycb"])
def test_l3_aqic_is_a_specification_exception_from_l2s_kernel(apqn):
    """Row 5, spec 4.2 check 2: "P does not offer facility 65 to G: `exception = "specification"`, handled by P's
    kernel ... always when P is of level 2 or deeper"; path (1, kernel), (2, kernel) (4.4); 4.5: sie_exit +
    kernel_handler + vsie_reflect + kernel_handler + exception. Check 2 comes before check 3 (membership)."""
    (r,) = run(toml(host(5, 6), chain(3), [req("l3", "AQIC", apqn)]))
    assert_answer(r, exception="specification", handled_by=(2, K), intercepts=[(1, K), (2, K)], cycles=SPEC_L3)
    assert r.cycles == 2000 + 1000 + 15000 + 1000 + 1000


def test_l3_aqic_does_not_enable_interrupts():
    """Row 5, spec 5: only "`AQIC` that enables interrupts (rc 0x00) sets the I bit"."""
    _, tapq = run(toml(host(5, 6), chain(3), [req("l3", "AQIC", "05.0004"), req("l3", "TAPQ", "05.0004")]))
    assert_answer(tapq, rc=0x00, handled_by=FW, cycles=INTERPRET)
    assert bits(tapq) == {"E"}


@pytest.mark.parametrize("apqn", ["05.0004", "06.0004"], ids=["in-crycb", "not-in-crycb"])
def test_l4_aqic_is_a_specification_exception_from_l3s_kernel(apqn):
    """Row 5, spec 4.2: P = l3 is of level 2 or deeper: specification from l3's kernel; path (1, kernel),
    (2, kernel), (3, kernel)."""
    (r,) = run(toml(host(5, 6), chain(4), [req("l4", "AQIC", apqn)]))
    assert_answer(r, exception="specification", handled_by=(3, K), intercepts=[(1, K), (2, K), (3, K)],
                  cycles=SPEC_L4)


def test_l2_aqic_is_still_enabled_by_l1s_kernel():
    """Row 5, spec 4.2 check 4: under an L1 (which has AIV) an L2 with `apqi` gets its AQIC done by L1's vfio_ap."""
    aqic, tapq = run(toml(host(5, 6), chain(2), [req("l2", "AQIC", "05.0004"), req("l2", "TAPQ", "05.0004")]))
    assert_answer(aqic, rc=0x00, handled_by=(1, K), intercepts=[(1, K)], cycles=FIRST_KERNEL)
    assert bits(tapq) == {"E", "I"}


# -- row 6: the checks use G's own APIE, in handle_pqap's order --------------------------------------
@pytest.mark.parametrize("kvm1", [{"backend": "emulated"}, {"apie": False}], ids=["emulated-parent", "apie-off-parent"])
@pytest.mark.parametrize("features", [ALL, NO_APQI], ids=["apqi", "no-apqi"])
def test_aqic_of_l3_with_own_apie_under_a_chain_off_parent_is_handled_in_l2s_kernel(kvm1, features):
    """Row 6, spec 4.2: "AQIC is always intercepted (ref 4.5), even when an ancestor's APIE is off: the checks
    below use G's own APIE as P set it, not the chain"; 4.3: "An AQIC with `apie(G)` on is handled there"."""
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", adapters=[5], usage=[4], features=ALL, **kvm1),
                       guest("nested1", "kvm1", adapters=[5], usage=[4], features=features)],
             [req("nested1", "AQIC", "05.0004"), req("nested1", "TAPQ", "05.0004")])
    aqic, tapq = run(t)
    assert_answer(aqic, exception="specification", handled_by=(2, K), intercepts=[(1, K), (2, K)], cycles=SPEC_L3)
    # the other instructions follow the chain (4.3): a passthrough guest gets an operation exception
    assert_answer(tapq, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                  cycles=OPERATION_L3)


def test_aqic_of_l3_with_own_apie_off_goes_to_user_space():
    """Row 6, spec 4.3: with `apie(G)` off the AQIC is not handled by KVM: it goes on to P's user space, which
    raises an operation exception."""
    t = toml(host(5, 6), chain(2) + [guest("l3", "l2", adapters=[5], usage=[4], features=ALL, apie=False)],
             [req("l3", "AQIC", "05.0004")])
    (r,) = run(t)
    assert_answer(r, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                  cycles=OPERATION_L3)


def fmt1_l2(features, requests):
    return toml(host(5, 6, 0x47, domains=85),
                [guest("lpar1", adapters=[5, 6, 0x47], usage=[4, 0x10]),
                 guest("kvm1", "lpar1", adapters=[5, 0x47], usage=[4, 0x10], crycb_format=1, features=features)],
                requests)


@pytest.mark.parametrize("apqn", ["47.0004", "05.0010"])
def test_aqic_format_check_comes_before_the_crycb_check(apqn):
    """Row 6, spec 4.2 check 1: "G's format is 0 or 1 and q has APID > 63 or APQI > 15: specification, handled
    by P's kernel", before check 3 (such a q is not in crycb(G), which would give rc 0x01)."""
    (r,) = run(fmt1_l2(ALL, [req("kvm1", "AQIC", apqn)]))
    assert_answer(r, exception="specification", handled_by=(1, K), intercepts=[(1, K)], cycles=SPEC_L2)


def test_aqic_facility_check_comes_before_the_crycb_check():
    """Row 6, spec 4.2 check 2 before check 3: an L2 without `apqi` gets a specification exception for a q that
    is not in its CRYCB."""
    (r,) = run(fmt1_l2(NO_APQI, [req("kvm1", "AQIC", "06.0004")]))
    assert_answer(r, exception="specification", handled_by=(1, K), intercepts=[(1, K)], cycles=SPEC_L2)


def test_aqic_crycb_check_then_the_physical_queue():
    """Row 6, spec 4.2 checks 3 and 4: q not in crycb(G): rc 0x01 from P's kernel; else the queue answers."""
    out, ok = run(fmt1_l2(ALL, [req("kvm1", "AQIC", "06.0004"), req("kvm1", "AQIC", "05.0004")]))
    assert_answer(out, rc=0x01, handled_by=(1, K), intercepts=[(1, K)], cycles=FIRST_KERNEL)
    assert_answer(ok, rc=0x00, handled_by=(1, K), intercepts=[(1, K)], cycles=FIRST_KERNEL)


def test_aqic_of_an_emulated_l2_with_apie_on_is_checked_against_its_empty_crycb():
    """Row 6, spec 4.2: keyed on `apie(G)`: an `emulated` L2 with `apie = true` has its AQIC handled by L1's
    KVM, and its crycb is empty (3): rc 0x01."""
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", backend="emulated", apie=True, adapters=[5], usage=[4], features=ALL)],
             [req("kvm1", "AQIC", "05.0004")])
    (r,) = run(t)
    assert_answer(r, rc=0x01, handled_by=(1, K), intercepts=[(1, K)], cycles=FIRST_KERNEL)


# -- row 8: an L1's AQIC without apqi -------------------------------------------------------------------
@pytest.mark.parametrize("apqn", ["05.0004", "06.0004"], ids=["in-hw", "not-in-hw"])
def test_l1_aqic_without_apqi_is_a_specification_exception_from_firmware(apqn):
    """Row 8, spec 4.2: "An L1's AQIC is interpreted by firmware (with GISA): without `apqi` (facility 65) it is a
    `specification` exception" (listed before "q not in hw(L1): rc 0x01"); 4.5: `exception` alone."""
    t = toml(host(5, 6), [guest("lpar1", adapters=[5], usage=[4], features=NO_APQI)],
             [req("lpar1", "AQIC", apqn), req("lpar1", "TAPQ", "05.0004")])
    aqic, tapq = run(t)
    assert_answer(aqic, exception="specification", handled_by=FW, intercepts=[], cycles=EXCEPTION)
    assert bits(tapq) == {"E"}


def test_l1_aqic_specification_counts_in_the_firmware_lane():
    """Row 8, spec 4.5: "counts as an exception of the firmware lane"."""
    c = lane_counters(toml(host(5), [guest("lpar1", adapters=[5], usage=[4], features=NO_APQI)],
                           [req("lpar1", "AQIC", "05.0004")]))
    assert c[(0, "firmware")].exceptions == 1


def test_l1_aqic_with_apqi_outside_hw_is_rc01():
    """Row 8, spec 4.2: with `apqi`, "q not in hw(L1): rc 0x01"; "else the physical queue answers"."""
    t = toml(host(5, 6), [guest("lpar1", adapters=[5], usage=[4], features=ALL)],
             [req("lpar1", "AQIC", "06.0004"), req("lpar1", "AQIC", "05.0004")])
    out, ok = run(t)
    assert_answer(out, rc=0x01, handled_by=FW, intercepts=[], cycles=INTERPRET)
    assert_answer(ok, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_l1_aqic_beyond_format_1_without_apxa_is_a_specification_exception():
    """Row 8 / 7, spec 4.2: "ids beyond a format-0/1 L1 as in 4.1: `specification`"."""
    t = toml(host(5, domains=32, apxa=False), [guest("lpar1", adapters=[5], usage=[4, 0x10], features=ALL)],
             [req("lpar1", "AQIC", "05.0010")])
    (r,) = run(t)
    assert_answer(r, exception="specification", handled_by=FW, intercepts=[], cycles=EXCEPTION)


# -- row 11: AQIC during a reset ---------------------------------------------------------------------
@pytest.mark.parametrize("reset", ["RAPQ", "ZAPQ"])
def test_l1_aqic_during_a_reset_is_rc02(reset):
    """Row 11, spec 5: "until the reset completes (`reset_us`) `TAPQ`/`NQAP`/`DQAP`/`AQIC` answer rc 0x02"; the
    I bit stays clear; after the reset an AQIC enables interrupts again."""
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4], features=ALL)],
             [req("lpar1", reset, "05.0004"), req("lpar1", "AQIC", "05.0004"),
              req("lpar1", "TAPQ", "05.0004", wait_us=150), req("lpar1", "AQIC", "05.0004"),
              req("lpar1", "TAPQ", "05.0004")])
    _, during, after, again, last = run(t)
    assert_answer(during, rc=0x02, handled_by=FW, intercepts=[], cycles=INTERPRET)
    assert after.rc == 0x00 and bits(after) == {"E"}
    assert_answer(again, rc=0x00, handled_by=FW, cycles=INTERPRET)
    assert bits(last) == {"E", "I"}


def test_l2_aqic_during_a_reset_is_rc02_from_l1s_kernel():
    """Row 11, spec 4.2 check 4: "P's vfio_ap issues the AQIC on the physical queue and returns its answer
    (section 5: ... 0x02 during a reset ...), handled by P's kernel"."""
    t = toml(host(5, 6), chain(2), [req("l2", "RAPQ", "05.0004"), req("l2", "AQIC", "05.0004")])
    _, r = run(t)
    assert_answer(r, rc=0x02, handled_by=(1, K), intercepts=[(1, K)], cycles=FIRST_KERNEL)


def test_emulated_aqic_during_a_reset_is_rc02():
    """Row 11, spec 5: "Emulated queues (4.3) follow the same rules"."""
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4], features=ALL)],
             [req("kvm1", "ZAPQ", "05.0004"), req("kvm1", "AQIC", "05.0004")])
    _, r = run(t)
    assert_answer(r, rc=0x02, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=EMULATED_L2)


# -- row 5 / 14: check -------------------------------------------------------------------------------
def test_apqi_unavailable_for_level_3_and_deeper(tmp_path, capsys):
    """Rows 5 and 14, spec 7: `apqi-unavailable` (error): "`apqi` on a guest of level 3 or deeper"."""
    code, diags = diagnose(toml(host(5, 6), chain(4)), tmp_path, capsys)
    for g in ("l3", "l4"):
        hits = [d for d in diags if d["code"] == "apqi-unavailable" and d["guest"] == g]
        assert hits and all(d["severity"] == "error" for d in hits), g
    for g in ("l1", "l2"):
        assert "apqi-unavailable" not in codes_of(diags, g), g
    assert code == 1
