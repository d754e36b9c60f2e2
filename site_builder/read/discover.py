"""The I/O edge in: walk a site folder and read every file the build uses."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

from ..diagnostics import Location, Problems, did_you_mean
from ..model import SourceFile

MAX_TEXT_BYTES = 5_000_000
RACY_SECONDS = 2.0  # a file changed this recently is read again even if its stat looks unchanged
IGNORED_PREFIXES = (".", "_", "~", "#")
IGNORED_SUFFIXES = ("~", ".swp", ".swo", ".tmp", ".bak")


def _ignored(name: str) -> bool:
    return name.startswith(IGNORED_PREFIXES) or name.endswith(IGNORED_SUFFIXES)


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf8_name(name: str, rel: str, problems: Problems) -> bool:
    """File names become URLs and appear in messages: they must be text (UTF-8), like the files."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
        problems.error("the name of this file or folder is not UTF-8 text", Location(shown),
                       "rename it, using letters, digits and '-'")
        return False
    return True


def _walk(root: Path, sub: str, problems: Problems) -> list[str]:
    """Relative POSIX paths of the files under root/sub, sorted; symlinks must stay inside the site."""
    base = root / sub
    if not base.is_dir():
        return []
    real_root = os.path.realpath(root)
    if base.is_symlink() and not os.path.realpath(base).startswith(real_root + os.sep):
        problems.error(f"{sub}/ is a symbolic link to a folder outside the site", Location(sub),
                       f"make {sub}/ a real folder inside the site")
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not _ignored(d))
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for d in list(dirnames):
            if not _utf8_name(d, f"{rel_dir}/{d}", problems):
                dirnames.remove(d)
            elif os.path.islink(os.path.join(dirpath, d)):
                dirnames.remove(d)
                problems.error("symbolic links to folders are not followed", Location(f"{rel_dir}/{d}"),
                               "copy the folder into the site instead")
        for name in sorted(filenames):
            if _ignored(name):
                continue
            full = os.path.join(dirpath, name)  # plain strings: this runs for every file of the site
            rel = f"{rel_dir}/{name}"
            if not _utf8_name(name, rel, problems):
                continue
            if os.path.islink(full):
                target = os.path.realpath(full)
                if not target.startswith(real_root + os.sep) or not os.path.isfile(target):
                    problems.error("symbolic link points outside the site", Location(rel),
                                   "copy the file into the site instead")
                    continue
            out.append(rel)
    return out


