"""The kinds of real configuration aptui reads and writes (spec 9)."""

IMPORT_KINDS = ("lszcrypt", "sysfs", "mdevctl", "libvirt")
EXPORT_KINDS = ("mdevctl", "libvirt", "hostdev", "qemu", "sysfs", "lszcrypt")
