"""The AP facilities a level offers its guests (QEMU `target/s390x/kvm/kvm.c`, kernel
`kvm-s390.c`, `ap_bus.c`; ref 2, 3.6, 4.8).
"""

from __future__ import annotations

from aptui.model.matrix import Matrix
from aptui.model.vocabulary import Backend, Feature


def ap_instructions_available(features: frozenset[str], parent_has_ap: bool) -> bool:
    """`ap_instructions_available()` in the guest: its CPU model has `ap` and its parent has AP
    itself. A level without AP instructions cannot offer `ap` (QEMU's `ap_available`), refuses
    ENABLE_APIE and does not load vfio_ap (`vfio_ap_init`: -ENODEV), so nothing below it has AP."""
    return Feature.AP in features and parent_has_ap


def kvm_s390_configure_apie(has_ap: bool, backend: Backend, override: bool | None) -> bool:
    """ECA.APIE as the parent sets it for the guest. QEMU's `kvm_s390_apply_cpu_model` enables
    interpretation whenever the CPU model has `ap`, vfio-ap device or not; a (hypothetical)
    emulating parent leaves it off. Off without AP whatever is asked."""
    if not has_ap:
        return False
    if override is not None:
        return override
    return backend != Backend.EMULATED


def offers_facility_65(guest_level: int, features: frozenset[str]) -> bool:
    """Whether the guest has AQIC (facility 65): its CPU model asks for `apqi`, and its
    hypervisor can give it. The machine can (L1); L1's KVM can (it has AIV); a KVM below L1
    never does: QEMU's CHSC answer has no AIV bit, so `kvm_arch_init_vm` withholds facility 65."""
    return Feature.APQI in features and apqi_available(guest_level)


def apqi_available(guest_level: int) -> bool:
    """`apqi` can be offered to a guest of level 1 or 2 only (spec 4.2, `apqi-unavailable`)."""
    return guest_level <= 2


def cpu_model_features(features: frozenset[str], has_ap: bool, guest_level: int) -> frozenset[Feature]:
    """The AP features QEMU can really give the guest: none without AP instructions (the others
    depend on `ap`), and `apqi` only where the hypervisor offers facility 65."""
    if not has_ap:
        return frozenset()
    return frozenset(f for f in Feature if f in features and (f != Feature.APQI or apqi_available(guest_level)))


# ap_bus.c: `ap_max_adapter_id = 63`, `ap_max_domain_id = 15` "if not given via qci".
AP_BUS_MAX_IDS_WITHOUT_QCI = (63, 15)


def ap_bus_probe_apqns() -> tuple[tuple[int, int], ...]:
    """What an AP bus without QCI (no `apqci`) tries by TAPQ, in order: 00.0000 .. 3f.000f (spec 6)."""
    max_a, max_d = AP_BUS_MAX_IDS_WITHOUT_QCI
    return tuple((a, d) for a in range(max_a + 1) for d in range(max_d + 1))


def ap_select_domain(found: Matrix) -> int | None:
    """The AP bus's default domain (`ap_select_domain`, drivers/s390/crypto/ap_bus.c): the first
    usage domain with at least one valid queue, or none (``ap_domain`` reads -1). Once chosen it
    stays, even after its queues leave; lszcrypt then warns "Default domain 0x.. is not
    available" (zconf/zcrypt/lszcrypt.c, show_devices_all and show_domains)."""
    return found.usage_domains[0] if found.adapters and found.usage_domains else None
