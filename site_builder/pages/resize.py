"""Resized copies of large raster images, for `srcset`: made once per original and width, and kept.

A copy is the original scaled down with Lanczos filtering, in the original's format, without its
metadata (EXIF orientation is applied first, as browsers apply it to the original). A copy is a
pure function of the original's bytes and the width, so it is kept by their digest (see
incremental/images.py) and made again only when the original changes.
"""

from __future__ import annotations

import hashlib
import io

from ..diagnostics import Diagnostic, Location

VERSION = "resize-1"  # change when the way copies are made changes
QUALITY = {"jpeg": 82, "webp": 80}


def resized_key(digest: str, width: int) -> str:
    from PIL import __version__ as pillow
    text = f"{VERSION}\x00{pillow}\x00{digest}\x00{width}"
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def split_key(route_key: str) -> tuple[str, int]:
    """A resized route's key, 'content/media/photo.jpg|960', as the original's path and the width."""
    rel, _, width = route_key.rpartition("|")
    return rel, int(width)


def resized_copy(index, route) -> tuple[bytes | None, list]:
    """The copy's bytes and problems, as render_route gives them (from the store when made before)."""
    rel, width = split_key(route.key)
    info = index.media_info(rel)
    store = getattr(index, "store", None)
    key = resized_key(info.digest, width)
    data = store.get(key) if store is not None else None
    if data is not None:
        return data, []
    source = store.source(rel) if store is not None else None
    try:
        if source is None:
            raise OSError("the file could not be read")
        data = scale(source, info.format, width)
    except Exception as exc:  # a damaged image whose header Pillow could read: say so where the file is
        message = f"image '{rel.removeprefix('content/')}' could not be resized: {str(exc)[:120]}"
        return None, [(None, Diagnostic("error", message, Location(rel), "save the image again"))]
    if store is not None:
        store.put(key, data)
    return data, []


def scale(data: bytes, fmt: str, width: int) -> bytes:
    """The image scaled to `width` pixels wide, its height in proportion."""
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        height = max(1, round(image.height * width / image.width))
        if fmt == "jpeg" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        small = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "png":
        small.save(out, "PNG", optimize=True)
    else:
        small.save(out, fmt.upper(), quality=QUALITY[fmt], **({"optimize": True} if fmt == "jpeg" else {}))
    return out.getvalue()
