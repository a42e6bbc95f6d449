"""lszcrypt import: the host's block of queues, found in one pass over the queues, is what the
plain definition (a scan per adapter and per domain) gives. Its speed is a line of bench/import.py."""

from hypothesis import given
from hypothesis import strategies as st

from aptui.formats.real import lszcrypt

HEADER = ("CARD.DOM TYPE  MODE        STATUS     REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER\n"
          + "-" * 87 + "\n")


def listing(queues: dict[tuple[int, int], str]) -> str:
    lines = [HEADER]
    for a in sorted({a for a, _ in queues}):
        lines.append(f"{a:02x}       CEX8C CCA-Coproc  online            0        0     14     08 S--D--N-F- cex4card\n")
        for (qa, d), driver in sorted(queues.items()):
            if qa == a:
                status = "in use" if driver == "vfio_ap" else "online"
                lines.append(f"{a:02x}.{d:04x}  CEX8C CCA-Coproc  {status:10} 0        0     14     08 S--D--N-F- "
                             f"{driver}\n")
    return "".join(lines)


def plain_block(queues: dict[tuple[int, int], str]) -> tuple[set, set]:
    """The kernel's rule said plainly: keep each adapter none of whose queues in the host's
    domains is given away, then each domain none of whose queues on those adapters is."""
    host = {k for k, driver in queues.items() if driver == "cex4queue"}
    domains = {d for _, d in host}
    keep = {a for a, _ in host if all(queues[k] == "cex4queue" for k in queues if k[0] == a and k[1] in domains)}
    return keep, {d for d in domains if all(queues[k] == "cex4queue" for k in queues if k[1] == d and k[0] in keep)}


@given(st.dictionaries(st.tuples(st.integers(0, 5), st.integers(0, 5)), st.sampled_from(["cex4queue", "vfio_ap"]),
                       min_size=1))
def test_reserved_is_the_plain_block(tmp_path_factory, queues):
    path = tmp_path_factory.mktemp("lsz") / "l.txt"
    path.write_text(listing(queues))
    reserved = lszcrypt.read(str(path)).scenario.guests[0].reserved
    assert (set(reserved.adapters), set(reserved.domains)) == plain_block(queues)

