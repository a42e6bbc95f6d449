"""The typed vocabulary of aptui: every word the model, the engine and the console exchange.

StrEnums, so that a member is equal to (and writes as) the string the scenario file, the JSON
output and the spec use: `Backend.NONE == "none"`, `json.dumps(Op.TAPQ) == '"TAPQ"'`.
"""

from __future__ import annotations

from enum import StrEnum


class Backend(StrEnum):
    """How a parent gives AP to a guest (spec 2)."""

    PASSTHROUGH = "passthrough"  # a vfio-ap mdev: the guest's CRYCB holds its filtered matrix
    EMULATED = "emulated"  # hypothetical: the parent's QEMU emulates AP devices
    NONE = "none"  # no vfio-ap device: QEMU still turns APIE on when the CPU model has `ap`


class Feature(StrEnum):
    """The s390x CPU-model features of AP (QEMU `-cpu ...,ap=on`)."""

    AP = "ap"  # AP instructions (facility 2 of the AP architecture; QEMU's `ap`)
    APQCI = "apqci"  # PQAP(QCI), facility 12
    APFT = "apft"  # TAPQ's T bit: the adapter types, facility 15
    APQI = "apqi"  # PQAP(AQIC), AP interruptions, facility 65


class Start(StrEnum):
    """mdevctl's ``start`` of an mdev config: created at boot, or only by ``mdevctl start``."""

    AUTO = "auto"  # ap-check checks it at define against other auto configs and the persistent masks
    MANUAL = "manual"  # a standby definition: checked only when it is started


class Guessed(StrEnum):
    """A value of the machine an import filled in because its input does not show it (spec 9):
    the console marks it with a `?` until it is edited."""

    TYPE = "type"  # an adapter's type and mode
    DEPTH = "depth"  # an adapter's queue depth
    DOMAINS = "domains"  # the machine's domain count
    APXA = "APXA"


class Op(StrEnum):
    TAPQ = "TAPQ"
    RAPQ = "RAPQ"
    ZAPQ = "ZAPQ"
    AQIC = "AQIC"
    QCI = "QCI"
    QACT = "QACT"
    NQAP = "NQAP"
    DQAP = "DQAP"
    SCAN = "SCAN"  # not an instruction: what a guest's AP bus does at boot (spec 6)

    @property
    def takes_apqn(self) -> bool:
        return self not in (Op.QCI, Op.SCAN)


class Where(StrEnum):
    """Where an instruction is handled at a level (spec 1); `guest` is the issuing guest itself."""

    GUEST = "guest"
    FIRMWARE = "firmware"
    KERNEL = "kernel"
    USERSPACE = "userspace"


class HopKind(StrEnum):
    """One transition of an instruction on its way (the Path panel's arrows)."""

    ISSUE = "issue"
    INTERPRET = "interpret"
    INTERCEPT = "intercept"
    REFLECT = "reflect"
    EXIT = "exit"
    EMULATE = "emulate"
    EXCEPTION = "exception"
    VALIDITY = "validity"
    ANSWER = "answer"


class Outcome(StrEnum):
    """Who answers at the end of an instruction's path."""

    PHYSICAL = "physical"  # the physical queue (spec 5)
    EMULATED = "emulated"  # an emulated queue of the owner's emulated device
    IRQ = "irq"  # the parent's vfio_ap issues the AQIC on the physical queue and returns its answer
    FIXED = "fixed"  # a fixed response code (0x01: not in the matrix)
    EXCEPTION = "exception"  # a program exception or a validity intercept
    QCI = "qci"  # the configuration is returned


class ProgramException(StrEnum):
    OPERATION = "operation"  # PGM 0x0001
    SPECIFICATION = "specification"  # PGM 0x0006
    VALIDITY = "validity"  # SIE validity intercept 0x0022: the guest never starts


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Loss(StrEnum):
    """Why an assigned matrix entry does not reach the guest: a value with a glyph and a message."""

    NOT_IN_PARENT = "P"
    FILTERED = "F"
    RESERVED = "R"
    FORMAT = "W"
    NO_APIE = "A"
    NO_START = "V"
    NO_AP = "N"

    @property
    def label(self) -> str:
        return _LOSS_LABELS[self]


_LOSS_LABELS = {
    Loss.NOT_IN_PARENT: "not in parent",
    Loss.FILTERED: "filtered",
    Loss.RESERVED: "host-reserved",
    Loss.FORMAT: "beyond format",
    Loss.NO_APIE: "no APIE chain",
    Loss.NO_START: "cannot start",
    Loss.NO_AP: "no AP facility",
}


class Errno(StrEnum):
    """What a vfio_ap sysfs write (or PR/SM, for an LPAR) answers (ref 3.2, 5.3): an mdev's
    assign_* or ap_config, or the bus's apmask/aqmask; each with its `meaning`, what the kernel
    means by it in words an operator can act on."""

    meaning: str

    def __new__(cls, value: str, meaning: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    ENODEV = ("ENODEV", "an id above the highest the hypervisor's configuration addresses (ap_max_adapter_id, "
                        "ap_max_domain_id): assign ids within them")
    EADDRNOTAVAIL = ("EADDRNOTAVAIL", "a queue reserved for the host's own zcrypt drivers by apmask/aqmask (older "
                                      "kernels: not bound to vfio_ap): clear its adapter or domain bit in "
                                      "apmask/aqmask first")
    EADDRINUSE = ("EADDRINUSE", "a queue already in the matrix of another mdev: an APQN goes to one mdev only; "
                                "unassign it there or pick another")
    EINVAL = ("EINVAL", "a value the kernel cannot parse (not a number, or not a mask of 256 bits)")
    EBUSY = ("EBUSY", "taking a queue back for the host's drivers (apmask/aqmask) while an mdev has it assigned: "
                      "unassign it from the mdev first")
