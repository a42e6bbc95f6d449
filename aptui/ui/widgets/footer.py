"""The footer, with Help and Quit first: Textual lists the focused panel's keys before the app's,
so at 80 or 120 columns the two a newcomer looks for were the ones cut off."""

from __future__ import annotations

from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

FIRST = ("help", "quit")  # the app's actions, in the order shown


class Footer(TextualFooter):
    def compose(self):
        keys = list(super().compose())
        first = sorted((k for k in keys if isinstance(k, FooterKey) and k.action in FIRST),
                       key=lambda k: FIRST.index(k.action))
        yield from first
        yield from (k for k in keys if k not in first)
