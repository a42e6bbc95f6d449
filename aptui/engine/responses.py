"""AP response codes (ref 4.6) and the queue status word bits (ref 4.4)."""

NORMAL = 0x00
Q_NOT_AVAIL = 0x01
RESET_IN_PROGRESS = 0x02
DECONFIGURED = 0x03
CHECKSTOPPED = 0x04
Q_FULL = 0x10  # NQAP; the same value means NO_PENDING_REPLY for DQAP

_NAMES = {
    0x00: "NORMAL", 0x01: "Q_NOT_AVAIL", 0x02: "RESET_IN_PROGRESS", 0x03: "DECONFIGURED",
    0x04: "CHECKSTOPPED", 0x05: "BUSY", 0x06: "INVALID_ADDRESS", 0x07: "OTHERWISE_CHANGED",
    0x08: "INVALID_GISA", 0x10: "Q_FULL", 0x42: "INVALID_DOMAIN",
}


def rc_name(rc: int, op: str = "") -> str:
    if rc == 0x10 and op == "DQAP":
        return "NO_PENDING_REPLY"
    return _NAMES.get(rc, f"RC_{rc:02X}")


def cc_of(rc: int | None) -> int | None:
    """cc 0 when rc is 0x00, else 3 (spec 5); none when an exception was raised."""
    if rc is None:
        return None
    return 0 if rc == 0 else 3
