"""Images a build makes (share cards, resized copies), kept on disk by the digest of what they are made from.

A made image is a pure function of its inputs (a card: its title, the site's name, the type, the
fonts and the drawing code; a resized copy: the original's bytes and the width), so it is kept
under a key made of exactly those and never made twice: not by the next build, nor by a cold
build after the builder changed, while the inputs are the same. Layout:
``SITE/.site-builder-cache/images/<2 hex>/<key>``, each in the checked format of `codec` (a damaged
entry is a miss). Every build may read the folder; builds that keep a state write to it (not
`check`). Nothing is read or written through a symbolic link.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..files import atomic_write, real_folder
from . import codec
from .cache import read_regular

_FORMAT = b"sb-image-1\n"


class ImageStore:
    """Where made images are kept, and where the site's own files are read from (best effort: a failure is a miss)."""

    def __init__(self, root: Path, folder: Path | None, writable: bool):
        self.root = Path(root)
        self.folder = Path(folder) / "images" if folder is not None else None
        self.writable = writable and folder is not None

    def source(self, rel_path: str) -> bytes | None:
        """A file of the site (a media file to resize), or None when it cannot be read."""
        return read_regular(self.root / rel_path)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        data = read_regular(self._path(key))
        if data is None:
            return None
        try:
            value = codec.unpack(_FORMAT, data)
        except codec.Refused:
            return None
        return value if isinstance(value, bytes) else None

    def put(self, key: str, data: bytes) -> None:
        if not self.writable:
            return
        path = self._path(key)
        try:
            if real_folder(self.folder.parent) and real_folder(self.folder) and real_folder(path.parent):
                atomic_write(path, codec.pack(_FORMAT, data))
        except OSError:
            pass

    def prune(self, keep: set[str]) -> int:
        """Remove the kept images not in `keep` (call only after a build that made or found every image)."""
        if not self.writable or self.folder is None or not self.folder.is_dir() or self.folder.is_symlink():
            return 0
        removed = 0
        for shard in os.scandir(self.folder):
            if not shard.is_dir(follow_symlinks=False):
                continue
            for entry in os.scandir(shard.path):
                if entry.name not in keep and not entry.name.startswith("."):
                    try:
                        os.unlink(entry.path)
                        removed += 1
                    except OSError:
                        pass
        return removed
