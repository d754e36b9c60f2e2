"""The static search index: Pagefind, run over the rendered pages before they are written.

Optional by design. When the `pagefind` package (with its bundled binary) is installed and the site
does not say `search: off`, the explainers, pages and fact sheets are indexed as they will be
published, and the index files join the build's outputs under pagefind/. Without the package nothing is added and the search page falls back to
plain links. The same pages give the same index files, so builds stay reproducible.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

INDEXED_KINDS = ("explainer", "page", "fact")
OUT_FOLDER = "pagefind"
# Page furniture that would only clutter results: citation markers, back-links, type labels, hidden captions.
EXCLUDED = ["sup.cites", ".backref", ".kicker", "caption.visually-hidden", ".skip"]
# Pagefind's own ready-made interfaces; the theme brings its own small, accessible one instead.
_UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")


def available() -> bool:
    """True when the pagefind package and a pagefind binary are both there."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return False
    try:
        return get_executable() is not None
    except Exception:  # a broken install counts as missing: search is optional
        return False


def build_index(pages: list[tuple[str, bytes]], language: str) -> dict[str, bytes]:
    """Index (out_path, html) pairs; returns {'pagefind/<file>': bytes} for the output folder.

    The pages are laid out in a scratch folder as they will be published and indexed in one pass; the
    index is read back from a second scratch folder. Result URLs are relative to the site's root: the
    search script gives Pagefind the site's base path, so a sub-folder deployment links correctly.
    """
    if not pages:
        return {}
    with tempfile.TemporaryDirectory(prefix="site-search-") as tmp:
        site, index_dir = Path(tmp) / "site", Path(tmp) / "index"
        for out_path, data in pages:
            path = site / out_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        asyncio.run(_index(str(site), language, str(index_dir)))
        out: dict[str, bytes] = {}
        for path in sorted(index_dir.rglob("*")):
            rel = path.relative_to(index_dir).as_posix()
            if path.is_file() and not rel.startswith(_UNUSED):
                out[f"{OUT_FOLDER}/{rel}"] = path.read_bytes()
        return out


async def _index(site_dir: str, language: str, out_dir: str) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(output_path=out_dir, force_language=language or "en", exclude_selectors=EXCLUDED)
    async with PagefindIndex(config=config) as index:  # writes the files to out_dir on a clean exit
        await index.add_directory(site_dir)
