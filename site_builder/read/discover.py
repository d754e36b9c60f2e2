"""The I/O edge in: find the site's files, and which of them changed since the last look.

`discover` keeps a `FileTable` (the stat cache: every file's stat signature and SourceFile, and
the problems found at each path) and brings it up to date in one of two ways, which give the same
table: told which paths changed (as a file watcher reports them), it looks at those paths only,
walking a folder that was named; not told, it walks content/ and templates/ and compares each
file's stat signature with the table's. Either way a file is read only when its signature
changed, or it changed so recently that its time stamp cannot be trusted (RACY_SECONDS); a read
file whose bytes are the same as before is unchanged. A cold build is a walk with an empty table.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from ..diagnostics import Diagnostic, Location, Problems, did_you_mean, suggest
from ..files import digest_bytes, stat_signature
from ..model import SourceFile
from .media import check_active, is_active

MAX_TEXT_BYTES = 5_000_000
RACY_SECONDS = 2.0  # a file changed this recently is read again even if its stat looks unchanged
IGNORED_PREFIXES = (".", "_", "~", "#")
IGNORED_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp", ".bak")
TOPS = ("content", "templates")
TEXT_TEMPLATES = (".html", ".xml", ".txt", ".j2")
_CONTROL_RE = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls but tab and newline, and DEL
_CONTROL_BYTES = bytes((*range(0x01, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f))  # the same, as UTF-8 bytes


def ignored(name: str) -> bool:
    """Names the builder never reads: hidden files, editors' backups and scratch files."""
    return name.startswith(IGNORED_PREFIXES) or name.endswith(IGNORED_SUFFIXES)


def read_limited(f, size: int) -> bytes:
    """A text file's bytes, at most one past MAX_TEXT_BYTES (so a longer file is told from one at the limit).
    `size`, its stat's, sizes the first read: asking for the limit itself would make room for five
    megabytes for every small file."""
    want = min(size, MAX_TEXT_BYTES) + 1
    data = f.read(want)
    if len(data) == want and want <= MAX_TEXT_BYTES:  # longer than its stat said: grown since, read on
        data += f.read(MAX_TEXT_BYTES + 1 - want)
    return data


