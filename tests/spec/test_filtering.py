"""Spec 2.1: filtering a passthrough guest's matrix (steps 1-4); 2 (backends) for the emulated matrix."""

from ._h import FW, K, U, ad, assert_answer, guest, host, req, run, toml

TAPQ_FW = 1000  # interpreted: `interpret`
EMU_L2 = 3000 + 30000 + 5000  # L2 emulated by L1 user space (4.3, 4.5)


def found(r):
    return [f"{a:02x}.{d:04x}" for a, d in r.found]


# -- step 1: intersection with P.config -------------------------------------------------------
def test_step1_l1_against_the_physical_machine():
    # Host: adapters 5 and 6, domains 0..15. lpar1 asks for adapter 9 (absent) and domain 20 (absent).
    t = toml(host(5, 6, domains=16),
             [guest("lpar1", adapters=[5, 9], usage=[4, 20])],
             [req("lpar1", "SCAN"), req("lpar1", "TAPQ", "09.0004"), req("lpar1", "TAPQ", "05.0014"),
              req("lpar1", "TAPQ", "05.0004")])
    scan, a9, d20, ok = run(t)
    assert scan.ap_available is True
    assert found(scan) == ["05.0004"]
    assert_answer(a9, rc=0x01, cycles=TAPQ_FW)
    assert_answer(d20, rc=0x01, cycles=TAPQ_FW)
    assert_answer(ok, rc=0x00, cycles=TAPQ_FW)


def test_step1_l2_against_the_lpar_configuration():
    # lpar1 = {5,6} x {4,8}; kvm1 asks {5,6,7} x {4,9}: 7 and 9 are not in lpar1's configuration.
    t = toml(host(5, 6, 7),
             [guest("lpar1", adapters=[5, 6], usage=[4, 8]),
              guest("kvm1", "lpar1", adapters=[5, 6, 7], usage=[4, 9])],
             [req("kvm1", "SCAN"), req("kvm1", "TAPQ", "07.0004"), req("kvm1", "TAPQ", "05.0009"),
              req("kvm1", "TAPQ", "06.0004")])
    scan, a7, d9, ok = run(t)
    assert found(scan) == ["05.0004", "06.0004"]
    assert_answer(a7, rc=0x01, cycles=TAPQ_FW)
    assert_answer(d9, rc=0x01, cycles=TAPQ_FW)
    assert_answer(ok, rc=0x00, cycles=TAPQ_FW)


def test_step1_l3_against_the_effective_matrix_of_a_passthrough_parent():
    # Step 4: for a passthrough L2 P, P.config is hw(P) = {5} x {4,8}.
    t = toml(host(5, 6),
             [guest("lpar1", adapters=[5, 6], usage=[4, 8]),
              guest("kvm1", "lpar1", adapters=[5], usage=[4, 8]),
              guest("nested1", "kvm1", adapters=[5, 6], usage=[4, 8])],
             [req("nested1", "SCAN"), req("nested1", "TAPQ", "06.0004")])
    scan, a6 = run(t)
    assert found(scan) == ["05.0004", "05.0008"]
    assert_answer(a6, rc=0x01, cycles=TAPQ_FW)


# -- step 2: whole adapters dropped ------------------------------------------------------------
RESERVED_LPAR = guest("lpar1", adapters=[5, 6], usage=[4, 0x47], reserved={"adapters": [6], "domains": [0x47]})


def test_step2_reserved_apqn_drops_the_whole_adapter():
    # (6, 0x47) is reserved in lpar1 (adapter 6 AND domain 0x47): adapter 6 goes whole, so 06.0004
    # (not itself reserved) is lost too; adapter 5 keeps both domains.
    t = toml(host(5, 6),
             [RESERVED_LPAR, guest("kvm1", "lpar1", adapters=[5, 6], usage=[4, 0x47])],
             [req("kvm1", "SCAN"), req("kvm1", "TAPQ", "06.0004"), req("kvm1", "TAPQ", "05.0047")])
    scan, a6, d47 = run(t)
    assert found(scan) == ["05.0004", "05.0047"]
    assert_answer(a6, rc=0x01, handled_by=FW, cycles=TAPQ_FW)
    assert_answer(d47, rc=0x00, handled_by=FW, cycles=TAPQ_FW)


