"""Spec version 2, rows 3, 4, 7 and 12: the validity rule needs APIE on both sides, every vSIE shadow is
format 2, ids a format-0/1 CRYCB cannot hold, and `beyond-crycb-format` (sections 2.1-2.3, 4.1, 7)."""

import pytest

from ._h import (EMULATE, EXCEPTION, FIRST_KERNEL, FW, INTERPRET, K, U, USERSPACE_EXIT, assert_answer,
                 codes_of, diagnose, guest, host, kernels_cost, lane_counters, req, run, toml)

OPERATION_L3 = kernels_cost(3) + USERSPACE_EXIT + EXCEPTION  # 50000
EMULATED_L2 = FIRST_KERNEL + USERSPACE_EXIT + EMULATE  # 38000
QUEUE_OPS = ["TAPQ", "RAPQ", "ZAPQ", "QACT", "NQAP", "DQAP"]


def assert_validity(r, level):
    """2.2: `exception: "validity"`, handled_by the parent's kernel, no intercepts, 0 cycles."""
    assert_answer(r, exception="validity", handled_by=(level, K), intercepts=[], cycles=0)


# -- row 3: validity 0x0022 only with APIE on in the guest and in its hypervisor ---------------------
def wide_l3(kvm1=None, nested1=None, requests=()):
    return toml(host(5, domains=16),
                [guest("lpar1", adapters=[5], usage=[4]),
                 guest("kvm1", "lpar1", adapters=[5], usage=[4], crycb_format=1, **(kvm1 or {})),
                 guest("nested1", "kvm1", adapters=[5], usage=[4], crycb_format=2, **(nested1 or {}))],
                requests)


@pytest.mark.parametrize("kvm1,nested1", [({}, {"apie": False}), ({"apie": False}, {})],
                         ids=["guest-apie-off", "hypervisor-apie-off"])
def test_wider_format_starts_when_apie_is_off_on_either_side(kvm1, nested1):
    """Row 3, spec 2.2: validity 0x0022 "when its own APIE and its parent's APIE are both on ... otherwise the
    guest starts and its instructions take the intercept path of 4.3" (a passthrough guest: operation
    exception in its parent's user space)."""
    (r,) = run(wide_l3(kvm1, nested1, [req("nested1", "TAPQ", "05.0004")]))
    assert_answer(r, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                  cycles=OPERATION_L3)


def test_wider_format_with_apie_on_both_sides_is_validity():
    """Row 3, spec 2.2: format 2 under format 1 with both APIEs on: validity, handled by the parent's kernel."""
    (r,) = run(wide_l3(requests=[req("nested1", "TAPQ", "05.0004")]))
    assert_validity(r, 2)


def test_emulated_l2_wider_than_its_lpar_starts_and_is_emulated():
    """Row 3, spec 2.2 and 4.3: an `emulated` L2 (APIE off) of format 2 under a format-1 L1 starts; its
    instructions are emulated by L1's user space."""
    t = toml(host(5, domains=16),
             [guest("lpar1", adapters=[5], usage=[4], crycb_format=1),
              guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4], crycb_format=2)],
             [req("kvm1", "TAPQ", "05.0004"), req("kvm1", "SCAN")])
    tapq, scan = run(t)
    assert_answer(tapq, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=EMULATED_L2)
    assert scan.ap_available is True and [tuple(q) for q in scan.found] == [(5, 4)]


@pytest.mark.parametrize("kw", [{"backend": "none"}, {"backend": "emulated", "apie": True}],
                         ids=["none", "emulated-apie"])
def test_wider_format_validity_for_any_backend_with_apie(kw):
    """Row 3, spec 2.2: `none` (APIE on by default) and `emulated` with `apie = true` under a narrower L1:
    both APIEs are on, so the guest cannot start."""
    t = toml(host(5, domains=16),
             [guest("lpar1", adapters=[5], usage=[4], crycb_format=1),
              guest("kvm1", "lpar1", adapters=[5], usage=[4], crycb_format=2, **kw)],
             [req("kvm1", "TAPQ", "05.0004")])
    (r,) = run(t)
    assert_validity(r, 1)


