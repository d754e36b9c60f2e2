"""Images with sizes and resized copies, old addresses, git dates, feeds, long lists and share cards."""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import MINIMAL_SITE_YML, build, messages, png

ATOM = "{http://www.w3.org/2005/Atom}"
DOC = "---\ntitle: {title}\nsummary: About {title}.\ndate: 2024-01-{day:02d}\ntags: [{tag}]\n---\n{body}\n"


def explainer(title: str, day: int = 1, tag: str = "history", body: str = "Text.") -> str:
    return DOC.format(title=title, day=day, tag=tag, body=body)


def test_images_get_their_size_lazy_loading_and_resized_copies(make_site):
    root = make_site({"content/explainers/a.md": explainer("A", body="![Wide](../media/wide.jpg)\n\n"
                                                                     "![Small](../media/small.png)"),
                      "content/media/wide.jpg": png(1000, 500, fmt="JPEG"), "content/media/small.png": png(30, 20)})
    result = build(root, write=True)
    assert result.ok, messages(result)
    page = (root / "output/explainers/a/index.html").read_text("utf-8")
    assert ('<img src="/media/wide.jpg" width="1000" height="500" srcset="/media/wide-480w.jpg 480w, '
            '/media/wide-960w.jpg 960w, /media/wide.jpg 1000w"') in page
    assert '<img src="/media/small.png" width="30" height="20" loading="lazy" decoding="async"' in page
    from PIL import Image
    with Image.open(root / "output/media/wide-480w.jpg") as copy:
        assert copy.size == (480, 240)
    assert not (root / "output/media/wide-1440w.jpg").exists()  # never larger than the original


@pytest.mark.parametrize("name,data,said", [
    ("bad.png", b"not a picture", "image 'media/bad.png' cannot be read as an image"),
    ("photo.png", png(fmt="JPEG"), "image 'media/photo.png' is a JPEG file, not a PNG as its name says"),
    ("plan.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "image 'media/plan.svg' has no size"),
])
def test_an_unreadable_image_is_an_error_where_it_is_shown(make_site, name, data, said):
    root = make_site({"content/explainers/a.md": explainer("A", body=f"Intro.\n\n![Pic](../media/{name})"),
                      f"content/media/{name}": data})
    found = messages(build(root))
    assert len(found) == 1 and found[0].startswith(f"content/explainers/a.md:9:8: error: {said}"), found
    assert "0x" not in found[0] and "hint:" in found[0]


def test_old_addresses_become_redirect_pages_and_collisions_are_located(make_site):
    root = make_site({"content/explainers/a.md": explainer("A").replace("tags:", "redirect_from: [/old/a/]\ntags:"),
                      "content/facts/people/ada.yml": "name: Ada\nsummary: A writer.\nrole: {value: Writer}\nredirect_from: /old/a/\n"})
    found = [m for m in messages(build(root)) if ": error:" in m]
    assert found == ["content/facts/people/ada.yml:4:16: error: redirect_from '/old/a/' is also an old address of "
                     "content/explainers/a.md\n    hint: an old address can lead to one page only: keep it on one of them"]
    (root / "content/facts/people/ada.yml").write_text("name: Ada\nsummary: A writer.\nrole: {value: Writer}\nredirect_from: [/ada.html]\n")
    result = build(root, write=True)
    assert result.ok, messages(result)
    moved = (root / "output/ada.html").read_text("utf-8")
    assert '<meta http-equiv="refresh" content="0; url=/people/ada/">' in moved and 'href="/people/ada/"' in moved
    assert "noindex" in moved and "ada.html" not in (root / "output/sitemap.xml").read_text("utf-8")


def _git(root, *args, date="2024-05-06T12:00:00"):
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": "T",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def test_updated_and_lastmod_come_from_git_but_a_written_updated_wins(make_site):
    root = make_site({"site.yml": MINIMAL_SITE_YML + "updated_from_git: true\n",
                      "content/explainers/a.md": explainer("A"),
                      "content/explainers/b.md": explainer("B").replace("tags:", "updated: 2024-02-02\ntags:"),
                      "content/facts/people/ada.yml": "name: Ada\nsummary: A writer.\nrole: {value: Writer}\n"})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "first")
    result = build(root, write=True)
    assert result.ok, messages(result)
    sitemap = (root / "output/sitemap.xml").read_text("utf-8")
    assert "<loc>https://example.org/explainers/a/</loc><lastmod>2024-05-06</lastmod>" in sitemap
    assert "<loc>https://example.org/explainers/b/</loc><lastmod>2024-02-02</lastmod>" in sitemap
    assert "<loc>https://example.org/people/ada/</loc><lastmod>2024-05-06</lastmod>" in sitemap


