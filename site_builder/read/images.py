"""What each image in content/media/ is: its format and intrinsic size, or why it cannot be read.

Raster images are measured with Pillow, from their header only; an SVG by its root element's
`width` and `height` (in px or without a unit) or else its `viewBox`. Each file is measured once
per content: a file whose digest is the one measured last time keeps its `MediaInfo`.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from ..files import digest_bytes
from ..model import MediaInfo, SourceFile

RASTER = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp", ".avif": "avif"}
SUFFIXES = (*RASTER, ".svg")
MAX_SVG_HEAD = 64_000  # the root element must start within this many bytes
_SVG_OPEN_RE = re.compile(rb"<svg\b([^>]*)>", re.S)
_ATTR_RE = re.compile(rb"""([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LENGTH_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")
_OBJECT_RE = re.compile(r"\s*'?<[^<>]* at 0x[0-9a-fA-F]+>'?")
_SWAPPED = (5, 6, 7, 8)  # EXIF orientations that turn the picture a quarter: browsers swap width and height


def is_image(rel_path: str) -> bool:
    return rel_path.lower().endswith(SUFFIXES)


def probe_media(root: Path, files: dict[str, SourceFile], known: dict[str, MediaInfo]) -> dict[str, MediaInfo]:
    """Every media file's MediaInfo; only images whose bytes changed since `known` was made are read."""
    out: dict[str, MediaInfo] = {}
    for rel, sf in files.items():
        if sf.kind != "media":
            continue
        last = known.get(rel)
        if last is not None and last.digest == sf.digest:
            out[rel] = last
        elif not is_image(rel):
            out[rel] = MediaInfo(sf.digest)
        else:
            out[rel] = probe_file(os.path.join(os.fspath(root), rel), rel, sf.digest)
    return out


def probe_file(path: str, rel_path: str, digest: str) -> MediaInfo:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        return MediaInfo(digest, _format(rel_path), problem=f"cannot be read ({exc.strerror or exc})")
    if digest_bytes(data) != digest:  # changed since discovery read it: measured as it is now, read again next build
        digest = digest_bytes(data)
    return probe(data, rel_path, digest)


def _format(rel_path: str) -> str:
    suffix = os.path.splitext(rel_path)[1].lower()
    return "svg" if suffix == ".svg" else RASTER.get(suffix, "")


def probe(data: bytes, rel_path: str, digest: str) -> MediaInfo:
    """The MediaInfo of an image's bytes (its name says which kind of image it should be)."""
    if _format(rel_path) == "svg":
        return _svg(data, digest)
    return _raster(data, rel_path, digest)


def _raster(data: bytes, rel_path: str, digest: str) -> MediaInfo:
    from PIL import Image  # Pillow only when there is an image to measure
    expected = _format(rel_path)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            found = (image.format or "").lower()
            orientation = image.getexif().get(0x0112) if found in ("jpeg", "webp", "png") else None
    except Exception as exc:  # Pillow raises many kinds for files it cannot identify or that are damaged
        return MediaInfo(digest, expected, problem=f"cannot be read as an image ({_reason(exc)})")
    if found == "mpo":  # a JPEG with extra pictures (phone cameras): served and measured as a JPEG
        found = "jpeg"
    if found != expected:
        return MediaInfo(digest, expected, problem=f"is a {found.upper() or 'different'} file, not a "
                                                   f"{expected.upper()} as its name says")
    if width <= 0 or height <= 0:
        return MediaInfo(digest, expected, problem="has no width or height")
    if orientation in _SWAPPED:
        width, height = height, width
    return MediaInfo(digest, expected, width, height)


def _reason(exc: Exception) -> str:
    text = _OBJECT_RE.sub("", str(exc)).strip().rstrip(":") or type(exc).__name__  # no memory addresses
    return text[:120]


def _svg(data: bytes, digest: str) -> MediaInfo:
    m = _SVG_OPEN_RE.search(data, 0, MAX_SVG_HEAD)
    if m is None:
        return MediaInfo(digest, "svg", problem="is not an SVG image (no <svg> element near its start)")
    attrs = {name.decode("ascii", "replace"): (a if a is not None else b).decode("utf-8", "replace")
             for name, a, b in _ATTR_RE.findall(m.group(1))}
    width, height = _length(attrs.get("width")), _length(attrs.get("height"))
    box = _view_box(attrs.get("viewBox"))
    if box is not None:
        if width and not height:
            height = width * box[1] / box[0]
        elif height and not width:
            width = height * box[0] / box[1]
        elif not width:
            width, height = box
    if not width or not height:
        return MediaInfo(digest, "svg", problem="has no size: its <svg> element has no viewBox "
                                                "(nor a width and height in px)")
    return MediaInfo(digest, "svg", max(1, round(width)), max(1, round(height)))


def _length(value: str | None) -> float:
    """A width or height in CSS pixels: a number with 'px' or no unit (anything else: 0, unknown)."""
    m = _LENGTH_RE.match(value) if value else None
    return float(m.group(1)) if m else 0.0


def _view_box(value: str | None) -> tuple[float, float] | None:
    if not value:
        return None
    try:
        numbers = [float(v) for v in value.replace(",", " ").split()]
    except ValueError:
        return None
    if len(numbers) != 4 or numbers[2] <= 0 or numbers[3] <= 0:
        return None
    return numbers[2], numbers[3]
