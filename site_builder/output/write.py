"""The I/O edge out: stage the new site beside the old one and swap it in whole.

Unchanged files are hard-linked from the previous output, so a build that changes
one page writes one page; a build that changes nothing touches nothing. A build
killed at any moment leaves the previous output whole: the swap is one atomic
rename exchange where the system offers it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..files import Kept, digest_bytes, file_digest, read_regular, signature_of
from .manifest import MANIFEST, manifest_bytes, read_manifest  # noqa: F401 (read_manifest: for the CLI too)
from .trees import (Folders, OutputRefused, Stranger, all_ours, build_lock, clear, exchange, identity,  # noqa: F401
                    new_file, ours, real_dir, remove, walk)  # (OutputRefused, build_lock: for the CLI and the build)

PARALLEL_WRITES_MIN = 500  # files to write before threads pay for themselves


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
    `ids` and `spare_ids` hold the device and inode of every file of each tree, as written: the record
    against which a file is checked before it is hard-linked (the manifests themselves stay the same
    bytes for the same site, so builds stay reproducible).
    """

    out: str
    manifest: dict
    signature: tuple
    spare_manifest: dict | None
    spare_signature: tuple | None
    ids: dict = field(default_factory=dict)
    spare_ids: dict | None = None
    whole: bool = True  # False: some file of it was removed or replaced since (the ids still tell the rest)

    def holds(self, out: Path) -> bool:
        return (self.whole and os.fspath(out) == self.out and signature_of(out / MANIFEST) == self.signature
                and (self.spare_manifest is None
                     or (real_dir(_spare(out)) and signature_of(_spare(out) / MANIFEST) == self.spare_signature)))

    def identity(self) -> tuple:
        """What a saved state keeps of it: the folder, the manifest files' signatures, the files' identities."""
        spare = self.spare_manifest is not None
        return (self.out, self.signature, self.spare_signature if spare else None, self.ids,
                self.spare_ids if spare else None)

    @classmethod
    def again(cls, out: str, signature: tuple, spare_signature: tuple | None, ids: dict | None = None,
              spare_ids: dict | None = None) -> "Written | None":
        """The write a saved state names, while both manifest files are still the ones it left and every
        file they name is still the one written there (device and inode, under real folders); else None."""
        path = Path(out)
        if signature_of(path / MANIFEST) != tuple(signature) or not isinstance(ids, dict):
            return None
        spare = None
        if spare_signature is not None:
            if signature_of(_spare(path) / MANIFEST) != tuple(spare_signature) or not isinstance(spare_ids, dict):
                return None
            spare = read_manifest(_spare(path))
        manifest = read_manifest(path)
        if manifest is None or (spare_signature is not None and spare is None):
            return None
        whole = all_ours(path, manifest, ids) and (spare is None or all_ours(_spare(path), spare, spare_ids))
        # not whole: a file of the last write was removed or replaced since (another process); the record
        # still tells, file by file, which of the others are the ones written
        return cls(out, manifest, tuple(signature), spare, tuple(spare_signature) if spare_signature else None,
                   ids, spare_ids, whole)


def _spare(out: Path) -> Path:
    return out.parent / f".{out.name}.spare"


