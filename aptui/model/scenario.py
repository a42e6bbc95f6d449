"""The value types of a scenario (spec 8): the machine, the guest tree, the requests."""

from __future__ import annotations

import re
from functools import cached_property

import attrs

from aptui.model.matrix import Matrix
from aptui.model.value import Value

ADAPTER_TYPES = ("CEX2", "CEX3", "CEX4", "CEX5", "CEX6", "CEX7", "CEX8")
LEGACY_TYPES = ("CEX2", "CEX3")  # older than CEX4: vfio_ap does not bind them (ref 5.1, 6.6)
MODES = ("cca", "accel", "ep11")
STATES = ("online", "deconfigured", "checkstopped")
BACKENDS = ("passthrough", "emulated", "none")
FEATURES = ("ap", "apqci", "apft", "apqi")
STARTS = ("auto", "manual")  # mdevctl's start of an mdev config
DEFAULT_FEATURES = frozenset({"ap", "apqci", "apft"})
PQAP_OPS = ("TAPQ", "RAPQ", "ZAPQ", "AQIC", "QCI", "QACT")
OPS = PQAP_OPS + ("NQAP", "DQAP", "SCAN")
OPS_WITHOUT_APQN = ("QCI", "SCAN")
HOST = "host"
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")  # use fullmatch

# Namespace of the UUIDs derived from guest names: stable across runs and machines.
_UUID_NAMESPACE = "6f0b5c1e-2a3d-5e8f-9a41-61707475692d"


@attrs.frozen(repr=False)
class Adapter(Value):
    """A physical crypto adapter (CEX card) of the machine."""

    id: int
    type: str = "CEX8"
    mode: str = "cca"
    depth: int = 8
    state: str = "online"

    @property
    def legacy(self) -> bool:
        return self.type in LEGACY_TYPES

    @property
    def type_string(self) -> str:
        """The sysfs/lszcrypt ``type``: CEX8C, CEX6A, CEX7P."""
        return self.type + {"cca": "C", "accel": "A", "ep11": "P"}[self.mode]


@attrs.frozen(repr=False)
class Reserved(Value):
    """Queues kept for a level's own zcrypt drivers: APQN (a, d) is reserved iff a AND d are (ref 5.2)."""

    adapters: frozenset[int] = frozenset()
    domains: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.adapters or self.domains)


def boot_masks(active: Reserved, persistent: Reserved | None) -> Reserved | None:
    """The persistent masks as a guest keeps them: None when they equal the active ones (so that
    a scenario has one spelling of each state, and its file omits them)."""
    return None if persistent is None or persistent == active else persistent


@attrs.frozen(slots=False, repr=False)  # few instances: a class without slots is quicker to define (start-up)
class Host(Value):
    """Level 0: firmware, PR/SM and the physical adapters."""

    apxa: bool = True
    adapters: tuple[Adapter, ...] = ()
    domains: int = 85

    @property
    def crycb_format(self) -> int:
        return 2 if self.apxa else 1

    @property
    def max_adapter(self) -> int:
        return 255 if self.apxa else 63

    @property
    def max_domain(self) -> int:
        return 255 if self.apxa else 15

    @cached_property
    def _by_id(self) -> dict[int, Adapter]:
        return {a.id: a for a in self.adapters}

    def adapter(self, id: int) -> Adapter | None:
        return self._by_id.get(id)

    def adapter_or_default(self, id: int) -> Adapter:
        """The physical adapter, or what emulated queues of an absent one are: a CEX8 in CCA mode, depth 8 (spec 5)."""
        return self.adapter(id) or Adapter(id)

    @property
    def config(self) -> Matrix:
        """The physical machine: every adapter, domain ids 0..domains-1 for usage and control."""
        domains = range(min(self.domains, 256))
        return Matrix.of((a.id for a in self.adapters), domains, domains)


