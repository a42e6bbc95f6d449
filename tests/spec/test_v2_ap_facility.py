"""Spec version 2, rows 1, 2 and 15: APIE of backend `none`, the AP facility down the tree, and
`apie-without-crycb` (sections 2, 3, 4.1-4.3, 7)."""

import json

import pytest

from ._h import (EXCEPTION, FIRST_KERNEL, FW, INTERPRET, K, U, USERSPACE_EXIT, assert_answer, call, codes_of,
                 diagnose, guest, host, kernels_cost, req, run, toml)

ALL = ["ap", "apqci", "apft", "apqi"]
QUEUE_OPS = ["TAPQ", "RAPQ", "ZAPQ", "QACT", "NQAP", "DQAP"]
NO_AP = ["apqci", "apft"]
OPERATION_L2 = FIRST_KERNEL + USERSPACE_EXIT + EXCEPTION  # 34000
OPERATION_L3 = kernels_cost(3) + USERSPACE_EXIT + EXCEPTION  # 50000


def none_l2(features=None, requests=(), extra=()):
    kw = {} if features is None else {"features": features}
    return toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                          guest("kvm1", "lpar1", backend="none", adapters=[5], usage=[4], **kw), *extra], requests)


# -- row 1: backend none with `ap` has APIE on, against an empty CRYCB --------------------------
@pytest.mark.parametrize("op", QUEUE_OPS)
def test_backend_none_with_ap_is_interpreted_against_an_empty_crycb(op):
    """Row 1, spec 2: `none` ... APIE on ...: "interpreted by firmware against an empty CRYCB: rc 0x01 for
    every APQN"; 4.1: handled by firmware, level 0, no intercepts; 4.5: `interpret`."""
    (r,) = run(none_l2(requests=[req("kvm1", op, "05.0004")]))
    assert_answer(r, rc=0x01, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_backend_none_qci_answers_an_empty_configuration_and_scan_finds_nothing():
    """Row 1, spec 2: "QCI answers an empty configuration"; 6: `ap_available` is false only when QCI raised
    an exception, `found` is empty."""
    qci, scan = run(none_l2(requests=[req("kvm1", "QCI"), req("kvm1", "SCAN")]))
    assert_answer(qci, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)
    assert scan.ap_available is True and scan.found == []
    assert [s.op for s in scan.steps] == ["QCI"]
    assert_answer(scan.steps[0], rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_backend_none_tapq_json_entry(tmp_path, capsys):
    """Row 1, spec 9 and 4.7: the `run --json` entry of a TAPQ of a `none` guest: rc 0x01, cc 3, firmware."""
    p = tmp_path / "none.toml"
    p.write_text(none_l2(requests=[req("kvm1", "TAPQ", "05.0004")]))
    code, out, err = call(["run", str(p), "--json"], capsys)
    assert code == 0, err
    e = json.loads(out)["results"][0]
    assert {k: e[k] for k in ("cc", "rc", "exception", "handled_by", "intercepts", "cycles")} == {
        "cc": 3, "rc": 1, "exception": None, "handled_by": {"level": 0, "where": "firmware"}, "intercepts": [],
        "cycles": 1000}


def test_backend_none_aqic_is_rc01_from_the_parents_kernel():
    """Row 1 with 4.2: an AQIC of a `none` guest with `apqi` reaches L1's KVM; "q not in crycb(G): rc = 0x01,
    cc = 3, handled by P's kernel" (crycb is empty for a guest that is not passthrough, 3)."""
    (r,) = run(none_l2(features=ALL, requests=[req("kvm1", "AQIC", "05.0004")]))
    assert_answer(r, rc=0x01, handled_by=(1, K), intercepts=[(1, K)], cycles=FIRST_KERNEL)


def test_passthrough_child_of_a_none_guest_sees_an_empty_hw():
    """Row 1, spec 3: `hw(G) = crycb(G) ∩ hw(parent)`; hw of a `none` parent is empty, and the child's APIE
    chain is on: interpreted, rc 0x01; its SCAN finds nothing but AP is available."""
    t = none_l2(extra=[guest("nested1", "kvm1", adapters=[5], usage=[4])],
                requests=[req("nested1", "TAPQ", "05.0004"), req("nested1", "SCAN")])
    tapq, scan = run(t)
    assert_answer(tapq, rc=0x01, handled_by=FW, intercepts=[], cycles=INTERPRET)
    assert scan.ap_available is True and scan.found == []


def test_backend_none_with_ap_gets_no_apie_warning(tmp_path, capsys):
    """Rows 1 and 15, spec 7: `apie-without-crycb` is for "an `emulated` guest with APIE on" only ("for `none`
    an empty CRYCB with APIE is QEMU's normal state"); `no-ap-facility` is not for a guest with AP."""
    code, diags = diagnose(none_l2(), tmp_path, capsys)
    assert codes_of(diags, "kvm1") == set()
    assert code == 0


# -- row 2: a level without AP gives no AP below it ----------------------------------------------
def no_ap_l2(child=None, kvm1=None, requests=()):
    gs = [guest("lpar1", adapters=[5], usage=[4]),
          guest("kvm1", "lpar1", adapters=[5], usage=[4], features=NO_AP, **(kvm1 or {}))]
    if child is not None:
        gs.append(guest("nested1", "kvm1", adapters=[5], usage=[4], **child))
    return toml(host(5), gs, requests)


@pytest.mark.parametrize("child", [{}, {"features": ALL}, {"backend": "emulated"}, {"backend": "none"}],
                         ids=["passthrough", "passthrough-apqi", "emulated", "none"])
def test_child_of_a_guest_without_ap_gets_an_operation_exception(child):
    """Row 2, spec 2: "`ap(G)` = G has the CPU feature `ap` AND `ap(parent)`"; "A guest without AP has APIE off
    and an empty CRYCB whatever its backend: its instructions are intercepted and its parent's user space raises
    an operation exception" (4.3, 4.4: path (1, kernel), (2, kernel), (2, userspace))."""
    ops = [req("nested1", op, "05.0004") for op in QUEUE_OPS + ["AQIC"]] + [req("nested1", "QCI")]
    t = no_ap_l2(child, requests=ops)
    for r in run(t):
        assert_answer(r, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                      cycles=OPERATION_L3)


def test_child_of_a_guest_without_ap_sees_no_ap_in_its_scan():
    """Row 2, spec 6: the child's QCI raises an exception, so `ap_available` is false and nothing is found."""
    (scan,) = run(no_ap_l2({}, requests=[req("nested1", "SCAN")]))
    assert scan.ap_available is False and scan.found == []
    assert_answer(scan.steps[0], exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                  cycles=OPERATION_L3)


def test_grandchild_of_a_guest_without_ap_has_no_ap_either():
    """Row 2, spec 2: `ap(parent)` is recursive: an L4 below an L3 below an L2 without `ap` has no AP; its
    instruction ends in L3's user space (4.4: (1, kernel), (2, kernel), (3, kernel), (3, userspace))."""
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", adapters=[5], usage=[4], features=NO_AP),
                       guest("nested1", "kvm1", adapters=[5], usage=[4]),
                       guest("deep1", "nested1", adapters=[5], usage=[4])],
             [req("deep1", "TAPQ", "05.0004")])
    (r,) = run(t)
    assert_answer(r, exception="operation", handled_by=(3, U), intercepts=[(1, K), (2, K), (3, K), (3, U)],
                  cycles=kernels_cost(4) + USERSPACE_EXIT + EXCEPTION)


