"""Spec 6: SCAN = QCI, then TAPQ on every APQN of the answer in APID then APQI order."""

from ._h import FW, K, U, ad, assert_answer, guest, host, req, run, toml


def apqns(xs):
    return [f"{a:02x}.{d:04x}" for a, d in xs]


def test_scan_order_and_steps():
    t = toml(host(6, 5, 0x20, domains=85),
             [guest("lpar1", adapters=[0x20, 6, 5], usage=[0x40, 8, 4])],
             [req("lpar1", "SCAN")])
    (scan,) = run(t)
    order = [f"{a:02x}.{d:04x}" for a in (5, 6, 0x20) for d in (4, 8, 0x40)]
    assert scan.op == "SCAN"
    assert scan.ap_available is True
    assert [s.op for s in scan.steps] == ["QCI"] + ["TAPQ"] * 9
    assert scan.steps[0].apqn is None
    assert apqns(s.apqn for s in scan.steps[1:]) == order
    assert apqns(scan.found) == order
    for s in scan.steps:
        assert_answer(s, rc=0x00, handled_by=FW, intercepts=[], cycles=1000)


def test_found_is_only_rc0():
    t = toml(host(5, ad(6, state="deconfigured"), ad(7, state="checkstopped"), 8, domains=16),
             [guest("lpar1", adapters=[5, 6, 7, 8], usage=[1])],
             [req("lpar1", "RAPQ", "08.0001"), req("lpar1", "SCAN")])
    _, scan = run(t)
    # 08.0001 is still resetting (100 us) when the SCAN's TAPQ reaches it: rc 0x02.
    assert [s.rc for s in scan.steps] == [0x00, 0x00, 0x03, 0x04, 0x02]
    assert apqns(scan.found) == ["05.0001"]
    assert scan.ap_available is True


def test_empty_configuration():
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[]), guest("kvm1", "lpar1", adapters=[6], usage=[4])],
             [req("lpar1", "SCAN"), req("kvm1", "SCAN")])
    for scan in run(t):
        assert scan.ap_available is True
        assert scan.found == []
        assert [s.op for s in scan.steps] == ["QCI"]


def test_qci_exception_no_ap():
    # 2018: nested1's QCI is an operation exception in kvm1's user space: "L3 sees no device".
    t = toml(host(5),
             [guest("lpar1", adapters=[5], usage=[4]),
              guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4]),
              guest("nested1", "kvm1", adapters=[5], usage=[4])],
             [req("nested1", "SCAN"), req("kvm1", "SCAN")])
    l3, l2 = run(t)
    assert l3.ap_available is False
    assert l3.found == []
    assert [s.op for s in l3.steps] == ["QCI"]
    assert_answer(l3.steps[0], exception="operation", handled_by=(2, U), intercepts=[(1, K), (2, K), (2, U)],
                  cycles=50000)
    # kvm1's emulated QCI answers its emulated matrix: the SCAN finds the emulated queue.
    assert l2.ap_available is True
    assert apqns(l2.found) == ["05.0004"]
    assert [s.op for s in l2.steps] == ["QCI", "TAPQ"]
    for s in l2.steps:
        assert_answer(s, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=38000)


def test_scan_of_l2_without_ap_feature():
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4]),
                       guest("kvm1", "lpar1", adapters=[5], usage=[4], features=["apqci", "apft"])],
             [req("kvm1", "SCAN")])
    (scan,) = run(t)
    assert scan.ap_available is False and scan.found == []


def test_scan_counts_one_result_per_request():
    t = toml(host(5, 6), [guest("lpar1", adapters=[5, 6], usage=[4])],
             [req("lpar1", "SCAN", repeat=2), req("lpar1", "TAPQ", "05.0004")])
    res = run(t)
    assert [r.op for r in res] == ["SCAN", "SCAN", "TAPQ"]
    assert [len(r.steps) for r in res[:2]] == [3, 3]