def discover_sources(root: Path, type_folders: dict[str, str], problems: Problems,
                     known: dict | None = None) -> list[SourceFile]:
    """Every content, media and template file of the site (site.yml is read by the caller).

    With `known` (rel_path -> (stat signature, SourceFile) from the last build, updated in place),
    a file whose size, times and inode are unchanged is not read again. A file changed within the
    last RACY_SECONDS is always read: its time stamp cannot tell two quick edits apart.
    """
    files: list[SourceFile] = []
    seen: dict = {}
    now = time.time()

    base = os.fspath(root)

    def read(rel: str, kind: str, folder: str = "") -> bytes | SourceFile:
        path = os.path.join(base, rel)
        if known is None:
            with open(path, "rb") as f:
                return f.read()
        st = os.stat(path)
        sig = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
        prev = known.get(rel)
        if prev is not None and prev[0] == sig and now - st.st_mtime > RACY_SECONDS \
                and now - st.st_ctime > RACY_SECONDS \
                and prev[1].kind == kind and prev[1].type_folder == folder:
            seen[rel] = prev
            return prev[1]
        with open(path, "rb") as f:
            data = f.read()
        seen[rel] = (sig, None)
        return data

    def keep(sf: SourceFile) -> None:
        files.append(sf)
        if known is not None:
            seen[sf.rel_path] = (seen[sf.rel_path][0], sf)
    for rel in _walk(root, "content", problems):
        parts = rel.split("/")
        kind, folder = None, ""
        if len(parts) == 3 and parts[1] == "explainers" and rel.endswith(".md"):
            kind = "explainer"
        elif len(parts) == 3 and parts[1] == "pages" and rel.endswith(".md"):
            kind = "page"
        elif parts[1] == "facts" and len(parts) == 4 and rel.endswith((".yml", ".yaml")):
            folder = parts[2]
            if folder not in type_folders:
                problems.error(f"no type uses the folder '{folder}'{did_you_mean(folder, type_folders)}",
                               Location(rel), "declare the type in site.yml or move the file")
                continue
            if rel.endswith(".yaml"):
                problems.error("fact sheets end in .yml", Location(rel), "rename the file to .yml")
                continue
            kind = "fact"
        elif parts[1] == "media" and len(parts) >= 3:
            kind = "media"
        if kind is None:
            problems.warning("file is not part of the site and was skipped", Location(rel),
                             "explainers go in content/explainers/*.md, pages in content/pages/*.md, "
                             "fact sheets in content/facts/<folder>/*.yml, files in content/media/")
            continue
        data = read(rel, kind, folder)
        if isinstance(data, SourceFile):
            files.append(data)
            continue
        if kind == "media":
            keep(SourceFile(kind, rel, None, digest_bytes(data)))
            continue
        if len(data) > MAX_TEXT_BYTES:
            problems.error(f"file is too large ({len(data)} bytes)", Location(rel), "split it into smaller files")
            continue
        text = decode(data, rel, problems)
        if text is not None:
            keep(SourceFile(kind, rel, text, digest_bytes(data), folder))
    for rel in _walk(root, "templates", problems):
        data = read(rel, "template")
        if isinstance(data, SourceFile):
            files.append(data)
            continue
        text = None
        if rel.endswith((".html", ".xml", ".txt", ".j2")):
            text = decode(data, rel, problems)
            if text is None:
                continue
        keep(SourceFile("template", rel, text, digest_bytes(data)))
    if known is not None:
        known.clear()
        known.update((rel, entry) for rel, entry in seen.items() if entry[1] is not None)
    return files


def rediscover(root: Path, changed: set[str], known: dict, reported: set[str] = frozenset()) \
        -> dict[str, SourceFile] | None:
    """Read again only the files a watcher saw change, when each is an edit of a file the last build read.

    `known` is discover_sources' record (updated in place on success). Returns the new SourceFile of
    each file whose bytes changed (an empty dict: nothing did), or None when a change is more than an
    edit in place: a file added, removed or renamed, a folder, a symbolic link, text that is not UTF-8
    or too large. Then the caller walks the whole site, which reports such changes with their messages.
    A path the last build did not read, was not told about (`reported`: the paths its discovery
    messages name) and that is not there now (a file made and deleted while saving) changes nothing,
    unless it was a folder holding such files.
    """
    base = os.fspath(root)
    found: dict[str, SourceFile] = {}
    seen: dict = {}
    for rel in changed:
        prev = known.get(rel)
        if prev is None:
            if not os.path.lexists(os.path.join(base, rel)) and not _holds(rel, known, reported):
                continue  # came and went (an editor's scratch file): the site is as it was
            return None
        try:
            st = os.lstat(os.path.join(base, rel))
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        sig = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
        old: SourceFile = prev[1]
        try:
            with open(os.path.join(base, rel), "rb") as f:
                data = f.read()
        except OSError:
            return None
        digest = digest_bytes(data)
        seen[rel] = (sig, old)
        if digest == old.digest:
            continue
        text = None
        if old.text is not None:
            if len(data) > MAX_TEXT_BYTES:
                return None
            local = Problems()
            text = decode(data, rel, local)
            if text is None:
                return None
        elif old.kind != "media" and old.kind != "template":
            return None  # a content file kept without its text (a one-shot build): walk instead
        new = SourceFile(old.kind, rel, text, digest, old.type_folder)
        seen[rel] = (sig, new)
        found[rel] = new
    known.update(seen)
    return found


def _holds(rel: str, known: dict, reported) -> bool:
    """Whether the last build read or reported rel, or anything under it (rel a folder)."""
    if rel in reported:
        return True
    folder = rel + "/"
    return any(path.startswith(folder) for path in known) or any(path.startswith(folder) for path in reported)
