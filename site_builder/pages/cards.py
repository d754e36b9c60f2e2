"""Share cards: a 1200x630 PNG for each explainer and fact sheet without an image social sites can show.

A card shows the site's name and the kind of page above the title, in DejaVu Sans (shipped in
theme/fonts with its licence). It is drawn in one grey channel and stored as a palette PNG of 4 bits
a pixel: fifteen steps from the background to the text colour, which keeps the text's edges smooth,
and the accent. That is a sixth of the bytes of a full-colour image to compress, and two thirds of
the size of the card at 8 bits a pixel. A card is a pure function of what it shows, so
it is kept by the digest of that (see incremental/images.py) and drawn once. Drawing uses the
basic text layout, so a card is the same bytes wherever the same Pillow and zlib make it.

Most of a card is blank. Only the bands of rows that hold ink are drawn (with Pillow) and
compressed, and a band is kept a while, so the bar and heading every card of a kind shares are
made once; the blank runs between bands are compressed once a process, and the PNG is put together
here (it is a few chunks around one zlib stream). A card costs about a fifth of drawing the whole
canvas and having Pillow encode it, which was the largest part of a cold build of a small site,
where every page gets a card.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import struct
import zlib
from typing import NamedTuple

from . import THEME_DIR

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
FONTS = THEME_DIR / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
BACKGROUND, TEXT, ACCENT = (253, 252, 249), (28, 31, 36), (31, 78, 140)  # the theme's light colours
INK, MUTED, BAR = 14, 9, 15  # the grey levels drawn, which are the palette's colours: 0 the background, INK
# the text (its edges drawn smooth over the levels below), MUTED the heading, BAR the accent
ROW = WIDTH // 2 + 1  # bytes a row: its filter byte, then two pixels a byte
TITLE_SIZES = (72, 64, 56, 48)  # the largest at which the title fits between TITLE_TOP and TITLE_BOTTOM
TITLE_TOP, TITLE_BOTTOM = 170, HEIGHT - 95
VERSION = "card-5"  # change when the drawing or its encoding changes: every kept card is drawn again


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
    shown = title if covered(title) else ""
    head = f"{site} · {label}" if covered(f"{site} · {label}", bold=False) else label
    small = _font(False, 34)
    marks = [_Mark(0, 15, "rect", (0, 0, WIDTH, 15), BAR, None),
             _text(MARGIN, 70, _fit(head, small, WIDTH - 2 * MARGIN), small, MUTED)]
    lines, font = _title_lines(shown or (site if covered(site) else label))
    for n, line in enumerate(lines):
        marks.append(_text(MARGIN, TITLE_TOP + n * _leading(font.size), line, font, INK))
    marks.append(_Mark(HEIGHT - 70, HEIGHT - 62, "rect", (MARGIN, HEIGHT - 70, MARGIN + 120, HEIGHT - 62), BAR, None))
    return _png(_bands(marks))


class _Mark(NamedTuple):
    """One thing drawn on a card: the rows it covers (top, last) and how to draw it."""

    top: int
    last: int
    kind: str  # "rect" (where: its corners) or "text" (where: its origin)
    where: tuple
    fill: int
    text: tuple | None  # (text, font) for a text


def _text(x: int, y: int, text: str, font, fill: int) -> _Mark:
    top, bottom = _rows(text, font)
    return _Mark(y + top, y + bottom - 1, "text", (x, y), fill, (text, font))


# Text measured from what is kept of each character and pair. The basic layout sets a glyph after the
# one before, advanced by its own width and the pair's kerning, and bounds text by its glyphs' boxes
# and the baseline; so a width is the sum of its characters' and pairs' (in 64ths of a pixel) and the
# rows a text covers are those of its characters together: the same numbers as Pillow's getlength and
# getbbox, without loading every glyph of the text again for each (about ten measures a card).

def _length(text: str, font) -> float:
    """font.getlength(text, "L")."""
    total = sum(_advance(font, ch) for ch in text)
    return (total + sum(_kerning(font, text[i:i + 2]) for i in range(len(text) - 1))) / 64


def _rows(text: str, font) -> tuple[int, int]:
    """The top and bottom of font.getbbox(text, "L")."""
    if not text:
        return 0, 0
    extents = [_extent(font, ch) for ch in text]
    return min(top for top, _ in extents), max(bottom for _, bottom in extents)


@functools.lru_cache(maxsize=4096)
def _advance(font, ch: str) -> int:
    return round(font.getlength(ch, "L") * 64)


@functools.lru_cache(maxsize=16384)
def _kerning(font, pair: str) -> int:
    return round(font.getlength(pair, "L") * 64) - _advance(font, pair[0]) - _advance(font, pair[1])


@functools.lru_cache(maxsize=4096)
def _extent(font, ch: str) -> tuple[int, int]:
    _, top, _, bottom = font.getbbox(ch, "L")
    return top, bottom


def _bands(marks: list[_Mark]) -> list[tuple[int, int, bytes, int]]:
    """The bands of rows that hold ink, overlapping marks drawn together: (first row, rows, the band's
    pixels deflated, their Adler-32), from the top."""
    bands, group, reach = [], [], -1  # the marks of the band being gathered, and its last row
    for mark in sorted((m for m in marks if m.last >= m.top), key=lambda m: (m.top, m.last)) + [None]:
        if group and (mark is None or mark.top > reach):
            bands.append(_band(tuple(group)))
            group = []
        if mark is not None:
            group.append(mark)
            reach = max(reach, mark.last)
    return bands


@functools.lru_cache(maxsize=32)
def _band(group: tuple[_Mark, ...]) -> tuple[int, int, bytes, int]:
    """One band, in the PNG's row layout, compressed. Kept a while: every card of a kind has the same bar
    and heading. A band is drawn two pixels wider on the left, and those two, never drawn on (no mark
    starts left of the card), make each row's first byte, its filter byte: 0, none."""
    from PIL import Image, ImageDraw
    top, last = max(group[0].top, 0), min(max(m.last for m in group), HEIGHT - 1)
    band = Image.new("L", (WIDTH + 2, last - top + 1), 0)
    draw = ImageDraw.Draw(band)
    for m in group:
        if m.kind == "rect":
            x0, y0, x1, y1 = m.where
            draw.rectangle((x0 + 2, y0 - top, x1 + 2, y1 - top), fill=m.fill)
        else:
            draw.text((m.where[0] + 2, m.where[1] - top), m.text[0], font=m.text[1], fill=m.fill)
    rows = band.tobytes("raw", "L;4")
    deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 8, zlib.Z_RLE)
    return top, last - top + 1, deflate.compress(rows) + deflate.flush(zlib.Z_FULL_FLUSH), zlib.adler32(rows)


