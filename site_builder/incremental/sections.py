"""The saved state on disk, a section at a time: what did not change since it was loaded is not written.

The state is a dict of sections, each plain data (see codec.py). Two files hold it:
  state         the head: a format line, a checksum, the data file's name, and for each section its
                kind and the blobs it is made of (offset, length and checksum in the data file);
  state-N.data  the blobs, one after another, only ever appended to.
A section's first blob is its whole value. A "table" (a dict of thousands of entries: files, page
records) is saved again as a patch: only the entries that are not the very ones loaded (nor equal to
them), and the keys removed; a "list" (names by number, only ever added to) as the names added, and
it is decoded only when first used.
"Buckets" are a table kept in 64 parts by a checksum of each key, each part a table of its own, read
only when one of its keys is first looked up: a build that reads a few links or page readers reads a
few parts. A list or a bucket is read from the data file, and its checksum checked, when first used
(the file is held open from the moment the head is read); one found damaged then raises `Damaged`,
and the build starts again without the state. Any other section is a "value", saved whole, and only
when its bytes differ from those loaded. A blob no head names any more is garbage: when the data
file is mostly garbage, or a table mostly patches, it is written anew. The head is replaced whole
(atomic_write) after the blobs are written, so a build killed at any point leaves the last head and
every blob it names as they were.
"""

from __future__ import annotations

import marshal
import os
import stat
import weakref
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..files import atomic_write, read_regular
from . import codec

VALUE, FROZEN, TABLE, LIST, BUCKETS = "value", "frozen", "table", "list", "buckets"  # (frozen: never changed in place)
BUCKET_COUNT = 64
SLACK = 1 << 20  # garbage bytes a data file may hold beyond as many as it has live ones
_MISSING = object()
UNREADABLE = (codec.Refused, EOFError, ValueError, TypeError, KeyError, IndexError)  # (a part not as its head says)


@dataclass
class Section:
    """One section as it is on disk: its blobs, and what they add up to (the loaded value, or a value's bytes)."""

    kind: str
    blobs: list  # [(offset, length, crc32)]: the whole, then patches (in `write`, bytes not placed yet); buckets:
    # one such list per bucket
    loaded: object  # a table's dict, a list (a Deferred until first used) or Buckets as read (never changed in
    # place), a value's bytes
    value: object = None  # a frozen value as read: the very object saved again means no change
    counts: list | None = None  # buckets: the entries in each


@dataclass(frozen=True)
class Changes:
    """A table given as what changed since it was read (its `LazyDict` knows): the entries read or set since,
    the keys removed, and how to have it whole (for a table saved whole)."""

    changed: dict
    removed: list
    whole: Callable[[], dict]


@dataclass
class OnDisk:
    """What a loaded state's head named: the data file and each section (for `write` to save only what changed)."""

    data: str
    size: int  # bytes of the data file the head knows of (what lies after is garbage from a killed build)
    sections: dict[str, Section] = field(default_factory=dict)
    file: "DataFile | None" = None  # the data file as opened when the head was read


