"""The saved state on disk, a section at a time: what did not change since it was loaded is not written.

The state is a dict of sections, each plain data (see codec.py). Two files hold it:
  state         the head: a format line, a checksum, the data file's name, and for each section its
                kind and the blobs it is made of (offset, length and checksum in the data file);
  state-N.data  the blobs, one after another, only ever appended to.
A section's first blob is its whole value. A "table" (a dict of thousands of entries: files, links,
page records) is saved again as a patch: only the entries that are not the very ones loaded (nor
equal to them), and the keys removed; a "list" (names by number, only ever added to) as the names
added. Any other section is a "value", saved whole, and only when its bytes differ from those loaded.
A blob no head names any more is garbage: when the data file is mostly garbage, or a table mostly
patches, it is written anew. The head is replaced whole (atomic_write) after the blobs are written, so
a build killed at any point leaves the last head and every blob it names as they were.
"""

from __future__ import annotations

import marshal
import os
import stat
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..files import atomic_write, read_regular
from . import codec

VALUE, FROZEN, TABLE, LIST = "value", "frozen", "table", "list"  # (frozen: a value never changed in place)
SLACK = 1 << 20  # garbage bytes a data file may hold beyond as many as it has live ones


@dataclass
class Section:
    """One section as it is on disk: its blobs, and what they add up to (the loaded value, or a value's bytes)."""

    kind: str
    blobs: list  # [(offset, length, crc32)]: the whole, then patches
    loaded: object  # a table's dict or a list as read (never changed in place: the builder replaces them), a value's bytes
    patched: int = 0  # bytes of patches after the whole
    value: object = None  # a frozen value as read: the very object saved again means no change


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


def read(path: Path, fmt: bytes) -> tuple[dict, OnDisk] | None:
    """The sections a head names, with its record; None when there is none that can be read whole."""
    head = read_regular(path)
    if head is None:
        return None
    try:
        name, size, named = codec.unpack(fmt, head)
        if not (isinstance(name, str) and name.startswith(f"{path.name}-") and "/" not in name):
            raise codec.Refused("not a data file of this state")
        data = read_regular(path.parent / name)
        if data is None or len(data) < size:
            return None
        view, disk, plain = memoryview(data), OnDisk(name, size), {}
        for key, (kind, blobs) in named.items():
            parts = [_blob(view, *blob) for blob in blobs]
            value = marshal.loads(parts[0])
            for patch in parts[1:]:
                _apply(kind, value, marshal.loads(patch))
            plain[key] = value
            whole = kind in (VALUE, FROZEN)
            disk.sections[key] = Section(kind, [tuple(b) for b in blobs], parts[0] if whole else value,
                                         sum(b[1] for b in blobs[1:]), value if kind == FROZEN else None)
        return plain, disk
    except (codec.Refused, EOFError, ValueError, TypeError, KeyError, IndexError):
        return None


def _blob(view: memoryview, offset: int, length: int, crc: int) -> memoryview:
    part = view[offset:offset + length]
    if len(part) != length or zlib.crc32(part) != crc:
        raise codec.Refused("damaged: a checksum does not match")
    return part


def _apply(kind: str, value, patch) -> None:
    if kind == TABLE:
        changed, removed = patch
        value.update(changed)
        for key in removed:
            del value[key]
    elif kind == LIST:
        value.extend(patch)
    else:
        raise codec.Refused("a patch of a whole value")


