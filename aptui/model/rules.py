"""The kernel's and QEMU's rules that decide an answer, for a person: the console's help page
"Why this answer" lists them. Each entry is the model function that implements the rule, so
the text shown is that function's docstring and cannot drift from the code."""

from __future__ import annotations

import inspect

from aptui.model import crycb, facilities, routing, vfio_ap

RULES = (
    ("AP facility (QEMU ap_available, vfio_ap_init)", facilities.ap_instructions_available),
    ("APIE (QEMU kvm_s390_apply_cpu_model)", facilities.kvm_s390_configure_apie),
    ("AQIC and facility 65 (kvm_arch_init_vm)", facilities.offers_facility_65),
    ("vfio_ap's guest matrix (vfio_ap_mdev_filter_matrix)", vfio_ap.vfio_ap_mdev_filter_matrix),
    ("queues vfio_ap cannot take (apmask/aqmask, CEX2/CEX3)", vfio_ap.queue_unavailable),
    ("assignments (assign_*_store: ENODEV, EADDRNOTAVAIL, EADDRINUSE)", vfio_ap.assign_verdict),
    ("CRYCB format width (kvm_arch_crypto_set_masks)", crycb.apcb_truncate),
    ("ids beyond APCB0 (handle_pqap)", crycb.exceeds_apcb0),
    ("validity 0x0022 (vsie.c shadow_crycb)", crycb.shadow_crycb_valid),
    ("depth 4 and deeper (vsie.c: the shadow is format 2)", crycb.vsie_shadow_chain_valid),
    ("an empty shadow at depth 4", crycb.vsie_shadow_chain_empty),
    ("interpreted instructions (spec 4.1)", routing.firmware_interprets),
    ("a nested guest's AQIC (handle_pqap)", routing.handle_pqap_aqic),
    ("intercepted instructions (handle_pqap: -EOPNOTSUPP, QEMU)", routing.intercepted_to_qemu),
    ("what the AP bus finds (QCI, or probing without apqci)", routing.ap_bus_configuration),
)


def rule_text(rule) -> str:
    """The rule in words: the first paragraph of its function's docstring, folded to one line."""
    return " ".join(inspect.getdoc(rule).split("\n\n")[0].split())
