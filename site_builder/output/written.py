"""What one write left in the output folder, and what a later build may take from it.

A `Written` is kept by the process that wrote (the preview) and in the saved state (the next
command-line build). While its manifest files are still the ones it wrote, a build takes a tree's
files to be as written without walking it; each file is still checked (device and inode) before it is
hard-linked, kept or read, and a tree is looked at file by file, once, only when a build needs all of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..files import read_regular, signature_of
from .manifest import MANIFEST, read_manifest
from .trees import Listings, OutputRefused, all_ours, ours, real_dir, real_folders


@dataclass(frozen=True)
class Written:
    """What one write left on disk: both trees' manifests, and the identity of each manifest file.

    The next write (by the same process, or by the next command-line build, which keeps this with
    its saved state) may take the trees to be these, without walking them, while both manifest files
    are still the ones it wrote (same inode, times and size).
    `ids` and `spare_ids` hold the device and inode of every file of each tree, as written: the record
    against which a file is checked before it is hard-linked or kept (the manifests themselves stay the
    same bytes for the same site, so builds stay reproducible).
    `looked`: per tree ("live", "spare"), whether every file its manifest names is still the one written
    there. A write made by this process knows its trees; a record read back from a saved state looks at
    a tree, file by file, only when a build first needs the whole of it (`live_whole`, `spare_whole`).
    `listings`: what the folders that hold the trees' folders held when last listed (trees.Listings).
    """

    out: str
    manifest: dict
    signature: tuple
    spare_manifest: dict | None
    spare_signature: tuple | None
    ids: dict = field(default_factory=dict)
    spare_ids: dict | None = None
    looked: dict = field(default_factory=lambda: {"live": True, "spare": True}, compare=False, repr=False)
    listings: Listings = field(default_factory=Listings, compare=False, repr=False)

    def names(self, out: Path) -> bool:
        """Both manifest files in the folders are still the ones this write left (their files not yet looked at)."""
        return (os.fspath(out) == self.out and signature_of(out / MANIFEST) == self.signature
                and (self.spare_manifest is None
                     or (real_dir(spare_of(out)) and signature_of(spare_of(out) / MANIFEST) == self.spare_signature)))

    def trusted(self, out: Path) -> bool:
        """The manifests are this write's (`names`) and no folder of the live tree is a link: the tree's files
        may then be looked at as they are used, the tree swapped out whole (a file not as written is
        then in the spare tree, looked at whole before the next write into it)."""
        if not self.names(out):
            return False
        if "folders" not in self.looked:
            self.looked["folders"] = self.looked.get("live") or real_folders(Path(self.out), self.manifest,
                                                                                 self.listings)
        return self.looked["folders"]

    def live_whole(self) -> bool:
        """Every file of the live tree's manifest is the one written there, under real folders."""
        if "live" not in self.looked:
            self.looked["live"] = all_ours(Path(self.out), self.manifest, self.ids, self.listings,
                                           self.looked.get("folders", False))
        return self.looked["live"]

    def spare_whole(self) -> bool:
        """Likewise for the spare tree (True when there is none)."""
        if "spare" not in self.looked:
            self.looked["spare"] = (self.spare_manifest is None
                                    or all_ours(spare_of(Path(self.out)), self.spare_manifest, self.spare_ids or {},
                                                self.listings))
        return self.looked["spare"]

    def holds(self, out: Path) -> bool:
        return self.names(out) and self.live_whole() and self.spare_whole()

    def identity(self) -> tuple:
        """What a saved state keeps of it: the folder, the manifest files' signatures, the files' identities, the
        folders' listings."""
        spare = self.spare_manifest is not None
        return (self.out, self.signature, self.spare_signature if spare else None, self.ids,
                self.spare_ids if spare else None, self.listings.saved())

    @classmethod
    def again(cls, out: str, signature: tuple, spare_signature: tuple | None, ids: dict | None = None,
              spare_ids: dict | None = None, listed: dict | None = None) -> "Written | None":
        """The write a saved state names, while both manifest files are still the ones it left; else None.
        Its trees' files are looked at when a build first needs them (see `looked`)."""
        path = Path(out)
        if signature_of(path / MANIFEST) != tuple(signature) or not isinstance(ids, dict):
            return None
        spare = None
        if spare_signature is not None:
            if signature_of(spare_of(path) / MANIFEST) != tuple(spare_signature) or not isinstance(spare_ids, dict):
                return None
            spare = read_manifest(spare_of(path))
        manifest = read_manifest(path)
        if manifest is None or (spare_signature is not None and spare is None):
            return None
        return cls(out, manifest, tuple(signature), spare, tuple(spare_signature) if spare_signature else None,
                   ids, spare_ids, {}, Listings(listed if isinstance(listed, dict) else None))


