"""Spec 3: crycb, hw (the effective matrix), the APIE chain and interpreted QCI; the `apie` override (2)."""

from ._h import FW, K, U, assert_answer, guest, host, req, run, toml

ALL = ["ap", "apqci", "apft", "apqi"]


def found(r):
    return [f"{a:02x}.{d:04x}" for a, d in r.found]


def test_qci_interpreted_returns_hw_intersection_down_the_chain():
    # lpar1 {5,6,7}x{4,8,9}; kvm1 {5,6}x{4,8}; nested1 {5,6,7}x{4,8,9} -> hw(nested1) = {5,6}x{4,8};
    # L4 deep1 {6,7}x{8,9} -> {6}x{8}.
    t = toml(host(5, 6, 7),
             [guest("lpar1", adapters=[5, 6, 7], usage=[4, 8, 9]),
              guest("kvm1", "lpar1", adapters=[5, 6], usage=[4, 8]),
              guest("nested1", "kvm1", adapters=[5, 6, 7], usage=[4, 8, 9]),
              guest("deep1", "nested1", adapters=[6, 7], usage=[8, 9])],
             [req("lpar1", "SCAN"), req("kvm1", "SCAN"), req("nested1", "SCAN"), req("deep1", "SCAN"),
              req("deep1", "TAPQ", "06.0008"), req("deep1", "TAPQ", "07.0009")])
    s1, s2, s3, s4, ok, no = run(t)
    assert found(s1) == [f"{a:02x}.{d:04x}" for a in (5, 6, 7) for d in (4, 8, 9)]
    assert found(s2) == ["05.0004", "05.0008", "06.0004", "06.0008"]
    assert found(s3) == ["05.0004", "05.0008", "06.0004", "06.0008"]
    assert found(s4) == ["06.0008"]
    for s in (s1, s2, s3, s4):
        qci = s.steps[0]
        assert qci.op == "QCI"
        assert_answer(qci, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)
    assert_answer(ok, rc=0x00, handled_by=FW, cycles=1000)
    assert_answer(no, rc=0x01, handled_by=FW, cycles=1000)


def test_apie_false_on_passthrough_l2_everything_intercepted():
    t = toml(host(5),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", adapters=[5], usage=[4], apie=False, features=ALL)],
             [req("kvm1", "TAPQ", "05.0004"), req("kvm1", "AQIC", "05.0004"), req("kvm1", "SCAN")])
    tapq, aqic, scan = run(t)
    # 4.3: not emulated -> operation exception in L1 user space: 2000+1000+30000+1000.
    for r in (tapq, aqic):
        assert_answer(r, exception="operation", handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=34000)
    assert scan.ap_available is False and scan.found == []


def test_child_of_apie_false_parent_has_chain_off():
    # nested1 has APIE on, but apie_chain(nested1) = on AND off = off: intercepted to kvm1's user space.
    t = toml(host(5),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", adapters=[5], usage=[4], apie=False),
              guest("nested1", "kvm1", adapters=[5], usage=[4], features=ALL)],
             [req("nested1", "TAPQ", "05.0004"), req("nested1", "AQIC", "05.0004")])
    tapq, aqic = run(t)
    assert_answer(tapq, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                  cycles=3000 + 16000 + 30000 + 1000)
    # v2 row 6: the AQIC is checked against nested1's own APIE (4.2): no facility 65 below L1.
    assert_answer(aqic, exception="specification", handled_by=(2, K), intercepts=[(1, K), (2, K)],
                  cycles=3000 + 16000 + 1000)


def test_emulated_with_apie_true_interprets_against_an_empty_crycb():
    # crycb is empty when the guest is not passthrough, so hw is empty: firmware answers 0x01,
    # and QCI returns the empty matrix (ap_available, nothing found).
    t = toml(host(5),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", backend="emulated", apie=True, adapters=[5], usage=[4]),
              guest("nested1", "kvm1", adapters=[5], usage=[4])],
             [req("kvm1", "TAPQ", "05.0004"), req("kvm1", "NQAP", "05.0004"), req("kvm1", "SCAN"),
              req("nested1", "TAPQ", "05.0004"), req("nested1", "SCAN")])
    t1, n1, s1, t2, s2 = run(t)
    for r in (t1, n1, t2):
        assert_answer(r, rc=0x01, handled_by=FW, intercepts=[], cycles=1000)
    for s in (s1, s2):
        assert s.ap_available is True and s.found == []
        assert [x.op for x in s.steps] == ["QCI"]
        assert_answer(s.steps[0], rc=0x00, handled_by=FW, cycles=1000)


def test_backend_none_with_apie_true_interprets_against_an_empty_crycb():
    t = toml(host(5),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", backend="none", apie=True, adapters=[5], usage=[4])],
             [req("kvm1", "TAPQ", "05.0004")])
    (r,) = run(t)
    assert_answer(r, rc=0x01, handled_by=FW, intercepts=[], cycles=1000)


def test_backend_none_default_apie_on():
    t = toml(host(5),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", backend="none", adapters=[5], usage=[4])],
             [req("kvm1", "TAPQ", "05.0004"), req("kvm1", "QCI")])
    tapq, qci = run(t)
    assert_answer(tapq, rc=0x01, handled_by=FW, intercepts=[], cycles=1000)  # v2 row 1
    assert_answer(qci, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)  # v2 row 1: an empty configuration


def test_apie_true_explicit_on_passthrough_is_the_default():
    t = toml(host(5),
             [guest("lpar1", adapters=[5], usage=[4], apie=True),
              guest("kvm1", "lpar1", adapters=[5], usage=[4], apie=True)],
             [req("kvm1", "TAPQ", "05.0004"), req("lpar1", "TAPQ", "05.0004")])
    for r in run(t):
        assert_answer(r, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)


def test_four_levels_all_passthrough_interpreted():
    t = toml(host(5, 6),
             [guest("l1", adapters=[5, 6], usage=[4]),
              guest("l2", "l1", adapters=[5, 6], usage=[4]),
              guest("l3", "l2", adapters=[5, 6], usage=[4]),
              guest("l4", "l3", adapters=[5], usage=[4])],
             [req("l4", "TAPQ", "05.0004"), req("l4", "TAPQ", "06.0004"), req("l4", "NQAP", "05.0004")])
    ok, no, nq = run(t)
    assert ok.level == 4
    assert_answer(ok, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)
    assert_answer(no, rc=0x01, handled_by=FW, intercepts=[], cycles=1000)
    assert_answer(nq, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)


def test_four_levels_apie_off_at_l3():
    t = toml(host(5),
             [guest("l1", adapters=[5], usage=[4]),
              guest("l2", "l1", adapters=[5], usage=[4]),
              guest("l3", "l2", adapters=[5], usage=[4], apie=False),
              guest("l4", "l3", adapters=[5], usage=[4])],
             [req("l4", "TAPQ", "05.0004"), req("l3", "TAPQ", "05.0004")])
    l4, l3 = run(t)
    assert_answer(l4, exception="operation", handled_by=(3, U), intercepts=[(1, K), (2, K), (3, K), (3, U)],
                  cycles=3000 + 2 * 16000 + 30000 + 1000)
    assert_answer(l3, exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                  cycles=3000 + 16000 + 30000 + 1000)