def test_step2_reserved_needs_adapter_and_domain():
    # kvm1 gets adapter 6 with domain 4 only: (6,4) is not reserved (domain 4 is not), 6 stays.
    # kvm2 gets adapter 5 with domain 0x47: (5,0x47) is not reserved (adapter 5 is not), 5 stays.
    t = toml(host(5, 6),
             [RESERVED_LPAR, guest("kvm1", "lpar1", adapters=[6], usage=[4]),
              guest("kvm2", "lpar1", adapters=[5], usage=[0x47])],
             [req("kvm1", "TAPQ", "06.0004"), req("kvm2", "TAPQ", "05.0047"), req("kvm1", "SCAN")])
    a6, a5, scan = run(t)
    assert_answer(a6, rc=0x00, cycles=TAPQ_FW)
    assert_answer(a5, rc=0x00, cycles=TAPQ_FW)
    assert found(scan) == ["06.0004"]


def test_step2_reserved_domain_outside_the_guests_aqm_does_not_drop():
    # "d in aqm": the reserved domain 0x47 is not in kvm1's aqm, so adapter 6 is kept.
    t = toml(host(5, 6),
             [RESERVED_LPAR, guest("kvm1", "lpar1", adapters=[5, 6], usage=[4])],
             [req("kvm1", "SCAN")])
    (scan,) = run(t)
    assert found(scan) == ["05.0004", "06.0004"]


def test_step2_legacy_adapters_dropped_for_l2():
    for legacy in ("CEX2", "CEX3"):
        t = toml(host(5, ad(7, type=legacy)),
                 [guest("lpar1", adapters=[5, 7], usage=[4]),
                  guest("kvm1", "lpar1", adapters=[5, 7], usage=[4])],
                 [req("kvm1", "SCAN"), req("kvm1", "TAPQ", "07.0004")])
        scan, a7 = run(t)
        assert found(scan) == ["05.0004"], legacy
        assert_answer(a7, rc=0x01, cycles=TAPQ_FW)


def test_step2_cex4_and_newer_are_kept():
    t = toml(host(ad(4, type="CEX4"), ad(5, type="CEX5"), ad(6, type="CEX6"), ad(7, type="CEX7"), ad(8, type="CEX8")),
             [guest("lpar1", adapters=[4, 5, 6, 7, 8], usage=[1]),
              guest("kvm1", "lpar1", adapters=[4, 5, 6, 7, 8], usage=[1])],
             [req("kvm1", "SCAN")])
    (scan,) = run(t)
    assert found(scan) == ["04.0001", "05.0001", "06.0001", "07.0001", "08.0001"]


def test_step2_legacy_adapter_kept_for_l1():
    # Step 2 applies "only when P is a guest": there is no vfio_ap between the machine and an LPAR.
    t = toml(host(5, ad(7, type="CEX3")),
             [guest("lpar1", adapters=[5, 7], usage=[4])],
             [req("lpar1", "SCAN"), req("lpar1", "TAPQ", "07.0004")])
    scan, a7 = run(t)
    assert found(scan) == ["05.0004", "07.0004"]  # v2 row 9
    assert_answer(a7, rc=0x00, cycles=TAPQ_FW)  # v2 row 9


# -- step 3: format width ---------------------------------------------------------------------
def _wide(fmt, requests=(req("kvm1", "SCAN"),)):
    return toml(host(5, 0x3F, 0x40, 0xC8, domains=256),
                [guest("lpar1", adapters=[5, 0x3F, 0x40, 0xC8], usage=[4, 0x0F, 0x10, 0xC8]),
                 guest("kvm1", "lpar1", adapters=[5, 0x3F, 0x40, 0xC8], usage=[4, 0x0F, 0x10, 0xC8], crycb_format=fmt)],
                requests)


def test_step3_format_0_and_1_keep_apids_0_63_domains_0_15():
    for fmt in (0, 1):
        (scan,) = run(_wide(fmt))
        assert found(scan) == ["05.0004", "05.000f", "3f.0004", "3f.000f"], fmt


def test_step3_format_2_keeps_0_255():
    (scan,) = run(_wide(2))
    assert found(scan) == [f"{a:02x}.{d:04x}" for a in (5, 0x3F, 0x40, 0xC8) for d in (4, 0x0F, 0x10, 0xC8)]


