"""Share cards: a 1200x630 PNG for each explainer and fact sheet without an image social sites can show.

A card shows the site's name and the kind of page above the title, in DejaVu Sans (shipped in
theme/fonts with its licence). It is drawn in one grey channel and stored as a palette PNG (the
palette runs from the background to the text colour), which keeps the text smooth at about a
third of the cost and size of a full-colour one. A card is a pure function of what it shows, so
it is kept by the digest of that (see incremental/images.py) and drawn once. Drawing uses the
basic text layout, so a card is the same bytes wherever the same Pillow draws it.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import io
import struct

from . import THEME_DIR

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
FONTS = THEME_DIR / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
BACKGROUND, TEXT, ACCENT = (253, 252, 249), (28, 31, 36), (31, 78, 140)  # the theme's light colours
INK, MUTED, BAR = 253, 170, 255  # grey levels: 0 is the background, INK the text, BAR the accent
TITLE_SIZES = (72, 64, 56, 48)  # the largest at which the title fits between TITLE_TOP and TITLE_BOTTOM
TITLE_TOP, TITLE_BOTTOM = 170, HEIGHT - 95
VERSION = "card-2"  # change when the drawing or its encoding changes: every kept card is drawn again


def card_png(index, route) -> bytes:
    """The card for the item a card route is for (its key), from the store when it was drawn before."""
    id_ = route.key
    family, kind = index.kind_of(id_)
    label = index.config.type(kind).singular if family == "fact" else kind.capitalize()
    title, site = index.title(id_), index.config.title
    key = card_key(title, site, label)
    store = getattr(index, "store", None)
    data = store.get(key) if store is not None else None
    if data is None:
        data = draw_card(title, site, label)
        if store is not None:
            store.put(key, data)
    return data


def card_key(title: str, site: str, label: str) -> str:
    """The digest of everything a card is made from (the drawing code's version, the fonts and Pillow's)."""
    from PIL import __version__ as pillow
    text = "\x00".join((VERSION, pillow, _fonts_digest(), title, site, label))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


@functools.lru_cache(maxsize=1)
def _fonts_digest() -> str:
    h = hashlib.blake2b(digest_size=16)
    for path in (REGULAR, BOLD):
        h.update(path.read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=None)
def _font(bold: bool, size: int):
    from PIL import ImageFont
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size, layout_engine=ImageFont.Layout.BASIC)


def draw_card(title: str, site: str, label: str) -> bytes:
    """The card's PNG bytes."""
    from PIL import Image, ImageDraw
    canvas = Image.new("L", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, WIDTH, 15), fill=BAR)
    shown = title if covered(title) else ""
    head = f"{site} · {label}" if covered(f"{site} · {label}", bold=False) else label
    small = _font(False, 34)
    draw.text((MARGIN, 70), _fit(draw, head, small, WIDTH - 2 * MARGIN), font=small, fill=MUTED)
    lines, font = _title_lines(draw, shown or (site if covered(site) else label))
    y = TITLE_TOP
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=INK)
        y += _leading(font.size)
    draw.rectangle((MARGIN, HEIGHT - 70, MARGIN + 120, HEIGHT - 62), fill=BAR)
    card = Image.frombytes("P", canvas.size, canvas.tobytes())
    card.putpalette(_palette())
    out = io.BytesIO()
    card.save(out, "PNG", compress_level=3)  # a quarter larger than at level 6, in three fifths of the time
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def _palette() -> list[int]:
    colours = []
    for level in range(256):
        if level == BAR:
            colours.extend(ACCENT)
            continue
        share = min(level, INK) / INK
        colours.extend(round(b + (t - b) * share) for b, t in zip(BACKGROUND, TEXT))
    return colours


def _title_lines(draw, title: str):
    """The title broken into lines at the largest size that fits; cut with an ellipsis if none does."""
    width = WIDTH - 2 * MARGIN
    for size in TITLE_SIZES:
        font = _font(True, size)
        lines = _wrap(draw, title, font, width)
        most = (TITLE_BOTTOM - TITLE_TOP) // _leading(size)
        if len(lines) <= most:
            return lines, font
    lines = lines[:most]
    lines[-1] = _fit(draw, lines[-1] + " …", font, width, force=True)
    return lines, font


def _leading(size: int) -> int:
    return round(size * 1.22)


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return [_fit(draw, one, font, width) for one in lines] or [""]


def _fit(draw, text: str, font, width: int, force: bool = False) -> str:
    """Text cut to fit the width, with an ellipsis where it was cut."""
    if not force and draw.textlength(text, font=font) <= width:
        return text
    text = text.removesuffix(" …")
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def covered(text: str, bold: bool = True) -> bool:
    """Whether the card font has a glyph for every character (a title in a script it lacks is left off)."""
    starts, ends = _coverage(bold)
    for ch in text:
        i = bisect.bisect_right(starts, ord(ch)) - 1
        if not ch.isspace() and (i < 0 or ord(ch) > ends[i]):
            return False
    return True


@functools.lru_cache(maxsize=2)
def _coverage(bold: bool) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The characters a card font maps, as sorted ranges (from its Unicode cmap subtable)."""
    ranges = sorted(_cmap_ranges((BOLD if bold else REGULAR).read_bytes()))
    return tuple(lo for lo, _ in ranges), tuple(hi for _, hi in ranges)


def _cmap_ranges(data: bytes) -> list[tuple[int, int]]:
    """The code point ranges of a TrueType font's Windows Unicode cmap (format 12 if there, else 4)."""
    tables = struct.unpack_from(">H", data, 4)[0]
    cmap = next(struct.unpack_from(">I", data, 12 + 16 * i + 8)[0] for i in range(tables)
                if data[12 + 16 * i:16 + 16 * i] == b"cmap")
    subtables = {}
    for i in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        subtables[(platform, encoding)] = cmap + offset
    if (3, 10) in subtables:
        at = subtables[(3, 10)]
        groups = struct.unpack_from(">I", data, at + 12)[0]
        return [struct.unpack_from(">II", data, at + 16 + 12 * g) for g in range(groups)]
    at = subtables[(3, 1)]
    count = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{count}H", data, at + 14)
    starts = struct.unpack_from(f">{count}H", data, at + 16 + 2 * count)
    return [(lo, hi) for lo, hi in zip(starts, ends) if lo != 0xFFFF]
