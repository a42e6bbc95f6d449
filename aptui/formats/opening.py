"""A file to open, as `aptui FILE` and the console's Open file… take it: a scenario file, or else
a file or directory in a real format, recognised by its content and imported. One home, so that
the command line and the console open the same things the same way."""

from __future__ import annotations

from typing import NamedTuple


class Opened(NamedTuple):
    """What a FILE opened: a scenario, and when the file was a real format rather than a
    scenario file, the import kind and the import (its notes and guesses)."""

    scenario: object
    kind: str | None = None
    imported: object = None


def open_path(path: str) -> Opened:
    """An existing file: valid TOML is a scenario file whatever else it looks like; one that is
    neither a scenario file nor a real format keeps the scenario reader's error (InputError)."""
    from aptui.formats.errors import InputError
    from aptui.formats.scenario import file as sf

    try:
        return Opened(sf.load(path))
    except InputError:
        if _valid_toml(path):
            raise  # a scenario file with an error: its error, not a guess at another format
        from aptui.formats.real import convert  # not on the way of a scenario file: start-up

        found = convert.read_recognised(path)
        if found is None:
            raise
    kind, imported = found
    return Opened(imported.scenario, kind, imported)


def _valid_toml(path: str) -> bool:
    """Whether the file is text that parses as TOML: read as the scenario reader reads it (a
    regular file, bounded, UTF-8); anything it could not read is not."""
    import tomllib

    from aptui.formats.errors import InputError
    from aptui.formats.files import read_text

    try:
        tomllib.loads(read_text(path, "a scenario TOML file"))
    except (InputError, ValueError, RecursionError):  # TOMLDecodeError is a ValueError
        return False
    return True
