"""Markup checks written for speed find what their plain forms find: the scanner's patterns that must
not follow a backslash (they start with their literal), and the depth check (a bound first, then a
look at every tag)."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from site_builder.read import markup
from site_builder.read.depth import MAX_DEPTH, VOID, TooDeep, check_depth

PLAIN_FORMS = {
    "_REF_RE": r"(?<!\\)\[\[([^\[\]\n|]*(?:\|(?:[^\[\]\n]|\n(?![ \t]*\n))*)?)\]\]",
    "_CITE_RE": r"(?<!\\)\[(@[^\[\]\n]*)\](?!\()",
    "_FORM_START_RE": r"(?<!\\)\[(?=[\[@])",
    "_RAW_OPEN_RE": r"(?<!\\)<(?=[A-Za-z/!?])(?![A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>)(?![^\s<>@]+@[^\s<>]+>)",
}
# the characters the patterns turn on, and a few others
TEXT = st.text(alphabet=list("[]@\\<>/|()!?:a-b. \t\n"), max_size=60)


def found(pattern: re.Pattern, text: str) -> list:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_each_pattern_finds_what_its_plain_form_finds(text):
    for name, plain in PLAIN_FORMS.items():
        assert found(getattr(markup, name), text) == found(re.compile(plain), text), name


def test_a_backslash_before_the_bracket_still_stops_a_match():
    for name, text in [("_REF_RE", r"\[[a/b]]"), ("_CITE_RE", r"\[@a]"), ("_FORM_START_RE", r"\[@"),
                       ("_RAW_OPEN_RE", r"\<b>")]:
        assert found(getattr(markup, name), text) == [], name
        assert found(getattr(markup, name), text[1:]), name  # and without it, a match


def _plain_depth_check(fragment: str) -> bool:
    """The depth check as first written (a look at every tag): whether the fragment is too deep."""
    tag = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*?(/?)>")
    open_by_name: dict[str, int] = {}
    depth = 0
    for m in tag.finditer(fragment):
        name = m.group(2).lower()
        if m.group(1):
            if open_by_name.get(name, 0) > 0:
                open_by_name[name] -= 1
                depth -= 1
        elif name not in VOID and not m.group(3):
            open_by_name[name] = open_by_name.get(name, 0) + 1
            depth += 1
            if depth > MAX_DEPTH:
                return True
    return False


TAGS = st.sampled_from(["<b>", "</b>", "<I>", "</i>", "<br/>", "<br>", "</x>", '<a href="/x">', "<p/>", "< b>",
                        "<!-- c -->", "text", "</ b>", "<b/x>"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TAGS, st.integers(1, 40)), max_size=12))
def test_the_depth_check_finds_what_a_look_at_every_tag_finds(runs):
    fragment = "".join(piece * times for piece, times in runs)
    try:
        check_depth(fragment)
        deep = False
    except TooDeep:
        deep = True
    assert deep == _plain_depth_check(fragment)
