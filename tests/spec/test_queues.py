"""Spec 5: queues (physical and emulated): status bits, NQAP/DQAP on the simulated clock, full,
resets, interrupts, QACT, broken adapters; 4.5 adapter processing times."""

import pytest

from ._h import FW, K, U, ad, assert_answer, bits, guest, host, req, run, toml

ALL = ["ap", "apqci", "apft", "apqi"]
L1 = "lpar1"
Q = "05.0001"


def lpar(*adapters, requests=(), costs=None, extra=()):
    ids = [a["id"] for a in adapters]
    return toml(host(*adapters, domains=16), [guest(L1, adapters=ids, usage=[1], features=ALL), *extra],
                requests, costs=costs)


def rcs(results):
    return [r.rc for r in results]


def test_tapq_on_an_empty_queue():
    (r,) = run(lpar(ad(5), requests=[req(L1, "TAPQ", Q)]))
    assert_answer(r, rc=0x00, handled_by=FW, cycles=1000)
    assert bits(r) == {"E"}


def test_nqap_reply_ready_after_processing_time_cca():
    # cca: 300 us. Each interpreted instruction takes 0.2 us.
    res = run(lpar(ad(5, mode="cca"), requests=[
        req(L1, "NQAP", Q),                # t=0.0
        req(L1, "TAPQ", Q),                # t=0.2: a request in flight, no reply yet
        req(L1, "DQAP", Q),                # t=0.4: none ready
        req(L1, "DQAP", Q, wait_us=299),   # t=299.6: still none
        req(L1, "TAPQ", Q, wait_us=1),     # t=300.8: reply waiting
        req(L1, "DQAP", Q),                # t=301.0: the reply
        req(L1, "TAPQ", Q),                # empty again
        req(L1, "DQAP", Q),                # nothing pending
    ]))
    nq, t1, d1, d2, t2, d3, t3, d4 = res
    assert_answer(nq, rc=0x00, cycles=1000)
    assert t1.rc == 0 and bits(t1) == set()
    assert_answer(d1, rc=0x10)
    assert_answer(d2, rc=0x10)
    assert t2.rc == 0 and bits(t2) == {"R"}
    assert_answer(d3, rc=0x00)
    assert t3.rc == 0 and bits(t3) == {"E"}
    assert_answer(d4, rc=0x10)


@pytest.mark.parametrize("mode,default_us", [("accel", 50), ("cca", 300), ("ep11", 500)])
@pytest.mark.parametrize("override", [False, True])
def test_processing_time_per_mode(mode, default_us, override):
    costs = {"accel_us": 10, "cca_us": 20, "ep11_us": 30} if override else None
    us = {"accel": 10, "cca": 20, "ep11": 30}[mode] if override else default_us
    res = run(lpar(ad(5, mode=mode), costs=costs, requests=[
        req(L1, "NQAP", Q),                    # t=0
        req(L1, "DQAP", Q, wait_us=us - 1),    # t=us-0.8: not ready
        req(L1, "DQAP", Q, wait_us=1),         # t=us+0.4: ready
    ]))
    assert rcs(res) == [0x00, 0x10, 0x00]


def test_processing_time_does_not_depend_on_clock_mhz():
    res = run(lpar(ad(5, mode="accel"), costs={"clock_mhz": 1000}, requests=[
        req(L1, "NQAP", Q),                 # t=0, 1 us
        req(L1, "DQAP", Q, wait_us=47),     # t=48
        req(L1, "DQAP", Q, wait_us=2),      # t=51
    ]))
    assert [r.time_us for r in res] == pytest.approx([0.0, 48.0, 51.0])
    assert rcs(res) == [0x00, 0x10, 0x00]


@pytest.mark.parametrize("depth", [1, 2, 16])
def test_queue_full(depth):
    res = run(lpar(ad(5, mode="accel", depth=depth), requests=[req(L1, "NQAP", Q, repeat=depth + 1),
                                                                req(L1, "TAPQ", Q)]))
    assert rcs(res[:-1]) == [0x00] * depth + [0x10]
    assert res[depth].cc == 3
    assert bits(res[-1]) == {"F"}


