"""Invariants over random scenarios: masks only narrow down the tree, the file's guest order
does not matter, load -> save -> load is identity."""

import asyncio
import random

import attrs
from hypothesis import given
from hypothesis import strategies as st

from aptui.engine import Engine
from aptui.formats.output import results as out
from aptui.formats.scenario import file as sf
from aptui.model import HOST, Topology, check
from aptui.model.matrix import Matrix
from aptui.model.routing import compute_route
from aptui.model.vfio_ap import shares_queues, sharing
from aptui.model.vocabulary import Outcome

from .strategies import scenarios


@given(scenarios())
def test_hw_is_within_the_parents_hw(s):
    topo = Topology(s)
    for name, v in topo.views.items():
        assert v.hw.within(v.crycb)
        if v.guest.parent != HOST:
            assert v.hw.within(topo.view(v.guest.parent).hw)
        assert v.filtered.within(v.assigned) and v.assigned.within(v.guest.matrix)
        if v.emulated is not None:
            assert v.emulated.within(v.parent_config)


@given(scenarios())
def test_hw_never_grows_down_the_tree(s):
    """Nothing is ever added on the way down: hw(G) within hw(parent), at every depth."""
    topo = Topology(s)
    for name in topo.walk():
        for ancestor in topo.chain(name)[:-1]:
            assert topo.view(name).hw.within(topo.view(ancestor).hw)


@given(scenarios())
def test_no_interpreted_answer_below_a_guest_without_ap(s):
    """Spec 2 (v2 row 2): below a guest without AP, nothing gets AP: no queue ever answers."""
    topo = Topology(s)
    apqns = [(a.id, d) for a in s.host.adapters for d in range(min(s.host.domains, 4))]
    for name in topo.walk():
        if not any(not topo.view(n).has_ap for n in topo.chain(name)[:-1]):
            continue
        v = topo.view(name)
        assert not v.has_ap and not v.hw.apm and not v.apie_chain
        for op in ("TAPQ", "NQAP", "AQIC"):
            for q in apqns:
                route = compute_route(topo, s.costs, s.policy, name, op, q)
                assert route.outcome not in (Outcome.PHYSICAL, Outcome.IRQ, Outcome.EMULATED), (name, op, q)


@given(scenarios())
def test_nothing_beyond_the_format_reaches_firmware(s):
    for v in Topology(s).views.values():
        if v.crycb_format in (0, 1):
            assert all(a < 64 for a in v.hw.adapters) and all(d < 16 for d in v.hw.usage_domains)


@given(scenarios())
def test_apie_chain_needs_every_ancestor(s):
    topo = Topology(s)
    for name, v in topo.views.items():
        assert v.apie_chain == all(topo.view(n).apie for n in topo.chain(name))


def _run(s):
    engine = Engine(s)
    asyncio.run(engine.run_to_end())
    return [out.result_json(r) for r in engine.results], engine.counters()


@given(scenarios(), st.randoms())
def test_results_do_not_depend_on_guest_order(s, rnd):
    guests = list(s.guests)
    rnd.shuffle(guests)
    shuffled = attrs.evolve(s, guests=tuple(guests))
    assert _run(s) == _run(shuffled)
    assert check(s) == check(shuffled)


@given(scenarios())
def test_runs_are_deterministic_and_stepping_gives_the_same_results(s):
    first = _run(s)
    assert _run(s) == first

    def stepped():
        engine = Engine(s)
        events = []
        engine.subscribe(events.append)
        while engine.step_transition().reason != "end":
            pass
        return [out.result_json(r) for r in engine.results], engine.counters(), events

    results, counters, events = stepped()
    assert (results, counters) == first
    # every instruction is issued, travels its hops and is answered
    assert sum(e.kind == "issue" for e in events) == sum(e.kind == "answer" for e in events)


@given(scenarios())
def test_scenario_load_save_load_is_identity(s):
    text = sf.dumps(s)
    loaded = sf.loads(text, "x.toml")
    assert loaded == s
    assert sf.dumps(loaded) == text


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    s = sf.loads('format = 1\nname = "a"\n[[guest]]\nname = "l1"\nadapters = [1]\n')
    target = tmp_path / "s.toml"
    target.write_text("old contents\n")

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(sf.os, "replace", broken)
    try:
        sf.save(s, target)
    except OSError:
        pass
    assert target.read_text() == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]  # no temporary file left behind
    monkeypatch.undo()
    sf.save(s, target)
    assert sf.load(target) == attrs.evolve(s, name="a")


