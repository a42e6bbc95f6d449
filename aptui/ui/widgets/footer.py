"""The footer, with Help and Quit first: Textual lists the focused panel's keys before the app's,
so at 80 or 120 columns the two a newcomer looks for were the ones cut off.

It is rebuilt only when the keys it shows change: Textual's rebuilds it on every change of the
active bindings (each focus move), and its twenty keys were half of the console's first paint."""

from __future__ import annotations

from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

FIRST = ("help", "quit")  # the app's actions, in the order shown


def shown_keys(screen) -> tuple:
    """What the footer shows of the screen's active bindings: its content, as a value."""
    return tuple((b.key, b.description, b.action, enabled, tooltip)
                 for _, b, enabled, tooltip in screen.active_bindings.values() if b.show)


class Footer(TextualFooter):
    _shown: tuple | None = None  # the keys of the rebuild last asked for

    def compose(self):
        keys = list(super().compose())
        first = sorted((k for k in keys if isinstance(k, FooterKey) and k.action in FIRST),
                       key=lambda k: FIRST.index(k.action))
        yield from first
        yield from (k for k in keys if k not in first)

    def bindings_changed(self, screen) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:  # Textual rebuilds: once per change
            keys = shown_keys(screen)
            if keys == self._shown:
                self._bindings_ready = True
                return
            self._shown = keys
        super().bindings_changed(screen)