def test_a_site_outside_git_is_warned_once_at_site_yml(make_site):
    root = make_site({"site.yml": MINIMAL_SITE_YML + "updated_from_git: true\n", "content/explainers/a.md": explainer("A")})
    found = [m for m in messages(build(root)) if "git" in m]
    assert len(found) == 1 and found[0].startswith("site.yml:") and "warning" in found[0]


def _check_atom(path) -> list[ET.Element]:
    """The RFC 4287 rules a feed must keep: one id, title and updated for the feed and each entry; an
    author for the feed; each entry a link or content, and a summary when its content is not inline text."""
    feed = ET.parse(path).getroot()
    assert feed.tag == ATOM + "feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(ATOM + name)) == 1, name
    assert feed.find(ATOM + "author/" + ATOM + "name") is not None
    assert any(l.get("rel") == "self" for l in feed.findall(ATOM + "link"))
    entries = feed.findall(ATOM + "entry")
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(ATOM + name)) == 1, name
        assert entry.find(ATOM + "link") is not None or entry.find(ATOM + "content") is not None
        content = entry.find(ATOM + "content")
        if content is not None and content.get("type") not in (None, "text", "html", "xhtml"):
            assert entry.find(ATOM + "summary") is not None
        for stamp in (entry.find(ATOM + "updated"), entry.find(ATOM + "published")):
            assert stamp is None or len(stamp.text) == 20 and stamp.text.endswith("Z")
    return entries


def test_each_tag_has_a_valid_feed_and_full_content_is_an_option(make_site):
    root = make_site({"site.yml": MINIMAL_SITE_YML + "feed_content: full\n",
                      "content/explainers/a.md": explainer("A", 1, "history", "See [[explainers/b]] and <b>x</b> & y."),
                      "content/explainers/b.md": explainer("B", 2, "maths")})
    result = build(root, write=True)
    assert result.ok, messages(result)
    entries = _check_atom(root / "output/tags/history/feed.xml")
    assert [e.find(ATOM + "title").text for e in entries] == ["A"]
    assert 'href="https://example.org/explainers/b/"' in entries[0].find(ATOM + "content").text
    assert len(_check_atom(root / "output/feed.xml")) == 2
    assert 'href="/tags/history/feed.xml"' in (root / "output/tags/history/index.html").read_text("utf-8")


def test_long_lists_are_paginated_with_stable_addresses(make_site):
    files = {"site.yml": MINIMAL_SITE_YML + "per_page: 10\n"}
    for i in range(25):
        files[f"content/facts/people/p{i:02d}.yml"] = f"name: {chr(65 + i)}nne\nsummary: A writer.\nrole: {{value: Writer}}\n"
    root = make_site(files)
    result = build(root, write=True)
    assert result.ok, messages(result)
    first = (root / "output/people/index.html").read_text("utf-8")
    second = (root / "output/people/page/2/index.html").read_text("utf-8")
    assert '<link rel="next" href="/people/page/2/">' in first and 'rel="prev"' not in first
    assert '<link rel="prev" href="/people/">' in second and '<link rel="next" href="/people/page/3/">' in second
    assert (root / "output/people/page/3/index.html").is_file() and not (root / "output/people/page/4").exists()
    assert 'href="/people/page/2/#jump-k"' in first  # the jump list reaches every page
    assert second.count('<li id="jump-') == 10 and "Knne" in second and "Anne" not in second


def test_a_list_by_name_runs_in_the_order_of_its_jump_list(make_site):
    files = {"site.yml": MINIMAL_SITE_YML + "per_page: 10\n"}
    names = ["[Bracketed note]", "Zed", "\u00c9mile", "Anne", "\u201cQuoted\u201d", "Carl", "Dora", "Fay", "Gus", "Hal",
             "Ivy", "Jo"]
    for i, name in enumerate(names):
        files[f"content/facts/people/p{i:02d}.yml"] = f"name: '{name}'\nsummary: A writer.\nrole: {{value: Writer}}\n"
    root = make_site(files)
    result = build(root, write=True)
    assert result.ok, messages(result)
    first = (root / "output/people/index.html").read_text("utf-8")
    jump = re.findall(r'#jump-([a-z]+)">', first)
    assert jump == sorted(jump) == ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "q", "z"]
    assert first.index("Anne") < first.index("[Bracketed note]") < first.index("Carl") < first.index("\u00c9mile")


