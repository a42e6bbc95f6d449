"""The restore offer after a crash, for a scenario at any path the console opens: control
characters and bytes that are not UTF-8 in its name (the "Hostile input" issue, 5)."""

from __future__ import annotations

import os

import pytest

from aptui.formats.scenario.file import load, save
from aptui.ui.screens.forms import Question

from .test_files import SIZE, _assign_domain_5


@pytest.mark.parametrize("name", ["s\x1b]0;t\x07\r.toml", os.fsdecode(b"s\xff\xfe.toml"), "s\x9b\u202e.toml"],
                         ids=["controls", "not UTF-8", "C1 and bidi"])
async def test_the_restore_offer_appears_for_any_path(make_app, tmp_path, name, ended):
    path = tmp_path / name
    save(make_app().session.scenario, path)
    app = make_app(load(path), str(path))
    async with app.run_test(size=SIZE) as pilot:
        await _assign_domain_5(pilot, app)
        assert app.recovery.path.exists()
    ended(app.recovery)
    app = make_app(load(path), str(path))  # the first was killed: nothing saved, the recovery file kept
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, Question)
        await pilot.press("r")
        await pilot.pause()
        assert app.session.scenario.guest("lpar1").usage_domains == {4, 5, 0x47}
