"""Images on pages: sizes, `srcset`, lazy loading, share images, and the images a build makes.

Every local image a page shows gets its intrinsic `width` and `height` (read through
`Index.media_info`, so the page is rendered again when the image's pixels change). An item's own
`image:` is at the top of its page and loads at once; images in the text load lazily
(`loading="lazy"`, `decoding="async"`). A large raster image also offers its resized copies
(`srcset`, with `sizes` for the theme's column).
"""

from __future__ import annotations

import html

from ..site.media import resized_path, resized_widths, shareable
from .cards import HEIGHT as CARD_HEIGHT, WIDTH as CARD_WIDTH, card_png
from .resize import resized_copy

SIZES = "(min-width: 46rem) 44rem, calc(100vw - 2rem)"  # the theme's text column (--measure)
CARD_NAME = "card.png"
CARD_KINDS = ("explainer", "fact")  # the pages that get a share card when they have no image to share


def made_image(index, route) -> tuple[bytes | None, list]:
    """The bytes of a route whose file the build makes: a share card or a resized copy."""
    if route.kind == "card":
        return card_png(index, route), []
    return resized_copy(index, route)


def picture(index, rel: str) -> dict | None:
    """A media file as an <img> shows it: url, width, height, srcset and sizes (None for a missing file)."""
    info = index.media_info(rel)
    if info is None:
        return None
    urls = index.urls
    out = {"url": urls.media(rel), "width": info.width or None, "height": info.height or None,
           "srcset": "", "sizes": ""}
    widths = resized_widths(info)
    if widths:
        entries = [f"{urls.media(resized_path(rel, w))} {w}w" for w in widths] + [f"{out['url']} {info.width}w"]
        out["srcset"], out["sizes"] = ", ".join(entries), SIZES
    return out


def lead_image(index, image) -> dict | None:
    """An item's own image (image:) for its template: url, alt, credit and the attributes of picture()."""
    if image is None:
        return None
    found = picture(index, image.src) or {"url": index.urls.media(image.src), "width": None, "height": None,
                                          "srcset": "", "sizes": ""}
    return found | {"alt": image.alt, "credit": image.credit}


def media_helper(index):
    """`media(src)` for templates: picture() of 'media/<file>', an error at the template's line if there is none."""
    def media(src: str) -> dict:
        rel = "content/" + str(src).strip().lstrip("/")
        found = picture(index, rel)
        if found is None:
            raise KeyError(str(src))
        return found
    return media


def img_attributes(index, rel: str) -> str:
    """What follows the address in a Markdown image's <img src="...": size, srcset, lazy loading.

    Returned to be put inside the src attribute's quotes: it closes them, and the quote that closed
    src closes its last attribute."""
    found = picture(index, rel)
    if found is None or not found["width"]:
        return ""
    extra = f'" width="{found["width"]}" height="{found["height"]}"'
    if found["srcset"]:
        extra += f' srcset="{html.escape(found["srcset"])}" sizes="{found["sizes"]}"'
    return extra + ' loading="lazy" decoding="async'


def share_image(index, route, image) -> dict | None:
    """The picture social sites show for a page: its own image where they can show it, else its share card
    (explainers and fact sheets, when the site makes them: the same rule plans the card's route)."""
    if image is not None:
        info = index.media_info(image.src)
        if shareable(info):
            return {"url": index.urls.absolute(index.urls.media(image.src)), "width": info.width,
                    "height": info.height, "alt": image.alt, "type": f"image/{info.format}"}
    if route.kind not in CARD_KINDS or not index.share_cards():
        return None
    title = index.title(route.key)
    return {"url": index.urls.absolute(card_url(index, route.key)), "width": CARD_WIDTH, "height": CARD_HEIGHT,
            "alt": f"{title} · {index.config.title}", "type": "image/png"}


def card_url(index, id_: str) -> str:
    return index.url(id_) + CARD_NAME