@attrs.frozen(repr=False)
class Guest(Value):
    """A guest at any level; L1 guests (parent ``host``) are LPARs."""

    name: str
    parent: str = HOST
    backend: str = "passthrough"
    adapters: frozenset[int] = frozenset()
    usage_domains: frozenset[int] = frozenset()
    control_domains: frozenset[int] = frozenset()
    crycb_format: int | None = None
    apie: bool | None = None
    features: frozenset[str] = DEFAULT_FEATURES
    reserved: Reserved = Reserved()
    uuid: str | None = None
    # The masks `chzdev -t ap ... --persistent` writes to /etc/udev/rules.d/41-ap.rules, applied
    # at boot; None: the same as the active ones (ap-check then reads sysfs, ap_read_udev_masks).
    persistent_reserved: Reserved | None = None
    start: str = "auto"  # mdevctl's start of the guest's mdev config
    active: bool = True  # the mdev exists in sysfs (created, started); else the guest is not running

    @cached_property
    def matrix(self) -> Matrix:
        """The configured (assigned) matrix, before any filtering."""
        return Matrix.of(self.adapters, self.usage_domains, self.control_domains)

    @property
    def boot_reserved(self) -> Reserved:
        """The persistent masks: the queues kept for this level's own zcrypt drivers from boot on."""
        return self.reserved if self.persistent_reserved is None else self.persistent_reserved

    @property
    def mdev_uuid(self) -> str:
        if self.uuid:
            return self.uuid
        import uuid  # on first use: `aptui check` of a scenario without mdev conflicts never needs it

        return str(uuid.uuid5(uuid.UUID(_UUID_NAMESPACE), self.name))


@attrs.frozen(repr=False)
class Request(Value):
    """One queued AP request: an instruction, or SCAN, issued by a guest."""

    guest: str
    op: str
    apqn: tuple[int, int] | None = None
    repeat: int = 1
    wait_us: float = 0


@attrs.frozen(repr=False)
class Change(Value):
    """A change of a running guest's mdev at `at_us` on the simulated clock: one `ap_config` write
    (`mdevctl modify --live`). A list left None keeps the guest's assignment of that mask."""

    guest: str
    at_us: float
    adapters: frozenset[int] | None = None
    usage_domains: frozenset[int] | None = None
    control_domains: frozenset[int] | None = None

    def applied(self, g: Guest) -> Guest:
        """The guest with this change's assignments."""
        return attrs.evolve(g, **{k: v for k in CHANGE_FIELDS if (v := getattr(self, k)) is not None})


CHANGE_FIELDS = ("adapters", "usage_domains", "control_domains")


@attrs.frozen(slots=False, repr=False)  # few instances: a class without slots is quicker to define (start-up)
class Policy(Value):
    nested_emulation: bool = False


@attrs.frozen(slots=False, repr=False)  # few instances: a class without slots is quicker to define (start-up)
class Costs(Value):
    """Simulated CPU cycles of each transition and adapter times in microseconds (spec 4.5)."""

    interpret: int = 1000
    sie_exit: int = 2000
    vsie_reflect: int = 15000
    kernel_handler: int = 1000
    userspace_exit: int = 30000
    emulate: int = 5000
    exception: int = 1000
    clock_mhz: int = 5000
    accel_us: float = 50
    cca_us: float = 300
    ep11_us: float = 500
    reset_us: float = 100

    def processing_us(self, mode: str) -> float:
        return {"accel": self.accel_us, "cca": self.cca_us, "ep11": self.ep11_us}[mode]


@attrs.frozen(slots=False, repr=False)  # few instances: a class without slots is quicker to define (start-up)
class Scenario(Value):
    name: str
    description: str = ""
    host: Host = Host()
    guests: tuple[Guest, ...] = ()
    requests: tuple[Request, ...] = ()
    policy: Policy = Policy()
    costs: Costs = Costs()
    changes: tuple[Change, ...] = ()  # in the file's order; they apply in time order (model.hotplug)

    def guest(self, name: str) -> Guest:
        for g in self.guests:
            if g.name == name:
                return g
        raise KeyError(name)