def test_crycb_format_mismatch_only_with_apie_on_both_sides(tmp_path, capsys):
    """Row 3, spec 7: `crycb-format-mismatch`: "wider than its hypervisor's with APIE on both (2.2)"."""
    t = toml(host(5, 6, 7, domains=16),
             [guest("lpar1", adapters=[5, 6, 7], usage=[4], crycb_format=1),
              guest("both", "lpar1", adapters=[5], usage=[4], crycb_format=2),
              guest("off", "lpar1", adapters=[6], usage=[4], crycb_format=2, apie=False),
              guest("emu", "lpar1", backend="emulated", adapters=[7], usage=[4], crycb_format=2)])
    code, diags = diagnose(t, tmp_path, capsys)
    assert "crycb-format-mismatch" in codes_of(diags, "both")
    assert "crycb-format-mismatch" not in codes_of(diags, "off")
    assert "crycb-format-mismatch" not in codes_of(diags, "emu")
    assert code == 1


# -- row 4: depth 4, every vSIE shadow is format 2 -----------------------------------------------------
def chain4(formats, apxa=True, requests=()):
    """l1 .. l4, passthrough, {5} x {4}; formats: crycb_format of l1..l4 (None: the default)."""
    gs = []
    for k, fmt in enumerate(formats, 1):
        kw = {} if fmt is None else {"crycb_format": fmt}
        gs.append(guest(f"l{k}", "host" if k == 1 else f"l{k - 1}", adapters=[5], usage=[4], **kw))
    return toml(host(5, domains=16, apxa=apxa), gs, requests)


