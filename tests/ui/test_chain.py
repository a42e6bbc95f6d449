"""The chain view: every cell is a GuestView fact or the AP bus's answer, the break is named
where the model puts it, and the screen walks the tree."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from aptui import demos
from aptui.cli import load_scenario
from aptui.console.chain import Mark, guest_chain, matrix_text
from aptui.model.routing import ap_bus_configuration
from aptui.model.topology import Topology
from aptui.ui.screens.chain import ChainScreen


@pytest.mark.parametrize("demo", demos.names())
def test_every_chain_reads_the_model(demo):
    topo = Topology(load_scenario(demo))
    for name in topo.walk():
        chain = guest_chain(topo, name)
        views = [topo.view(n) for n in topo.chain(name)]
        rows = {r.label: r.cells for r in chain.rows}
        assert len(chain.columns) == len(views) + 1
        assert [c.text for c in rows["assigned"][1:]] == [matrix_text(v.assigned) for v in views]
        assert [c.text for c in rows["QCI answers"][1:]] == [matrix_text(v.config) for v in views]
        found, _ = ap_bus_configuration(topo, name)
        assert rows["AP bus finds"][-1].text == matrix_text(found)
        gets_all = found.apqn_count and found.apqn_count >= views[-1].assigned.apqn_count
        assert bool(chain.breaks) != bool(gets_all), (demo, name, chain.breaks)


def test_the_2018_chain_breaks_at_the_emulating_hypervisor():
    topo = Topology(load_scenario("2018"))
    chain = guest_chain(topo, "nested1")
    apie = next(r for r in chain.rows if r.label == "APIE").cells
    assert [c.mark for c in apie[1:]] == [Mark.OK, Mark.LOST, Mark.LOST]
    assert "no emulated AP devices with KVM" in chain.breaks


def test_a_filtered_adapter_is_named_with_its_reason():
    chain = guest_chain(Topology(load_scenario("host-reserved")), "kvm1")
    taken = next(r for r in chain.rows if r.label == "taken out").cells[-1]
    assert taken.mark == Mark.LOST and "05" in taken.text and "host-reserved" in taken.text
    assert chain.breaks.startswith("at kvm1 (L2): vfio_ap takes out adapter 05")


async def test_i_opens_the_chain_and_arrows_walk_it(make_app):
    app = make_app("2018")
    async with app.run_test(size=(120, 36)) as pilot:
        app.main.select(("guest", "nested1"))
        await pilot.press("i")
        assert isinstance(app.screen, ChainScreen) and app.screen.guest == "nested1"
        await pilot.press("left")
        assert app.screen.guest == "kvm1"
        await pilot.press("left", "left")  # lpar1, then the machine is not a guest: stays
        assert app.screen.guest == "lpar1"
        await pilot.press("right")
        assert app.screen.guest == "kvm1"
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#table").content)
        assert "L2 kvm1" in console.export_text()
        await pilot.press("escape")
        assert not isinstance(app.screen, ChainScreen)


async def test_the_chain_needs_a_guest(make_app, notes):
    app = make_app("2018")
    async with app.run_test(size=(120, 36)) as pilot:
        seen = notes(app)
        app.main.select(("host", None))
        await pilot.press("i")
        assert not isinstance(app.screen, ChainScreen)
        assert any("Select a guest" in m for m, *_ in seen)
