"""The parse stage: every content file to a Document or FactSheet, with its problems.

Parsing is a pure function of a file's path, its bytes and the settings, so each result is kept
by (path, digest): in memory while a build state lives, and in the on-disk parse cache between
command-line builds. A build parses only the files discovery found changed, in worker processes
when there are many; the parsed form of any other file is read when something asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config import SiteConfig
from ..diagnostics import Diagnostic, Problems
from ..model import Document, FactSheet, SourceFile
from .. import workers
from .discover import Discovery, read_text
from .documents import parse_document, parse_factsheet
from .markup import MarkdownRenderer

CONTENT_KINDS = ("explainer", "page", "fact")
PARALLEL_MIN = 200  # files to parse before worker processes pay for themselves
FEW_FILES = 20  # changed files at most whose last parse's code is read back (an edit's, not a whole site's)


@dataclass(frozen=True, slots=True)
class ParsedFile:
    item: Document | FactSheet | None  # None: the file has errors that stop it being read
    problems: tuple[Diagnostic, ...]


class ParseCache:
    """Parsed files by path in memory, each with the digest of the bytes it was parsed from; the problems
    of every content file by path; and the Markdown renderer.

    `problems` (rel_path -> (digest, problems), for files that have any) is what a build reports for
    files it does not parse again; it is kept with the saved state. The parsed files themselves are
    kept in memory while the state lives (the preview), and in the disk cache between runs. So is the
    renderer, whose highlighted code blocks an edit of the prose around them need not make again.
    """

    def __init__(self):
        self.memory: dict[str, tuple[str, ParsedFile]] = {}
        self.problems: dict[str, tuple[str, tuple[Diagnostic, ...]]] = {}
        self.renderer: MarkdownRenderer | None = None

    def get(self, rel: str, digest: str) -> ParsedFile | None:
        kept = self.memory.get(rel)
        return kept[1] if kept is not None and kept[0] == digest else None

    def keep(self, rel: str, digest: str, parsed: ParsedFile) -> None:
        self.memory[rel] = (digest, parsed)
        if parsed.problems:
            self.problems[rel] = (digest, parsed.problems)
        else:
            self.problems.pop(rel, None)

    def drop(self, rel: str, digest: str | None) -> None:
        if digest is None or self.memory.get(rel, (digest,))[0] == digest:
            self.memory.pop(rel, None)
        if digest is None or self.problems.get(rel, (digest,))[0] == digest:
            self.problems.pop(rel, None)

    def markdown(self, config: SiteConfig) -> MarkdownRenderer:
        """The renderer for the site's settings (kept: a change of them starts the whole state over)."""
        if self.renderer is None or self.renderer.raw_html != config.raw_html:
            self.renderer = MarkdownRenderer(config.raw_html)
        return self.renderer


class _Job:
    """What parsing one file needs besides the file (handed to worker processes once)."""

    def __init__(self, config: SiteConfig, disk, md: MarkdownRenderer):
        self.config, self.disk, self.md = config, disk, md
        self.folders = {t.folder: t for t in config.types}


def parse_file(job: _Job, sf: SourceFile) -> ParsedFile:
    """Parse one file (its text must be there); the result goes to the disk cache as well, with the file's
    highlighted code (read back when the file changes: see Highlighter)."""
    local, code = Problems(), job.md.code
    code.made = []
    try:
        if sf.kind == "fact":
            item = parse_factsheet(sf.text, sf.rel_path, job.folders[sf.type_folder], job.config, job.md, local)
        else:
            item = parse_document(sf.kind, sf.text, sf.rel_path, job.config, job.md, local)
    finally:
        made, code.made = code.made, None
    parsed = ParsedFile(item, tuple(local.items))
    if job.disk is not None:
        job.disk.put(job.disk.key(sf.rel_path, sf.digest), (parsed.item, parsed.problems, tuple(made)))
    return parsed


