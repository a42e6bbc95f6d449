"""Spec version 2, rows 9, 10 and 13: no vfio_ap filtering for an L1, `P.config` of an L1 is `hw(L1)`, and the
AP bus of a guest without `apqci` (sections 2.1, 4.3, 6)."""

import pytest

from ._h import (EMULATE, EXCEPTION, FIRST_KERNEL, FW, INTERPRET, K, U, USERSPACE_EXIT, ad, assert_answer, codes_of,
                 diagnose, guest, handled, host, req, run, toml)

EMULATED_L2 = FIRST_KERNEL + USERSPACE_EXIT + EMULATE  # 38000
PROBE = [(a, d) for a in range(64) for d in range(16)]  # 00.0000 .. 3f.000f, APID then APQI


def found(r):
    return [tuple(q) for q in r.found]


# -- row 9: step 2 of 2.1 is not applied to an L1 ------------------------------------------------------
LEGACY = host(5, ad(7, type="CEX3"), ad(8, type="CEX2"))


def test_l1_keeps_its_legacy_adapters():
    """Row 9, spec 2.1 step 2: "Only when P is a guest (G is of level 2 or deeper; there is no vfio_ap between
    the machine and an LPAR)": an L1 gets its CEX2/CEX3 adapters; the physical queue answers."""
    t = toml(LEGACY, [guest("lpar1", adapters=[5, 7, 8], usage=[4])],
             [req("lpar1", "SCAN"), req("lpar1", "TAPQ", "07.0004"), req("lpar1", "TAPQ", "08.0004")])
    scan, cex3, cex2 = run(t)
    assert found(scan) == [(5, 4), (7, 4), (8, 4)]
    for r in (cex3, cex2):
        assert_answer(r, rc=0x00, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_l2_under_that_l1_loses_the_legacy_adapters(tmp_path, capsys):
    """Row 9, spec 2.1 step 2: for an L2 an adapter "of an adapter type older than CEX4" goes whole
    (`adapter-filtered`, 7), for the L2 only."""
    t = toml(LEGACY, [guest("lpar1", adapters=[5, 7, 8], usage=[4]),
                      guest("kvm1", "lpar1", adapters=[5, 7, 8], usage=[4])],
             [req("kvm1", "SCAN"), req("kvm1", "TAPQ", "07.0004")])
    scan, cex3 = run(t)
    assert found(scan) == [(5, 4)]
    assert_answer(cex3, rc=0x01, handled_by=FW, intercepts=[], cycles=INTERPRET)
    code, diags = diagnose(t, tmp_path, capsys)
    assert "adapter-filtered" in codes_of(diags, "kvm1")
    assert "adapter-filtered" not in codes_of(diags, "lpar1")
    assert code == 0


def test_l1_keeps_the_apqns_it_reserves_for_its_own_drivers():
    """Row 9, spec 2.1 step 2: reservations are P's ("reserved for P's own host drivers"): an L1's own
    `reserved` filters its guests, not the L1 itself."""
    t = toml(host(5, 6), [guest("lpar1", adapters=[5, 6], usage=[4], reserved={"adapters": [6], "domains": [4]}),
                          guest("kvm1", "lpar1", adapters=[5, 6], usage=[4])],
             [req("lpar1", "SCAN"), req("kvm1", "SCAN")])
    l1, l2 = run(t)
    assert found(l1) == [(5, 4), (6, 4)]
    assert found(l2) == [(5, 4)]


# -- row 10: P.config of an L1 is hw(L1) --------------------------------------------------------------
def over_lpar(*kvms, requests=()):
    """lpar1 lists adapter 9, which the machine does not have."""
    return toml(host(5), [guest("lpar1", adapters=[5, 9], usage=[4]), *kvms], requests)


def test_passthrough_l2_given_an_adapter_the_machine_lacks_is_not_in_parent(tmp_path, capsys):
    """Row 10, spec 2.1 step 4: "for an L1, `hw(L1)` (its LPAR configuration as the machine has it)"; 7:
    `not-in-parent` (warning): "matrix entries the parent does not have"."""
    t = over_lpar(guest("kvm1", "lpar1", adapters=[9], usage=[4]))
    code, diags = diagnose(t, tmp_path, capsys)
    hits = [d for d in diags if d["code"] == "not-in-parent" and d["guest"] == "kvm1"]
    assert hits and all(d["severity"] == "warning" for d in hits)
    assert code == 0


def test_emulated_l2_does_not_get_an_adapter_the_machine_lacks():
    """Row 10, spec 4.3: the emulated device answers for "q in G's matrix (after 2.1 step 1 against P.config,
    and step 3)", else rc 0x01; P.config of an L1 is hw(L1), which has no adapter 9."""
    t = over_lpar(guest("kvm1", "lpar1", backend="emulated", adapters=[5, 9], usage=[4]),
                  requests=[req("kvm1", "TAPQ", "09.0004"), req("kvm1", "TAPQ", "05.0004"), req("kvm1", "SCAN")])
    a9, a5, scan = run(t)
    assert_answer(a9, rc=0x01, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=EMULATED_L2)
    assert_answer(a5, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=EMULATED_L2)
    assert scan.ap_available is True and found(scan) == [(5, 4)]


def test_emulated_l2_under_a_format_1_l1_gets_only_what_hw_l1_holds():
    """Row 10, spec 2.1 step 4 with step 3: hw(L1) of a format-1 L1 (machine without APXA) has no domain above
    15, so an emulated L2 of format 2 cannot be given domain 0x10 of the LPAR's written matrix."""
    t = toml(host(5, domains=32, apxa=False),
             [guest("lpar1", adapters=[5], usage=[4, 0x10]),
              guest("kvm1", "lpar1", backend="emulated", crycb_format=2, adapters=[5], usage=[4, 0x10])],
             [req("kvm1", "SCAN")])
    (scan,) = run(t)
    assert found(scan) == [(5, 4)]


# -- row 13: no apqci: the AP bus probes 00.0000 .. 3f.000f by TAPQ --------------------------------------
def probe_l1(features=("ap", "apft"), requests=(req("lpar1", "SCAN"),)):
    return toml(host(5, 0x40, domains=85),
                [guest("lpar1", adapters=[5, 0x40], usage=[4, 0x10], features=list(features))], list(requests))


def test_scan_without_apqci_probes_every_apqn_up_to_3f_000f():
    """Row 13, spec 6: "A guest without `apqci` has no QCI: its AP bus probes every APQN from 00.0000 to 3f.000f
    (APID 0..63 x APQI 0..15 ...) with TAPQ, in that order"; `found`: the APQNs whose TAPQ gave rc 0x00 (so
    40.0004 and 05.0010, beyond the probe, are not found)."""
    (scan,) = run(probe_l1())
    assert scan.op == "SCAN" and scan.ap_available is True
    assert len(scan.steps) == 1024
    assert {s.op for s in scan.steps} == {"TAPQ"}
    assert [s.apqn for s in scan.steps] == PROBE
    assert found(scan) == [(5, 4)]
    for s in scan.steps:
        assert_answer(s, rc=0x00 if tuple(s.apqn) == (5, 4) else 0x01, handled_by=FW, intercepts=[], cycles=INTERPRET)


def test_scan_without_apqci_advances_the_clock_by_every_probe():
    """Row 13, spec 4.5: each of the 1024 TAPQs costs `interpret`: 1024 x 1000 / 5000 = 204.8 us."""
    scan, after = run(probe_l1(requests=[req("lpar1", "SCAN"), req("lpar1", "TAPQ", "05.0004")]))
    assert after.time_us == pytest.approx(204.8)


def test_scan_without_apqci_of_a_passthrough_l2():
    """Row 13, spec 6: the same probe from an L2; it finds its hw."""
    t = toml(host(5, 6), [guest("lpar1", adapters=[5, 6], usage=[4, 8]),
                          guest("kvm1", "lpar1", adapters=[5, 6], usage=[4], features=["ap", "apft"])],
             [req("kvm1", "SCAN")])
    (scan,) = run(t)
    assert len(scan.steps) == 1024 and scan.steps[0].op == "TAPQ"
    assert scan.ap_available is True and found(scan) == [(5, 4), (6, 4)]


def test_scan_without_apqci_of_an_emulated_l2_probes_through_user_space():
    """Row 13 with 4.3: every probe of an emulated guest is emulated by its parent's user space."""
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4], features=["ap", "apft"])],
             [req("kvm1", "SCAN")])
    (scan,) = run(t)
    assert len(scan.steps) == 1024 and found(scan) == [(5, 4)]
    assert {(s.cycles, handled(s)) for s in scan.steps} == {(EMULATED_L2, (1, U))}