@pytest.mark.parametrize("l2", [0, 1])
def test_l4_under_a_format_0_1_l2_cannot_start(l2):
    """Row 4, spec 2.3: "an ancestor of level 2 .. k-2 with format 0 or 1 gives G validity 0x0022 ..., handled by
    G's parent's kernel"; l3 and l4 inherit l2's format, so the pairwise rule alone would let them run, and
    l3 does ("For k = 3 the pairwise rule of 2.2 is all there is")."""
    t = chain4([None, l2, None, None], requests=[req("l4", "TAPQ", "05.0004"), req("l4", "NQAP", "05.0004"),
                                                 req("l4", "QCI"), req("l3", "TAPQ", "05.0004")])
    *l4, l3 = run(t)
    for r in l4:
        assert_validity(r, 3)
    assert_answer(l3, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_l4_scan_under_a_format_1_l2_sees_no_ap():
    """Row 4, spec 2.2/2.3: "Such a guest runs no instruction": its SCAN's QCI is a validity exception."""
    (scan,) = run(chain4([None, 1, None, None], requests=[req("l4", "SCAN")]))
    assert scan.ap_available is False and scan.found == []
    assert [s.op for s in scan.steps] == ["QCI"]
    assert_validity(scan.steps[0], 3)


def test_no_l4_starts_on_a_machine_without_apxa():
    """Row 4, spec 2.3: "On a machine without APXA no guest of level 4 or deeper can start with AP" (the host's
    format is 1, 2.2, and every level below inherits it)."""
    t = chain4([None] * 4, apxa=False, requests=[req("l4", "TAPQ", "05.0004"), req("l3", "TAPQ", "05.0004")])
    l4, l3 = run(t)
    assert_validity(l4, 3)
    assert_answer(l3, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


@pytest.mark.parametrize("l3,l4", [(1, 1), (1, 0), (0, 0)])
def test_l4_and_its_parent_of_format_0_1_under_a_format_2_l2_have_an_empty_hw(l3, l4):
    """Row 4, spec 2.3: "when G and its parent are both of format 0/1 the first shadow fills only APCB0, and the
    next vSIE ANDs APCB1, which nobody wrote: `hw(G)` is empty (every APQN answers rc 0x01)"."""
    t = chain4([None, 2, l3, l4], requests=[req("l4", "TAPQ", "05.0004"), req("l4", "SCAN"),
                                            req("l3", "TAPQ", "05.0004")])
    tapq, scan, parent = run(t)
    assert_answer(tapq, rc=0x01, handled_by=FW, intercepts=[], cycles=INTERPRET)
    assert scan.ap_available is True and scan.found == []
    assert_answer(parent, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


@pytest.mark.parametrize("l4", [0, 1, 2])
def test_l4_under_format_2_parent_and_l2_runs(l4):
    """Row 4, spec 2.3: with l2 and l3 of format 2 the shadows convert to format 2 and the masks intersect."""
    (r,) = run(chain4([None, 2, 2, l4], requests=[req("l4", "TAPQ", "05.0004")]))
    assert_answer(r, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_crycb_format_mismatch_for_a_format_0_1_ancestor_of_level_2(tmp_path, capsys):
    """Row 4, spec 7: `crycb-format-mismatch` (error) also for "a format-0/1 ancestor of level 2..k-2 (2.3)"."""
    code, diags = diagnose(chain4([None, 1, None, None]), tmp_path, capsys)
    hits = [d for d in diags if d["code"] == "crycb-format-mismatch"]
    assert {d["guest"] for d in hits} == {"l4"}
    assert all(d["severity"] == "error" for d in hits)
    assert code == 1


# -- row 7: ids above 63 / 15 under the machine's own SIE with format 0/1 -------------------------
def fmt_l2(fmt, requests=()):
    """kvm1 (L2) of format `fmt` under lpar1 on an APXA machine, assigned ids beyond format 0/1."""
    return toml(host(5, 0x47, domains=85),
                [guest("lpar1", adapters=[5, 0x47], usage=[4, 0x10]),
                 guest("kvm1", "lpar1", adapters=[5, 0x47], usage=[4, 0x10], crycb_format=fmt)],
                requests)


@pytest.mark.parametrize("fmt", [0, 1])
@pytest.mark.parametrize("op", QUEUE_OPS)
def test_format_0_1_l2_ids_beyond_the_format_are_a_specification_exception(fmt, op):
    """Row 7, spec 4.1: an L2 of format 0/1 and q with APID > 63 or APQI > 15: `exception = "specification"`;
    4.5: "A program exception raised by the firmware itself ... costs `exception` alone"."""
    res = run(fmt_l2(fmt, [req("kvm1", op, "47.0004"), req("kvm1", op, "05.0010")]))
    for r in res:
        assert_answer(r, exception="specification", handled_by=FW, intercepts=[], cycles=EXCEPTION)


def test_firmware_specification_exceptions_count_in_the_firmware_lane():
    """Row 7, spec 4.5: such an exception "counts as an exception of the firmware lane"."""
    c = lane_counters(fmt_l2(1, [req("kvm1", "TAPQ", "47.0004"), req("kvm1", "NQAP", "05.0010"),
                                 req("kvm1", "TAPQ", "05.0004")]))
    assert c[(0, "firmware")].exceptions == 2
    assert sum(x.exceptions for x in c.values()) == 2


def test_format_1_l2_ids_within_the_format_answer_normally():
    """Row 7, spec 4.1: ids within 63 / 15 are not an exception: in hw rc 0x00."""
    (r,) = run(fmt_l2(1, [req("kvm1", "TAPQ", "05.0004")]))
    assert_answer(r, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_format_2_l2_ids_above_63_are_not_an_exception():
    """Row 7, spec 4.1: the exception is for format 0/1 only: a format-2 L2 gets the physical queue."""
    (r,) = run(fmt_l2(2, [req("kvm1", "TAPQ", "47.0010")]))
    assert_answer(r, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_l1_on_a_machine_without_apxa_ids_beyond_63_15_are_a_specification_exception():
    """Row 7, spec 4.1: "an L1 on a machine without APXA" and q with APID > 63 or APQI > 15 (assigned or not)."""
    t = toml(host(5, domains=32, apxa=False), [guest("lpar1", adapters=[5], usage=[4, 0x10])],
             [req("lpar1", "TAPQ", "05.0010"), req("lpar1", "TAPQ", "40.0004"), req("lpar1", "TAPQ", "05.0004")])
    d, a, ok = run(t)
    for r in (d, a):
        assert_answer(r, exception="specification", handled_by=FW, intercepts=[], cycles=EXCEPTION)
    assert_answer(ok, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_format_1_l3_ids_beyond_the_format_are_truncated_not_an_exception():
    """Row 7, spec 4.1: "Guests of level 3 and deeper run on a format-2 shadow: no such exception"; the ids were
    dropped by 2.1 step 3, so rc 0x01."""
    t = toml(host(5, 0x47, domains=85),
             [guest("lpar1", adapters=[5, 0x47], usage=[4, 0x10]),
              guest("kvm1", "lpar1", adapters=[5, 0x47], usage=[4, 0x10], crycb_format=1),
              guest("nested1", "kvm1", adapters=[5, 0x47], usage=[4, 0x10], crycb_format=1)],
             [req("nested1", "TAPQ", "47.0004"), req("nested1", "TAPQ", "05.0010"), req("nested1", "TAPQ", "05.0004")])
    a, d, ok = run(t)
    for r in (a, d):
        assert_answer(r, rc=0x01, handled_by=FW, intercepts=[], cycles=INTERPRET)
    assert_answer(ok, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


# -- row 12: beyond-crycb-format (warning) vs id-out-of-range (error) -------------------------------
def test_ids_the_format_cannot_hold_are_beyond_crycb_format(tmp_path, capsys):
    """Row 12, spec 7: `beyond-crycb-format` (warning): "an id within those limits that the guest's own CRYCB
    format cannot hold (format 0/1: APIDs > 63, domains > 15)"; not `id-out-of-range`."""
    t = toml(host(5, 6, 0x47, domains=85),
             [guest("lpar1", adapters=[5, 6, 0x47], usage=[4, 0x10, 0x47]),
              guest("kvm1", "lpar1", adapters=[5, 0x47], usage=[4], crycb_format=1),
              guest("kvm2", "lpar1", adapters=[6], usage=[4, 0x10, 0x47], crycb_format=0)])
    code, diags = diagnose(t, tmp_path, capsys)
    for g in ("kvm1", "kvm2"):
        hits = [d for d in diags if d["code"] == "beyond-crycb-format" and d["guest"] == g]
        assert hits and all(d["severity"] == "warning" for d in hits), g
        assert "id-out-of-range" not in codes_of(diags, g), g
    assert code == 0


def test_the_format_dropped_ids_are_not_in_the_guests_scan():
    """Row 12, spec 7: "the assignment is accepted and KVM silently drops it" (2.1 step 3)."""
    (scan,) = run(fmt_l2(1, [req("kvm1", "SCAN")]))
    assert [tuple(q) for q in scan.found] == [(5, 4)]


@pytest.mark.parametrize("machine,lpar1", [
    ({"domains": 85}, {"adapters": [5], "usage": [4, 0x60]}),             # domain 0x60 >= domains
    ({"domains": 16, "apxa": False}, {"adapters": [5, 0x47], "usage": [4]}),  # APID 0x47 > 63 without APXA
], ids=["domain-0x60-of-85", "apid-0x47-without-apxa"])
def test_ids_beyond_the_machine_are_id_out_of_range(tmp_path, capsys, machine, lpar1):
    """Row 12, spec 7: `id-out-of-range` (error) "for an L1 the machine (APXA: 255, else 63 / 15; domains below
    the host's `domains`)"; such an id is not `beyond-crycb-format` ("an id within those limits")."""
    t = toml(host(5, **machine), [guest("lpar1", **lpar1)])
    code, diags = diagnose(t, tmp_path, capsys)
    hits = [d for d in diags if d["code"] == "id-out-of-range" and d["guest"] == "lpar1"]
    assert hits and all(d["severity"] == "error" for d in hits)
    assert "beyond-crycb-format" not in codes_of(diags, "lpar1")
    assert code == 1


def test_l2_ids_beyond_the_parents_qci_limits_are_id_out_of_range(tmp_path, capsys):
    """Row 12, spec 7: `id-out-of-range` "deeper the parent's QCI limits": under an L1 of a machine without
    APXA the limits are 63 / 15."""
    t = toml(host(5, domains=16, apxa=False),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", adapters=[5, 0x47], usage=[4])])
    code, diags = diagnose(t, tmp_path, capsys)
    assert "id-out-of-range" in codes_of(diags, "kvm1")
    assert "beyond-crycb-format" not in codes_of(diags, "kvm1")
    assert code == 1
