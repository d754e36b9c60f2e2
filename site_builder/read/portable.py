"""Portable names: every file of the site, and every file it publishes, can be checked out and written on
Linux, macOS and Windows alike.

Refused, each at the file it concerns: names that differ only in case or in Unicode normalisation (one
file on macOS and Windows, two on Linux), names Windows reserves (CON, PRN, AUX, NUL, COM1-9, LPT1-9,
with any extension), names ending in a dot or a space, the characters < > : " \\ | ? * and control
characters, and names longer than MAX_NAME_BYTES bytes (file systems stop at 255, and the builder
needs a few more for its temporary names).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable

from ..diagnostics import Diagnostic, Location

MAX_NAME_BYTES = 200
_RESERVED_RE = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?\Z", re.I | re.S)
_FORBIDDEN_RE = re.compile('[<>:"\\\\|?*\\x00-\\x1f]')


def name_problem(name: str) -> str:
    """Why one file or folder name is not portable ("" when it is)."""
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        return f"the name is {size} bytes long; names longer than {MAX_NAME_BYTES} bytes cannot be written everywhere"
    if _RESERVED_RE.match(name.rstrip(" ")):
        return f"'{name.split('.')[0]}' is a name Windows reserves for a device"
    if name.endswith((".", " ")):
        return "the name ends in a dot or a space, which Windows drops"
    bad = _FORBIDDEN_RE.search(name)
    if bad:
        return f"the name contains {bad.group()!r}, which Windows does not allow in names"
    return ""


def _folded(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


def check_names(paths: Iterable[tuple[str, str]]) -> list[Diagnostic]:
    """Problems with (path, origin) pairs: each name of each path, and paths (or folders on them) that are
    one on a file system that ignores case or normalisation. The same paths as last time cost a lookup."""
    return list(_check(tuple(paths)))


@lru_cache(maxsize=4)
def _check(paths: tuple[tuple[str, str], ...]) -> tuple[Diagnostic, ...]:
    found: list[Diagnostic] = []
    seen: dict[str, str] = {}
    checked: set[str] = set()
    for path, origin in paths:
        parts = path.split("/")
        for i in range(len(parts)):
            prefix = "/".join(parts[:i + 1])
            if prefix in checked:
                continue
            checked.add(prefix)
            why = name_problem(parts[i])
            if why:
                found.append(Diagnostic("error", f"'{prefix}' cannot be written on every system: {why}",
                                        Location(origin), "rename it"))
            first = seen.setdefault(_folded(prefix), prefix)
            if first != prefix:
                found.append(Diagnostic(
                    "error", f"'{prefix}' and '{first}' differ only in case or accents written another way; "
                    "on macOS and Windows they are one and the same", Location(origin), "rename one of them"))
    return tuple(found)