def test_scan_without_apqci_where_every_probe_is_rc01_still_has_ap():
    """Row 13, spec 6: "`ap_available` is then false only when the first TAPQ raised an exception": a `none`
    guest (every APQN rc 0x01, row 1) has AP available and finds nothing."""
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", backend="none", adapters=[5], usage=[4], features=["ap", "apft"])],
             [req("kvm1", "SCAN")])
    (scan,) = run(t)
    assert scan.ap_available is True and found(scan) == []
    assert scan.steps[0].op == "TAPQ" and scan.steps[0].rc == 0x01


def test_scan_without_apqci_and_without_ap_has_no_ap():
    """Row 13, spec 6: the first TAPQ (00.0000) raises an exception (a guest without AP, 2): `ap_available`
    false, nothing found."""
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", adapters=[5], usage=[4], features=[])],
             [req("kvm1", "SCAN")])
    (scan,) = run(t)
    assert scan.ap_available is False and found(scan) == []
    first = scan.steps[0]
    assert (first.op, first.apqn) == ("TAPQ", (0, 0))
    assert_answer(first, exception="operation", handled_by=(1, U), intercepts=[(1, K), (1, U)],
                  cycles=FIRST_KERNEL + USERSPACE_EXIT + EXCEPTION)


@pytest.mark.parametrize("fmt", [0, 1])
def test_scan_without_apqci_of_a_format_0_1_l2_raises_no_specification_exception(fmt):
    """Row 13 with row 7: the probe stays within 63 / 15, the limits of format 0/1 (4.1), so no probe raises
    a specification exception."""
    t = toml(host(5, 0x40, domains=85),
             [guest("lpar1", adapters=[5, 0x40], usage=[4, 0x10]),
              guest("kvm1", "lpar1", adapters=[5, 0x40], usage=[4, 0x10], crycb_format=fmt, features=["ap", "apft"])],
             [req("kvm1", "SCAN")])
    (scan,) = run(t)
    assert all(s.exception is None for s in scan.steps)
    assert found(scan) == [(5, 4)]


def test_scan_with_apqci_still_starts_with_qci():
    """Row 13, spec 6: with `apqci` (a default feature, 8) SCAN = QCI, then TAPQ on the QCI answer only."""
    (scan,) = run(probe_l1(features=("ap", "apqci", "apft")))
    assert [s.op for s in scan.steps] == ["QCI"] + ["TAPQ"] * 4
    assert found(scan) == [(5, 4), (5, 0x10), (0x40, 4), (0x40, 0x10)]