def decode(data: bytes, rel_path: str, problems: Problems) -> str | None:
    """UTF-8 text, or a located problem at the first byte that is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.error(f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x})", Location(rel_path, line, col),
                       "save the file as UTF-8")
        return None
    if "\x00" in text:
        problems.error("the file contains NUL bytes", Location(rel_path, 1, 1), "save the file as UTF-8 text")
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # (these bytes are never part of a longer UTF-8 sequence: when none is there, there is nothing to find)
    bad = _CONTROL_RE.search(text) if len(data.translate(None, _CONTROL_BYTES)) != len(data) else None
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        problems.error(f"the file contains the control character U+{ord(bad.group()):04X}",
                       Location(rel_path, line, bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1),
                       "delete it: control characters (ESC and the like) never reach a page")
        return None
    return text


@dataclass(slots=True)
class Entry:
    signature: tuple
    file: SourceFile  # without its text


class FileTable:
    """The stat cache: what the last discovery found (updated in place by each discovery)."""

    def __init__(self):
        self.entries: dict[str, Entry] = {}  # rel_path -> entry, for every file of the site
        self.notes: dict[str, tuple[Diagnostic, ...]] = {}  # rel_path of a file or folder -> its problems
        self.named: tuple[Diagnostic, ...] | None = None  # the names' problems (read/portable.py); None: to check
        self.parts: dict[str, dict[str, SourceFile]] | None = None  # each entry's file by part of the site (PARTS)

    def by_part(self, read: dict[str, SourceFile], changed: set[str]) -> dict[str, dict[str, SourceFile]]:
        """Every file by part of the site (PARTS), by path in order, with its text where it was `read` now.
        The lists are kept, and only the files read anew replaced in them while no file came or went
        (`changed`: every path that did)."""
        parts, entries = self.parts, self.entries
        if parts is None or any((rel in entries) != any(rel in files for files in parts.values()) for rel in changed):
            parts = self.parts = {}
            for rel in sorted(entries):
                parts.setdefault(PARTS[entries[rel].file.kind], {})[rel] = entries[rel].file
        else:
            for rel in [rel for rel in read if rel in entries]:
                parts[PARTS[entries[rel].file.kind]][rel] = entries[rel].file
        now = {rel: sf for rel, sf in read.items() if rel in entries}
        out = {}
        for part, files in parts.items():
            out[part] = files.copy()
            out[part].update((rel, sf) for rel, sf in now.items() if rel in files)
        return out

    def drop_under(self, rel: str) -> None:
        """Forget rel and everything under it (a path that went away, or a folder about to be walked)."""
        prefix = rel + "/"
        for table in (self.entries, self.notes):
            for key in [k for k in table if k == rel or k.startswith(prefix)]:
                del table[key]


# The parts of a site, by the kind of file: a stage reads the part it needs
PARTS = {"explainer": "content", "page": "content", "fact": "content", "media": "media", "template": "templates"}


@dataclass(frozen=True)
class Discovery:
    parts: dict[str, dict[str, SourceFile]]  # every file of the site by part (PARTS), then by rel_path, sorted;
    # text only where it was read now
    read: frozenset[str]  # rel_paths read (their signature changed, or could not be trusted)
    changed: frozenset[str]  # rel_paths added, removed, or with other bytes since the last discovery
    problems: tuple[Diagnostic, ...]
    replaced: dict[str, str]  # changed or removed files that were there before -> the digest they had

    def part(self, name: str) -> dict[str, SourceFile]:
        """The files of one part of the site ("content", "media" or "templates")."""
        return self.parts.get(name, {})

    def get(self, rel: str) -> SourceFile | None:
        """The file at rel_path, if the site has one there."""
        for files in self.parts.values():
            if rel in files:
                return files[rel]
        return None

    @cached_property
    def files(self) -> dict[str, SourceFile]:
        """Every file of the site by rel_path, sorted (made when asked: a build after an edit needs a part)."""
        return dict(sorted(item for files in self.parts.values() for item in files.items()))


def classify(rel: str, type_folders: dict[str, str]) -> tuple[str, str] | Diagnostic:
    """(kind, fact-type folder) of a file by where it lies, or the problem with it being there."""
    parts = rel.split("/")
    if parts[0] == "templates":
        return "template", ""
    if len(parts) == 3 and parts[1] in ("explainers", "pages") and rel.endswith(".md"):
        return parts[1].removesuffix("s"), ""
    if len(parts) == 4 and parts[1] == "facts" and rel.endswith((".yml", ".yaml")):
        folder = parts[2]
        if folder not in type_folders:
            return Diagnostic("error", f"no type uses the folder '{folder}'{did_you_mean(folder, type_folders)}, so "
                              "the file was not read (the folder is the mistake, not a line)", Location(rel),
                              "declare the type in site.yml or move the file", tuple(suggest(folder, type_folders)))
        if rel.endswith(".yaml"):
            return Diagnostic("error", "fact sheets end in .yml, so the file was not read (its name is the mistake, "
                              "not a line)", Location(rel), "rename the file to .yml")
        return "fact", folder
    if len(parts) >= 3 and parts[1] == "media":
        return "media", ""
    return Diagnostic("warning", "file is not part of the site and was skipped", Location(rel),
                      "explainers go in content/explainers/*.md, pages in content/pages/*.md, "
                      "fact sheets in content/facts/<folder>/*.yml, files in content/media/")


def _same(a: SourceFile, b: SourceFile) -> bool:
    return (a.digest, a.kind, a.type_folder) == (b.digest, b.kind, b.type_folder)


class _Look:
    """One discovery's pass over some paths, updating the table and noting what changed."""

    def __init__(self, root: Path, type_folders: dict[str, str], table: FileTable, check_media: bool = False):
        self.check_media = check_media  # refuse HTML and SVG media that could run script (raw_html: escape)
        self.base = os.fspath(root)
        self.real_root = os.path.realpath(root)
        self.type_folders = type_folders
        self.table = table
        self.before = dict(table.entries)  # what the last discovery found
        self.now = time.time()
        self.read: dict[str, SourceFile] = {}  # files read in this pass, with their text
        self.changed: set[str] = set()

    def note(self, rel: str, *found: Diagnostic) -> None:
        self.table.notes[rel] = self.table.notes.get(rel, ()) + found

    def forget(self, rel: str) -> None:
        """rel and what was under it are gone."""
        self.changed.update(k for k in self.table.entries if k == rel or k.startswith(rel + "/"))
        self.table.drop_under(rel)

    def walk(self, rel_dir: str) -> None:
        """Every file under rel_dir (a real folder inside the site), as the table now knows them."""
        self.forget(rel_dir)
        seen: set[str] = set()
        self._walk(rel_dir, seen)
        self.changed.difference_update(k for k in seen if k in self.before and _same(self.before[k].file,
                                                                                    self.table.entries[k].file))

    def walk_all(self, root: Path) -> None:
        """The whole site, from an empty table (compared with what the last discovery found)."""
        self.read, self.changed = {}, set()
        self.table.entries, self.table.notes = {}, {}
        seen: set[str] = set()
        for top in TOPS:
            if _top_folder(root, top, self):
                self._walk(top, seen)
        self.changed.update(set(self.before) - seen)

    def _walk(self, rel_dir: str, seen: set[str]) -> None:
        try:
            entries = sorted(os.scandir(os.path.join(self.base, rel_dir)), key=lambda e: e.name)
        except OSError:
            return
        before, known, signature, oldest = self.before, self.table.entries, stat_signature, self.now - RACY_SECONDS
        for entry in entries:  # (written out for speed: this runs for every file of a site)
            rel = f"{rel_dir}/{entry.name}"
            old = before.get(rel)
            if old is not None and entry.is_file(follow_symlinks=False):
                try:  # a file seen last time (so neither ignored nor misnamed), not a link: most files
                    st = entry.stat()  # (kept by the entry: the longer way below does not ask again)
                except OSError:
                    continue
                if old.signature == signature(st) and st.st_mtime < oldest and st.st_ctime < oldest:
                    known[rel] = old  # unchanged (_unchanged); its kind the same, as its path and the settings are
                    seen.add(rel)
                    continue
            if ignored(entry.name) or not self._utf8(entry.name, rel):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                self._walk(rel, seen)
            elif entry.is_symlink() and os.path.isdir(entry.path):
                self.note(rel, Diagnostic("error", "symbolic links to folders are not followed", Location(rel),
                                          "copy the folder into the site instead"))
            elif self.file(rel, entry=entry):
                seen.add(rel)

    def _utf8(self, name: str, rel: str) -> bool:
        """File names become URLs and appear in messages: they must be text (UTF-8), like the files."""
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
            self.note(shown, Diagnostic("error", "the name of this file or folder is not UTF-8 text", Location(shown),
                                        "rename it, using letters, digits and '-'"))
            return False
        return True

    def file(self, rel: str, force: bool = False, entry: os.DirEntry | None = None) -> bool:
        """Look at one file; True when it is part of the site (its entry is in the table).

        force: read it even when its stat signature is the one the table has (a watcher saw it change);
        entry: the folder listing's entry for it, when it came from one (it knows whether it is a link)."""
        kind = classify(rel, self.type_folders)
        if isinstance(kind, Diagnostic):
            self.note(rel, kind)
            return False
        path = entry.path if entry is not None else os.path.join(self.base, rel)
        try:
            if entry.is_symlink() if entry is not None else os.path.islink(path):
                target = os.path.realpath(path)
                if not target.startswith(self.real_root + os.sep) or not os.path.isfile(target):
                    self.note(rel, Diagnostic("error", "symbolic link points outside the site", Location(rel),
                                              "copy the file into the site instead"))
                    return False
            st = entry.stat() if entry is not None else os.stat(path)
        except OSError:  # gone since the folder was listed: a file deleted while the build ran
            return False
        if not stat.S_ISREG(st.st_mode):
            self.note(rel, Diagnostic("error", "this is not a regular file (a pipe, socket or device)", Location(rel),
                                      "remove it; only files can be part of the site"))
            return False
        return self._read(rel, kind, st, force)

    def _read(self, rel: str, kind: tuple[str, str], st: os.stat_result, force: bool = False) -> bool:
        signature = stat_signature(st)
        old = self.before.get(rel)
        if old is not None and not force and self._unchanged(old, st) and (old.file.kind, old.file.type_folder) == kind:
            self.table.entries[rel] = old
            return True
        try:
            with open(os.path.join(self.base, rel), "rb") as f:
                data = read_limited(f, st.st_size) if kind[0] != "media" else f.read()
        except OSError:  # deleted, or made unreadable, since it was listed
            return False
        text = None
        if kind[0] != "media" and (kind[0] != "template" or rel.endswith(TEXT_TEMPLATES)):
            if len(data) > MAX_TEXT_BYTES:
                self.note(rel, Diagnostic("error", "file is too large", Location(rel),
                                          f"split it into smaller files (the limit is {MAX_TEXT_BYTES:,} bytes)"))
                return False
            local = Problems()
            text = decode(data, rel, local)
            if text is None:
                self.note(rel, *local.items)
                return False
        found = SourceFile(kind[0], rel, text, digest_bytes(data), kind[1])
        if old is None or not _same(old.file, found):
            self.changed.add(rel)
        recent = self._racy(st)
        active = check_active(rel, data) if self.check_media and kind[0] == "media" and is_active(rel) else None
        if active is not None:
            self.note(rel, active)  # and read again next time, so the error is told again
        self.table.entries[rel] = Entry(None if recent or active else signature, replace(found, text=None))
        self.read[rel] = found
        return True

    def _unchanged(self, old: Entry, st: os.stat_result) -> bool:
        """The file is the one last seen: the same stat signature, old enough for its time stamps to tell."""
        return old.signature is not None and old.signature == stat_signature(st) and not self._racy(st)

    def _racy(self, st: os.stat_result) -> bool:
        """Changed so recently that its time stamps cannot tell this version from the next."""
        return self.now - st.st_mtime <= RACY_SECONDS or self.now - st.st_ctime <= RACY_SECONDS

    def told(self, rel: str) -> bool:
        """Look at one path a watcher named; False when only a walk of the whole site can tell."""
        parts = rel.split("/")
        if parts[0] not in TOPS or any(ignored(p) for p in parts) or ".." in parts:
            return True  # not a path the site reads
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            return False  # a name that is not text: the walk reports it
        for i in range(1, len(parts)):
            if os.path.islink(os.path.join(self.base, *parts[:i])):
                return False  # under a linked folder: the walk reports it
        path = os.path.join(self.base, rel)
        try:
            st = os.lstat(path)
        except OSError:
            self.forget(rel)
            return True
        if len(parts) == 1:
            return False  # content/ or templates/ itself
        if stat.S_ISDIR(st.st_mode):
            self.walk(rel)
            return True
        self.table.notes.pop(rel, None)
        if not self.file(rel, force=True) and self.table.entries.pop(rel, None) is not None:
            self.changed.add(rel)
        return True


