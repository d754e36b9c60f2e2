"""The static search index: Pagefind, run over the rendered pages before they are written.

Optional by design. When the `pagefind` package (with its bundled binary) is installed and the site
does not say `search: off`, the explainers, pages and fact sheets are indexed as they will be
published, and the index files join the build's outputs under pagefind/. Without the package nothing
is added and the search page falls back to plain links. The same pages give the same index files, so
builds stay reproducible.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

INDEXED_KINDS = ("explainer", "page", "fact")
OUT_FOLDER = "pagefind"
# Page furniture that would only clutter results: citation markers, back-links, type labels, hidden captions.
EXCLUDED = ["sup.cites", ".backref", ".kicker", "caption.visually-hidden", ".skip"]
# Pagefind's own ready-made interfaces; the theme brings its own small, accessible one instead.
_UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")


class SearchError(Exception):
    """Pagefind is installed but could not index the site (the build goes on without search)."""


def executable() -> str | None:
    """The pagefind binary that the pagefind package brings, or None."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    try:
        found = get_executable()
    except Exception:  # a broken install counts as missing: search is optional
        return None
    return str(found) if found else None


def available() -> bool:
    """True when the pagefind package and a pagefind binary are both there."""
    return executable() is not None


def build_index(pages: list[tuple[str, bytes]], language: str | None, binary: str | None = None) -> dict[str, bytes]:
    """Index (out_path, html) pairs; returns {'pagefind/<file>': bytes} for the output folder.

    `language`: the one language of every page, or None for a site in several, whose pages each say
    theirs in `<html lang>`: Pagefind then keeps an index per language, each with its own stemming.

    The pages are laid out in a scratch folder as they will be published and indexed in one run of the
    binary; the index is read back from a second scratch folder. Result URLs are relative to the site's
    root: the search script gives Pagefind the site's base path, so a sub-folder deployment links right.
    """
    binary = binary or executable()
    if not pages or binary is None:
        return {}
    with tempfile.TemporaryDirectory(prefix="site-search-") as tmp:
        site, index_dir = Path(tmp) / "site", Path(tmp) / "index"
        for out_path, data in pages:
            path = site / out_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        command = [binary, "--site", str(site), "--output-path", str(index_dir),
                   "--exclude-selectors", ", ".join(EXCLUDED), "--silent"]
        if language is not None:
            command[5:5] = ["--force-language", language]
        try:  # run in the scratch folder, so no pagefind config file of the user's changes the index
            done = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SearchError(str(exc)) from None
        if done.returncode != 0 or not (index_dir / "pagefind.js").is_file():
            raise SearchError((done.stderr or done.stdout).strip() or f"pagefind exited with {done.returncode}")
        out: dict[str, bytes] = {}
        for path in sorted(index_dir.rglob("*")):
            rel = path.relative_to(index_dir).as_posix()
            if path.is_file() and not rel.startswith(_UNUSED):
                out[f"{OUT_FOLDER}/{rel}"] = path.read_bytes()
        return out