def test_dqap_frees_a_slot():
    res = run(lpar(ad(5, mode="cca", depth=1), requests=[
        req(L1, "NQAP", Q), req(L1, "NQAP", Q), req(L1, "DQAP", Q, wait_us=400), req(L1, "NQAP", Q)]))
    assert rcs(res) == [0x00, 0x10, 0x00, 0x00]


@pytest.mark.parametrize("op", ["RAPQ", "ZAPQ"])
def test_reset_empties_and_blocks_until_reset_us(op):
    res = run(lpar(ad(5, mode="cca"), requests=[
        req(L1, "NQAP", Q),                  # t=0, reply ready at 300
        req(L1, op, Q, wait_us=400),         # t=400.2
        req(L1, "TAPQ", Q),                  # t=400.4
        req(L1, "NQAP", Q),                  # t=400.6
        req(L1, "DQAP", Q),                  # t=400.8
        req(L1, "TAPQ", Q, wait_us=99),      # t=500.0 < 400.2 + 100 (+0.2)
        req(L1, "TAPQ", Q, wait_us=1),       # t=501.2: reset complete
        req(L1, "DQAP", Q),                  # the reply was dropped by the reset
    ]))
    nq, reset, t1, n1, d1, t2, t3, d2 = res
    assert_answer(reset, rc=0x00, handled_by=FW, cycles=1000)
    for r in (t1, n1, d1, t2):
        assert_answer(r, rc=0x02)
    assert_answer(t3, rc=0x00)
    assert bits(t3) == {"E"}
    assert_answer(d2, rc=0x10)


def test_reset_us_override():
    res = run(lpar(ad(5), costs={"reset_us": 1000}, requests=[
        req(L1, "RAPQ", Q), req(L1, "TAPQ", Q, wait_us=500), req(L1, "TAPQ", Q, wait_us=499),
        req(L1, "TAPQ", Q, wait_us=2)]))
    assert rcs(res) == [0x00, 0x02, 0x02, 0x00]


def test_aqic_sets_i_and_qact_answers_rc0():
    res = run(lpar(ad(5), requests=[req(L1, "TAPQ", Q), req(L1, "AQIC", Q), req(L1, "TAPQ", Q), req(L1, "QACT", Q)]))
    before, aqic, after, qact = res
    assert bits(before) == {"E"}
    assert_answer(aqic, rc=0x00, cycles=1000)
    assert bits(after) == {"E", "I"}
    assert_answer(qact, rc=0x00, handled_by=FW, cycles=1000)


def test_physical_queue_is_shared_by_every_level_that_reaches_it():
    t = toml(host(ad(5), domains=16),
             [guest(L1, adapters=[5], usage=[1]), guest("kvm1", L1, adapters=[5], usage=[1])],
             [req("kvm1", "NQAP", Q), req(L1, "TAPQ", Q)])
    nq, tapq = run(t)
    assert_answer(nq, rc=0x00, handled_by=FW)
    assert bits(tapq) == set()


# -- broken adapters ----------------------------------------------------------------------------
@pytest.mark.parametrize("state,rc", [("deconfigured", 0x03), ("checkstopped", 0x04)])
@pytest.mark.parametrize("op", ["TAPQ", "RAPQ", "ZAPQ", "AQIC", "QACT", "NQAP", "DQAP"])
def test_broken_adapter_every_instruction(state, rc, op):
    (r,) = run(lpar(ad(5), ad(8, state=state), requests=[req(L1, op, "08.0001")]))
    assert_answer(r, rc=rc, handled_by=FW, intercepts=[], cycles=1000)


@pytest.mark.parametrize("state,rc", [("deconfigured", 0x03), ("checkstopped", 0x04)])
def test_broken_adapter_seen_by_a_passthrough_l2(state, rc):
    t = toml(host(ad(5), ad(8, state=state), domains=16),
             [guest(L1, adapters=[5, 8], usage=[1]), guest("kvm1", L1, adapters=[5, 8], usage=[1])],
             [req("kvm1", "TAPQ", "08.0001"), req("kvm1", "SCAN")])
    tapq, scan = run(t)
    assert_answer(tapq, rc=rc, handled_by=FW, cycles=1000)
    assert [s.rc for s in scan.steps[1:]] == [0x00, rc]
    assert [tuple(x) for x in scan.found] == [(5, 1)]


