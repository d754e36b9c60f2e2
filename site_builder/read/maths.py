"""Maths: TeX between $...$ (inline) and $$...$$ (display), made into MathML when the site is built.

Maths is found in the Markdown text before Markdown runs, by the rules writers know from Pandoc:
an opening `$` is not followed by a space, a closing `$` is not preceded by one nor followed by a
digit, `\\$` is a dollar sign, and nothing in code counts. So "$5 and $10" stays money. The TeX is
replaced by a placeholder that Markdown carries through (its `_` and `*` are never emphasis), and
after Markdown each placeholder becomes MathML. No script runs in the reader's browser.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable

from ..diagnostics import Location, Problems
from .sanitize import no_controls

MATH_OPEN, MATH_CLOSE = "\ue002", "\ue003"
MATH_PLACEHOLDER_RE = re.compile(MATH_OPEN + r"(\d+)" + MATH_CLOSE)
_BLANK_LINE_RE = re.compile(r"\n[ \t>]*\n")
_QUOTED_LINE_RE = re.compile(r"^[ \t]*>", re.M)
_QUOTE_PREFIX_RE = re.compile(r"\n[ \t]*(?:>[ \t]?)+")
_CODE_RE = re.compile(r"<(pre|code)[\s>].*?</\1>", re.S)
_CHAR_REF_RE = re.compile(r"&amp;(#x[0-9A-Fa-f]+|#[0-9]+);")
_TAG_OK_RE = re.compile(r"^(?:m[a-z]+|none|semantics|annotation)$")
# MathML elements with a fixed number of children: fewer means TeX left an argument out ("\frac{a}")
_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "mroot": 2, "munder": 2, "mover": 2, "munderover": 3}
_DROPPED_ATTRIBUTES = {"xmlns", "href"}
# latex2mathml's exceptions, by class name, as a writer would put them
_REASONS = {
    "MissingSuperScriptOrSubscriptError": "'^' or '_' has nothing after it",
    "DoubleSubscriptsError": "two subscripts in a row: write x_{ab} or {x_a}_b",
    "DoubleSuperscriptsError": "two superscripts in a row: write x^{ab} or {x^a}^b",
    "NoAvailableTokensError": "a command is missing its argument",
    "NumeratorNotFoundError": "\\frac needs two arguments: \\frac{a}{b}",
    "DenominatorNotFoundError": "\\frac needs two arguments: \\frac{a}{b}",
    "ExtraLeftOrMissingRightError": "\\left without its \\right",
    "MissingEndError": "\\begin{...} without its \\end{...}",
    "InvalidAlignmentError": "an alignment that is not l, c or r",
    "InvalidStyleForGenfracError": "\\genfrac with a style that is not 0 to 3",
    "InvalidWidthError": "a width that is not a TeX length",
    "LimitsMustFollowMathOperatorError": "\\limits must follow an operator such as \\sum",
}


@dataclass(frozen=True, slots=True)
class MathSpan:
    """One piece of maths in the Markdown text: where it is, its TeX and whether it is display maths."""

    start: int
    end: int
    tex: str
    display: bool


@dataclass(frozen=True, slots=True)
class MathItem:
    """A piece of maths waiting for its MathML: its TeX as written, and where it was written."""

    source: str  # the text as written, $ signs and all: put back where it turns out to be code
    tex: str
    display: bool
    location: Location


def _escaped(text: str, i: int) -> bool:
    """Whether the character at i follows an odd number of backslashes."""
    n = 0
    while i > n and text[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _next_dollar(text: str, start: int) -> int:
    """The next unescaped '$' from start, or -1."""
    i = text.find("$", start)
    while i != -1 and _escaped(text, i):
        i = text.find("$", i + 1)
    return i


def _inline_end(text: str, start: int) -> int:
    """Where the inline maths opened just before start closes, or -1 when the '$' opens none."""
    if start >= len(text) or text[start].isspace():
        return -1
    end = text.find("$", start)  # the next '$' closes it or nothing: "$5, \$6 or $7" is not maths
    if end <= start or text[end - 1].isspace() or text[end - 1] == "\\":
        return -1
    if end + 1 < len(text) and text[end + 1].isdigit():
        return -1
    return end


def find_maths(text: str, is_masked: Callable[[int], bool]) -> list[MathSpan]:
    """Every piece of maths in text, outside the masked ranges (code), in order."""
    spans: list[MathSpan] = []
    i = _next_dollar(text, 0)
    while i != -1:
        if is_masked(i):
            i = _next_dollar(text, i + 1)
            continue
        display = text.startswith("$$", i)
        if display:
            body = i + 2
            end = text.find("$$", body)
            while end != -1 and _escaped(text, end):
                end = text.find("$$", end + 1)
            close = end + 2
        else:
            body = i + 1
            end = _inline_end(text, body)
            close = end + 1
        tex = text[body:end] if end != -1 else ""
        if end == -1 or not tex.strip() or _BLANK_LINE_RE.search(tex) or is_masked(end):
            i = _next_dollar(text, body)
            continue
        if "\n" in tex and _QUOTED_LINE_RE.match(text, text.rfind("\n", 0, i) + 1):
            tex = _QUOTE_PREFIX_RE.sub("\n", tex)  # maths in a block quote: its lines' '>' are not TeX
        spans.append(MathSpan(i, close, tex, display))
        i = _next_dollar(text, close)
    return spans


_TEX_TOKEN_RE = re.compile(r"\\([A-Za-z]+)|\\(.)|[{}]", re.S)


def tex_words(tex: str) -> str:
    """Maths as plain text, for a heading's words in the contents and its self-link's name: a command
    that is a symbol becomes the symbol (\\alpha: α), another its name; spacing is a space, braces go."""
    from latex2mathml.symbols_parser import convert_symbol

    def word(m: re.Match) -> str:
        if m.group(1):
            code = convert_symbol("\\" + m.group(1))
            try:
                return chr(int(code, 16)) if code else m.group(1)
            except ValueError:
                return m.group(1)
        if m.group(2) is not None:  # \, \; \! and \  are spacing; \{ \$ \% are the characters
            return " " if m.group(2) in ",;:! " else m.group(2)
        return ""
    return " ".join(_TEX_TOKEN_RE.sub(word, tex).split())


def _balanced(tex: str) -> str:
    """'' when the braces of tex pair up, else what is wrong."""
    depth = 0
    for i, ch in enumerate(tex):
        if ch in "{}" and _escaped(tex, i):
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return "a '}' that closes nothing"
    return "a '{' that is never closed" if depth else ""


def _text(value: str) -> str:
    """Element text, escaped, keeping the character references latex2mathml writes (&#x0003D;)."""
    return _CHAR_REF_RE.sub(r"&\1;", html.escape(value, quote=False))


def _serialize(element, out: list[str]) -> None:
    attrs = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in element.attrib.items()
                    if k not in _DROPPED_ATTRIBUTES and k.isalpha())
    out.append(f"<{element.tag}{attrs}>")
    if element.text:
        out.append(_text(element.text))
    for child in element:
        _serialize(child, out)
        if child.tail:
            out.append(_text(child.tail))
    out.append(f"</{element.tag}>")


