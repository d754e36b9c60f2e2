"""Small file helpers every stage shares: digests, stat signatures and writes that land whole or not at all."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


def digest_bytes(data: bytes) -> str:
    """The digest that names file contents everywhere in the builder (caches, manifests, records)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: Path | str) -> str:
    """The digest of a file's bytes, or "" when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return digest_bytes(f.read())
    except OSError:
        return ""


def stat_signature(st: os.stat_result) -> tuple[int, int, int, int]:
    """What a file's stat says of its contents: modification time, size, inode, change time."""
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def signature_of(path: Path | str) -> tuple[int, int, int, int] | None:
    try:
        return stat_signature(os.stat(path))
    except OSError:
        return None


def atomic_write(path: Path | str, data: bytes) -> None:
    """Write data under a temporary name beside path, then rename it into place (OSError on failure).

    A reader sees the old file or the new one, never half of one; a failed write leaves no temporary file.
    """
    folder, name = os.path.split(os.fspath(path))
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o666)
        try:
            left = memoryview(data)
            while left:
                left = left[os.write(fd, left):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_regular(path: Path | str, ident=None) -> bytes | None:
    """A regular file's bytes, never through a symbolic link; None for anything else, or (given `ident`,
    a [device, inode]) for a file of another identity."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (ident is not None and (st.st_dev, st.st_ino) != tuple(ident)):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def real_folder(path: Path) -> bool:
    """Make path a real folder of ours: a symbolic link there is removed (as a link), never followed.

    False when that cannot be done (then the caller does without it)."""
    try:
        st = os.lstat(path)
        if stat.S_ISDIR(st.st_mode):
            return True
        if not stat.S_ISLNK(st.st_mode):
            return False  # a file of someone else's: left alone, and the cache goes without
        os.unlink(path)
        raise FileNotFoundError
    except FileNotFoundError:
        try:
            os.makedirs(path.parent, exist_ok=True)
            os.mkdir(path)
            return True
        except OSError:
            return False
    except OSError:
        return False


class Kept(str):
    """An output file kept as the last write left it, named by the digest of its bytes (which are not in memory)."""

    __slots__ = ()