def test_apie_true_does_not_give_apie_to_a_guest_without_ap():
    """Row 2, spec 3: "`apie(G)` = G's APIE as its parent set it: off when G has no AP (2); else the `apie`
    override": an L2 without `ap` and `apie = true` is intercepted, and so is its child."""
    t = no_ap_l2({}, kvm1={"apie": True}, requests=[req("kvm1", "TAPQ", "05.0004"), req("nested1", "TAPQ", "05.0004")])
    l2, l3 = run(t)
    assert_answer(l2, exception="operation", handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=OPERATION_L2)
    assert_answer(l3, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                  cycles=OPERATION_L3)


def test_no_ap_facility_for_passthrough_and_emulated_guests_without_ap(tmp_path, capsys):
    """Rows 2 and 14, spec 7: `no-ap-facility` (error): "a `passthrough` or `emulated` guest without AP (2): it
    lacks `ap`, or its parent has none"; spec 2: reported for a passthrough or emulated guest only."""
    t = toml(host(5, 6, 7), [
        guest("lpar1", adapters=[5, 6, 7], usage=[4]),
        guest("kvm1", "lpar1", adapters=[5], usage=[4], features=NO_AP),                  # lacks ap
        guest("kvm2", "lpar1", backend="emulated", adapters=[6], usage=[4], features=[]),  # lacks ap
        guest("kvm3", "lpar1", backend="none", adapters=[7], usage=[4], features=[]),      # none: not reported
        guest("nested1", "kvm1", adapters=[5], usage=[4]),                                 # its parent has none
        guest("nested2", "kvm1", backend="emulated", adapters=[5], usage=[4]),             # its parent has none
        guest("nested3", "kvm1", backend="none", adapters=[5], usage=[4])])                # none: not reported
    code, diags = diagnose(t, tmp_path, capsys)
    for g in ("kvm1", "kvm2", "nested1", "nested2"):
        hits = [d for d in diags if d["code"] == "no-ap-facility" and d["guest"] == g]
        assert hits and all(d["severity"] == "error" for d in hits), g
    for g in ("lpar1", "kvm3", "nested3"):
        assert "no-ap-facility" not in codes_of(diags, g), g
    assert code == 1


# -- row 15: apie-without-crycb only for emulated with APIE ------------------------------------------
def test_apie_without_crycb_only_for_an_emulated_guest_with_apie(tmp_path, capsys):
    """Row 15, spec 7: `apie-without-crycb` (warning): "an `emulated` guest with APIE on"; not for `none`,
    whose empty CRYCB with APIE is QEMU's normal state, with or without `apie = true`."""
    t = toml(host(5, 6, 7, 8), [
        guest("lpar1", adapters=[5, 6, 7, 8], usage=[4]),
        guest("emu_apie", "lpar1", backend="emulated", apie=True, adapters=[5], usage=[4]),
        guest("emu", "lpar1", backend="emulated", adapters=[6], usage=[4]),
        guest("none", "lpar1", backend="none", adapters=[7], usage=[4]),
        guest("none_apie", "lpar1", backend="none", apie=True, adapters=[8], usage=[4])])
    code, diags = diagnose(t, tmp_path, capsys)
    hits = [d for d in diags if d["code"] == "apie-without-crycb"]
    assert {d["guest"] for d in hits} == {"emu_apie"}
    assert all(d["severity"] == "warning" for d in hits)
    assert code == 0