def write(path: Path, fmt: bytes, plain: dict, kinds: dict[str, str], disk: OnDisk | None) -> OnDisk:
    """Save plain (section -> value; `kinds` names the tables and lists) beside what `disk` names: only
    what changed is added to the data file. The record of what is on disk now (OSError on failure)."""
    if disk is not None and not _appendable(path.parent / disk.data, disk.size):
        disk = None
    new, blobs, sections = [], {}, {}
    at = disk.size if disk is not None else 0
    for key, value in plain.items():
        kind = kinds.get(key, VALUE)
        if kind in (TABLE, LIST) and not isinstance(value, (dict, Changes) if kind == TABLE else list):
            kind = VALUE  # (None where a table goes: saved whole)
        old = disk.sections.get(key) if disk is not None else None
        if old is not None and old.kind != kind:
            old = None
        blob, section = _saved(kind, value, old)
        if blob is not None:
            blobs[key] = (at, len(blob), zlib.crc32(blob))
            new.append(blob)
            at += len(blob)
        sections[key] = section
    live = sum(b[1] for s in sections.values() for b in s.blobs) + sum(len(b) for b in new)
    if disk is None or at > 2 * live + SLACK:  # mostly garbage: a new data file, with only what is named
        return _rewrite(path, fmt, sections, new, blobs, disk)
    fd = os.open(path.parent / disk.data, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.truncate(fd, disk.size)  # (what a killed build appended after what the head knows of)
        _write_all(fd, b"".join(new))
    finally:
        os.close(fd)
    for key, blob in blobs.items():
        sections[key].blobs = sections[key].blobs + [blob]
    record = OnDisk(disk.data, at, sections)
    _write_head(path, fmt, record)
    return record


def _saved(kind: str, value, old: Section | None) -> tuple[bytes | None, Section]:
    """The blob to add for a section (None: none), and the section with the blobs it had before it."""
    if kind in (VALUE, FROZEN):
        if old is not None and kind == FROZEN and value is old.value:
            return None, old
        blob = marshal.dumps(value)
        if old is not None and old.loaded == blob:
            return None, old
        return blob, Section(kind, [], blob, 0, value if kind == FROZEN else None)
    if isinstance(value, Changes) and old is None:
        value = value.whole()
    if old is not None:
        patch = _table_patch(old.loaded, value) if kind == TABLE else _list_patch(old.loaded, value)
        if patch is not None and not (patch[0] or patch[1] if kind == TABLE else patch):
            return None, Section(kind, list(old.blobs), value, old.patched)
        if patch is not None:
            blob = marshal.dumps(patch)
            if old.patched + len(blob) <= old.blobs[0][1] // 2:  # else the whole again: loading stays quick
                return blob, Section(kind, list(old.blobs), value, old.patched + len(blob))
    if isinstance(value, Changes):
        value = value.whole()
    return marshal.dumps(value), Section(kind, [], value)


def _table_patch(old: dict, new: dict | Changes) -> tuple[dict, list]:
    """The entries of new that are not those of old, and the keys of old that new has not."""
    missing = object()
    if isinstance(new, Changes):  # (only the entries it names are looked at)
        return ({key: value for key, value in new.changed.items() if old.get(key, missing) != value},
                [key for key in new.removed if key in old])
    changed, added = {}, 0
    for key, value in new.items():
        was = old.get(key, missing)
        if was is not value and was != value:
            changed[key] = value
            added += was is missing
    removed = list(old.keys() - new.keys()) if len(old) + added != len(new) else []
    return changed, removed


def _list_patch(old: list, new: list) -> list | None:
    """The names added, while the list is the old one with names after it; else None (saved whole)."""
    if len(new) < len(old) or new[:len(old)] != old:
        return None
    return new[len(old):]


def _rewrite(path: Path, fmt: bytes, sections: dict, new: list, blobs: dict, disk: OnDisk | None) -> OnDisk:
    """A new data file holding every blob the sections name (those kept read from the old file), then the head."""
    old = read_regular(path.parent / disk.data) if disk is not None else None
    parts, at = [], 0
    for key, section in sections.items():
        moved = []
        for offset, length, crc in section.blobs:
            if old is None:
                raise OSError("the data file went away")
            parts.append(memoryview(old)[offset:offset + length])
            moved.append((at, length, crc))
            at += length
        section.blobs = moved
    for (key, (_, length, crc)), blob in zip(blobs.items(), new):
        parts.append(blob)
        sections[key].blobs = sections[key].blobs + [(at, length, crc)]
        at += length
    number = int(disk.data.rsplit("-", 1)[1].split(".")[0]) + 1 if disk is not None else 1
    name = f"{path.name}-{number}.data"
    atomic_write(path.parent / name, b"".join(parts))
    record = OnDisk(name, at, sections)
    _write_head(path, fmt, record)
    for other in path.parent.glob(f"{path.name}-*.data"):  # the files no head names any more
        if other.name != name:
            try:
                os.unlink(other)
            except OSError:
                pass
    return record


def _write_head(path: Path, fmt: bytes, record: OnDisk) -> None:
    named = {key: (s.kind, s.blobs) for key, s in record.sections.items()}
    atomic_write(path, codec.pack(fmt, (record.data, record.size, named)))


def _appendable(data: Path, size: int) -> bool:
    """The data file is a regular file of at least the size its head knows of (never a link)."""
    try:
        st = os.lstat(data)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size >= size


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]