def _check(tree) -> str:
    """'' when the MathML is whole, else what is wrong with the TeX it came from."""
    for element in tree.iter():
        if not _TAG_OK_RE.match(element.tag):
            return "TeX that does not make MathML"
        text = element.text or ""
        if text.startswith("\\"):
            return f"unknown command '{text}'"
        if element.tag in _ARITY and len(element) < _ARITY[element.tag]:
            return "a command is missing an argument"
    return ""


def to_mathml(tex: str, display: bool) -> tuple[str, str]:
    """(MathML, '') for TeX, or ('', what is wrong with it)."""
    from latex2mathml.converter import convert_to_element

    reason = _balanced(tex)
    if reason:
        return "", reason
    try:
        tree = convert_to_element(tex.strip(), display="block" if display else "inline")
    except Exception as exc:  # the converter's own errors, and Python's on input it did not foresee
        return "", _REASONS.get(type(exc).__name__, "TeX that cannot be read")
    reason = _check(tree)
    if reason:
        return "", reason
    out: list[str] = []
    _serialize(tree, out)
    return "".join(out), ""


def fill_maths(html_text: str, items: list[MathItem], problems: Problems) -> str:
    """Put MathML where the placeholders are; in code (an indented code block) the TeX as written."""
    if any(item.display for item in items):  # display maths alone in a paragraph is a block of its own,
        # which scrolls when it is too wide, from the keyboard too
        html_text = re.sub(r"<p>(" + MATH_OPEN + r"(\d+)" + MATH_CLOSE + r")</p>",
                           lambda m: f'<div class="math-display" tabindex="0">{m.group(1)}</div>'
                           if items[int(m.group(2))].display else m.group(0), html_text)
    code = [m.span() for m in _CODE_RE.finditer(html_text)] if "<code" in html_text or "<pre" in html_text else []

    def fill(m: re.Match) -> str:  # (control characters in the TeX shown as U+FFFD, as in the rest of the text)
        return no_controls(one(m))

    def one(m: re.Match) -> str:
        item = items[int(m.group(1))]
        if any(start <= m.start() < end for start, end in code):
            return html.escape(item.source, quote=False)
        mathml, reason = to_mathml(item.tex, item.display)
        if reason:
            short = item.tex.strip()
            short = short if len(short) <= 40 else short[:37] + "..."
            problems.error(f"cannot read the maths '{short}': {reason}", item.location,
                           "maths is TeX between $...$ or $$...$$; write \\$ for a dollar sign")
            return html.escape(item.source, quote=False)
        return mathml
    return MATH_PLACEHOLDER_RE.sub(fill, html_text)
