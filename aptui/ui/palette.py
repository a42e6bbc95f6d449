"""Rich styles for data-bearing Text, taken from the current theme (Text cannot use $variables)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.theme import Theme


@dataclass(frozen=True)
class Palette:
    error: Style
    warning: Style
    success: Style
    info: Style
    accent: Style
    muted: Style
    strong: Style

    @classmethod
    def of(cls, theme: Theme) -> Palette:
        def color(value: str | None, fallback: str) -> str | None:
            # ansi themes name terminal colours ("ansi_red"); rich spells them without the prefix.
            v = value or fallback
            return v[5:] if v.startswith("ansi_") else v

        return cls(
            error=Style(color=color(theme.error, "red"), bold=True),
            warning=Style(color=color(theme.warning, "yellow")),
            success=Style(color=color(theme.success, "green")),
            info=Style(color=color(theme.secondary or theme.primary, "cyan")),
            accent=Style(color=color(theme.accent or theme.primary, "magenta"), bold=True),
            muted=Style(dim=True),
            strong=Style(bold=True),
        )

    def severity(self, severity: str) -> Style:
        return {"error": self.error, "warning": self.warning}.get(severity, self.info)