def bucket_of(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % BUCKET_COUNT


class Buckets:
    """A table read a bucket at a time (see the module's docstring): to a `LazyDict`, its saved entries."""

    def __init__(self, load: Callable[[list], dict], blobs: list, counts: list):
        self.load, self.blobs, self.counts = load, blobs, counts
        self.pristine: list[dict | None] = [None] * len(blobs)  # each bucket as read
        self.parts: list[dict | None] = [None] * len(blobs)  # each bucket as changed since

    def read_bucket(self, i: int) -> dict:
        if self.pristine[i] is None:
            self.pristine[i] = self.load(self.blobs[i])
            self.parts[i] = dict(self.pristine[i])
        return self.pristine[i]

    def _part(self, key: str) -> dict:
        i = bucket_of(key)
        if self.parts[i] is None:
            self.read_bucket(i)
        return self.parts[i]

    def __contains__(self, key) -> bool:
        return key in self._part(key)

    def get(self, key, default=None):
        return self._part(key).get(key, default)

    def __getitem__(self, key):
        return self._part(key)[key]

    def pop(self, key, *default):
        return self._part(key).pop(key, *default)

    def __len__(self) -> int:
        return sum(len(p) if p is not None else n for p, n in zip(self.parts, self.counts))

    def _all(self) -> list[dict]:
        for i, part in enumerate(self.parts):
            if part is None:
                self.read_bucket(i)
        return self.parts

    def clear(self) -> None:
        self._all()
        self.parts = [{} for _ in self.parts]

    def keys(self):
        return [key for part in self._all() for key in part]

    def __iter__(self):
        return iter(self.keys())

    def items(self):
        return [item for part in self._all() for item in part.items()]


def read(path: Path, fmt: bytes) -> tuple[dict, OnDisk] | None:
    """The sections a head names, with its record; None when there is none that can be read whole. A bucket
    or a list is read (and its checksum checked) when first used: one found damaged then raises `Damaged`."""
    head = read_regular(path)
    if head is None:
        return None
    try:
        name, size, named = codec.unpack(fmt, head)
        if not (isinstance(name, str) and name.startswith(f"{path.name}-") and "/" not in name):
            raise codec.Refused("not a data file of this state")
        data = DataFile(path.parent / name, size)
        disk, plain = OnDisk(name, size, file=data), {}
        for key, (kind, blobs, counts) in named.items():
            if kind == BUCKETS:
                blobs = [[tuple(b) for b in part] for part in blobs]
                value = Buckets(lambda part: _late(data, TABLE, part), blobs, counts)
                disk.sections[key] = Section(kind, value.blobs, value, counts=list(counts))
            elif kind == LIST:
                blobs = [tuple(b) for b in blobs]
                value = Deferred(lambda blobs=blobs: _late(data, LIST, blobs))
                disk.sections[key] = Section(kind, blobs, value)
            else:
                value, first = _load(data, kind, blobs)
                loaded = first if kind in (VALUE, FROZEN) else value
                disk.sections[key] = Section(kind, [tuple(b) for b in blobs], loaded, value if kind == FROZEN else None)
            plain[key] = value
        return plain, disk
    except (OSError, Damaged, *UNREADABLE):
        return None


class Damaged(BaseException):
    """A blob of the saved state whose checksum does not match, found when it was first read, after the build
    began: the build starts again without the state (state.started_over_if_damaged). Not an Exception, so
    that no handler of a template's or an extension's errors takes it for one of theirs."""


class DataFile:
    """The data file a head names, held open from the moment the head is read: what is read from it later
    (os.pread, so forked workers may read it too) is from that very file, whatever replaced it since."""

    def __init__(self, path: Path, size: int):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        weakref.finalize(self, os.close, fd)
        st = os.fstat(fd)
        self.fd, self.size, self.ident = fd, size, (st.st_dev, st.st_ino)
        if not stat.S_ISREG(st.st_mode) or st.st_size < size:
            raise codec.Refused("not the data file the head knows of")

    def blob(self, offset: int, length: int, crc: int) -> bytes:
        try:
            part = os.pread(self.fd, length, offset) if offset + length <= self.size else b""
        except OSError:
            part = b""
        if len(part) != length or zlib.crc32(part) != crc:
            raise Damaged("a part of the saved state is damaged: a checksum does not match")
        return part


class Deferred:
    """A list section as read: called, its value (decoded once, on the first call; never changed in place)."""

    __slots__ = ("load", "value")

    def __init__(self, load: Callable[[], list]):
        self.load, self.value = load, None

    def __call__(self) -> list:
        if self.value is None:
            self.value, self.load = self.load(), None
        return self.value


def _late(data: DataFile, kind: str, blobs: list):
    """A bucket's or a list's value, read when first used: whatever goes wrong then is `Damaged`."""
    try:
        return _load(data, kind, blobs)[0]
    except UNREADABLE as exc:
        raise Damaged(f"a part of the saved state cannot be read: {exc}") from None


def _load(data: DataFile, kind: str, blobs: list):
    """A section's value from its blobs, and its first blob."""
    parts = [data.blob(*blob) for blob in blobs]
    value = marshal.loads(parts[0])
    for patch in parts[1:]:
        if kind == TABLE:
            changed, removed = marshal.loads(patch)
            value.update(changed)
            for key in removed:
                value.pop(key, None)
        elif kind == LIST:
            value.extend(marshal.loads(patch))
        else:
            raise codec.Refused("a patch of a whole value")
    return value, parts[0]


def write(path: Path, fmt: bytes, plain: dict, kinds: dict[str, str], disk: OnDisk | None) -> None:
    """Save plain (section -> value; `kinds` names the tables, lists and buckets) beside what `disk` names: only
    what changed is added to the data file (OSError on failure)."""
    if disk is not None and not _appendable(path.parent / disk.data, disk):
        disk = None
    sections = {}
    for key, value in plain.items():
        value = value() if isinstance(value, Deferred) else value  # (a list as read, given back)
        kind = kinds.get(key, VALUE)
        if kind in (TABLE, LIST, BUCKETS) and not isinstance(value, list if kind == LIST else (dict, Changes)):
            kind = VALUE  # (None where a table goes: saved whole)
        old = disk.sections.get(key) if disk is not None else None
        sections[key] = _saved(kind, value, old if old is not None and old.kind == kind else None)
    base = disk.size if disk is not None else 0
    new, at, live = [], base, 0
    for section in sections.values():
        for blobs in _lists(section):
            for i, blob in enumerate(blobs):
                if isinstance(blob, bytes):  # a blob to add: placed at the end
                    blobs[i] = (at, len(blob), zlib.crc32(blob))
                    new.append(blob)
                    at += len(blob)
                live += blobs[i][1]
    added = b"".join(new)
    if disk is None:
        _new_file(path, fmt, sections, 1, added, at)
    elif at > 2 * live + SLACK:  # mostly garbage: a new data file, with only what is named
        _rewrite(path, fmt, sections, disk, added)
    else:
        fd = os.open(path.parent / disk.data, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.truncate(fd, disk.size)  # (what a killed build appended after what the head knows of)
            _write_all(fd, added)
        finally:
            os.close(fd)
        _write_head(path, fmt, disk.data, at, sections)


def _lists(section: Section) -> list[list]:
    return section.blobs if section.kind == BUCKETS else [section.blobs]


def _saved(kind: str, value, old: Section | None) -> Section:
    """The section as it is to be saved: its blobs so far, then (as bytes) those to add."""
    if kind in (VALUE, FROZEN):
        if old is not None and kind == FROZEN and value is old.value:
            return old
        blob = marshal.dumps(value)
        return old if old is not None and old.loaded == blob else Section(kind, [blob], blob)
    if kind == BUCKETS:
        return _saved_buckets(value, old)
    if old is not None:
        was = old.loaded() if isinstance(old.loaded, Deferred) else old.loaded
        patch = _table_patch(was, value) if kind == TABLE else _list_patch(was, value)
        if patch is not None and not (patch[0] or patch[1] if kind == TABLE else patch):
            return Section(kind, list(old.blobs), value)
        if patch is not None:
            blob = marshal.dumps(patch)
            if sum(b[1] for b in old.blobs[1:]) + len(blob) <= old.blobs[0][1] // 2:  # else whole: quick to load
                return Section(kind, [*old.blobs, blob], value)
    value = value.whole() if isinstance(value, Changes) else value
    return Section(kind, [marshal.dumps(value)], value)


def _saved_buckets(value, old: Section | None) -> Section:
    """Buckets saved: with what changed given (a LazyDict's Changes), a patch for each bucket it touches."""
    if not (isinstance(value, Changes) and old is not None):
        whole = value.whole() if isinstance(value, Changes) else value
        parts: list[dict] = [{} for _ in range(BUCKET_COUNT)]
        for key, entry in whole.items():
            parts[bucket_of(key)][key] = entry
        return Section(BUCKETS, [[marshal.dumps(p)] for p in parts], None, counts=[len(p) for p in parts])
    blobs, counts = [list(b) for b in old.blobs], list(old.counts)
    touched: dict[int, tuple[dict, list]] = {}
    for key, entry in value.changed.items():
        touched.setdefault(bucket_of(key), ({}, []))[0][key] = entry
    for key in value.removed:
        touched.setdefault(bucket_of(key), ({}, []))[1].append(key)
    for i, (changed, removed) in touched.items():
        was = old.loaded.read_bucket(i)
        patch = _table_patch(was, Changes(changed, removed, dict))
        if not (patch[0] or patch[1]):
            continue
        counts[i] = len(was) + sum(1 for k in patch[0] if k not in was) - len(patch[1])
        blob = marshal.dumps(patch)
        if sum(b[1] for b in blobs[i][1:]) + len(blob) <= blobs[i][0][1] // 2:
            blobs[i].append(blob)
        else:  # mostly patches: the bucket whole again
            whole = {**was, **patch[0]}
            for key in patch[1]:
                del whole[key]
            blobs[i] = [marshal.dumps(whole)]
    return Section(BUCKETS, blobs, None, counts=counts)


def _table_patch(old: dict, new: dict | Changes) -> tuple[dict, list]:
    """The entries of new that are not those of old, and the keys of old that new has not."""
    if isinstance(new, Changes):  # (only the entries it names are looked at)
        return ({key: value for key, value in new.changed.items() if old.get(key, _MISSING) != value},
                [key for key in new.removed if key in old])
    changed, added = {}, 0
    for key, value in new.items():
        was = old.get(key, _MISSING)
        if was is not value and was != value:
            changed[key] = value
            added += was is _MISSING
    removed = list(old.keys() - new.keys()) if len(old) + added != len(new) else []
    return changed, removed


def _list_patch(old: list, new: list) -> list | None:
    """The names added, while the list is the old one with names after it; else None (saved whole)."""
    if len(new) < len(old) or new[:len(old)] != old:
        return None
    return new[len(old):]


def _rewrite(path: Path, fmt: bytes, sections: dict, disk: OnDisk, added: bytes) -> None:
    """A new data file holding every blob the sections name (those kept read from the old file), then the head."""
    old = read_regular(path.parent / disk.data)
    if old is None or len(old) < disk.size:
        raise OSError("the data file went away")
    old_view, added_view = memoryview(old), memoryview(added)
    parts, at = [], 0
    for section in sections.values():
        for blobs in _lists(section):
            for i, (offset, length, crc) in enumerate(blobs):
                if offset >= disk.size:
                    parts.append(added_view[offset - disk.size:offset - disk.size + length])
                else:
                    parts.append(old_view[offset:offset + length])
                blobs[i] = (at, length, crc)
                at += length
    _new_file(path, fmt, sections, int(disk.data.rsplit("-", 1)[1].split(".")[0]) + 1, b"".join(parts), at)


def _new_file(path: Path, fmt: bytes, sections: dict, number: int, data: bytes, size: int) -> None:
    name = f"{path.name}-{number}.data"
    atomic_write(path.parent / name, data)
    _write_head(path, fmt, name, size, sections)
    for other in path.parent.glob(f"{path.name}-*.data"):  # the files no head names any more
        if other.name != name:
            try:
                os.unlink(other)
            except OSError:
                pass


def _write_head(path: Path, fmt: bytes, data: str, size: int, sections: dict) -> None:
    named = {key: (s.kind, s.blobs, s.counts) for key, s in sections.items()}
    atomic_write(path, codec.pack(fmt, (data, size, named)))


def _appendable(data: Path, disk: OnDisk) -> bool:
    """The data file is a regular file of at least the size its head knows of (never a link), and the very
    file read from (another build may have replaced it since)."""
    try:
        st = os.lstat(data)
    except OSError:
        return False
    return (stat.S_ISREG(st.st_mode) and st.st_size >= disk.size
            and (disk.file is None or (st.st_dev, st.st_ino) == disk.file.ident))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
