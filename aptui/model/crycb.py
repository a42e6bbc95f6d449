"""The CRYCB and its vSIE shadow (kernel `arch/s390/kvm/vsie.c`, `kvm-s390.c`; ref 1.2, 2, 3).

A guest's CRYCB holds the masks its hypervisor wrote: APCB0 (64 APIDs, 16 domains) for formats
0 and 1, APCB1 (256 x 256) for format 2. When a guest of level 3 or deeper starts, L1's vSIE
builds a shadow CRYCB from it (`shadow_crycb`), ANDing it with the hypervisor's own, and always
hands the machine a format-2 shadow.
"""

from __future__ import annotations

import attrs

from aptui.model.matrix import Matrix
from aptui.model.value import Value

@attrs.frozen(slots=False, repr=False)  # few instances: a class without slots is quicker to define (start-up)
class Validity(Value):
    """Why a guest cannot start: validity intercept 0x0022 to its hypervisor."""

    chain: bool  # False: wider than its hypervisor's format (2.2); True: a vSIE shadow further up (2.3)
    message: str


APCB_WIDTH = {0: (64, 16), 1: (64, 16), 2: (256, 256)}  # (APIDs, domains) a format's APCB holds (ref 1.2)


def host_crycb_format(apxa: bool) -> int:
    """`kvm_s390_set_crycb_format`: format 2 when the machine has APXA, else 1 (MSAX3 assumed)."""
    return 2 if apxa else 1


def apcb_limits(crycb_format: int) -> tuple[int, int]:
    """The highest APID and domain a CRYCB of this format can hold."""
    adapters, domains = APCB_WIDTH[crycb_format]
    return adapters - 1, domains - 1


def apcb_truncate(matrix: Matrix, crycb_format: int) -> Matrix:
    """`kvm_arch_crypto_set_masks`: formats 0 and 1 get 8 bytes of APM and 2 of AQM/ADM, so
    ids beyond 63 / 15 are silently dropped (spec 2.1 step 3)."""
    adapters, domains = APCB_WIDTH[crycb_format]
    return matrix.limited(adapters, domains)


def exceeds_apcb0(adapter: int, domain: int) -> bool:
    """An APQN a format-0/1 CRYCB cannot name: `handle_pqap` and the machine's SIE answer it
    with a specification exception (ref 1.4)."""
    return adapter > 63 or domain > 15


def setup_apcb_fits(guest_format: int, hypervisor_format: int) -> bool:
    """`setup_apcb`: False for a guest format wider than its hypervisor's (2 under 0/1, 1 under
    0), which the vSIE rejects with validity intercept 0x0022 (ref 3.3)."""
    return not ((guest_format == 2 and hypervisor_format in (0, 1)) or (guest_format == 1 and hypervisor_format == 0))


def shadow_crycb_valid(guest_format: int, hypervisor_format: int, guest_apie: bool, hypervisor_apie: bool) -> bool:
    """`shadow_crycb`: the APCB shadow is built, and can fail, only when the guest's APIE and its
    hypervisor's are both on (`apie_s`); otherwise the guest starts without one (spec 2.2)."""
    if not (guest_apie and hypervisor_apie):
        return True
    return setup_apcb_fits(guest_format, hypervisor_format)


def vsie_shadow_chain_valid(ancestor_formats: list[int]) -> bool:
    """Spec 2.3: every vSIE shadow is format 2, so a guest of level k >= 4 is shadowed again
    against each ancestor of level 2 .. k-2; one of format 0/1 there gives validity 0x0022.

    ``ancestor_formats``: the formats of those ancestors (empty for k <= 3)."""
    return all(f == 2 for f in ancestor_formats)


def vsie_shadow_chain_empty(level: int, guest_format: int, hypervisor_format: int) -> bool:
    """Spec 2.3: at level 4 and deeper, a guest and a parent both of format 0/1 get a first
    shadow that fills APCB0 only; the next vSIE ANDs APCB1, which nobody wrote: nothing is left."""
    return level >= 4 and guest_format in (0, 1) and hypervisor_format in (0, 1)