def test_pages_without_an_image_get_a_share_card(make_site):
    root = make_site({"content/explainers/a.md": explainer("A title"),
                      "content/facts/people/ada.yml": "name: Ada\nsummary: A writer.\nrole: {value: Writer}\n"
                                                      "image: {src: media/ada.png, alt: Ada}\n",
                      "content/media/ada.png": png(40, 30)})
    result = build(root, write=True)
    assert result.ok, messages(result)
    page = (root / "output/explainers/a/index.html").read_text("utf-8")
    assert '<meta property="og:image" content="https://example.org/explainers/a/card.png">' in page
    assert '<meta name="twitter:image" content="https://example.org/explainers/a/card.png">' in page
    from PIL import Image
    with Image.open(root / "output/explainers/a/card.png") as card:
        assert card.size == (1200, 630)
    assert not (root / "output/people/ada/card.png").exists()  # it has its own picture
    assert 'content="https://example.org/media/ada.png"' in (root / "output/people/ada/index.html").read_text("utf-8")


@pytest.mark.parametrize("title", ["A title", "", "Ünïcödé: “quotes”, Ág, gjpqy", "日本語 only here",
                                   "A title long enough to wrap onto four lines at the smallest size " * 3,
                                   "Onewordfartoolongtofitonthecardatanysizewhatsoeverreallyandtruly"])
def test_a_card_has_the_pixels_of_drawing_it_whole(title):
    """Cards are drawn and compressed a band of rows at a time: the same pixels as the whole card drawn at once."""
    import io
    from PIL import Image, ImageDraw
    from site_builder.pages import cards
    site, label = "A site with a rather long name, to be cut short on the card " * 2, "Explainer"
    whole = Image.new("L", (cards.WIDTH, cards.HEIGHT), 0)
    draw = ImageDraw.Draw(whole)
    draw.rectangle((0, 0, cards.WIDTH, 15), fill=cards.BAR)
    small = cards._font(False, 34)
    draw.text((cards.MARGIN, 70), cards._fit(f"{site} · {label}", small, cards.WIDTH - 2 * cards.MARGIN), font=small,
              fill=cards.MUTED)
    lines, font = cards._title_lines((title if cards.covered(title) else "") or site)
    for n, line in enumerate(lines):
        draw.text((cards.MARGIN, cards.TITLE_TOP + n * cards._leading(font.size)), line, font=font, fill=cards.INK)
    draw.rectangle((cards.MARGIN, cards.HEIGHT - 70, cards.MARGIN + 120, cards.HEIGHT - 62), fill=cards.BAR)
    with Image.open(io.BytesIO(cards.draw_card(title, site, label))) as card:
        assert (card.size, card.mode) == ((1200, 630), "P")
        assert card.tobytes() == whole.tobytes()  # (its grey levels are the palette's colours)
        palette = card.getpalette()
        assert palette[:3] == list(cards.BACKGROUND) and palette[cards.BAR * 3:cards.BAR * 3 + 3] == list(cards.ACCENT)
        assert palette[cards.INK * 3:cards.INK * 3 + 3] == list(cards.TEXT) and len(palette) == 16 * 3


@pytest.mark.parametrize("bold,size", [(True, 72), (True, 48), (False, 34)])
def test_text_measured_from_kept_characters_measures_as_pillow_does(bold, size):
    """A card measures text from each character's and pair's kept width and rows: the same numbers as
    Pillow's own, kerned pairs, accents, descenders, spaces and the ellipsis included."""
    from site_builder.pages import cards
    font = cards._font(bold, size)
    texts = ["", " ", "AV", "To Yz", "LT AVAWAY ff", "Ünïcödé: “quotes”, Ág, gjpqy", "Kim Jong Un’s Aurus Senat …",
             "  two  spaces ", "Wolfgang’s \"Tỷ\" Œuvre — Ǻ Ḝ", "1,000 articles · Explainer", "…", "Ŵ" * 9]
    for text in texts:
        assert cards._length(text, font) == font.getlength(text, "L"), text
        _, top, _, bottom = font.getbbox(text, "L")
        assert cards._rows(text, font) == (top, bottom), text


def test_a_card_carries_the_checksum_of_its_pixels():
    """The stream's Adler-32 is put together from each band's: zlib checks it when the card is read."""
    import random
    import zlib
    from site_builder.pages import cards
    data = cards.draw_card("A title", "A site", "Explainer")
    start = data.index(b"IDAT") + 4
    stream = data[start:start + int.from_bytes(data[start - 8:start - 4], "big")]
    rows = zlib.decompress(stream)  # (raises when the checksum is wrong)
    assert len(rows) == cards.ROW * cards.HEIGHT and zlib.adler32(rows) == int.from_bytes(stream[-4:], "big")
    pick = random.Random(7)
    for _ in range(200):
        a, b = pick.randbytes(pick.randrange(3000)), pick.randbytes(pick.randrange(70000))
        assert cards._adler_joined(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)
