"""vfio_ap's rules (kernel `drivers/s390/crypto/vfio_ap_ops.c`; ref 5): what an mdev write
answers, and the matrix the driver gives KVM (`shadow_apcb`).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from aptui.model import mask as m
from aptui.model.matrix import Matrix
from aptui.model.scenario import Adapter, Reserved
from aptui.model.value import Value
from aptui.model.vocabulary import Errno, Loss


@attrs.frozen(repr=False)
class Dropped(Value):
    """An adapter `vfio_ap_mdev_filter_matrix` takes out of the guest's matrix whole."""

    adapter: int
    loss: Loss  # RESERVED or FILTERED
    message: str


def queue_unavailable(adapter: Adapter | None, adapter_id: int, aqm: int, parent: str,
                      reserved: Reserved) -> Dropped | None:
    """Why some queue (adapter_id, d), d in aqm, is not available to vfio_ap in the parent:
    kept for the parent's own zcrypt drivers (apmask AND aqmask, ref 5.2), or an adapter older
    than CEX4, which vfio_ap does not bind.

    None when every queue is available."""
    if not aqm:
        return None
    if adapter is not None and adapter.legacy:
        return Dropped(adapter_id, Loss.FILTERED, f"{adapter.type} is older than CEX4: vfio_ap does not bind its queues")
    if adapter_id in reserved.adapters:
        held = next((d for d in m.ids_of(aqm) if d in reserved.domains), None)
        if held is not None:
            return Dropped(adapter_id, Loss.RESERVED,
                           f"queue {m.format_apqn(adapter_id, held)} is reserved for {parent}'s own zcrypt drivers")
    return None


def host_owned_queues(reserved: Reserved) -> Matrix:
    """The queues `apmask`/`aqmask` keep for the host's own zcrypt drivers, as a usage matrix:
    APQN (a, d) is the host's iff adapter a AND domain d are (ref 5.2)."""
    return Matrix.of(reserved.adapters, reserved.domains)


def vfio_ap_mdev_filter_matrix(assigned: Matrix, dropped: list[Dropped]) -> Matrix:
    """The guest matrix (`shadow_apcb`, what sysfs `guest_matrix` shows): the assignment within
    the parent's configuration, without the adapters dropped whole ("the AP architecture won't
    allow filtering of a single APQN"). The CRYCB format truncates it later, in KVM."""
    return assigned.without_adapters(m.mask_of(d.adapter for d in dropped))


def shares_queues(a: Matrix, b: Matrix) -> bool:
    """`vfio_ap_mdev_verify_no_sharing`: two usage matrices share an APQN iff their APMs and
    their AQMs both intersect (a matrix's APQNs are APM x AQM)."""
    return bool(a.apm & b.apm) and bool(a.aqm & b.aqm)


SMALL = 64  # a usage matrix of at most this many APQNs is found through the index of its APQNs


def sharing(matrices: Sequence[Matrix]) -> list[list[int]]:
    """For each usage matrix, the others it `shares_queues` with, by position, ascending. The
    small ones are found through an index of their APQNs and only the large ones are compared
    pairwise, so that many siblings with a few queues each cost time linear in their APQNs and
    in the pairs that do share, not in every pair (200,000 siblings took 19 minutes pairwise)."""
    index: dict[tuple[int, int], list[int]] = {}
    large: list[int] = []
    for i, mx in enumerate(matrices):
        if mx.apqn_count > SMALL:
            large.append(i)
        else:
            for q in mx.apqns():
                index.setdefault(q, []).append(i)
    out = []
    for i, mx in enumerate(matrices):
        found: set[int] = set()
        if mx.apqn_count <= len(index):
            for q in mx.apqns():
                found.update(index.get(q, ()))
        else:  # a large matrix beside few small ones: look at theirs
            for (a, d), small in index.items():
                if mx.has_apqn(a, d):
                    found.update(small)
        found.update(j for j in large if shares_queues(mx, matrices[j]))
        found.discard(i)
        out.append(sorted(found))
    return out


def shared_queues(a: Matrix, b: Matrix) -> Matrix:
    """The APQNs two usage matrices share, as a matrix (control domains left out)."""
    return Matrix(a.apm & b.apm, a.aqm & b.aqm)


@attrs.frozen(slots=False, repr=False)  # few instances: a class without slots is quicker to define (start-up)
class Verdict(Value):
    """What the mdev's sysfs write (or PR/SM, for an LPAR) answers an assignment."""

    errno: Errno
    id: int
    message: str


def assign_verdict(mask: str, added: frozenset[int], limit: int, why_limit: str,
                   new: Matrix, old: Matrix, reserved: tuple[str, Matrix] | None,
                   siblings: list[tuple[str, Matrix]]) -> Verdict | None:
    """`assign_adapter_store` / `assign_domain_store` / `assign_control_domain_store`, in the
    kernel's order: an id beyond `apm_max`/`aqm_max` is ENODEV; then `vfio_ap_mdev_validate_masks`:
    a queue still owned by the host's drivers is EADDRNOTAVAIL (checked first), one in a
    sibling's matrix EADDRINUSE. Control domains are only checked for range. Only the queues
    the write adds count: a configuration that was already wrong is reported by `check`."""
    high = sorted(i for i in added if i > limit)
    if high:
        return Verdict(Errno.ENODEV, high[0], f"{why_limit} addresses ids 0..{limit} (0x{limit:02x})")
    if mask == "adm":
        return None
    if reserved is not None:
        owner, queues = reserved
        held = shared_queues(new, queues)
        fresh = next((q for q in held.apqns() if not old.has_apqn(*q)), None)
        if fresh:
            return Verdict(Errno.EADDRNOTAVAIL, _added_id(mask, fresh),
                           f"APQN {m.format_apqn(*fresh)} is reserved for {owner}'s own zcrypt drivers (apmask/aqmask)")
    for name, other in siblings:
        if not shares_queues(new, other):
            continue
        before = shared_queues(old, other)
        fresh = next((q for q in shared_queues(new, other).apqns() if not before.has_apqn(*q)), None)
        if fresh:
            return Verdict(Errno.EADDRINUSE, _added_id(mask, fresh),
                           f"APQN {m.format_apqn(*fresh)} is already in the usage matrix of sibling {name}")
    return None


def _added_id(mask: str, apqn: tuple[int, int]) -> int:
    return apqn[0] if mask == "apm" else apqn[1]


def ap_owned_by_def_drv(reserved: Reserved, runs_vfio_ap: bool, adapter: int, domain: int) -> bool:
    """ap_bus.c `ap_owned_by_def_drv`: the default (zcrypt) drivers own a queue iff its adapter bit
    AND its domain bit are set in apmask/aqmask, and the AP bus gives the rest to vfio_ap. A level
    that runs no passthrough guest is taken at the default masks (all ones): every queue is zcrypt's."""
    return not runs_vfio_ap or host_owned_queues(reserved).has_apqn(adapter, domain)
