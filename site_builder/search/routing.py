"""Routing: which shards a query's words lead to, decided as one index over the whole site would decide it.

Pagefind resolves each word of a query within one index: to the index's words that begin with it, or,
when there is none, to the longest of its words that the query word begins with. Shards merged in the
browser would each resolve on their own, so a shard without the word would fall back to a shorter one
that happens to begin it ('harbourmistress' to 'harbour') and add pages a single index never lists.

So a sharded index has routing indexes besides: for each bucket of first letters, one small Pagefind
index with a record per shard that holds the shard's words beginning with those letters. The search
script asks the routing index of each query word which shards hold what the word resolves to over the
whole site (Pagefind's own resolution, stemming included: a record found names its shard, by the id
listed in shards.json), and searches only the pages of the shards every word leads to (every page has
a `shard:<name>` filter). Matching is then exactly a single index's; only the ranking statistics stay
per shard. (One filter with one value per shard: Pagefind writes several filters, or several values of
one, in no fixed order, and the index must be the same bytes for the same pages.)

A shard's words are read from the index Pagefind made of it (its fragments hold the indexed text and
metadata), so they are Pagefind's words, not a guess at them; a word goes to the bucket of the first
letter of each part Pagefind may index it by (a hyphenated or camel-case word is also indexed by its parts).
"""

from __future__ import annotations

import gzip
import json
import unicodedata

BUCKETS = 32
_FRAGMENT_SIGNATURE = b"pagefind_dcd"


def bucket(char: str) -> int:
    """The routing bucket of a word that begins with this character (the search script computes the same)."""
    found = _BUCKET.get(char)
    if found is None:
        plain = "".join(c for c in unicodedata.normalize("NFD", char.lower())
                        if not unicodedata.category(c).startswith("M"))
        found = _BUCKET[char] = ord(plain[0]) % BUCKETS if plain else ord(char) % BUCKETS
    return found


_BUCKET: dict[str, int] = {}


def word_buckets(token: str) -> set[int]:
    """The buckets a raw token belongs in: the first letter of the word, and of each part of it."""
    if token.isalnum() and (token.islower() or token[1:].islower() or token.isdigit()):
        return {bucket(token[0])}  # one plain word (most of them): no parts
    found = set()
    before = ""
    for char in token:
        if char.isalnum():
            if not before or not before.isalnum() or (char.isupper() and before.islower()):
                found.add(bucket(char))
        elif not char.isspace() and unicodedata.category(char) == "So":  # an emoji is indexed on its own
            found.add(bucket(char))
        before = char
    return found


def shard_words(files: dict[str, bytes]) -> dict[int, str]:
    """A shard's words by bucket, read from the fragments of the index Pagefind made of it: {bucket: words
    joined by spaces}, each word once in the form Pagefind reads alike (see `plain_token`)."""
    tokens: set[str] = set()
    for path, data in files.items():
        if path.startswith("fragment/"):
            fragment = _fragment(data)
            tokens.update(fragment.get("content", "").split())
            for value in (fragment.get("meta") or {}).values():
                tokens.update(str(value).split())
    by_bucket: dict[int, set[str]] = {}
    for token in {plain_token(t) for t in tokens}:
        for b in word_buckets(token):
            by_bucket.setdefault(b, set()).add(token)
    return {b: " ".join(sorted(words)) for b, words in sorted(by_bucket.items())}


def plain_token(token: str) -> str:
    """A token as Pagefind indexes it alike: without the punctuation around it, and in lower case unless a
    capital inside it makes it a compound ('HarbourMaster' is also indexed as its parts)."""
    start, end = 0, len(token)
    while start < end and not _kept(token[start]):
        start += 1
    while end > start and not _kept(token[end - 1]):
        end -= 1
    core = token[start:end] or token
    return core if any(c.isupper() for c in core[1:]) else core.lower()


def _kept(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char) == "So"  # a letter, a digit, or an emoji


def routing_records(words: dict[str, dict[int, str]], which: int, language: str) -> list[dict]:
    """The records of one bucket's routing index: one per shard that has words in it, in shard order."""
    return [{"url": f"/{name}", "content": by_bucket[which], "language": language,
             "meta": {"title": name}, "filters": None, "sort": None}
            for name, by_bucket in sorted(words.items()) if which in by_bucket]


def record_ids(files: dict[str, bytes]) -> dict[str, str]:
    """A routing index's records by id (the name of its fragment, as search results give it): {id: shard}."""
    ids = {}
    for path, data in files.items():
        if path.startswith("fragment/") and path.endswith(".pf_fragment"):
            ids[path[len("fragment/"):-len(".pf_fragment")]] = _fragment(data)["url"].lstrip("/")
    return dict(sorted(ids.items()))


def _fragment(data: bytes) -> dict:
    raw = gzip.decompress(data)
    return json.loads(raw[len(_FRAGMENT_SIGNATURE):] if raw.startswith(_FRAGMENT_SIGNATURE) else raw)


def page_filters(name: str) -> bytes:
    """What a page of a sharded index carries besides its indexed part: its shard, as a filter."""
    return f'<span data-pagefind-filter="shard:{name}"></span>'.encode("utf-8")


def with_filters(page: bytes, name: str) -> bytes:
    """The indexed part of a page with its filters just inside the indexed region (or the <body>, or <html>)."""
    for marker in (b"data-pagefind-body", b"<body", b"<html"):
        at = page.find(marker)
        if at >= 0:
            end = page.find(b">", at)
            if end >= 0:
                return page[:end + 1] + page_filters(name) + page[end + 1:]
    return page