# -- emulated queues -------------------------------------------------------------------------------
def emu(*adapters, l1_adapters=None, emu_adapters=(5,), requests=(), second=False):
    ids = [a["id"] for a in adapters] if l1_adapters is None else l1_adapters
    gs = [guest(L1, adapters=ids, usage=[1]),
          guest("kvm1", L1, backend="emulated", adapters=list(emu_adapters), usage=[1], features=ALL)]
    if second:
        gs.append(guest("kvm2", L1, backend="emulated", adapters=list(emu_adapters), usage=[1]))
    return toml(host(*adapters, domains=16), gs, requests)


EMU = 3000 + 30000 + 5000  # 7.6 us


def test_emulated_queue_is_separate_from_the_physical_queue():
    res = run(emu(ad(5), requests=[req("kvm1", "NQAP", Q), req(L1, "TAPQ", Q), req("kvm1", "TAPQ", Q),
                                    req(L1, "NQAP", Q), req("kvm1", "TAPQ", "05.0001")]))
    nq, ptapq, etapq, pnq, etapq2 = res
    assert_answer(nq, rc=0x00, handled_by=(1, U), intercepts=[(1, K), (1, U)], cycles=EMU)
    assert bits(ptapq) == {"E"}
    assert bits(etapq) == set()
    assert bits(etapq2) == set()


def test_each_emulated_guest_has_its_own_queues():
    res = run(emu(ad(5), second=True, requests=[req("kvm1", "NQAP", Q), req("kvm2", "TAPQ", Q), req("kvm1", "TAPQ", Q)]))
    _, other, own = res
    assert bits(other) == {"E"}
    assert bits(own) == set()


def test_emulated_queue_takes_depth_and_mode_of_the_host_adapter():
    # host adapter 5: cca (300 us), depth 2. NQAPs at 0, 7.6, 15.2.
    res = run(emu(ad(5, mode="cca", depth=2), requests=[req("kvm1", "NQAP", Q, repeat=3)]))
    assert rcs(res) == [0x00, 0x00, 0x10]
    # accel (50 us): NQAP at 0; DQAP at 47.6 (not ready), DQAP at 65.2 (ready).
    res = run(emu(ad(5, mode="accel", depth=16), requests=[
        req("kvm1", "NQAP", Q), req("kvm1", "DQAP", Q, wait_us=40), req("kvm1", "DQAP", Q, wait_us=10)]))
    assert [r.time_us for r in res] == pytest.approx([0.0, 47.6, 65.2])
    assert rcs(res) == [0x00, 0x10, 0x00]


def test_no_emulated_queue_for_an_adapter_the_machine_lacks():
    # lpar1's matrix has adapter 9, the machine has none: P.config = hw(lpar1) has no adapter 9 (2.1 step 4),
    # so kvm1's emulated device answers 0x01 for 09.0001.
    res = run(emu(ad(5), l1_adapters=[5, 9], emu_adapters=[9], requests=[
        req("kvm1", "NQAP", "09.0001", repeat=9),             # t = 0 .. 60.8, ends 68.4
        req("kvm1", "DQAP", "09.0001", wait_us=220),          # t = 288.4
        req("kvm1", "DQAP", "09.0001", wait_us=20)]))         # t = 316.0
    assert rcs(res) == [0x01] * 11  # v2 row 10
    assert res[-1].time_us == pytest.approx(316.0)


def test_emulated_reset():
    res = run(emu(ad(5), requests=[req("kvm1", "NQAP", Q), req("kvm1", "ZAPQ", Q), req("kvm1", "TAPQ", Q),
                                    req("kvm1", "TAPQ", Q, wait_us=100)]))
    assert rcs(res) == [0x00, 0x00, 0x02, 0x00]
    assert bits(res[-1]) == {"E"}
