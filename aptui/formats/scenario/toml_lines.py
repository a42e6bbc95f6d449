"""Where each key and array element of a TOML document starts, for FILE:LINE messages.

tomllib parses and validates but keeps no positions; this walks the (already valid) text
once and records the line of every key path: ("guest", 1, "adapters", 0) is the first
element of the adapters of the second [[guest]].
"""

from __future__ import annotations

import re
import sys

Path = tuple
# Patterns, compiled on first use (re keeps them): only a file with an error needs them.
# What is not TOML structure: strings (multi-line ones first) and comments.
_SKIP = r'"""[\s\S]*?"""|' + r"'''[\s\S]*?'''|" + r'"(?:[^"\\\n]|\\.)*"|' + r"'[^'\n]*'|#[^\n]*"
_BRACKETS = _SKIP + r"|[\[{]|[\]}]"
# A decimal integer (underscores between digits) longer than Python converts; not the fraction or
# the exponent of a float, which convert at any length.
_LONG_INTEGER = _SKIP + r"|(?<![0-9_.eE])[0-9](?:_?[0-9]){%d,}" % (sys.get_int_max_str_digits() or 4300)


def key_lines(text: str) -> dict[Path, int]:
    return _Scanner(text).scan()


def deepest(text: str) -> tuple[int, int]:
    """How deep arrays, inline tables and table headers nest at most, and the line where that
    depth is first reached: where a parser that recurses runs out of stack."""
    depth = most = 0
    line = at = 1
    pos = 0
    for found in re.finditer(_BRACKETS, text):
        c = found.group()
        if c in ("[", "{"):
            depth += 1
            if depth > most:
                line += text.count("\n", pos, found.start())
                pos = found.start()
                most, at = depth, line
        elif c in ("]", "}"):
            depth -= 1
    return most, at


def long_integer(text: str) -> int | None:
    """The line of the first integer with more digits than Python converts (tomllib's int()
    raises ValueError on it), or None."""
    for found in re.finditer(_LONG_INTEGER, text):
        if found.group()[0].isdigit():
            return text.count("\n", 0, found.start()) + 1
    return None


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest recorded ancestor."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return None


class _Scanner:
    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.line = 1
        self.out: dict[Path, int] = {}
        self.counts: dict[Path, int] = {}

    def scan(self) -> dict[Path, int]:
        table: Path = ()
        n = len(self.s)
        while self.i < n:
            self._skip_space(newlines=True)
            if self.i >= n:
                break
            c = self.s[self.i]
            if c == "[":
                double = self.s.startswith("[[", self.i)
                self.i += 2 if double else 1
                start = self.line
                path = self._resolve(self._key())
                self._skip_space()
                self.i += 2 if double else 1
                if double:
                    idx = self.counts.get(path, 0)
                    self.counts[path] = idx + 1
                    self.out.setdefault(path, start)
                    table = path + (idx,)
                else:
                    table = path
                self.out[table] = start
            else:
                self._assignment(table)
            self._skip_to_eol()
        return self.out

    def _assignment(self, table: Path) -> None:
        """`key = value` inside `table` (a section or an inline table): the key's line, then the value's."""
        start = self.line
        path = table + self._key()
        self.out[path] = start
        self._skip_space()
        self.i += 1  # '='
        self._value(path)

    def _resolve(self, header: Path) -> Path:
        """A header's path with the current index of every array of tables it passes through:
        [guest.reserved] after the second [[guest]] is ("guest", 1, "reserved")."""
        out: Path = ()
        for i, part in enumerate(header):
            out += (part,)
            if i < len(header) - 1 and out in self.counts:
                out += (self.counts[out] - 1,)
        return out

    def _skip_space(self, newlines: bool = False) -> None:
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "\n" and newlines:
                self.line += 1
                self.i += 1
            elif c == "#":
                while self.i < n and s[self.i] != "\n":
                    self.i += 1
            else:
                break

    def _skip_to_eol(self) -> None:
        self._skip_space()
        if self.i < len(self.s) and self.s[self.i] == "\n":
            self.i += 1
            self.line += 1

    def _key(self) -> Path:
        parts = []
        while True:
            self._skip_space()
            c = self.s[self.i]
            if c in "\"'":
                parts.append(self._string())
            else:
                j = self.i
                while self.i < len(self.s) and (self.s[self.i].isalnum() or self.s[self.i] in "_-"):
                    self.i += 1
                parts.append(self.s[j:self.i])
            self._skip_space()
            if self.i < len(self.s) and self.s[self.i] == ".":
                self.i += 1
                continue
            return tuple(parts)

    def _string(self) -> str:
        s = self.s
        q = s[self.i]
        if s.startswith(q * 3, self.i):
            end = s.index(q * 3, self.i + 3)
            while s.startswith(q, end + 3):  # up to two quotes may close a multi-line string
                end += 1
            body = s[self.i + 3:end]
            self.line += body.count("\n")
            self.i = end + 3
            return body
        j = self.i + 1
        while s[j] != q:
            j += 2 if (q == '"' and s[j] == "\\") else 1
        body = s[self.i + 1:j]
        self.i = j + 1
        return body

    def _value(self, path: Path) -> None:
        self._skip_space()
        c = self.s[self.i]
        if c == "[":
            self.i += 1
            idx = 0
            while True:
                self._skip_space(newlines=True)
                if self.s[self.i] == "]":
                    self.i += 1
                    return
                self.out[path + (idx,)] = self.line
                self._value(path + (idx,))
                self._skip_space(newlines=True)
                if self.s[self.i] == ",":
                    self.i += 1
                    idx += 1
        elif c == "{":
            self.i += 1
            while True:
                self._skip_space(newlines=True)
                if self.s[self.i] == "}":
                    self.i += 1
                    return
                if self.s[self.i] == ",":
                    self.i += 1
                    continue
                self._assignment(path)
        elif c in "\"'":
            self._string()
        else:
            n = len(self.s)
            while self.i < n and self.s[self.i] not in ",]}\n#":
                self.i += 1
