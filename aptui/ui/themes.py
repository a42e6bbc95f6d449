"""Themes from TOML files, and the theme the user chose last time.

Where themes come from, later ones winning by name: the themes packaged next to this module
(the repository's top-level themes/ is a link to them: one copy), then the user's config
directory (platformdirs) `themes/`. A file that does not parse or names a bad
colour is skipped and reported, never fatal.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "aptui-dark"
COLOR_KEYS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background",
              "surface", "panel", "boost")
_KEYS = (*COLOR_KEYS, "name", "dark", "luminosity_spread", "text_alpha", "variables")
_PACKAGED = Path(__file__).resolve().parent / "themes"
# aptui's own CSS variables (app.tcss), by default a Textual colour at an opacity. A theme's
# [variables] may set them: on a 16-colour terminal a blend of truecolours rounds to black,
# so a theme meant for one names ansi colours (aptui-3270).
PANEL_VARIABLES = {"panel-border": ("foreground", "25%"), "panel-title": ("foreground", "70%"),
                   "panel-subtitle": ("foreground", "50%"), "panel-border-focus": ("accent", "")}


def panel_defaults(variables: dict[str, str]) -> dict[str, str]:
    """PANEL_VARIABLES' values from Textual's resolved variables (a CSS variable cannot name another)."""
    return {name: f"{variables[base]} {alpha}".rstrip() for name, (base, alpha) in PANEL_VARIABLES.items()}


def builtin_dir() -> Path:
    return _PACKAGED


def theme_dirs(config_dir: Path | None) -> list[Path]:
    dirs = [builtin_dir()]
    if config_dir is not None:
        dirs.append(config_dir / "themes")
    return dirs


def load_theme(path: Path) -> Theme:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        raise ValueError("needs name = \"...\"")
    if not data["name"].isprintable():  # the theme picker shows it; a CSS class is made of it
        raise ValueError("the name has control characters")
    if "primary" not in data:
        raise ValueError("needs primary = \"#rrggbb\"")
    for key in COLOR_KEYS:
        if key in data:
            Color.parse(data[key])
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValueError("[variables] holds strings")
    return Theme(**data)


def load_themes(dirs: list[Path]) -> tuple[list[Theme], list[tuple[Path, str]]]:
    """Every readable theme of `dirs`, and (file, why) for each one skipped."""
    themes: dict[str, Theme] = {}
    bad: list[tuple[Path, str]] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for p in sorted(d.glob("*.toml")):
            try:
                t = load_theme(p)
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ColorParseError, ValueError, TypeError) as e:
                bad.append((p, str(e) or type(e).__name__))
                continue
            themes[t.name] = t
    return list(themes.values()), bad


def remembered(config_dir: Path | None) -> str | None:
    """The theme saved by `remember`, if any (an unreadable file counts as none)."""
    if config_dir is None:
        return None
    try:
        value = tomllib.loads((config_dir / "config.toml").read_text(encoding="utf-8")).get("theme")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return value if isinstance(value, str) else None


def remember(config_dir: Path | None, name: str) -> None:
    if config_dir is None:
        return
    from aptui.formats.files import write_atomic

    config_dir.mkdir(parents=True, exist_ok=True)
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    write_atomic(config_dir / "config.toml", f'# aptui settings\ntheme = "{escaped}"\n')