def check_output_dir(root: Path, out: Path, trusted: "Written | None" = None) -> None:
    """Refuse an output folder that is the site, inside its sources, or an ancestor of it.

    A folder holding files this builder did not write, or any symbolic link, is refused too: that needs
    a look at every file, skipped when `trusted` (this process's last write) still holds.
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
    if out.is_dir():
        _check_tree(out, f"the output folder '{out.name}'", read_manifest(out))


def _check_tree(tree: Path, called: str, manifest: dict | None) -> None:
    """Refuse a tree that holds a link or special file anywhere, or a file its manifest does not name."""
    files, strangers = walk(tree)
    if strangers:
        raise OutputRefused(
            f"{called} holds a symbolic link or special file ({_shown(strangers)}); the builder never "
            "follows links in its output: remove it, or choose another folder with -o")
    ours = set(manifest or {}) | {MANIFEST}
    foreign = [p for p in files if p not in ours]
    if foreign:
        raise OutputRefused(
            f"{called} holds files this builder did not write ({_shown(foreign)}); "
            "choose an empty or new folder with -o, or move those files away")


def _shown(paths: list[str]) -> str:
    return ", ".join(paths[:3]) + (" ..." if len(paths) > 3 else "")


def on_disk(out: Path, written: "Written | None"):
    """A test of whether the output folder still holds, as the last write made it, a file of that digest
    (never without the record of that write: only a file the builder wrote is taken from the folder)."""
    if written is not None and written.holds(out.resolve()):
        return lambda path, digest: written.manifest.get(path) == digest
    manifest, ids = read_manifest(out) or {}, _ids(written, out.resolve())
    base = os.fspath(out)
    return lambda path, digest: manifest.get(path) == digest and ours(os.path.join(base, path), ids.get(path)) is not None


def kept_reader(out: Path):
    """Reads a page the last write left in the output folder (a Kept page: one `on_disk` found there as
    written), never through a link."""
    def read(path: str) -> bytes:
        data = read_regular(out / path)
        if data is None:
            raise OutputRefused(f"'{path}' in the output folder changed while the site was built; build again")
        return data
    return read


def _ids(written: "Written | None", out: Path) -> dict:
    """The identities the record of the last write into out gives its files (each still to be checked)."""
    return written.ids if written is not None and written.out == os.fspath(out) else {}


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
    trees are taken to be as it left them. No link in either tree is ever followed (see trees.py):
    a file is hard-linked from the live tree only when it is the very file the manifest says was written.
    """
    stats = WriteStats()
    out = out.resolve()
    trust = trusted is not None and trusted.holds(out)
    if not trust:
        _look_untrusted(out)
    old = trusted.manifest if trust else read_manifest(out) or {} if out.is_dir() else {}
    old_ids = _ids(trusted, out)  # without a record of the last write, nothing is linked from the live tree
    digests, plan = _plan(out, outputs, known, old, old_ids, trust, stats)
    stats.removed = len(set(old) - set(outputs))
    if out.is_dir() and stats.written == 0 and stats.removed == 0:
        stats.written_state = trusted if trust else _as_found(out, trusted)
        return stats
    spare = _spare(out)
    kept = _spare_tree(out, spare, outputs, trusted if trust else None)
    spare_manifest, spare_ids = kept or ({}, {})
    spare_s = os.fspath(spare)
    todo = [(path, data, same) for path, data, same in plan
            if not (spare_manifest.get(path) == digests[path]
                    and (trust or ours(os.path.join(spare_s, path), spare_ids.get(path)) is not None))]
    removals = sorted(set(spare_manifest) - set(outputs))
    if kept is not None:
        _guard(spare, [path for path, _, _ in todo] + removals)  # before either tree is touched
    staging = _staging(out, spare, kept is not None)
    try:
        for path in removals:
            remove(staging, path)
        placed = _place_all(staging, out, todo, old_ids, fresh=kept is None)
        ids = {path: placed.get(path) or spare_ids.get(path) or identity(os.lstat(staging / path)) for path in digests}
        new_file(staging / MANIFEST, manifest_bytes(digests))
        had_out = out.is_dir()
        _swap_in(staging, out, spare, had_out)
        staging = None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    signature = signature_of(out / MANIFEST)
    if had_out and not old_ids:  # a tree no record vouches for (written before a change of settings): it
        clear(spare)  # would be looked through by every build until the next edit; the next write makes one anew
        had_out = False
    spare_signature = signature_of(spare / MANIFEST) if had_out else None
    if signature is not None and (not had_out or spare_signature is not None):
        stats.written_state = Written(os.fspath(out), digests, signature, old if had_out else None, spare_signature,
                                      ids, old_ids if had_out else None)
    return stats


def _as_found(out: Path, last: Written | None) -> Written | None:
    """What a write that changed nothing found, for the next write to trust: only while the record of the
    last write into out still names every file of both trees (device and inode), else None."""
    if last is None or last.out != os.fspath(out):
        return None
    spare = _spare(out)
    signature = signature_of(out / MANIFEST)
    spare_signature = signature_of(spare / MANIFEST) if real_dir(spare) else None
    if signature is None:
        return None
    found = Written.again(os.fspath(out), signature, spare_signature, last.ids, last.spare_ids)
    return found if found is not None and found.whole else None


def _look_untrusted(out: Path) -> None:
    """Before a write that cannot trust the last one: staging trees left by killed builds go (links as
    links), and the output folder is refused if it holds a link or a file the builder did not write."""
    for leftover in out.parent.glob(f".{out.name}.staging-*"):
        clear(leftover)
    if out.is_dir():
        _check_tree(out, f"the output folder '{out.name}'", read_manifest(out))


def _staging(out: Path, spare: Path, reuse: bool) -> Path:
    """The staging tree: the spare, renamed, when it is to be updated; else a new folder (the spare goes)."""
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    clear(staging)
    if reuse:
        os.rename(spare, staging)
        os.unlink(staging / MANIFEST)  # from here on the tree is unfinished until the new manifest
    else:
        clear(spare)
        staging.mkdir()
    return staging


def _plan(out: Path, outputs: dict, known: dict | None, old: dict, old_ids: dict, trust: bool, stats: WriteStats):
    """Each output's digest, and (path, data, same as in the live tree) in path order."""
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
        same = old.get(path) == digest and (trust or ours(os.path.join(out_s, path), old_ids.get(path)) is not None)
        if isinstance(data, Kept) and not same:
            raise OutputRefused(f"'{path}' in the output folder changed while the site was built; build again")
        plan.append((path, data, same))
        if same:
            stats.unchanged += 1
        else:
            stats.written += 1
    return digests, plan


