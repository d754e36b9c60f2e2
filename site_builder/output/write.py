"""The I/O edge out: stage the new site beside the old one and swap it in whole.

Unchanged files are hard-linked from the previous output, so a build that changes
one page writes one page; a build that changes nothing touches nothing. A build
killed at any moment leaves the previous output whole: the swap is one atomic
rename exchange where the system offers it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..files import Kept, digest_bytes, file_digest, signature_of

MANIFEST = ".site-builder-manifest.json"
PARALLEL_WRITES_MIN = 500  # files to write before threads pay for themselves


class OutputRefused(Exception):
    """The output folder is not one the builder may write (a usage problem, not a content one)."""


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    written_state: "Written | None" = None  # what this write left, for the next write by the same process


@dataclass(frozen=True)
class Written:
    """What one write left on disk: both trees' manifests, and the identity of each manifest file.

    The next write (by the same process, or by the next command-line build, which keeps this with
    its saved state) may take the trees to be these, without walking them or looking for each file,
    while both manifest files are still the ones it wrote (same inode, times and size).
    """

    out: str
    manifest: dict
    signature: tuple
    spare_manifest: dict | None
    spare_signature: tuple | None

    def holds(self, out: Path) -> bool:
        return (os.fspath(out) == self.out and signature_of(out / MANIFEST) == self.signature
                and (self.spare_manifest is None
                     or signature_of(_spare(out) / MANIFEST) == self.spare_signature))

    def identity(self) -> tuple:
        """What a saved state keeps of it: the folder and the manifest files' signatures."""
        return (self.out, self.signature, self.spare_signature if self.spare_manifest is not None else None)

    @classmethod
    def again(cls, out: str, signature: tuple, spare_signature: tuple | None) -> "Written | None":
        """The write a saved state names, while both manifest files are still the ones it left; else None."""
        path = Path(out)
        if signature_of(path / MANIFEST) != tuple(signature):
            return None
        spare = None
        if spare_signature is not None:
            if signature_of(_spare(path) / MANIFEST) != tuple(spare_signature):
                return None
            spare = read_manifest(_spare(path))
        manifest = read_manifest(path)
        if manifest is None or (spare_signature is not None and spare is None):
            return None
        if not _all_regular(path, manifest) or (spare is not None and not _all_regular(_spare(path), spare)):
            return None  # a file of the last write was removed or replaced since (another process)
        written = cls(out, manifest, tuple(signature), spare, tuple(spare_signature) if spare_signature else None)
        return written if written.holds(path) else None


def _as_found(out: Path, manifest: dict) -> "Written | None":
    """What a write that changed nothing found on disk, as the next write may trust it (both trees checked)."""
    spare = _spare(out)
    spare_manifest = read_manifest(spare) if spare.is_dir() else None
    if spare_manifest is not None and not _all_regular(spare, spare_manifest):
        return None
    signature, spare_signature = signature_of(out / MANIFEST), signature_of(spare / MANIFEST)
    if signature is None or (spare_manifest is not None and spare_signature is None):
        return None
    return Written(os.fspath(out), manifest, signature, spare_manifest, spare_signature if spare_manifest else None)


def _all_regular(tree: Path, manifest: dict) -> bool:
    """Whether every file a manifest names is there, as a regular file (not a link, not a folder)."""
    base = os.fspath(tree)
    try:
        return all(stat.S_ISREG(os.lstat(os.path.join(base, rel)).st_mode) for rel in manifest)
    except OSError:
        return False


def _spare(out: Path) -> Path:
    return out.parent / f".{out.name}.spare"


def check_output_dir(root: Path, out: Path, trusted: "Written | None" = None) -> None:
    """Refuse an output folder that is the site, inside its sources, or an ancestor of it.

    A folder holding files this builder did not write is refused too: that needs a look at every
    file, skipped when `trusted` (this process's last write) still holds: the folder is as it left it.
    """
    root, out = root.resolve(), out.resolve()
    if out == root:
        raise OutputRefused(f"the output folder '{out.name}' is the site itself")
    if root.is_relative_to(out):
        raise OutputRefused(f"the output folder '{out}' contains the site")
    for sub in ("content", "templates"):
        if out.is_relative_to(root / sub):
            raise OutputRefused(f"the output folder must not be inside {sub}/")
    if out.exists() and not out.is_dir():
        raise OutputRefused(f"the output path '{out.name}' is a file, not a folder")
    if trusted is not None and trusted.holds(out):
        return
    files = _files(out) if out.is_dir() else []
    if files:
        manifest = read_manifest(out)
        ours = set(manifest or {}) | {MANIFEST}
        foreign = sorted(p for p in files if p not in ours)
        if foreign:
            shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise OutputRefused(
                f"the output folder '{out.name}' holds files this builder did not write ({shown}); "
                "choose an empty or new folder with -o, or move those files away")


def _files(folder: Path) -> list[str]:
    out = []
    for dirpath, _, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder).as_posix()
        for name in filenames:
            out.append(name if rel == "." else f"{rel}/{name}")
    return out


def read_manifest(out: Path) -> dict | None:
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextmanager
def build_lock(out: Path):
    """One build at a time per output folder; a second one is told so at once."""
    lock_path = out.parent / f".{out.name}.lock"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputRefused(f"another build is writing '{out.name}' right now; try again when it ends") from None
        yield
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes
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


