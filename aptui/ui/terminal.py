"""The last line of defence between file data and the terminal.

Every panel shows names and messages through `printable`, so a control character appears as
its escape. This filter sees every line Textual draws, its own widgets' too (a toast, an Input,
a Select overlay), and drops what a terminal would act on, should any get past: those
characters take no cell, so the layout stays as it was.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

# What a terminal acts on rather than shows: C0, DEL and C1 (U+009B alone is an 8-bit CSI).
TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


class DropTerminalControls(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        search = TERMINAL_CONTROLS.search
        if not any(search(s.text) for s in segments if not s.control):
            return segments
        out = []
        for s in segments:
            if s.control:
                out.append(s)
            elif text := TERMINAL_CONTROLS.sub("", s.text):
                out.append(Segment(text, s.style))
        return out
