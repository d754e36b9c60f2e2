"""Images as linking sees them: what each media file is (World.info), and the images an item shows.

A media file's `MediaInfo` (size, or why it cannot be read) changes with its bytes. Linking
notes it under the name `pixels:<path>`: an item that showed the image is linked again when it
changes (its problems may change), and a page that read its size (index key `G`) is rendered again.
"""

from __future__ import annotations

from ..diagnostics import Problems
from ..model import LinkSlot, MediaInfo
from ..read.images import is_image
from .index import ALL, key


def update_media(world, media: dict[str, MediaInfo]) -> set[str]:
    """Make the world's media infos these; the `pixels:` names of those that changed, came or went."""
    old = world.info
    names = {f"pixels:{rel}" for rel in old.keys() | media.keys() if old.get(rel) != media.get(rel)}
    world.info = dict(media)
    return names


def image_problems(item, fragments, ask, problems: Problems) -> None:
    """An image the item shows (its `image:`, or a link or image in its text to a media file) that cannot
    be read is an error where it is written. `ask`: the item's Lookups (it notes the names looked up)."""
    if item.image is not None and ask.medium(item.image.src):
        _check(item.image.src, item.image.location, ask, problems)
    for fragment in fragments:
        for slot in fragment.slots:
            if isinstance(slot, LinkSlot) and is_image(slot.target) and ask.medium(slot.target):
                _check(slot.target, slot.location, ask, problems)


def _check(rel: str, location, ask, problems: Problems) -> None:
    info = ask.picture(rel)
    if info is not None and info.problem:
        problems.error(f"image '{rel.removeprefix('content/')}' {info.problem}", location,
                       "save it again as a PNG, JPEG, GIF, WebP or AVIF file, or an SVG with a viewBox")


# Resized copies of large raster images, for srcset: each width below the original's, in the same format.
RESIZED_WIDTHS = (480, 960, 1440)
LARGE_WIDTH = 800  # a raster image wider than this gets resized copies
RESIZED_FORMATS = ("png", "jpeg", "webp")
SHAREABLE = ("png", "jpeg", "gif", "webp")  # what social sites show as a link's picture (not SVG)


def resized_widths(info: MediaInfo | None) -> tuple[int, ...]:
    if info is None or info.problem or info.format not in RESIZED_FORMATS or info.width <= LARGE_WIDTH:
        return ()
    return tuple(w for w in RESIZED_WIDTHS if w < info.width)


def resized_path(rel: str, width: int) -> str:
    """The site file a resized copy is published as: content/media/photo.jpg -> content/media/photo-960w.jpg."""
    stem, dot, suffix = rel.rpartition(".")
    return f"{stem}-{width}w.{suffix}"


def media_keys(names: set[str]) -> set[str]:
    """The index keys (see index.key) of the media files whose MediaInfo changed: `G` for each, and G* for any."""
    found = {key("G", n.partition(":")[2]) for n in names if n.startswith("pixels:")}
    return found | {key("G", ALL)} if found else found


def image_keys(old: dict, new: dict) -> set[str]:
    """J* when an item got or lost its own image, or changed it (which items get a share card changes)."""
    for id_, before in old.items():
        after = new.get(id_)
        if before is not None and after is not None and before.image != after.image:
            return {key("J", ALL)}
    return set()


def shareable(info: MediaInfo | None) -> bool:
    """Whether social sites can show this image as a link's picture (else the page gets a share card)."""
    return info is not None and not info.problem and info.format in SHAREABLE


def update_cards(world, tables, publish) -> set[str]:
    """Whether the site makes share cards (share_cards: auto decides by its size); S* when that changes."""
    count = len(tables.kinds.get("explainer", ())) + sum(len(ids) for ids in tables.types.values())
    on = publish.cards_for(count)
    if on == world.cards:
        return set()
    world.cards = on
    return {key("S", ALL)}
