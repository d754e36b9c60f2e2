"""Code highlighting at build time: fenced code with a language gets Pygments' token classes.

The colours are the theme's (style.css, light and dark), so the HTML carries classes only, and
no script runs in the reader's browser. A language Pygments does not know is left plain, with a
warning at the fence.
"""

from __future__ import annotations

import html
import re
from typing import Callable

from ..diagnostics import Location, Problems, phrase, suggest
from ..files import digest_bytes

# A fenced block as both engines write it: cmark-gfm and Python-Markdown's fenced_code alike
_BLOCK_RE = re.compile(r'<pre><code class="language-([^"\s]+)">(.*?)</code></pre>', re.S)
PLAIN = {"text", "txt", "plain", "plaintext", "none", "output"}  # named as plain on purpose: no warning
_MEMO_SIZE = 512
_LEXERS: dict[str, object] = {}  # language -> Pygments' lexer (or None): made once a process, as lexers keep no
_FORMATTERS: list = []  # state between texts; the one formatter, likewise (a preview's builds share them)


class Highlighter:
    """Pygments' lexers, made once per language, and one formatter for every block.

    Highlighted blocks are kept by their language and text (up to _MEMO_SIZE of them), so a
    snippet that many files repeat is highlighted once per process. While `made` is a list, each
    block highlighted is added to it (by `block_digest`): the parse stage keeps a file's blocks with
    its parsed form in the disk cache, and when the file changes gives them back in `known`, so a
    command-line build after an edit of prose loads neither Pygments nor a lexer (most of the cost
    of parsing one file) for the code that did not change.
    """

    def __init__(self):
        self._memo: dict[tuple[str, str], str] = {}
        self.made: list[tuple[str, str]] | None = None
        self.known: dict[str, str] = {}  # block_digest -> HTML

    def lexer(self, language: str):
        """The lexer for a language name or alias, or None when Pygments knows none."""
        key = language.lower()
        if key not in _LEXERS:
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound
            try:
                _LEXERS[key] = get_lexer_by_name(key, stripnl=False, ensurenl=False)
            except ClassNotFound:
                _LEXERS[key] = None
        return _LEXERS[key]

    def highlight(self, language: str, code: str) -> str | None:
        """The code's HTML with token classes, or None for a language Pygments does not know."""
        key = (language, code)
        done = self._memo.get(key)
        digest = block_digest(language, code) if self.known or self.made is not None else ""
        if done is None:
            done = self.known.get(digest)
        if done is None:
            lexer = self.lexer(language)
            if lexer is None:
                return None
            if not _FORMATTERS:
                from pygments.formatters import HtmlFormatter
                _FORMATTERS.append(HtmlFormatter(nowrap=True))
            from pygments import format as pygments_format
            done = pygments_format(lexer.get_tokens(code), _FORMATTERS[0])
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = done
        if self.made is not None:
            self.made.append((digest, done))
        return done

    def blocks(self, html_text: str, problems: Problems, locate: Callable[[str], Location]) -> str:
        """Every fenced block with a language highlighted; locate(language) finds the next fence of that
        language in the source, for the warning about a language Pygments does not know."""
        def one(m: re.Match) -> str:
            language = html.unescape(m.group(1))
            if language.lower() in PLAIN:
                return m.group(0)
            done = self.highlight(language, html.unescape(m.group(2)))
            if done is None:
                close = suggest(language.lower(), known_languages())
                problems.warning(f"unknown code language '{language}'{phrase(close)}"
                                 ": the block is shown without colours", locate(language),
                                 "name a language Pygments knows (python, js, sh, yaml, ...) or text for none",
                                 suggestions=close)
                return m.group(0)
            return f'<pre class="highlight" tabindex="0"><code class="language-{m.group(1)}">{done}</code></pre>'
        return _BLOCK_RE.sub(one, html_text)


def block_digest(language: str, code: str) -> str:
    return digest_bytes(f"{language}\x00{code}".encode("utf-8", "surrogatepass"))


_KNOWN: list[str] = []


def known_languages() -> list[str]:
    """Every language name and alias Pygments knows (for suggestions)."""
    if not _KNOWN:
        from pygments.lexers import get_all_lexers
        _KNOWN.extend(sorted({alias for _, aliases, _, _ in get_all_lexers() for alias in aliases}))
    return _KNOWN
