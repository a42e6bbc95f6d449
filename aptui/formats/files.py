"""Reading input files safely and writing output files atomically."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from aptui.formats.errors import InputError

MAX_INPUT = 16 << 20  # far above any scenario, listing or config; a bound for /dev/zero and the like


def read_input(path: str, what: str) -> bytes:
    """The bytes of a regular input file, read up to a bound. Opened without blocking and refused
    unless it is a regular file, so that a FIFO or a device given by mistake is an InputError,
    not a hang."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise InputError(path, None, f"is a directory, not {what}")
            if not stat.S_ISREG(mode):
                raise InputError(path, None, f"is not a regular file: not {what}")
            data = f.read(MAX_INPUT + 1) or b""
    except OSError as e:
        raise InputError(path, None, f"cannot read: {e.strerror or e}") from None
    if len(data) > MAX_INPUT:
        raise InputError(path, None, f"larger than {MAX_INPUT >> 20} MiB: not {what}")
    return data


def read_text(path: str, what: str) -> str:
    """`read_input` decoded as UTF-8; a bad byte is reported at its line."""
    raw = read_input(path, what)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(path, raw[: e.start].count(b"\n") + 1, f"not UTF-8 text: expected {what}") from None


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a temporary file next to the target, fsync it, rename it over the target, fsync the
    directory: the old file stays whole until the new one is complete. A symlink is followed, so
    the file it points at is the one replaced; a new file gets the permissions the umask allows."""
    import tempfile

    target = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dir_fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
