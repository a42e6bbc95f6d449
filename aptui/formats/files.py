"""Reading input files safely and writing output files atomically."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from aptui.formats.errors import InputError

MAX_INPUT = 16 << 20  # far above any scenario, listing or config; a bound for /dev/zero and the like
STDIN = "<stdin>"  # the path of standard input (`-` on the command line), as its messages name it


def _read_stdin(what: str) -> bytes:
    """Standard input, to its end, within the same bound as a file (`lszcrypt -V | aptui import lszcrypt -`)."""
    import sys

    try:
        data = sys.stdin.buffer.read(MAX_INPUT + 1) if sys.stdin is not None else b""
    except (OSError, ValueError) as e:  # closed, or not readable
        raise InputError(STDIN, None, f"cannot read: {getattr(e, 'strerror', None) or e}") from None
    if len(data) > MAX_INPUT:
        raise InputError(STDIN, None, f"larger than {MAX_INPUT >> 20} MiB: not {what}")
    return data


def read_input(path: str, what: str) -> bytes:
    """The bytes of a regular input file, read up to a bound. Opened without blocking and refused
    unless it is a regular file, so that a FIFO or a device given by mistake is an InputError,
    not a hang. ``STDIN`` reads standard input."""
    if path == STDIN:
        return _read_stdin(what)
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


class NotReplaceable(OSError):
    """A write would put a regular file in place of a device, a FIFO, a socket or a directory:
    as root, `-o /dev/null` would otherwise turn /dev/null into a plain file."""

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


_KINDS = ((stat.S_ISDIR, "directory"), (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
          (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"))


def replaced_file(path: str | os.PathLike) -> os.stat_result | None:
    """The status of the regular file a write to `path` would replace (a symlink followed), or
    None when there is none yet. Raises NotReplaceable for anything else."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISREG(st.st_mode):
        return st
    kind = next((name for test, name in _KINDS if test(st.st_mode)), "special file")
    raise NotReplaceable(errno.EEXIST, f"not a regular file ({kind}): refusing to replace it", os.fspath(path))


def write_atomic(path: str | os.PathLike, text: str) -> str | None:
    """Write a temporary file next to the target, fsync it, rename it over the target, fsync the
    directory: the old file stays whole until the new one is complete, and no temporary file is
    left behind when the write fails or is interrupted. Only a regular file (or a symlink to one,
    whose target is replaced) or a new path is written (NotReplaceable otherwise). The new file
    keeps the old one's owner, group, mode and extended attributes where allowed; a new file gets
    the permissions the umask allows. Returns a warning for the caller to show, or None."""
    import tempfile

    old = replaced_file(path)
    target = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if old is None:
            os.chmod(tmp, 0o666 & ~_umask())
        else:
            _keep_metadata(target, old, tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)
    if old is not None and old.st_nlink > 1:
        return (f"{os.fspath(path)}: one of {old.st_nlink} hard links to a file: it is a new file now, "
                "and the other links keep the old contents")
    return None


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


_IGNORED = (errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP)


def _keep_metadata(target: Path, old: os.stat_result, tmp: str) -> None:
    """Owner and group (only root may give a file away: EPERM otherwise), mode, extended attributes."""
    try:
        os.chown(tmp, old.st_uid, old.st_gid)
    except PermissionError:
        pass
    os.chmod(tmp, stat.S_IMODE(old.st_mode))  # after chown, which clears set-id bits
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(target)
    except OSError as e:
        if e.errno in _IGNORED:
            return
        raise
    for name in names:
        try:
            os.setxattr(tmp, name, os.getxattr(target, name))
        except OSError as e:
            if e.errno not in _IGNORED:
                raise


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; a directory that cannot be opened or synced is no error."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