def discover(root: Path, type_folders: dict[str, str], table: FileTable, told: set[str] | None = None,
             check_media: bool = False) -> Discovery:
    """Every content, media and template file of the site (site.yml is read by the caller).

    `told`: the paths that may have changed since the last discovery with this table (relative to
    root), or None to look at every file. `check_media`: refuse HTML and SVG media that could run script.
    """
    look = _Look(root, type_folders, table, check_media)
    if told is None or not all(look.told(rel) for rel in sorted(told)):
        look.walk_all(root)
    parts = table.by_part(look.read, look.changed)
    problems = tuple(d for found in table.notes.values() for d in found)
    replaced = {rel: look.before[rel].file.digest for rel in look.changed if rel in look.before}
    return Discovery(parts, frozenset(look.read), frozenset(look.changed), problems, replaced)


def _top_folder(root: Path, top: str, look: _Look) -> bool:
    """Whether content/ or templates/ is there to walk: a link to a folder outside the site is refused."""
    base = root / top
    if not base.is_dir():
        return False
    if base.is_symlink() and not os.path.realpath(base).startswith(look.real_root + os.sep):
        look.note(top, Diagnostic("error", f"{top}/ is a symbolic link to a folder outside the site", Location(top),
                                  f"make {top}/ a real folder inside the site"))
        return False
    return True


def read_text(root: Path, sf: SourceFile) -> SourceFile | None:
    """A discovered file again with its text (for a file whose parsed form is not kept), if still the same."""
    try:
        with open(os.path.join(os.fspath(root), sf.rel_path), "rb") as f:
            data = read_limited(f, os.fstat(f.fileno()).st_size)
    except OSError:
        return None
    if digest_bytes(data) != sf.digest:
        return None
    text = decode(data, sf.rel_path, Problems())
    return replace(sf, text=text) if text is not None else None
