"""Hypothesis strategies: random but valid scenarios (trees of any shape up to 4 guest levels)."""

import attrs
from hypothesis import strategies as st

from aptui.model import Adapter, Costs, Guest, Host, Policy, Request, Reserved, Scenario
from aptui.model.scenario import Change
from aptui.model.bounds import modes_of
from aptui.model.scenario import ADAPTER_TYPES, BACKENDS, FEATURES, OPS, STARTS, STATES, boot_masks

# A few ids around the interesting borders (format 0/1 limits 63/15, the top 255).
ADAPTER_IDS = st.sampled_from([0, 1, 5, 6, 7, 15, 16, 63, 64, 200, 255])
DOMAIN_IDS = st.sampled_from([0, 1, 4, 5, 15, 16, 0x47, 84, 85, 255])
ids = lambda pool: st.frozensets(pool, max_size=5)  # noqa: E731


@st.composite
def hosts(draw):
    chosen = draw(st.frozensets(ADAPTER_IDS, min_size=1, max_size=6))
    kinds = {a: draw(st.sampled_from(ADAPTER_TYPES)) for a in sorted(chosen)}
    adapters = tuple(
        Adapter(a, kind, draw(st.sampled_from(modes_of(kind))), draw(st.integers(1, 16)), draw(st.sampled_from(STATES)))
        for a, kind in kinds.items()
    )
    apxa = draw(st.booleans())
    return Host(apxa, adapters, draw(st.integers(1, 256)))


@st.composite
def scenarios(draw, max_guests: int = 8, max_requests: int = 8):
    host = draw(hosts())
    n = draw(st.integers(1, max_guests))
    guests: list[Guest] = []
    levels: dict[str, int] = {}
    for i in range(n):
        name = f"g{i}"
        candidates = ["host"] + [g.name for g in guests if levels[g.name] < 4]
        parent = draw(st.sampled_from(candidates))
        levels[name] = 1 if parent == "host" else levels[parent] + 1
        l1 = parent == "host"
        backend = "passthrough" if l1 else draw(st.sampled_from(BACKENDS))
        reserved = Reserved(draw(ids(ADAPTER_IDS)), draw(ids(DOMAIN_IDS)))
        persistent = draw(st.none() | st.builds(Reserved, ids(ADAPTER_IDS), ids(DOMAIN_IDS)))
        guests.append(Guest(
            name=name,
            parent=parent,
            backend=backend,
            adapters=draw(ids(ADAPTER_IDS)),
            usage_domains=draw(ids(DOMAIN_IDS)),
            control_domains=draw(ids(DOMAIN_IDS)),
            crycb_format=draw(st.none() | st.integers(0, 2)),
            apie=draw(st.none() | st.just(True)) if l1 else draw(st.none() | st.booleans()),
            features=draw(st.frozensets(st.sampled_from(FEATURES))),
            reserved=reserved,
            uuid=draw(st.none() | st.uuids().map(str)),
            persistent_reserved=boot_masks(reserved, persistent),
            start=draw(st.sampled_from(STARTS)) if not l1 and backend == "passthrough" else "auto",
        ))
    names = [g.name for g in guests]
    requests = []
    for _ in range(draw(st.integers(0, max_requests))):
        op = draw(st.sampled_from(OPS))
        apqn = None if op in ("QCI", "SCAN") else (draw(ADAPTER_IDS), draw(DOMAIN_IDS))
        requests.append(Request(draw(st.sampled_from(names)), op, apqn, draw(st.integers(1, 3)),
                                draw(st.sampled_from([0, 0, 50, 100.5, 300]))))
    busy = {r.guest for r in requests} | {g.parent for g in guests}  # an inactive mdev's guest runs nothing
    guests = [attrs.evolve(g, active=False)
              if g.name not in busy and g.parent != "host" and g.backend == "passthrough" and draw(st.booleans())
              else g for g in guests]
    costs = draw(st.just(Costs()) | st.builds(Costs, interpret=st.integers(0, 5000), clock_mhz=st.integers(1, 9000),
                                             cca_us=st.sampled_from([0, 1.5, 300])))
    name = draw(st.text(min_size=1, max_size=12).filter(lambda s: s.strip()))
    description = draw(st.text(max_size=40))
    return Scenario(name, description, host, tuple(guests), tuple(requests),
                    Policy(draw(st.booleans())), costs, draw(changes(guests)))


def changes(guests: list[Guest], max_changes: int = 3):
    """[[change]]s of the guests that have an mdev (passthrough below an L1), at times that fall
    before, between and after requests."""
    mdevs = [g.name for g in guests if g.parent != "host" and g.backend == "passthrough" and g.active]
    if not mdevs:
        return st.just(())
    one = st.builds(Change, st.sampled_from(mdevs), st.sampled_from([0, 0.4, 1, 37, 100.5, 300, 2000]),
                    st.none() | ids(ADAPTER_IDS), st.none() | ids(DOMAIN_IDS), st.none() | ids(DOMAIN_IDS))
    one = one.filter(lambda c: c.adapters is not None or c.usage_domains is not None or c.control_domains is not None)
    return st.lists(one, max_size=max_changes).map(tuple)


@st.composite
def busy_scenarios(draw):
    """Scenarios that keep queues busy: long repeats of queue ops, mostly on APQNs the guests
    hold, waits that let replies ripen and resets end, and clocks whose ticks are fractions or
    beyond 2**53 (where adding cycles rounds)."""
    s = draw(scenarios(max_requests=0))  # its changes fall among the busy requests
    held = sorted({(a, d) for g in s.guests for a in g.adapters for d in g.usage_domains}) or [(5, 4)]
    apqns = st.sampled_from(held) | st.tuples(ADAPTER_IDS, DOMAIN_IDS)
    queue_ops = st.sampled_from(("TAPQ", "NQAP", "DQAP", "RAPQ", "ZAPQ", "AQIC", "QACT"))
    requests = []
    for _ in range(draw(st.integers(0, 12))):
        op = draw(queue_ops | st.sampled_from(OPS))
        apqn = None if op in ("QCI", "SCAN") else draw(apqns)
        repeat = draw(st.integers(1, 40) | st.sampled_from([1, 1, 300]))
        wait = draw(st.sampled_from([0, 0, 0, 0.1, 0.5, 37, 100.5, 300, 2000, 1e11]))
        requests.append(Request(draw(st.sampled_from([g.name for g in s.guests])), op, apqn, repeat, wait))
        for _ in range(draw(st.sampled_from([0, 0, 1, 3]))):  # the same instruction again: one segment runs on
            requests.append(attrs.evolve(requests[-1], repeat=draw(st.integers(1, 40)),
                                         wait_us=draw(st.sampled_from([0, 0, 0, 0.5]))))
    cycles = st.sampled_from([0, 1, 999, 1000, 1234, 3 * 2**40])
    costs = draw(st.builds(Costs, interpret=cycles, sie_exit=cycles, exception=cycles,
                           clock_mhz=st.sampled_from([1, 3, 5000, 7777, 10**6]),
                           cca_us=st.sampled_from([0, 1.5, 0.3, 300]), accel_us=st.sampled_from([0.1, 50]),
                           reset_us=st.sampled_from([0, 0.7, 100])))
    return attrs.evolve(s, requests=tuple(requests), costs=costs)
