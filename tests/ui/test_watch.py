"""`aptui watch PATH`: the console follows a live sysfs tree, polled in a worker thread, and says
what changed; the tree is a copy of the sysfs fixture, modified between polls."""

from __future__ import annotations

import shutil
from pathlib import Path

from aptui.console import watching

SIZE = (120, 36)
HOST_TREE = Path(__file__).parent.parent / "formats" / "fixtures" / "sysfs-host"
MDEV = "devices/vfio_ap/matrix/4ba8c1c4-6ac2-4a0b-94ee-d5f2c1a23f3e"


def _tree(tmp_path) -> Path:
    root = tmp_path / "sys"
    shutil.copytree(HOST_TREE, root, symlinks=True)
    return root


def _snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _watching(make_app, notes, tmp_path, interval: float = 3600.0):
    """A console watching a fresh copy of the tree: (app, its notifications, the tree, the first read)."""
    root = _tree(tmp_path)
    first = watching.read_host(str(root))
    app = make_app(first.scenario, watch=(str(root), interval, first))
    return app, notes(app), root, first


async def _polled(app, pilot) -> None:
    app.watch.poll()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_watch_replaces_the_scenario_and_says_what_changed(make_app, notes, tmp_path):
    app, seen, root, first = _watching(make_app, notes, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert any(t == "Watch" and "read-only" in m for m, t, _ in seen)
        assert any("value(s) guessed" in t for _, t, _ in seen)  # the first read's guesses are on screen
        await _polled(app, pilot)
        assert app.session.scenario == first.scenario and not any("changed" in t for _, t, _ in seen)

        shutil.rmtree(root / MDEV)
        (root / "bus/ap/ap_usage_domain_mask").write_text("0x08" + "0" * 62 + "\n")  # only domain 04 left
        before = _snapshot(root)
        await _polled(app, pilot)
        names = {g.name for g in app.session.scenario.guests}
        assert "mdev-4ba8c1c4" not in names and "mdev-62177883" in names
        assert app.session.scenario.guest("lpar1").usage_domains == frozenset({4})
        changed = [m for m, t, _ in seen if t.endswith("changed")]
        assert len(changed) == 1
        assert "guest mdev-4ba8c1c4 removed" in changed[0]
        assert "guest lpar1: usage domains 47, ab removed" in changed[0]
        assert _snapshot(root) == before  # never writes
        assert app.session.path is None  # ctrl+s asks for a name: never writes over the tree

        await pilot.press("ctrl+z")  # the change is one undoable edit
        await pilot.pause()
        assert "mdev-4ba8c1c4" in {g.name for g in app.session.scenario.guests}


async def test_a_tree_that_cannot_be_read_is_said_once_and_the_scenario_kept(make_app, notes, tmp_path):
    app, seen, root, first = _watching(make_app, notes, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        shutil.rmtree(root / "bus")
        await _polled(app, pilot)
        await _polled(app, pilot)
        failed = [m for m, t, s in seen if t.startswith("Cannot read")]
        assert len(failed) == 1 and "no bus/ap" in failed[0]
        assert app.session.scenario == first.scenario


async def test_the_interval_drives_the_polls(make_app, notes, tmp_path):
    app, seen, root, first = _watching(make_app, notes, tmp_path, 0.2)
    async with app.run_test(size=SIZE) as pilot:
        shutil.rmtree(root / MDEV)
        for _ in range(50):
            await pilot.pause(0.1)
            if any(t.endswith("changed") for _, t, _ in seen):
                break
        assert "mdev-4ba8c1c4" not in {g.name for g in app.session.scenario.guests}


async def test_a_console_opened_on_a_listing_says_it_imported_it_and_what_it_guessed(make_app, notes):
    from aptui.cli import open_scenario

    listing = Path(__file__).parent.parent / "formats" / "fixtures" / "lszcrypt.txt"
    opened = open_scenario(str(listing))
    assert opened.kind == "lszcrypt"
    app = make_app(opened.scenario, opened_import=(opened.kind, str(listing), opened.imported))
    seen = notes(app)
    async with app.run_test(size=SIZE):
        assert any(t == "Imported" and "imported from lszcrypt" in m for m, t, _ in seen)
        guesses = next(m for m, t, _ in seen if "value(s) guessed" in t)
        assert "the depth of adapters 05, 06 = 8" in guesses and "domain count = 172" in guesses
        assert app.session.path is None
