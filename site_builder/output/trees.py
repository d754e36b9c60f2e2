"""The output trees are the builder's own, all the way down: nothing in them is followed.

The live output, its spare and the staging tree are looked at without ever following a symbolic
link: a walk lists links as links; a folder about to be written into or removed from is checked
component by component; a file is taken as one the builder wrote only when its device and inode
are the ones its manifest recorded when it was written.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import stat
import time
from contextlib import contextmanager
from pathlib import Path


class OutputRefused(Exception):
    """The output folder is not one the builder may write (a usage problem, not a content one)."""


class Stranger(Exception):
    """Something in an output tree that the builder did not make: a link, a device, a file where a folder goes."""

    def __init__(self, rel: str):
        super().__init__(rel)
        self.rel = rel


def walk(tree: Path) -> tuple[list[str], list[str]]:
    """(files, strangers) under tree: every regular file, and every symbolic link or other entry that
    is neither a file nor a folder, as POSIX paths relative to tree. No link is ever followed."""
    files: list[str] = []
    strangers: list[str] = []
    base = os.fspath(tree)
    stack = [""]
    while stack:
        rel = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(base, rel) if rel else base))
        except FileNotFoundError:
            continue
        except OSError:
            strangers.append(rel or ".")  # a folder that cannot be read is not one we made
            continue
        for entry in entries:
            path = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_symlink():
                    strangers.append(path)
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(path)
                elif entry.is_file(follow_symlinks=False):
                    files.append(path)
                else:
                    strangers.append(path)
            except OSError:
                strangers.append(path)
    return sorted(files), sorted(strangers)


def identity(st: os.stat_result) -> list[int]:
    """What a manifest records of a file it names: the device and the inode."""
    return [st.st_dev, st.st_ino]


def ours(path: str | Path, ident) -> os.stat_result | None:
    """The stat of the file at path when it is a regular file with the recorded identity, else None."""
    if not ident:
        return None
    try:
        st = os.lstat(path)
    except (OSError, ValueError):
        return None
    return st if stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) == tuple(ident) else None


def all_ours(tree: Path, manifest: dict, ids: dict, listings: "Listings | None" = None,
             folders_real: bool = False) -> bool:
    """Whether every file a manifest names is the one the builder wrote there, under real folders only
    (a command-line build asks it of the tree it is about to keep or swap in). `folders_real`: the folders
    were found real already by this build (real_folders)."""
    base, lstat, regular = os.fspath(tree) + "/", os.lstat, stat.S_ISREG
    try:
        for rel in manifest:  # (ours(), written out: this runs for every file of a site)
            ident = ids.get(rel)
            st = lstat(base + rel)
            if not ident or st.st_ino != ident[1] or st.st_dev != ident[0] or not regular(st.st_mode):
                return False
    except (OSError, ValueError):
        return False
    return folders_real or real_folders(tree, manifest, listings)


def real_folders(tree: Path, manifest: dict, listings: "Listings | None" = None) -> bool:
    """Whether every folder a manifest's files are in, and every folder above, is a real folder or not there
    (never a link, never followed): each is looked up in one listing of its parent, so this costs a listing
    per folder that holds folders (or, with `listings`, only of those changed since last listed)."""
    needed = {rel.rpartition("/")[0] for rel in manifest}
    parents = {folder.rpartition("/")[0] for folder in needed if folder}
    for folder in list(parents):  # the folders above those (few), each looked up in its own parent too
        while folder:
            needed.add(folder)
            folder = folder.rpartition("/")[0]
            parents.add(folder)
    base = os.fspath(tree)
    for parent in sorted(parents):  # (in order: which listing finds a link first is the same every run)
        path = os.path.join(base, parent) if parent else base
        try:
            strangers = listings.strangers(path) if listings is not None else _strangers(path)
        except FileNotFoundError:
            continue  # made later, by the builder, as a real folder
        except OSError:
            return False
        if any((f"{parent}/{name}" if parent else name) in needed for name in strangers):
            return False  # (a parent that is a link is listed, never written: its own listing says so)
    return True


def _strangers(folder: str) -> frozenset[str]:
    """The names in a folder of the entries that are not real folders."""
    with os.scandir(folder) as entries:
        return frozenset(entry.name for entry in entries if not entry.is_dir(follow_symlinks=False))


class Listings:
    """What each folder that holds output folders held when last listed, by its stamp: device and inode, times
    modified and changed. A folder with the stamp it was listed under still holds the same names, each the
    same kind of entry: adding, removing, renaming or replacing an entry sets both times to the clock, and
    only a change of the system clock can set the time changed. A listing is kept only when the folder had
    not changed for RACY_SECONDS: a change within the same tick of the clock could leave the stamp as it was."""

    RACY_SECONDS = 2.0

    def __init__(self, known: dict | None = None):
        self.known = dict(known or {})  # (device, inode) -> (modified ns, changed ns, names that are not folders)
        self.used: dict = {}  # the listings this process found true or made

    def strangers(self, folder: str) -> frozenset[str]:
        """As _strangers(folder), listing it only when it changed since it was last listed."""
        st = os.lstat(folder)
        if not stat.S_ISDIR(st.st_mode):
            return _strangers(folder)  # (a link: listed through it, and refused in its own parent's listing)
        ident, stamp = (st.st_dev, st.st_ino), (st.st_mtime_ns, st.st_ctime_ns)
        was = self.used.get(ident) or self.known.get(ident)  # (a tree looked at twice in a build: listed once)
        if was is not None and tuple(was[:2]) == stamp:
            self.used[ident] = was
            return frozenset(was[2])
        names = _strangers(folder)
        now = time.time()
        if now - st.st_mtime > self.RACY_SECONDS and now - st.st_ctime > self.RACY_SECONDS:
            self.used[ident] = (*stamp, names)
        return names

    def learned(self) -> bool:
        """Whether this process found a folder's listing that the known ones do not give (then worth saving)."""
        return any(tuple(self.known.get(ident, ())[:2]) != tuple(was[:2]) for ident, was in self.used.items())

    def saved(self) -> dict:
        """What to keep for the next build: the listings found true or made now, and the others known (at most a
        few hundred: a folder no longer there is forgotten once they are more)."""
        return self.used if len(self.known) + len(self.used) > 256 else {**self.known, **self.used}


