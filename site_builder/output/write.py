"""The I/O edge out: stage the new site beside the old one and swap it in whole.

Unchanged files are hard-linked from the previous output, so a build that changes
one page writes one page; a build that changes nothing touches nothing. A build
killed at any moment leaves the previous output whole: the swap is one atomic
rename exchange where the system offers it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..files import Kept, digest_bytes, file_digest, read_regular, signature_of
from .manifest import MANIFEST, manifest_bytes, read_manifest  # noqa: F401 (read_manifest: for the CLI too)
from .trees import (Folders, Listings, OutputRefused, Stranger, build_lock, clear, exchange, identity,  # noqa: F401
                    new_file, ours, real_dir, remove, walk)  # (OutputRefused, build_lock: for the CLI and the build)
from .written import Written, ids_for, kept_reader, on_disk, spare_of  # noqa: F401 (kept_reader, on_disk: for the build)

PARALLEL_WRITES_MIN = 500  # files to write before threads pay for themselves


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    written_state: "Written | None" = None  # what this write left, for the next write by the same process

    @property
    def changed(self) -> bool:
        """The output folder changed, or the write learned of its folders what the next build can use."""
        return bool(self.written or self.removed or (self.written_state and self.written_state.listings.learned()))


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
    if trusted is not None and trusted.trusted(out):
        return  # (its files are looked at when they are used: see write_output, on_disk)
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


def write_output(out: Path, outputs: dict[str, bytes | Path | Kept], known: dict[str, str] | None = None,
                 trusted: Written | None = None, spare_wanted: bool = False) -> WriteStats:
    """Make out hold exactly outputs. Bytes are written; Paths are copied files; a Kept file (a page the
    last write made, named by its digest) is taken from the live output, where it must still be.

    The new tree is made beside the live one and swapped in whole. The tree swapped out is
    kept as a spare (``.<out>.spare``); the next build updates the spare with only the files
    that differ from it and swaps again, so an edit costs the files it changes, not the site.
    A spare without its manifest (a build killed while updating it) is thrown away.
    `known` may give the digests of bytes the caller knows already (the manifest's digest function).
    `trusted` is what this process's last write returned (stats.written_state): while it holds, the
    trees are taken to be as it left them. `spare_wanted`: the caller keeps what this write returns, so
    a first write also makes the spare (of hard links), for the next one to update. No link in either
    tree is ever followed (see trees.py): a file is hard-linked from the live tree only when it is the
    very file the manifest says was written.
    """
    out = out.resolve()
    trust = trusted is not None and trusted.trusted(out)  # (the trees' files: looked at as they are needed)
    if not trust:
        _look_untrusted(out)
    old = trusted.manifest if trust else read_manifest(out) or {} if out.is_dir() else {}
    old_ids = ids_for(trusted, out)  # without a record of the last write, nothing is linked from the live tree
    digests, plan, stats = _plan(out, outputs, known, old, old_ids, trust)
    live_known = trust
    if trust and out.is_dir() and stats.written == 0 and stats.removed == 0 and not trusted.live_whole():
        live_known = False  # a file of the live tree is not the one written: each is looked at, the tree swapped
        digests, plan, stats = _plan(out, outputs, known, old, old_ids, live_known)
    if out.is_dir() and stats.written == 0 and stats.removed == 0:
        stats.written_state = trusted if live_known else _as_found(out, trusted)
        return stats
    spare = spare_of(out)
    kept = _spare_tree(out, spare, outputs, trusted if trust else None)
    spare_manifest, spare_ids, _ = kept or ({}, {}, False)
    todo = _todo(spare, kept, plan, digests)
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
    if had_out and not old_ids:  # a tree no record vouches for (written before a change of settings): it
        clear(spare)  # would be looked through by every build until the next edit; the next write makes one anew
        had_out = False
    spare_known = not trust or trusted.looked.get("live", False)  # (the spare: the last live tree)
    stats.written_state = _record(out, digests, ids, (old, old_ids, spare_known) if had_out else None, spare_wanted,
                                  trusted.listings.saved() if trust else None)
    return stats


def _record(out: Path, digests: dict, ids: dict, spare: tuple | None, spare_wanted: bool,
            listed: dict | None = None) -> Written | None:
    """What this write left, for the next: `spare` is the spare tree's manifest, ids and whether its files
    are known to be as written (None: there is none; with `spare_wanted` it is made now, of links to the
    files just written, so the next write updates one rather than making one); `listed`: the folders'
    listings known (trees.Listings: a folder this write changed has another stamp, so is listed again)."""
    signature = signature_of(out / MANIFEST)
    if signature is None:
        return None
    spare_signature = signature_of(spare_of(out) / MANIFEST) if spare is not None else None
    if spare is None and spare_wanted:
        made = _linked_spare(out, spare_of(out), digests, ids)
        if made is not None:
            spare_signature, spare = made[0], (dict(digests), made[1], True)
    if spare is not None and spare_signature is None:
        return None
    manifest, spare_ids, known = spare or (None, None, True)
    return Written(os.fspath(out), digests, signature, manifest, spare_signature, ids, spare_ids,
                   {"live": True} | ({"spare": True} if known else {}), Listings(listed))


def _linked_spare(out: Path, spare: Path, digests: dict, ids: dict) -> tuple[tuple, dict] | None:
    """Make the spare tree as hard links to every file of the live one; its manifest's signature and its files'
    identities (the live files' own), or None where it could not be made whole (then the next write makes it)."""
    staging = _staging(out, spare, reuse=False)
    try:
        placed = _place_all(staging, out, [(path, Kept(digest), True) for path, digest in digests.items()], ids, True)
        new_file(staging / MANIFEST, manifest_bytes(digests))
        os.rename(staging, spare)
        staging = None
    except OSError:
        return None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    signature = signature_of(spare / MANIFEST)
    return (signature, placed) if signature is not None else None


def _todo(spare: Path, kept: tuple | None, plan: list, digests: dict) -> list:
    """The files to place in the staging tree: those the spare does not hold, as written, with the digest wanted."""
    spare_manifest, spare_ids, spare_known = kept or ({}, {}, False)
    spare_s = os.fspath(spare)
    todo = [(path, data, same) for path, data, same in plan
            if not (spare_manifest.get(path) == digests[path]
                    and (spare_known or ours(os.path.join(spare_s, path), spare_ids.get(path)) is not None))]
    gone = [path for path, data, same in todo if isinstance(data, Kept) and not same]  # in neither tree as written
    if gone:
        raise OutputRefused(f"'{gone[0]}' in the output folder changed while the site was built; build again")
    return todo


def _as_found(out: Path, last: Written | None) -> Written | None:
    """What a write that changed nothing found, for the next write to trust: only while the record of the
    last write into out still names every file of both trees (device and inode), else None."""
    if last is None or last.out != os.fspath(out):
        return None
    spare = spare_of(out)
    signature = signature_of(out / MANIFEST)
    spare_signature = signature_of(spare / MANIFEST) if real_dir(spare) else None
    if signature is None:
        return None
    found = Written.again(os.fspath(out), signature, spare_signature, last.ids, last.spare_ids, last.listings.saved())
    return found if found is not None and found.live_whole() and found.spare_whole() else None


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


def _plan(out: Path, outputs: dict, known: dict | None, old: dict, old_ids: dict, trust: bool):
    """Each output's digest; (path, data, same as in the live tree) in path order; the counts. `trust`: the
    live tree's manifest is taken at its word (a file is looked at when it is linked from there)."""
    digests: dict[str, str] = {}
    plan: list[tuple[str, bytes | Path, bool]] = []
    stats = WriteStats()
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
        plan.append((path, data, same))
        if same:
            stats.unchanged += 1
        else:
            stats.written += 1
    stats.removed = len(set(old) - set(outputs))
    return digests, plan, stats


def _spare_tree(out: Path, spare: Path, outputs: dict, trusted: Written | None) -> tuple[dict, dict, bool] | None:
    """The spare tree's manifest and ids when it is to be updated in place, and whether every file it names
    was found as written; None when it is to be made anew."""
    if not real_dir(spare):
        return None  # nothing there, or a link or file where the spare goes: removed as itself
    if trusted is not None:
        if trusted.spare_manifest is None:
            return None
        if trusted.spare_whole():
            spare_s = os.fspath(spare)  # trusted, not blind: a file about to be made must not be there already
            foreign = sorted(p for p in outputs
                             if p not in trusted.spare_manifest and os.path.lexists(os.path.join(spare_s, p)))
            if foreign:
                raise OutputRefused(f"the spare output folder '{spare.name}' holds files this builder did not "
                                    f"write ({', '.join(foreign[:3])}); move them away")
            return trusted.spare_manifest, trusted.spare_ids or {}, True
    tree = read_manifest(spare) if out.is_dir() else None
    if tree is not None:
        _check_tree(spare, f"the spare output folder '{spare.name}'", tree)
    return (tree, {}, False) if tree is not None else None


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
    stage_s, out_s = os.fspath(staging), os.fspath(out)  # (paths as text: a tree of 10,000 pages is 20,000 joins)
    jobs = [(os.path.join(stage_s, path), data, os.path.join(out_s, path) if same else None, old_ids.get(path), fresh)
            for path, data, same in todo]
    for folder in sorted({os.path.dirname(path) for path, _, _ in todo}):
        (staging / folder).mkdir(parents=True, exist_ok=True)
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


def _place(target: str, data: bytes | Path, live: str | None, ident, fresh: bool = False) -> list[int]:
    """Put a file at target under a new inode (the trees share unchanged files as hard links); its identity.

    A file is linked from the live tree only when it is the one the builder wrote there (device and inode).
    `fresh`: nothing is in target's folder yet (made by this write): a link or a page is made at target
    itself, failing if anything is there; a copied file still goes under a temporary name first."""
    fresh = fresh and not isinstance(data, Path)
    if fresh and live is None and isinstance(data, bytes):  # a page of a new tree: most of a cold build's files
        return identity(new_file(target, data))
    folder, name = os.path.split(target)
    tmp = target if fresh else os.path.join(folder, f".{name}.tmp")
    if not fresh:
        clear(tmp)
    if live is not None:
        st = ours(live, ident)
        if st is None and isinstance(data, Kept):
            raise OutputRefused(f"'{os.path.basename(live)}' in the output folder changed while the site was built; "
                                "build again")
        if st is not None and not fresh and _same_inode(target, st):
            return identity(st)  # already that very file (the trees share it); a rename onto it would do nothing
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
            raise OutputRefused(f"'{os.path.basename(live)}' in the output folder changed while the site was built; "
                                "build again")
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


def _same_inode(path: Path, st: os.stat_result) -> bool:
    try:
        found = os.lstat(path)
    except OSError:
        return False
    return (found.st_dev, found.st_ino) == (st.st_dev, st.st_ino)
