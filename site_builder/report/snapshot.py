"""One side of a change report: a site built once, reduced to what readers and reviewers see.

A snapshot keeps the build's problems, the facts export (data/facts.json: every fact sheet with
its fields, values and sources), and for every HTML page a digest and, when asked for, its text
(see pagetext). The base side of a report is kept on disk, keyed by its commit, the builder's
code and the build settings, so the next report against the same base builds only the working tree.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import __version__
from ..build import BuildOptions, build_site
from .pagetext import PageText, read_page
from .problems import record
from ..files import atomic_write, digest_bytes

CACHE_FOLDER = Path(".site-builder-cache") / "diff"
SNAPSHOT_VERSION = 1
KEEP = 4  # snapshots kept in the cache folder; the least recently used go first
_builder_digest: str | None = None


@dataclass
class Snapshot:
    built: bool  # the build made the site's pages (False: site.yml is broken, or there is no site)
    failure: str = ""  # why nothing was built
    problems: list[dict] = field(default_factory=list)  # as check's JSON report gives them
    site: dict = field(default_factory=dict)  # title, url
    types: dict = field(default_factory=dict)  # name -> {label, plural, folder, fields: {name: label}}
    facts: dict = field(default_factory=dict)  # id -> the record of data/facts.json
    digests: dict = field(default_factory=dict)  # out_path of each HTML page -> digest of its bytes
    texts: dict = field(default_factory=dict)  # out_path -> PageText, filled as pages are read
    html: dict = field(default_factory=dict, repr=False)  # out_path -> bytes, until read (never saved)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p["severity"] == "error")

    def page(self, path: str) -> PageText:
        """The text of one page, read from its HTML the first time it is asked for."""
        if path not in self.texts:
            self.texts[path] = read_page(self.html.pop(path, b""))
        return self.texts[path]

    def to_json(self) -> dict:
        for path in list(self.html):
            self.page(path)
        data = {k: v for k, v in asdict(self).items() if k not in ("texts", "html")}
        data["texts"] = {path: asdict(text) for path, text in self.texts.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Snapshot":
        texts = {path: PageText(**text) for path, text in data.pop("texts").items()}
        return cls(**data, texts=texts)


def take(root: Path, options: BuildOptions) -> Snapshot:
    """Build the site at root without writing anything, and keep what a report compares."""
    if not (root / "site.yml").is_file():
        return Snapshot(False, "there is no site.yml")
    try:
        result = build_site(root, options, write=False)
    except Exception as exc:  # a base the builder cannot handle is reported, not raised
        return Snapshot(False, f"the builder stopped: {type(exc).__name__}: {exc}")
    problems = [record(d) for d in result.diagnostics]
    export = result.outputs.get("data/facts.json")
    if isinstance(export, Path):
        export = export.read_bytes()
    if not export:
        first = next((p for p in problems if p["severity"] == "error"), None)
        why = f"{first['file']}: {first['message']}" if first else "the build made no pages"
        return Snapshot(False, why, problems)
    data = json.loads(export)
    snap = Snapshot(True, "", problems, dict(data.get("site", {})), _types(data.get("types", [])),
                    {fact["id"]: fact for fact in data.get("facts", [])})
    for path, content in result.outputs.items():
        if path.endswith(".html"):
            content = content.read_bytes() if isinstance(content, Path) else content
            snap.digests[path] = digest_bytes(content)
            snap.html[path] = content
    return snap


def _types(types: list[dict]) -> dict:
    return {t["name"]: {"label": t.get("label", t["name"]), "plural": t.get("plural", t["name"]),
                        "folder": t.get("folder", ""),
                        "fields": {f["name"]: f.get("label", f["name"]) for f in t.get("fields", [])}}
            for t in types}


def builder_digest() -> str:
    """A digest of this builder's code and theme and of the libraries that shape its output."""
    global _builder_digest
    if _builder_digest is None:
        from importlib import metadata

        h = hashlib.blake2b(digest_size=16)
        for dist in ("cmarkgfm", "Jinja2", "MarkupSafe", "PyYAML"):
            try:
                h.update(f"{dist}={metadata.version(dist)}\n".encode())
            except metadata.PackageNotFoundError:
                h.update(f"{dist}=-\n".encode())
        package = Path(__file__).resolve().parent.parent
        for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
        _builder_digest = h.hexdigest()
    return _builder_digest


def cache_path(root: Path, commit: str, site_in_repo: str, options: BuildOptions) -> Path:
    """Where the snapshot of `commit` is kept: under the working tree's site, named by all it depends on."""
    key = hashlib.blake2b(f"{SNAPSHOT_VERSION}\0{__version__}\0{builder_digest()}\0{site_in_repo}\0"
                          f"{options.drafts}\0{options.base_url}".encode(), digest_size=10).hexdigest()
    return root / CACHE_FOLDER / f"{commit}-{key}.json.gz"


def load(path: Path) -> Snapshot | None:
    """A kept snapshot, or None when there is none (or it cannot be read: then it is built again)."""
    try:
        data = json.loads(gzip.decompress(path.read_bytes()))
        if data.pop("version", None) != SNAPSHOT_VERSION:
            return None
        snap = Snapshot.from_json(data)
    except (OSError, ValueError, TypeError, KeyError, EOFError):
        return None
    try:
        os.utime(path)  # recently used: kept longest
    except OSError:
        pass
    return snap


def save(path: Path, snap: Snapshot) -> None:
    """Keep a snapshot (best effort: a cache that cannot be written only makes the next report slower)."""
    data = {"version": SNAPSHOT_VERSION, **snap.to_json()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# site-builder diff keeps the base side of its reports here\n*\n", "utf-8")
        atomic_write(path, gzip.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), compresslevel=3))
    except OSError:
        return
    _prune(path.parent)


def _prune(folder: Path) -> None:
    try:
        kept = sorted(folder.glob("*.json.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP:]:
            old.unlink()
    except OSError:
        pass