class Folders:
    """Checks folders inside a tree, each component once: a real folder, or not there yet; never a link."""

    def __init__(self, tree: Path):
        self.base = os.fspath(tree)
        self.known: set[str] = set()

    def check(self, folder: str) -> None:
        """Raise Stranger at the first component of folder (relative to the tree) that is not a real folder."""
        if not folder or folder in self.known:
            return
        parts = folder.split("/")
        for i in range(1, len(parts) + 1):
            rel = "/".join(parts[:i])
            if rel in self.known:
                continue
            real = self._real(rel)
            if real is None:
                return  # made later, by the builder, as a real folder
            if not real:
                raise Stranger(rel)
            self.known.add(rel)

    def _real(self, rel: str) -> bool | None:
        try:
            st = os.lstat(os.path.join(self.base, rel))
        except FileNotFoundError:
            return None
        except OSError:
            raise Stranger(rel) from None
        return stat.S_ISDIR(st.st_mode)


def clear(path: Path) -> None:
    """Remove whatever is at path: a link or file as itself, a folder with what it holds (links inside are
    removed as links, never followed)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def real_dir(path: Path) -> bool:
    """A real folder (not a link to one) is at path."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def new_file(path: Path | str, data: bytes) -> os.stat_result:
    """Create a file that must not exist (never through a link) and write data; its stat."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        left = memoryview(data)
        while left:
            left = left[os.write(fd, left):]
        return os.fstat(fd)
    finally:
        os.close(fd)


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes  # loaded only when a write swaps trees
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd = -100
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), 2) == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), "could not swap the new output in", str(b))


def remove(tree: Path, path: str) -> None:
    """Delete one file and the folders it leaves empty (up to the tree itself)."""
    try:
        os.unlink(tree / path)
    except FileNotFoundError:
        pass
    parent = (tree / path).parent
    while parent != tree:
        try:
            os.rmdir(parent)
        except OSError:
            break
        parent = parent.parent


@contextmanager
def build_lock(out: Path):
    """One build at a time per output folder; a second one is told so at once."""
    lock_path = out.parent / f".{out.name}.lock"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        why = "it is a link, which is never followed: remove it" if exc.errno == errno.ELOOP else exc.strerror
        raise OutputRefused(f"cannot use the lock file '{lock_path.name}' beside the output folder ({why})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputRefused(f"another build is writing '{out.name}' right now; try again when it ends") from None
        yield
    finally:
        os.close(fd)
