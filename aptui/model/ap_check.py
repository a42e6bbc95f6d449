"""The checks of the tools that guard a KVM host's AP configuration: s390-tools' ap-check (the
mdevctl callout, ap_tools/ap-check.c) and chzdev's ap device type (zdev/src/ap.c).

ap-check checks a config twice. At ``mdevctl define``/``modify`` (`ap_check_changes`) only a
``start: auto`` config is checked, against every other auto config and against the persistent
masks (41-ap.rules, else sysfs: libap `ap_read_udev_masks`). At ``mdevctl start``
(`ap_check_handle_start`) and at ``mdevctl modify --live`` (`ap_check_handle_live_modify`, which
then writes ``ap_config`` itself) every config is checked by `ap_check_active`: it must have a
usage domain if it has control domains, and is compared with every active mdev's ``matrix`` and
with the active masks. chzdev checks a mask change the other way round: bits it would set
(queues it would give back to zcrypt) against active mdevs, and for ``--persistent`` against auto
configs (`ap_check_mask_changes`); the AP bus itself refuses such a write with EBUSY (ref 5.2).
Two devices conflict on an APQN when both have its adapter AND its domain (`find_apqn_conflicts`).

Where `check` (model/diagnostics.py) makes each of ap-check's checks:

| ap-check                                   | here                       | check reports                     |
| define: other auto configs                 | check_other_mdevs_cfg      | apqn-in-use ("defined for autostart") |
| define: persistent masks                   | check_cfg_mask_conflicts   | apqn-reserved-persistent (or, masks equal, apqn-reserved-by-host) |
| start, live modify: a usage domain         | usage_domain_check         | no-usage-domain; change-refused   |
| start, live modify: active mdevs           | check_other_mdevs_sysfs    | apqn-in-use ("already in use"), mdev-cannot-start |
| start, live modify: active masks           | check_sysfs_mask_conflicts | apqn-reserved-by-host, mdev-cannot-start; change-refused (EADDRNOTAVAIL) |
| chzdev: a mask taking an mdev's queue      | chzdev_conflict_error      | in apqn-reserved-by-host / -persistent |
"""

from __future__ import annotations

from aptui.model.matrix import Matrix
from aptui.model.scenario import Guest, Reserved
from aptui.model.vfio_ap import host_owned_queues, shared_queues
from aptui.model.vocabulary import Backend, Start


def conflict_error(uuid: str | None, apqn: tuple[int, int], persistent: bool) -> str:
    """ap-check's `conflict_error`, word for word, the APQN in decimal as it prints it (and its
    "AQPN" for the masks, as the tool spells it, so that a search for the message finds it)."""
    a, d = apqn
    if uuid is not None:
        return f"APQN {a}.{d} is defined for autostart by {uuid}" if persistent else f"APQN {a}.{d} already in use by {uuid}"
    use = "defined" if persistent else "allowed"
    masks = "persistent" if persistent else "active"
    return f"AQPN {a}.{d} is not {use} for vfio_ap-passthrough use by the {masks} ap bus mask settings"


def chzdev_conflict_error(uuid: str, apqn: tuple[int, int], persistent: bool) -> str:
    """chzdev's `conflict_error` for a mask change that takes a queue from an mdev (apmask's words)."""
    a, d = apqn
    if persistent:
        return f"persistent apmask conflicts with defined autostart mdev {uuid} APQN {a}.{d}"
    return f"apmask conflicts with mdev {uuid} APQN {a}.{d}"


USAGE_DOMAIN_ERROR = "At least one usage domain must be specified"


def usage_domain_check(matrix: Matrix) -> str | None:
    """`ap_check_active`'s first rule, at start and live modify: control domains without a usage
    domain are refused, in ap-check's words. ap-check's rule, not the kernel's: vfio_ap's
    assign_control_domain_store and `ap_config_store` take such a matrix (it only gives the guest
    no queue), so a raw sysfs write passes where mdevctl refuses."""
    if matrix.control_domains and not matrix.usage_domains:
        return USAGE_DOMAIN_ERROR
    return None


def check_other_mdevs_cfg(mine: Guest, other: Guest) -> bool:
    """At define, an auto config is compared with the other auto configs only; a manual config
    is compared with nothing (`ap_check_changes`, `check_other_mdev_cfg_cb`: "If not AUTO
    device, skip")."""
    return mine.start == Start.AUTO and other.start == Start.AUTO


def check_other_mdevs_sysfs(mine: Guest, other: Guest) -> bool:
    """At start, a config is compared with every active mdev, auto or manual
    (`check_other_mdevs_sysfs`); the kernel's EADDRINUSE likewise holds between mdevs that
    exist in sysfs (`vfio_ap_mdev_verify_no_sharing`). True when both are active."""
    return mine.active and other.active


def sysfs_siblings(guests, mine: Guest) -> list[tuple[str, Matrix]]:
    """The other mdevs of `mine`'s hypervisor that exist in sysfs beside it: those whose matrix an
    assignment or ap_config write of `mine` must not share (EADDRINUSE, `vfio_ap_mdev_verify_no_sharing`),
    as (name, assigned matrix). None when `mine` has no mdev (an LPAR, another backend)."""
    if mine.backend != Backend.PASSTHROUGH:
        return []
    return [(o.name, o.matrix) for o in guests
            if o.name != mine.name and o.parent == mine.parent and o.backend == Backend.PASSTHROUGH
            and check_other_mdevs_sysfs(mine, o)]


def check_cfg_mask_conflicts(guest: Guest, masks: Reserved) -> Matrix:
    """The queues of an auto config that the persistent masks keep for zcrypt
    (`check_cfg_mask_conflicts`); none for a manual config, which define does not check."""
    if guest.start != Start.AUTO:
        return Matrix()
    return shared_queues(guest.matrix, host_owned_queues(masks))


def check_sysfs_mask_conflicts(guest: Guest, masks: Reserved) -> Matrix:
    """The queues of a config that the active masks keep for zcrypt, which ``mdevctl start``
    refuses (`check_sysfs_mask_conflicts`); for an active mdev the same queues are why the
    kernel refused its assignment (EADDRNOTAVAIL) or refuses the mask write (EBUSY)."""
    return shared_queues(guest.matrix, host_owned_queues(masks))