def _from_disk(disk, sf: SourceFile) -> ParsedFile | None:
    """The parsed file the disk cache keeps for these bytes, if any (a malformed entry is a miss)."""
    hit = disk.get(disk.key(sf.rel_path, sf.digest)) if disk is not None else None
    if isinstance(hit, tuple) and len(hit) == 3 and isinstance(hit[1], tuple):
        return ParsedFile(hit[0], hit[1])
    return None


def _code_of(hit) -> dict[str, str]:
    """The highlighted code blocks a disk cache entry keeps (none from a malformed one)."""
    blocks = hit[2] if isinstance(hit, tuple) and len(hit) == 3 and isinstance(hit[2], tuple) else ()
    return {b[0]: b[1] for b in blocks if isinstance(b, tuple) and len(b) == 2 and all(isinstance(x, str) for x in b)}


class Items:
    """The parsed item of each content file, by rel_path, read from memory, the disk cache or the file."""

    def __init__(self, root: Path, files: dict[str, SourceFile], cache: ParseCache, job: _Job):
        self.root, self.files, self.cache, self.job = root, files, cache, job

    def __call__(self, rel: str) -> Document | FactSheet | None:
        return self.parsed(rel).item

    def parsed(self, rel: str) -> ParsedFile:
        sf = self.files[rel]
        found = self.cache.get(rel, sf.digest)
        if found is None:
            found = _from_disk(self.job.disk, sf)
        if found is None:
            full = sf if sf.text is not None else read_text(self.root, sf)
            found = parse_file(self.job, full) if full is not None else _vanished(sf)
        self.cache.keep(rel, sf.digest, found)
        return found


def _vanished(sf: SourceFile) -> ParsedFile:
    """A file that changed or went away since discovery read it: the next build sees it as it is then."""
    return ParsedFile(None, ())


@dataclass(frozen=True)
class Parsed:
    items: Callable[[str], Document | FactSheet | None]  # rel_path -> the parsed item (read when asked for)
    content: dict[str, SourceFile]  # every content file by rel_path
    changed: frozenset[str]  # content files parsed anew, added or removed (every one on a cold build)
    problems: tuple[Diagnostic, ...]  # of every content file


def parse(root: Path, discovery: Discovery, config: SiteConfig, cache: ParseCache, disk=None,
          progress=None) -> Parsed:
    """Parse what discovery found changed; the rest is as the cache holds it."""
    job = _Job(config, disk, cache.markdown(config))
    content = discovery.part("content")
    changed = {rel for rel in discovery.changed if rel in content or discovery.get(rel) is None}
    for rel in [rel for rel in changed if rel not in content]:  # (not `changed - content.keys()`: O(site))
        cache.drop(rel, None)
    few = len(discovery.replaced) <= FEW_FILES  # an edit: its file's code is most likely as it was
    for rel, digest in discovery.replaced.items():  # the parsed form of bytes no longer there is not needed
        cache.drop(rel, digest)
        if disk is not None:
            if few:
                job.md.code.known.update(_code_of(disk.get(disk.key(rel, digest))))
            disk.remove(disk.key(rel, digest))
    items = Items(root, content, cache, job)
    todo = []
    for rel in sorted(changed & content.keys()):
        sf = content[rel]
        if cache.get(rel, sf.digest) is not None:
            continue
        hit = _from_disk(disk, sf)
        if hit is not None:
            cache.keep(rel, sf.digest, hit)
        else:
            todo.append(sf if sf.text is not None else read_text(root, sf) or sf)
    todo = [sf for sf in todo if sf.text is not None]
    done = 0
    for chunk in workers.run(parse_file, job, todo, PARALLEL_MIN):
        for parsed in chunk:
            sf = todo[done]
            cache.keep(sf.rel_path, sf.digest, parsed)
            done += 1
        if progress is not None:
            progress("parse", done, len(todo))
    job.md.code.known.clear()
    if disk is not None and disk.misses and changed >= content.keys():  # the whole site was read: the rest is stale
        disk.prune()
    problems = tuple(d for rel, (digest, found) in sorted(cache.problems.items())
                     if rel in content and content[rel].digest == digest for d in found)
    return Parsed(items, content, frozenset(changed), problems)