class KeptTest:
    """Whether the output folder still holds, as the last write made it, a file of a digest: called with
    (path, digest) for one file, and `missing(digests)` for many at once (see `on_disk`)."""

    def __init__(self, one, many=None):
        self.one, self.many = one, many

    def __call__(self, path: str, digest: str | None) -> bool:
        return self.one(path, digest)

    def missing(self, digests: dict) -> set | None:
        """The paths of digests (path -> digest) whose file is not there as written; None when only a look at
        each one can tell."""
        return self.many(digests) if self.many is not None else None


def on_disk(out: Path, written: "Written | None", changing: bool = True) -> KeptTest:
    """A test of whether the output folder still holds, as the last write made it, a file of that digest
    (never without the record of that write: only a file the builder wrote is taken from the folder).

    `changing`: the build is expected to write (then the spare tree is about to be looked at whole, and
    a file it holds as well is taken from it; the others are looked at one by one), else the live tree is
    looked at whole (a build that changes nothing keeps it as it is)."""
    out = out.resolve()
    ids, base = ids_for(written, out), os.fspath(out)

    def live(path: str) -> bool:  # the live tree's file, looked at alone
        return ours(os.path.join(base, path), ids.get(path)) is not None

    if written is None or not written.trusted(out):
        manifest = read_manifest(out) or {}
        return KeptTest(lambda path, digest: manifest.get(path) == digest and live(path))
    manifest, spare = written.manifest, written.spare_manifest or {}

    def other(digests: dict) -> set:  # not what the live tree's manifest names
        return {path for path, digest in digests.items() if manifest.get(path) != digest}

    if written.looked.get("live") or (not changing and written.live_whole()):
        return KeptTest(lambda path, digest: manifest.get(path) == digest, other)
    if not changing:  # a file of the live tree is not the one written: each is looked at
        return KeptTest(lambda path, digest: manifest.get(path) == digest and live(path))

    def missing(digests: dict) -> set | None:  # the spare holds most as written; the others are looked at
        if not written.spare_whole():
            return None
        gone = other(digests)
        gone.update(path for path, digest in digests.items()
                    if spare.get(path) != digest and path not in gone and not live(path))
        return gone
    return KeptTest(lambda path, digest: manifest.get(path) == digest and (
        (spare.get(path) == digest and written.spare_whole()) or live(path)), missing)


def kept_reader(out: Path, written: "Written | None"):
    """Reads a page the last write left in the output folder (a Kept page: one `on_disk` found there as
    written), never through a link, and only while it is still the very file written there."""
    ids = ids_for(written, out.resolve())
    spare = (written.spare_manifest or {}) if written is not None and ids else {}

    def read(path: str) -> bytes:
        data = read_regular(out / path, ids.get(path))
        if data is None and path in spare and spare[path] == written.manifest.get(path):  # the spare's copy
            data = read_regular(spare_of(out.resolve()) / path, (written.spare_ids or {}).get(path))
        if data is None:
            raise OutputRefused(f"'{path}' in the output folder changed while the site was built; build again")
        return data
    return read


def ids_for(written: "Written | None", out: Path) -> dict:
    """The identities the record of the last write into out gives its files (each still to be checked)."""
    return written.ids if written is not None and written.out == os.fspath(out) else {}


def spare_of(out: Path) -> Path:
    return out.parent / f".{out.name}.spare"