def _png(bands: list[tuple[int, int, bytes, int]]) -> bytes:
    """A palette PNG of the card from its bands of ink; the blank rows between them are compressed once a
    process (each part of the stream is a complete deflate run of its own, so they join end to end)."""
    row, parts, adler, y = ROW, [_ZLIB_HEADER], 1, 0
    for top, count, deflated, checksum in bands + [(HEIGHT, 0, b"", 1)]:
        if top > y:
            parts.append(_blank(top - y))
            adler = _adler_of_zeros(adler, (top - y) * row)
        if count:
            parts.append(deflated)
            adler = _adler_joined(adler, checksum, count * row)
        y = top + count
    parts += (_LAST_BLOCK, struct.pack(">I", adler))
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 4, 3, 0, 0, 0)  # 4 bits, palette colour, no interlace
    return b"".join((b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"PLTE", bytes(_palette())),
                     _chunk(b"IDAT", b"".join(parts)), _chunk(b"IEND", b"")))


LEVEL = 3  # zlib's, with runs only (Z_RLE): a card a tenth larger than by default, in two thirds of the time
_ZLIB_HEADER = zlib.compress(b"", LEVEL)[:2]
_LAST_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -15).flush()  # an empty final block


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=64)
def _blank(rows: int) -> bytes:
    deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 8, zlib.Z_RLE)
    return deflate.compress(bytes(rows * ROW)) + deflate.flush(zlib.Z_FULL_FLUSH)


def _adler_of_zeros(adler: int, count: int) -> int:
    """Adler-32 carried over `count` zero bytes: the first sum stays, the second grows by it each byte."""
    first, second = adler & 0xFFFF, adler >> 16
    return ((second + count * first) % 65521) << 16 | first


def _adler_joined(adler: int, after: int, count: int) -> int:
    """Adler-32 of two runs of bytes joined, from each run's and the second's length (`count`): each byte
    of the second adds the first run's first sum once more to the second sum; both start from 1."""
    first = ((adler & 0xFFFF) + (after & 0xFFFF) - 1) % 65521
    second = ((adler >> 16) + (after >> 16) + count * ((adler & 0xFFFF) - 1)) % 65521
    return second << 16 | first


@functools.lru_cache(maxsize=1)
def _palette() -> list[int]:
    colours = []
    for level in range(INK + 1):
        colours.extend(round(b + (t - b) * level / INK) for b, t in zip(BACKGROUND, TEXT))
    return colours + list(ACCENT)


def _title_lines(title: str):
    """The title broken into lines at the largest size that fits; cut with an ellipsis if none does."""
    width = WIDTH - 2 * MARGIN
    for size in TITLE_SIZES:
        font = _font(True, size)
        lines = _wrap(title, font, width)
        most = (TITLE_BOTTOM - TITLE_TOP) // _leading(size)
        if len(lines) <= most:
            return lines, font
    lines = lines[:most]
    lines[-1] = _fit(lines[-1] + " …", font, width, force=True)
    return lines, font


def _leading(size: int) -> int:
    return round(size * 1.22)


def _wrap(text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and _length(candidate, font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return [_fit(one, font, width) for one in lines] or [""]


def _fit(text: str, font, width: int, force: bool = False) -> str:
    """Text cut to fit the width, with an ellipsis where it was cut."""
    if not force and _length(text, font) <= width:
        return text
    text = text.removesuffix(" …")
    while text and _length(text + "…", font) > width:
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
