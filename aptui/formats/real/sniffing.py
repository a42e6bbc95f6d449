"""Which real format a file or directory holds, told from its first bytes or its names, so that
`aptui FILE` opens an lszcrypt listing, a sysfs tree, an mdevctl config or a libvirt node device
(or lszdev -t ap output, a 41-ap.rules) as an import. Cheap by design: a few KiB of one file, or the names of one directory; the importer
then reads it in full and reports what is wrong."""

from __future__ import annotations

import os
import re
import stat

from aptui.formats.real.mdev import PARENT
from aptui.model.scenario import UUID

HEAD = 4096
_LSZCRYPT = re.compile(r"^\s*(CARD\.DOM(AIN)?\s+TYPE\b|DOMAIN 00 01 02|Warning: Default domain 0x|"
                       r"lszcrypt: (Crypto device driver not available|No crypto card devices found))", re.M)
_JSON = re.compile(r"^\s*(\{|\[\s*(\{|\]|$))")  # an object, or a list of objects (TOML's [table] has a name)
_LSZDEV = re.compile(r"^DEVICE TYPE ap\s*$", re.M)
_UDEV = re.compile(r'^\s*ATTR\{[^}]*bus/ap/a[pq]mask\}=', re.M)  # chzdev's 41-ap.rules
_NODE_DEVICE = re.compile(r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<device[\s>]", re.S)


def recognise(path: str) -> str | None:
    """The import kind (`lszcrypt`, `sysfs`, `mdevctl`, `libvirt`, `lszdev`, `udev`) that reads ``path``, or None."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(mode):
        return _directory(path)
    if not stat.S_ISREG(mode):
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD).decode("utf-8", "replace").lstrip("\ufeff")
    except OSError:
        return None
    if _NODE_DEVICE.match(head):
        return "libvirt"
    if _JSON.match(head):
        return "mdevctl"
    if _LSZCRYPT.search(head):
        return "lszcrypt"
    if _LSZDEV.search(head):
        return "lszdev"
    if _UDEV.search(head):
        return "udev"
    return None


def _directory(path: str) -> str | None:
    """/sys (bus/ap), /etc/mdevctl.d (matrix/ or files named by UUID), a directory of node device XML."""
    if os.path.isdir(os.path.join(path, "bus", "ap")):
        return "sysfs"
    try:
        names = os.listdir(path)
    except OSError:
        return None
    if PARENT in names and os.path.isdir(os.path.join(path, PARENT)) or any(UUID.fullmatch(n) for n in names):
        return "mdevctl"
    if any(n.endswith(".xml") for n in names):
        return "libvirt"
    return None
