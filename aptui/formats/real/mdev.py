"""The attributes of a vfio_ap mdev (ref 5.3, 7.2-7.4).

mdevctl and libvirt keep an mdev as a list of attribute writes that they replay in order when
they start it; the sysfs script writes the same ones. The kernel reads every id with base 0.
"""

from __future__ import annotations

import re

import attrs

from aptui.formats.text import excerpt
from aptui.model import mask as m
from aptui.model.matrix import Matrix

TYPE = "vfio_ap-passthrough"
PARENT = "matrix"  # the parent device of every vfio_ap mdev (mdevctl's name for it)
SYSFS_DIR = "/sys/devices/vfio_ap/matrix"
# attribute -> (mask it changes, set or clear)
ASSIGN = {
    "assign_adapter": ("apm", True),
    "unassign_adapter": ("apm", False),
    "assign_domain": ("aqm", True),
    "unassign_domain": ("aqm", False),
    "assign_control_domain": ("adm", True),
    "unassign_control_domain": ("adm", False),
}
AP_CONFIG = "ap_config"
ATTRS = (*ASSIGN, AP_CONFIG)
_MASK = re.compile(r"^(0[xX])?[0-9a-fA-F]{1,64}$")
_KERNEL_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")
ULONG_DIGITS = 22  # no unsigned long takes more characters, in any base (0 and 22 octal digits)


def parse_mask(text: str) -> int:
    """A mask as sysfs shows apmask, the QCI masks and ap_config: ``0x`` and up to 64 hex digits,
    shorter ones padded on the right as the kernel pads them. Nothing else (no sign, no ``_``).
    The error quotes nothing of the text: a sysfs attribute may be a link to anything."""
    if not _MASK.match(text.strip()):
        raise ValueError("not a mask of 1 to 64 hex digits (0x and 256 bits)")
    return m.parse_mask(text)


def kernel_number(text: str) -> int:
    """An id as the kernel's kstrtoul(base 0) reads it: ``0x`` hex, leading ``0`` octal, else
    decimal; one too long for an unsigned long is refused as the kernel does (ERANGE), before
    int() would spend its time on it."""
    t = text.strip()
    if not _KERNEL_NUMBER.fullmatch(t):
        raise ValueError(f"{excerpt(t)} is not a number (decimal, 0x hex or 0 octal, as the kernel reads it)")
    if len(t) > ULONG_DIGITS:
        raise ValueError(f"{excerpt(t)} is out of range for the kernel (ERANGE): more than 64 bits")
    if t[:2] in ("0x", "0X"):
        return int(t, 16)
    return int(t, 8) if t[0] == "0" else int(t)


def apply(matrix: Matrix, name: str, value: str) -> Matrix:
    """The matrix after one attribute write; ValueError says why the kernel would refuse it."""
    if name == AP_CONFIG:
        return parse_ap_config(value)
    field, add = ASSIGN[name]
    n = kernel_number(value)
    if n > m.MAX_ID:
        raise ValueError(f"{name}: id {n} is above 255: the kernel refuses it (ENODEV)")
    old = getattr(matrix, field)
    return attrs.evolve(matrix, **{field: old | m.bit(n) if add else old & ~m.bit(n)})


def parse_ap_config(text: str) -> Matrix:
    """``apm,aqm,adm``: three sysfs masks, as ap_config shows and takes them."""
    parts = text.strip().split(",")
    if len(parts) != 3:
        raise ValueError(f"ap_config is three masks 'apm,aqm,adm', not {len(parts)}")
    apm, aqm, adm = (parse_mask(p) for p in parts)
    return Matrix(apm, aqm, adm)


def ap_config_text(matrix: Matrix) -> str:
    return ",".join(m.format_mask(x) for x in (matrix.apm, matrix.aqm, matrix.adm))


def assignments(matrix: Matrix) -> list[tuple[str, str]]:
    """The assign_* writes that build ``matrix`` on an empty mdev: adapters, usage, then control domains."""
    return ([("assign_adapter", f"0x{a:02x}") for a in matrix.adapters]
            + [("assign_domain", f"0x{d:04x}") for d in matrix.usage_domains]
            + [("assign_control_domain", f"0x{d:04x}") for d in matrix.control_domains])
