"""What the model's value types share: one __repr__, read from their attrs fields.

attrs compiles the methods it generates, class by class, as each module is imported; the repr
it compiled for every class of the model was some 3 ms of `aptui check`'s start-up, for text
only a failing test or a debugger shows. This one reads the fields instead and writes what
attrs' would: Matrix(apm=32, aqm=16, adm=16).
"""

from __future__ import annotations

import attrs


class Value:
    """The base of the model's attrs classes, each declared with ``repr=False``."""

    __slots__ = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{a.name}={getattr(self, a.name)!r}" for a in attrs.fields(type(self)) if a.repr)
        return f"{type(self).__name__}({fields})"
