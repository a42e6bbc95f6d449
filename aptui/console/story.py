"""The scenario's story: its description, as the compare view and the Path panel (before the
first step) tell it. No Textual."""

from __future__ import annotations

from aptui.formats.text import printable


def story(description: str) -> str:
    """The description reflowed to the screen's width: its line breaks were made for a file;
    blank lines and "Look at:" still start a paragraph."""
    paragraphs = []
    for block in description.strip().split("\n\n"):
        lines = [printable(line.strip()) for line in block.split("\n")]
        text = ""
        for line in lines:
            text += ("\n" if text and line.startswith("Look at") else " " if text else "") + line
        paragraphs.append(text)
    return "\n\n".join(paragraphs)