def write_output(out: Path, outputs: dict[str, bytes | Path | Kept], known: dict[str, str] | None = None,
                 trusted: Written | None = None) -> WriteStats:
    """Make out hold exactly outputs. Bytes are written; Paths are copied files; a Kept file (a page the
    last write made, named by its digest) is taken from the live output, where it must still be.

    The new tree is made beside the live one and swapped in whole. The tree swapped out is
    kept as a spare (``.<out>.spare``); the next build updates the spare with only the files
    that differ from it and swaps again, so an edit costs the files it changes, not the site.
    A spare without its manifest (a build killed while updating it) is thrown away.
    `known` may give the digests of bytes the caller knows already (the manifest's digest function).
    `trusted` is what this process's last write returned (stats.written_state): while it holds, the
    trees are taken to be as it left them.
    """
    stats = WriteStats()
    out = out.resolve()
    trust = trusted is not None and trusted.holds(out)
    if not trust:
        for leftover in out.parent.glob(f".{out.name}.staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
    old = trusted.manifest if trust else read_manifest(out) or {} if out.is_dir() else {}
    digests: dict[str, str] = {}
    plan: list[tuple[str, bytes | Path, bool]] = []
    out_s = os.fspath(out)
    for path in sorted(outputs):
        data = outputs[path]
        if isinstance(data, Kept):
            digest = str(data)
        else:
            digest = known.get(path) if known else None  # bytes of an earlier build, or a media file read already
        if digest is None:
            digest = digest_bytes(data) if isinstance(data, bytes) else file_digest(data)
        digests[path] = digest
        same = old.get(path) == digest and (trust or os.path.isfile(os.path.join(out_s, path)))  # strings: per file
        if isinstance(data, Kept) and not same:
            raise OutputRefused(f"'{path}' in the output folder changed while the site was built; build again")
        plan.append((path, data, same))
        if same:
            stats.unchanged += 1
        else:
            stats.written += 1
    stats.removed = len(set(old) - set(outputs))
    if out.is_dir() and stats.written == 0 and stats.removed == 0:
        stats.written_state = trusted if trust else _as_found(out, old)
        return stats
    spare = _spare(out)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    if trust:
        spare_manifest = trusted.spare_manifest
        if spare_manifest is not None:  # trusted, not blind: a file about to be made must not be there already
            spare_s = os.fspath(spare)
            foreign = sorted(p for p in outputs if p not in spare_manifest and os.path.lexists(os.path.join(spare_s, p)))
            if foreign:
                raise OutputRefused(f"the spare output folder '{spare.name}' holds files this builder did not "
                                    f"write ({', '.join(foreign[:3])}); move them away")
    else:
        spare_manifest = read_manifest(spare) if out.is_dir() and spare.is_dir() else None
    if spare_manifest is not None:
        os.rename(spare, staging)
        os.unlink(staging / MANIFEST)  # from here on the tree is unfinished until the new manifest
    else:
        shutil.rmtree(spare, ignore_errors=True)
        spare_manifest = {}
        staging.mkdir()
    try:
        for path in set(spare_manifest) - set(outputs):
            _remove(staging, path)
        staging_s = os.fspath(staging)
        todo = [(staging / path, data, out / path if same else None) for path, data, same in plan
                if not (spare_manifest.get(path) == digests[path]
                        and (trust or os.path.isfile(os.path.join(staging_s, path))))]
        for folder in sorted({target.parent for target, _, _ in todo}):
            folder.mkdir(parents=True, exist_ok=True)
        if len(todo) >= PARALLEL_WRITES_MIN:  # file system calls release the GIL: a few threads overlap them
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda job: _place(*job), todo))
        else:
            for job in todo:
                _place(*job)
        manifest = json.dumps(digests, indent=0, sort_keys=True).encode("utf-8")
        (staging / MANIFEST).write_bytes(manifest)
        had_out = out.is_dir()
        if had_out:
            if not _exchange(staging, out):
                retired = out.parent / f".{out.name}.staging-{os.getpid()}-old"
                os.rename(out, retired)
                os.rename(staging, out)
                staging = retired
            os.rename(staging, spare)  # the previous output, kept to be updated next time
            staging = None
        else:
            os.rename(staging, out)
            staging = None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    signature = signature_of(out / MANIFEST)
    spare_signature = signature_of(spare / MANIFEST) if had_out else None
    if signature is not None and (not had_out or spare_signature is not None):
        stats.written_state = Written(os.fspath(out), digests, signature, old if had_out else None, spare_signature)
    return stats


def _place(target: Path, data: bytes | Path, live: Path | None) -> None:
    """Put a file at target under a new inode (the trees share unchanged files as hard links)."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    if live is not None:
        try:
            os.link(live, tmp)
            os.replace(tmp, target)
            return
        except OSError:
            pass
    if isinstance(data, Kept):
        shutil.copyfile(live, tmp)  # a kept page whose hard link failed (another file system)
    elif isinstance(data, bytes):
        tmp.write_bytes(data)
    else:
        shutil.copyfile(data, tmp)
    os.replace(tmp, target)


def _remove(tree: Path, path: str) -> None:
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