def _spare_tree(out: Path, spare: Path, outputs: dict, trusted: Written | None) -> tuple[dict, dict] | None:
    """The spare tree's manifest and ids when it is to be updated in place, else None (it is made anew)."""
    if not real_dir(spare):
        return None  # nothing there, or a link or file where the spare goes: removed as itself
    if trusted is not None:
        if trusted.spare_manifest is None:
            return None
        spare_s = os.fspath(spare)  # trusted, not blind: a file about to be made must not be there already
        foreign = sorted(p for p in outputs if p not in trusted.spare_manifest and os.path.lexists(os.path.join(spare_s, p)))
        if foreign:
            raise OutputRefused(f"the spare output folder '{spare.name}' holds files this builder did not "
                                f"write ({', '.join(foreign[:3])}); move them away")
        return trusted.spare_manifest, trusted.spare_ids or {}
    tree = read_manifest(spare) if out.is_dir() else None
    if tree is not None:
        _check_tree(spare, f"the spare output folder '{spare.name}'", tree)
    return (tree, {}) if tree is not None else None


def _guard(tree: Path, paths: list[str]) -> None:
    """Refuse to write into or remove from a tree through a link: every folder on the way must be real."""
    folders = Folders(tree)
    try:
        for path in paths:
            folders.check(path.rpartition("/")[0])
    except Stranger as exc:
        raise OutputRefused(f"the spare output folder '{tree.name}' holds a symbolic link or special file "
                            f"({exc.rel}); the builder never writes through links: delete '{tree.name}'") from None


def _place_all(staging: Path, out: Path, todo: list, old_ids: dict, fresh: bool) -> dict[str, list[int]]:
    """Place every file to write in the staging tree; the identity of each, by path. `fresh`: the staging
    tree was made anew for this write (not the spare, updated), so nothing is in it yet."""
    jobs = [(staging / path, data, out / path if same else None, old_ids.get(path), fresh) for path, data, same in todo]
    for folder in sorted({target.parent for target, *_ in jobs}):
        folder.mkdir(parents=True, exist_ok=True)
    if len(jobs) >= PARALLEL_WRITES_MIN:  # file system calls release the GIL: a few threads overlap them
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(4) as pool:  # a quarter of the files each (a task per file costs more than a link)
            parts = list(pool.map(lambda part: [_place(*job) for job in part], [jobs[i::4] for i in range(4)]))
        done = [None] * len(jobs)
        for i, part in enumerate(parts):
            done[i::4] = part
    else:
        done = [_place(*job) for job in jobs]
    return {path: ident for (path, _, _), ident in zip(todo, done)}


def _swap_in(staging: Path, out: Path, spare: Path, had_out: bool) -> None:
    """Swap the finished staging tree in; the tree swapped out becomes the spare."""
    if not had_out:
        os.rename(staging, out)
        return
    if not exchange(staging, out):
        retired = out.parent / f".{out.name}.staging-{os.getpid()}-old"
        clear(retired)
        os.rename(out, retired)
        os.rename(staging, out)
        staging = retired
    os.rename(staging, spare)  # the previous output, kept to be updated next time


def _place(target: Path, data: bytes | Path, live: Path | None, ident, fresh: bool = False) -> list[int]:
    """Put a file at target under a new inode (the trees share unchanged files as hard links); its identity.

    A file is linked from the live tree only when it is the one the builder wrote there (device and inode).
    `fresh`: nothing is in target's folder yet (made by this write): a link or a page is made at target
    itself, failing if anything is there; a copied file still goes under a temporary name first."""
    fresh = fresh and not isinstance(data, Path)
    tmp = target if fresh else target.with_name(f".{target.name}.tmp")
    if not fresh:
        clear(tmp)
    if live is not None:
        st = ours(live, ident)
        if st is None and isinstance(data, Kept):
            raise OutputRefused(f"'{live.name}' in the output folder changed while the site was built; build again")
        if st is not None:
            try:
                os.link(live, tmp, follow_symlinks=False)
                if not fresh:
                    os.replace(tmp, target)
                return identity(st)
            except OSError:
                if not fresh:  # (fresh: no link was made, and what may be there is not the builder's)
                    clear(tmp)
    if isinstance(data, Kept):  # a kept page whose hard link failed (another file system)
        kept = read_regular(live)
        if kept is None:
            raise OutputRefused(f"'{live.name}' in the output folder changed while the site was built; build again")
        st = new_file(tmp, kept)
    elif isinstance(data, bytes):
        st = new_file(tmp, data)
    else:
        try:
            shutil.copyfile(data, tmp)
        except FileNotFoundError:
            raise OutputRefused(f"'{data.name}' was removed while the site was built; build again") from None
        st = os.lstat(tmp)
    if not fresh:
        os.replace(tmp, target)
    return identity(st)
