"""The no-change check: a command-line build that finds nothing changed since the last one stops early.

After a good build that wrote its output, a small stamp is kept beside the build state
(``SITE/.site-builder-cache/stamp.pickle``): the settings the build ran with (builder code,
library versions, site.yml, options), the stat signature of every file under ``site.yml``,
``content/`` and ``templates/`` taken *before* the build read them, a digest of the output
folder's manifest, and the build's messages. The next build compares: when every signature
is the same, no file appeared or went away, and the output folder still holds every file of
its manifest, the output is what a full build would make, so the build reports the kept
messages and stops. Anything else, or a file touched within the last few seconds (its time
stamp cannot tell two quick edits apart), and the build runs as usual.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from pathlib import Path

from ..read.discover import RACY_SECONDS
from ..output.write import MANIFEST, read_manifest

STAMP_FILE = "stamp.pickle"
_FORMAT = "sb-stamp-1"


def scan(root: Path) -> tuple[float, dict[str, tuple]]:
    """(time of the scan, {rel_path: stat signature}) for site.yml and every file under content/ and templates/."""
    started = time.time()
    sigs: dict[str, tuple] = {}

    def walk(folder: str) -> None:
        try:
            entries = list(os.scandir(root / folder))
        except OSError:
            return
        for entry in entries:
            rel = f"{folder}/{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(rel)
                    continue
                st = entry.stat()  # a link: what it points to (a folder link is refused by discovery)
            except OSError:
                sigs[rel] = ("unreadable",)
                continue
            sigs[rel] = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns, entry.is_symlink())

    for top in ("content", "templates"):
        walk(top)
    try:
        st = os.stat(root / "site.yml")
        sigs["site.yml"] = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns, False)
    except OSError:
        pass
    return started, sigs


def _manifest_digest(out: Path) -> str | None:
    try:
        return hashlib.blake2b((out / MANIFEST).read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return None


def save(path: Path, settings, scanned: tuple[float, dict], out: Path, diagnostics: list, summary: dict) -> None:
    """Keep the stamp of a good build (best effort: a stamp that cannot be written is no stamp)."""
    scanned_at, sigs = scanned
    racy_ns = int((scanned_at - RACY_SECONDS) * 1e9)
    if any(len(sig) > 1 and (sig[0] >= racy_ns or sig[3] >= racy_ns) for sig in sigs.values()):
        remove(path)  # a file changed just before the build: its signature proves nothing next time
        return
    data = {"format": _FORMAT, "settings": settings, "sigs": sigs, "out": str(out),
            "manifest": _manifest_digest(out), "diagnostics": diagnostics, "summary": summary}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        remove(tmp)


def remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def unchanged(path: Path, settings, scanned: tuple[float, dict], out: Path) -> dict | None:
    """The kept stamp when nothing changed since it was made and the output is whole, else None."""
    try:
        with open(path, "rb") as f:
            data = pickle.load(f)
    except Exception:  # missing, damaged, or from another version
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    if data["settings"] != settings or data["out"] != str(out) or data["sigs"] != scanned[1]:
        return None
    if data["manifest"] is None or _manifest_digest(out) != data["manifest"]:
        return None
    manifest = read_manifest(out) or {}
    for rel in manifest:
        if not os.path.isfile(out / rel):
            return None
    return data
