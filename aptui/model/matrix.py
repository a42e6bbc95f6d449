"""The AP matrix of a guest: adapters (APM), usage domains (AQM), control domains (ADM)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from aptui.model import mask as m
from aptui.model.value import Value


@attrs.frozen(repr=False)
class Matrix(Value):
    """Three 256-bit masks. The APQNs of a matrix are APM x AQM (ref 1, 5.5)."""

    apm: int = 0
    aqm: int = 0
    adm: int = 0

    @classmethod
    def of(cls, adapters: Iterable[int] = (), usage: Iterable[int] = (), control: Iterable[int] = ()) -> Matrix:
        return cls(m.mask_of(adapters), m.mask_of(usage), m.mask_of(control))

    def __and__(self, other: Matrix) -> Matrix:
        return Matrix(self.apm & other.apm, self.aqm & other.aqm, self.adm & other.adm)

    def __or__(self, other: Matrix) -> Matrix:
        return Matrix(self.apm | other.apm, self.aqm | other.aqm, self.adm | other.adm)

    def within(self, other: Matrix) -> bool:
        return self & other == self

    def limited(self, adapters: int, domains: int) -> Matrix:
        """Keep adapter ids below ``adapters`` and domain ids below ``domains``."""
        return Matrix(self.apm & m.mask_below(adapters), self.aqm & m.mask_below(domains), self.adm & m.mask_below(domains))

    def without_adapters(self, apm: int) -> Matrix:
        return Matrix(self.apm & ~apm, self.aqm, self.adm)

    @property
    def adapters(self) -> tuple[int, ...]:
        return m.ids_of(self.apm)

    @property
    def usage_domains(self) -> tuple[int, ...]:
        return m.ids_of(self.aqm)

    @property
    def control_domains(self) -> tuple[int, ...]:
        return m.ids_of(self.adm)

    def has_apqn(self, adapter: int, domain: int) -> bool:
        return m.has(self.apm, adapter) and m.has(self.aqm, domain)

    def apqns(self) -> Iterator[tuple[int, int]]:
        """APQNs in APID then APQI order, as a guest's AP bus scans them."""
        domains = self.usage_domains
        for a in self.adapters:
            for d in domains:
                yield a, d

    @property
    def apqn_count(self) -> int:
        return self.apm.bit_count() * self.aqm.bit_count()



EMPTY = Matrix()