def test_random_order_of_guest_tables_in_the_file(tmp_path):
    """The same tree written with children before parents loads to the same topology."""
    from aptui import demos

    s = sf.loads(demos.text("passthrough"))
    guests = list(s.guests)
    random.Random(4).shuffle(guests)
    r = sf.loads(sf.dumps(attrs.evolve(s, guests=tuple(guests))))
    assert Topology(r).walk() == Topology(s).walk()


@given(scenarios())
def test_key_lines_point_at_the_keys(s):
    from aptui.formats.scenario.toml_lines import key_lines

    text = sf.dumps(s)
    lines = text.split("\n")  # TOML's only newline (str.splitlines would also split at U+0085)
    found = key_lines(text)
    for i, g in enumerate(s.guests):
        assert lines[found[("guest", i, "name")] - 1].startswith("name = ")
        assert lines[found[("guest", i, "adapters")] - 1].startswith("adapters = ")
    for i, _ in enumerate(s.requests):
        assert lines[found[("request", i, "op")] - 1].startswith("op = ")
    for j, a in enumerate(s.host.adapters):
        assert f"id = 0x{a.id:02x}" in lines[found[("host", "adapters", j, "id")] - 1]


def test_key_lines_on_tricky_toml():
    from aptui.formats.scenario.toml_lines import key_lines

    text = (
        'name = "a # not a comment ] }"  # comment [x]\n'
        'description = """\nline [[guest]]\n"quoted" \\"\n"""\n'
        "lit = '''\nraw\n'''\n"
        '[host]\nadapters = [\n  # a comment\n  { id = 1, type = "CEX8" },\n\n  { id = 2, mode = "accel" },\n]\n'
        '[[guest]]\n"name" = "x"\nreserved = { adapters = [1], domains = [\n 2] }\n'
        "[[guest]]\nname = 'y'\nusage_domains = [1,\n2]\n"
        "[costs]\nemulate = 1\n"
    )
    import tomllib

    tomllib.loads(text)
    found = key_lines(text)
    assert found[("description",)] == 2
    assert found[("lit",)] == 6
    assert found[("host",)] == 9
    assert found[("host", "adapters", 0, "type")] == 12
    assert found[("host", "adapters", 1)] == 14
    assert found[("host", "adapters", 1, "mode")] == 14
    assert found[("guest", 0, "name")] == 17
    assert found[("guest", 0, "reserved", "domains")] == 18
    assert found[("guest", 0, "reserved", "domains", 0)] == 19
    assert found[("guest", 1, "usage_domains", 1)] == 23
    assert found[("costs", "emulate")] == 25


def _conflict_code(me, other) -> str | None:
    """The pairwise reference of ap-check's rules between two sibling mdevs (model/ap_check.py)."""
    if (me.active and other.active) or (me.start == "auto" and other.start == "auto"):
        return "apqn-in-use"
    return "mdev-cannot-start" if not me.active and other.active else None


@given(scenarios())
def test_sibling_conflicts_equal_the_pairwise_comparison(s):
    """One apqn-in-use (or mdev-cannot-start) per guest, counting the queues it shares with the
    siblings its state conflicts with and naming how many they are: the indexed computation
    (vfio_ap.sharing) equals comparing every pair of siblings."""
    found = {(d.guest, d.code): d for d in check(s) if d.code in ("apqn-in-use", "mdev-cannot-start")
             and "reserved for" not in d.message}  # a stopped mdev's queues that the host's masks keep: not siblings
    for g in s.guests:
        for code in ("apqn-in-use", "mdev-cannot-start"):
            mine = set(g.matrix.apqns())
            shared, partners = set(), 0
            for o in s.guests:
                if (g.backend == o.backend == "passthrough" and o.name != g.name and o.parent == g.parent
                        and _conflict_code(g, o) == code and mine & set(o.matrix.apqns())):
                    shared |= mine & set(o.matrix.apqns())
                    partners += 1
            assert ((g.name, code) in found) == bool(shared)
            if shared:
                d = found[g.name, code]
                assert d.message.startswith(f"{len(shared)} APQN(s) are also in the usage matrix of sibling"
                                            + ("s " if partners > 1 else " "))
                assert (f" and {partners - 3} more: " in d.message) == (partners > 3)
                assert len(d.apqns) == min(len(shared), 1024)


MATRICES = st.builds(Matrix.of, st.frozensets(st.integers(0, 20), max_size=12), st.frozensets(st.integers(0, 20), max_size=12))


@given(st.lists(MATRICES, max_size=12))
def test_sharing_equals_every_pair(matrices):
    """The index of small matrices and the pairwise look at the large ones (over SMALL APQNs) find
    exactly the pairs `shares_queues` finds."""
    assert sharing(matrices) == [[j for j, b in enumerate(matrices) if j != i and shares_queues(a, b)]
                                 for i, a in enumerate(matrices)]
