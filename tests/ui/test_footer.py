"""The footer: Help and Quit first, rebuilt when the keys it shows change and only then."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from aptui.ui.widgets.footer import Footer


def _keys(app):
    return [k.action for k in app.screen.query_one(Footer).query(FooterKey)]


async def test_help_and_quit_lead_and_the_footer_follows_the_focus(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert _keys(app)[:2] == ["help", "quit"]
        footer = app.screen.query_one(Footer)
        composed = []
        original = footer.recompose

        async def counted():
            composed.append(1)
            await original()

        footer.recompose = counted
        await pilot.press("2")  # the matrix: its keys (a, u, o) replace the tree's
        await pilot.pause()
        assert "toggle('apm')" in _keys(app) and len(composed) == 1
        await pilot.press("2")  # the same panel again: nothing to rebuild
        await pilot.pause()
        assert len(composed) == 1
