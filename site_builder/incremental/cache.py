"""The on-disk parse cache: parsed files (Markdown already converted) kept between runs.

Parsing, Markdown above all, is most of a cold build. A parsed file is a pure function of the
file's bytes, its path, the site's settings and the builder's own code, so it is kept under a
key made of exactly those: ``blake2b(code digest, settings digest, path, file digest)``. Change
any of them and the key changes; nothing is looked up by path alone, so the cache cannot change
what is built, only how fast.

Layout: ``SITE/.site-builder-cache/parse/<2 hex>/<key>``, one file per parsed file in the plain
format of `codec` (no pickle: a crafted entry can only be refused, never run), written under a
temporary name and renamed. An entry that cannot be read, is damaged, or is not a regular file is
a miss. Entries no longer used by a build of the whole site are removed at its end. Nothing is
ever read, written or deleted through a symbolic link: a link where a folder of the cache should
be is removed as a link and a real folder made in its place.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

from ..files import atomic_write, digest_bytes, read_regular, real_folder, stat_signature
from ..read.discover import RACY_SECONDS
from . import codec

CACHE_DIR = ".site-builder-cache"
_FORMAT = b"sb-parse-2\n"
_MEMO_FORMAT = b"sb-code-1\n"
PACKAGE = Path(__file__).parent.parent  # the builder's own code and theme
_code_digest: str | None = None


def code_digest(memo: Path | None = None) -> str:
    """A digest of the builder's own code and theme, so a changed builder never reads old entries.

    Once a process. `memo`: a file (in the site's cache folder) keeping the last digest with each file's
    stat signature and the libraries' versions; while they are all the same the files are not read again
    (a command-line build would otherwise read the whole package each time). A file changed in the last
    two seconds is never vouched for by its stat (see read/discover.py): then nothing is kept."""
    global _code_digest
    if _code_digest is None:
        versions = _versions(("cmarkgfm", "jinja2", "markupsafe", "yaml", "pygments", "latex2mathml", "markdown",
                              "pymdown-extensions", "babel"))  # their versions shape the output too
        files, recent = _code_files(PACKAGE, time.time() - RACY_SECONDS)
        seen = (versions, {rel: signature for rel, (_, signature) in files.items()})
        kept = _read_memo(memo) if memo is not None else None
        if kept is not None and kept[0] == seen:
            _code_digest = kept[1]
            return _code_digest
        h = hashlib.blake2b(digest_size=16)
        h.update("".join(f"{lib}={version}\n" for lib, version in versions).encode())
        for rel in sorted(files):
            h.update(rel.encode())
            h.update(Path(files[rel][0]).read_bytes())
        _code_digest = h.hexdigest()
        if memo is not None and not recent:
            try:
                atomic_write(memo, codec.pack(_MEMO_FORMAT, (seen, _code_digest)))
            except OSError:
                pass
    return _code_digest


def _code_files(here: Path, oldest: float) -> tuple[dict[str, tuple[str, tuple]], bool]:
    """Every file of the package (its compiled forms aside): its path and stat signature, by POSIX path; and
    whether any was changed after `oldest` (a time)."""
    out: dict[str, tuple[str, tuple]] = {}
    recent = False
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        with os.scandir(os.path.join(here, rel_dir)) as entries:
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        stack.append(rel)
                elif entry.is_file():
                    st = entry.stat()
                    out[rel] = (entry.path, stat_signature(st))
                    recent = recent or st.st_mtime >= oldest or st.st_ctime >= oldest
    return out, recent


def _read_memo(memo: Path):
    data = read_regular(memo)
    try:
        return codec.unpack(_MEMO_FORMAT, data) if data is not None else None
    except codec.Refused:
        return None


def _versions(modules: tuple[str, ...]) -> list[tuple[str, str]]:
    """The installed version of each distribution, from its dist-info folder's name ('-' when none is found).

    (Read from the folder names rather than through importlib.metadata, which costs a command-line
    build more than a small edit does; each folder of the path is listed once.)"""
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name[:-len(".dist-info")].partition("-")
                found.setdefault(dist.lower().replace("-", "_").replace(".", "_"), version)
    return [(module, found.get({"yaml": "pyyaml"}.get(module, module).lower().replace("-", "_"), "-"))
            for module in modules]


def settings_digest(*parts) -> str:
    """A stable digest of the settings that shape parsing (their repr is deterministic)."""
    return digest_bytes(repr(parts).encode("utf-8", "surrogatepass"))


class DiskCache:
    """Parsed files by key on disk; every method is best effort (a failure is a miss, never an error)."""

    def __init__(self, folder: Path, settings: str):
        self.folder = Path(folder) / "parse"
        self.usable = real_folder(Path(folder)) and real_folder(self.folder)
        self.salt = f"{code_digest()}\x00{settings}\x00".encode()
        self.used: set[str] = set()
        self.misses = 0  # lookups that found nothing (parse.py prunes the cache only after a run with some)

    def key(self, rel_path: str, digest: str) -> str:
        return hashlib.blake2b(self.salt + f"{rel_path}\x00{digest}".encode(), digest_size=20).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str):
        """The value kept under key, or None."""
        self.used.add(key)
        data = read_regular(self._path(key)) if self.usable else None
        if data is not None:
            try:
                return codec.decode(codec.unpack(_FORMAT, data))
            except codec.Refused:
                pass
        self.misses += 1
        return None

    def put(self, key: str, value) -> None:
        self.used.add(key)
        if not self.usable:
            return
        path = self._path(key)
        try:
            if real_folder(path.parent):
                atomic_write(path, codec.pack(_FORMAT, codec.encode(value)))
        except (OSError, TypeError):
            pass

    def remove(self, key: str) -> None:
        """Forget one entry (the parsed form of bytes a file no longer has)."""
        if self.usable:
            try:
                os.unlink(self._path(key))
            except OSError:
                pass

    def prune(self) -> int:
        """Remove entries this run did not use (call only after reading the whole site)."""
        removed = 0
        if not self.usable:
            return 0
        try:
            shards = list(os.scandir(self.folder))
        except OSError:
            return 0
        for shard in shards:
            if not shard.is_dir(follow_symlinks=False):
                try:
                    os.unlink(shard.path)  # a stray file or link among the shards: removed as itself
                except OSError:
                    pass
                continue
            try:
                names = [e.name for e in os.scandir(shard.path)]
            except OSError:
                continue
            for name in names:
                if name not in self.used:
                    try:
                        os.unlink(os.path.join(shard.path, name))
                        removed += 1
                    except OSError:
                        pass
        return removed