def test_step3_truncated_ids_of_a_format_1_l2_are_a_specification_exception():
    t = _wide(1, [req("kvm1", "TAPQ", q) for q in ("40.0004", "05.0010", "c8.00c8", "3f.000f")])
    a40, d10, big, ok = run(t)
    for r in (a40, d10, big):
        assert_answer(r, exception="specification", handled_by=FW, cycles=1000)  # v2 row 7: 4.1, `exception`
    assert_answer(ok, rc=0x00, handled_by=FW, cycles=TAPQ_FW)


# -- emulated matrix: step 1 and step 3, no step 2 (4.3) ---------------------------------------
def test_emulated_matrix_skips_step2_reserved():
    # 4.3: the emulated matrix is "after 2.1 step 1 against P.config, and step 3": no vfio_ap filtering.
    t = toml(host(5, 6),
             [RESERVED_LPAR, guest("kvm1", "lpar1", backend="emulated", adapters=[6], usage=[0x47])],
             [req("kvm1", "TAPQ", "06.0047"), req("kvm1", "SCAN")])
    r, scan = run(t)
    assert_answer(r, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=EMU_L2)
    assert found(scan) == ["06.0047"]


def test_emulated_matrix_step1_and_step3():
    t = toml(host(5, 6, 0x40, domains=85),
             [guest("lpar1", adapters=[5, 6, 0x40], usage=[4, 0x10]),
              guest("kvm1", "lpar1", backend="emulated", crycb_format=1, adapters=[5, 7, 0x40], usage=[4, 0x10, 0x20])],
             [req("kvm1", "SCAN"), req("kvm1", "TAPQ", "40.0004"), req("kvm1", "TAPQ", "07.0004"),
              req("kvm1", "TAPQ", "05.0010")])
    scan, a40, a7, d10 = run(t)
    assert scan.ap_available is True
    assert found(scan) == ["05.0004"]
    for r in (a40, a7, d10):
        assert_answer(r, rc=0x01, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=EMU_L2)


def test_step4_l3_under_emulated_l2_uses_the_emulated_matrix():
    # nested1 (emulated) under kvm1 (emulated): P.config is kvm1's emulated matrix {5} x {4}.
    t = toml(host(5, 6),
             [guest("lpar1", adapters=[5, 6], usage=[4, 8]),
              guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4]),
              guest("nested1", "kvm1", backend="emulated", adapters=[5, 6], usage=[4, 8])],
             [req("nested1", "SCAN"), req("nested1", "TAPQ", "06.0008")])
    scan, r = run(t)
    cyc = 3000 + 16000 + 30000 + 5000
    assert found(scan) == ["05.0004"]
    assert [s.cycles for s in scan.steps] == [cyc, cyc]
    assert_answer(r, rc=0x01, handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)], cycles=cyc)


def test_step4_l1_config_is_its_hw():
    # "for an L1, hw(L1) (its LPAR configuration as the machine has it)": adapter 9 of lpar1's matrix,
    # which the machine does not have, is not in an emulated L2's matrix.
    t = toml(host(5),
             [guest("lpar1", adapters=[5, 9], usage=[4]),
              guest("kvm1", "lpar1", backend="emulated", adapters=[9], usage=[4])],
             [req("kvm1", "TAPQ", "09.0004")])
    (r,) = run(t)
    assert_answer(r, rc=0x01, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=EMU_L2)  # v2 row 10


def test_emulated_matrix_keeps_legacy_adapters():
    # Step 2 (which drops adapters older than CEX4) is not applied to an emulated matrix (4.3).
    t = toml(host(5, ad(7, type="CEX3")),
             [guest("lpar1", adapters=[5, 7], usage=[4]),
              guest("kvm1", "lpar1", backend="emulated", adapters=[7], usage=[4])],
             [req("kvm1", "TAPQ", "07.0004")])
    (r,) = run(t)
    assert_answer(r, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=EMU_L2)


def test_step2_reserved_by_an_l2_parent_filters_its_l3():
    t = toml(host(5, 6),
             [guest("lpar1", adapters=[5, 6], usage=[4, 8]),
              guest("kvm1", "lpar1", adapters=[5, 6], usage=[4, 8], reserved={"adapters": [5], "domains": [8]}),
              guest("nested1", "kvm1", adapters=[5, 6], usage=[4, 8])],
             [req("nested1", "SCAN"), req("nested1", "TAPQ", "05.0004")])
    scan, r = run(t)
    assert found(scan) == ["06.0004", "06.0008"]
    assert_answer(r, rc=0x01, handled_by=FW, cycles=TAPQ_FW)
