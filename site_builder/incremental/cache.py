"""The on-disk parse cache: parsed files (Markdown already converted) kept between runs.

Parsing, Markdown above all, is most of a cold build. A parsed file is a pure function of
the file's bytes, its path, the site's settings and the builder's own code, so it is kept
under a key made of exactly those: ``blake2b(code digest, settings digest, path, file digest)``.
Change any of them and the key changes; nothing is ever looked up by path alone, so the
cache cannot change what is built, only how fast.

Layout: ``SITE/.site-builder-cache/parse/<2 hex>/<key>``, one pickle per file, written to
a temporary name and renamed (a killed build leaves no half entry; two builds may share the
folder). An entry that cannot be read is a miss. Entries no longer used by a build of the
whole site are removed at its end, so the folder holds about one site's worth.

The folder is the site's own working data (git-ignored, like ``output/``); its entries are
Python pickles and must not be taken from anyone else.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

CACHE_DIR = ".site-builder-cache"
_FORMAT = b"sb-parse-1\n"
_code_digest: str | None = None


def code_digest() -> str:
    """A digest of the builder's own code and theme, so a changed builder never reads old entries."""
    global _code_digest
    if _code_digest is None:
        h = hashlib.blake2b(digest_size=16)
        for lib in ("cmarkgfm", "jinja2", "markupsafe", "yaml"):  # their versions shape the output too
            h.update(f"{lib}={_version(lib)}\n".encode())
        here = Path(__file__).parent
        for path in sorted(p for p in here.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(path.relative_to(here).as_posix().encode())
            h.update(path.read_bytes())
        _code_digest = h.hexdigest()
    return _code_digest


def _version(module: str) -> str:
    """The installed version of a distribution ('-' when it cannot be told)."""
    from importlib import metadata
    try:
        return metadata.version({"yaml": "PyYAML"}.get(module, module))
    except metadata.PackageNotFoundError:
        return "-"


class DiskCache:
    """Parsed files by key on disk; every method is best effort (a failure is a miss, never an error)."""

    def __init__(self, folder: Path, settings: str):
        self.folder = Path(folder) / "parse"
        self.salt = f"{code_digest()}\x00{settings}\x00".encode()
        self.used: set[str] = set()
        self.hits = self.misses = self.writes = 0

    def key(self, rel_path: str, digest: str) -> str:
        return hashlib.blake2b(self.salt + f"{rel_path}\x00{digest}".encode(), digest_size=20).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str):
        self.used.add(key)
        try:
            data = self._path(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        if not data.startswith(_FORMAT):
            self.misses += 1
            return None
        try:
            value = pickle.loads(data[len(_FORMAT):])
        except Exception:  # a damaged entry is only a miss
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put_bytes(self, key: str, pickled: bytes) -> None:
        """Store an already pickled value (workers pickle once; the parent only writes)."""
        self.used.add(key)
        path = self._path(key)
        tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(_FORMAT + pickled)
            os.replace(tmp, path)
            self.writes += 1
        except OSError:
            try:
                tmp.unlink()
            except OSError:
                pass

    def put(self, key: str, value) -> None:
        try:
            pickled = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an unpicklable value is simply not cached
            return
        self.put_bytes(key, pickled)

    def prune(self) -> int:
        """Remove entries this run did not use (call only after reading the whole site)."""
        removed = 0
        try:
            shards = list(self.folder.iterdir())
        except OSError:
            return 0
        for shard in shards:
            try:
                names = os.listdir(shard)
            except OSError:
                continue
            for name in names:
                if name not in self.used:
                    try:
                        os.unlink(shard / name)
                        removed += 1
                    except OSError:
                        pass
        return removed


def settings_digest(*parts) -> str:
    """A stable digest of the settings that shape parsing (their repr is deterministic)."""
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
