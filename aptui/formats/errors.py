"""Input errors that name where: FILE:LINE: message."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a file. The CLI prints it as `FILE:LINE: message` and exits with status 2."""

    def __init__(self, path: str, line: int | None, message: str):
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"
