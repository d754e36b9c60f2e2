"""Property tests: no input makes a parser raise, hang or point outside the file it read.

Every parser is fed bounded, partly structured text (the pieces writers actually type,
shuffled and broken) and must answer with data or located diagnostics, never an exception.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from site_builder.build import BuildOptions, build_site
from site_builder.config import FIELD_TYPES, FieldSpec, load_config
from site_builder.diagnostics import Location, Problems
from site_builder.read.fields import FieldContext, parse_field, parse_value
from site_builder.read.frontmatter import split_front_matter
from site_builder.read.markup import MarkdownRenderer, link_scheme, scan
from site_builder.site.urls import Urls
from site_builder.model import CiteSlot
from site_builder.read.yamlio import Marks, load_yaml

from conftest import MINIMAL_SITE_YML, write_site

# FUZZ_SCALE=20 runs twenty times as many examples (a longer hunt than `make test` makes)
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
FUZZ = settings(max_examples=300 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- building blocks ---------------------------------------------------------

MARKUP_PIECES = [
    "[[", "]]", "[[people/ada]]", "[[ada|Ada]]", "[[Bad Id]]", "[[a/b/c]]", "[@", "[@src]", "[@src, p. 4]",
    "[@a; @b]", "[@a;;]", "[@]", "@", "](", ")", "[x](", "[x](../facts/people/ada.yml)", "[x](media/a.png)",
    "[x](../../etc/passwd)", "[x](javascript:alert(1))", "[x](<a b.md>)", "[x](a.md#frag)", "[x](/abs.md)",
    "`", "``", "```", "~~~", "    ", "\n", "\n\n", "\t", "\\", "\\[[x]]", "|", "#", "---", "...", ":", "- ",
    "<b>", "</b>", "<script>", "&#x61;", "\ue000", "\ue001", "\ue0000\ue001", "\r\n", "\r", "\u2028",
    "\x85", "é", "😀", "a", "word ", "1", "-", "\"", "'", "{", "}",
    # raw HTML attributes in every spelling a browser accepts
    "<a ", "<A ", "<iframe ", "<img ", "<svg><a ", "<form ", "<button ", "<object ", " href", " HREF", " Href",
    " src", " SRC", " xlink:href", " action", " formaction", " data", " onclick", "=", " = ", "='", "=\"",
    "javascript:alert(1)", "JaVaScRiPt:", "jav&#x61;script:", "&#106;avascript:", "java&Tab;script:",
    "java&#x0A;script:", "vbscript:", "data:text/html,", "&#x20;", "&colon;", "'>", "\">", ">", "/>", "</a>",
    "&#27;", "&#xD800;", "&#1;",
]

YAML_PIECES = [
    '"\\ud800"', '"\\udfff x"', '"\\ud83d\\ude00"', '"\\ud83d"', '"\\e"', '"\\x1b[31m"', '"\\x7f"', '"\\u0007"',
    '"\\x85"', '"\\N\\_\\L"', "\\u", "\\x", "\\e", "\\ud800",
    "a: 1\n", "name: X\n", "key: value\n", "- item\n", "  ", "    ", "\t", ": ", ":", "-", "? ", "[", "]", "{", "}",
    ",", "'", "\"", "|\n", ">\n", "|-\n", "&a ", "*a", "!!str ", "!!python/object:os.system ", "!!binary ",
    "!!set ", "!foo ", "<<: ", "%YAML 1.1\n", "---\n", "...\n", "#", "\n", "\r", "\r\n", "\x85", "\u2028",
    "\ufeff", "2024-02-30", "0x1F", ".nan", ".inf", "1e400", "12345678901234567890", "true", "null", "~",
    "é", "😀", "\x07", "\\", "%", "@", "`",
]

FRONT_PIECES = ["---", "---\n", "--- \n", "...\n", "\n", "\r\n", "\r", "title: X\n", "a: [1\n", "body\n",
                " ---\n", "----\n", "\ufeff", "\u2028", "x"]


def pieces(vocab: list[str], max_size: int = 40):
    """Text made of writer-like fragments and arbitrary characters, bounded in length."""
    bit = st.one_of(st.sampled_from(vocab), st.text(max_size=6))
    return st.lists(bit, max_size=max_size).map("".join)


def line_count(text: str) -> int:
    """Lines as the builder counts them: separated by '\\n' only."""
    return text.count("\n") + 1


def assert_inside(loc: Location, rel_path: str, text: str, first_line: int = 1) -> None:
    assert loc.rel_path == rel_path
    assert first_line <= loc.line <= first_line - 1 + line_count(text), (loc, line_count(text))
    assert loc.col >= 1 or (loc.col == 0 and loc.line == first_line)
    if loc.col:
        lines = text.split("\n")
        i = loc.line - first_line
        assert loc.col <= len(lines[i]) + 1 + (first_line > 1 and i == 0) * 1000, (loc, lines[i])


# --- front matter --------------------------------------------------------------

@FUZZ
@given(pieces(FRONT_PIECES + YAML_PIECES))
def test_front_matter_split_never_fails_and_keeps_lines(text):
    split = split_front_matter(text)
    if split.front is None:
        assert split.body == text
        return
    assert not split.error
    assert text.endswith(split.body)
    consumed = text[: len(text) - len(split.body)]
    assert split.body_line == consumed.count("\n") + 1
    assert split.front_line == 2
    assert split.front in consumed
    assert 1 <= split.body_line <= line_count(text)


# --- refs, citations and links -----------------------------------------------------

@FUZZ
@given(pieces(MARKUP_PIECES, 60), st.integers(1, 50))
def test_scan_never_fails_and_locates_inside_the_text(text, line0):
    problems = Problems()
    scanned = scan(text, "content/explainers/x.md", problems, line0=line0)
    locations = [d.location for d in problems.items]
    for slot in scanned.slots:
        if isinstance(slot, CiteSlot):
            locations.extend(item.location for item in slot.items)
        else:
            locations.append(slot.location)
    for loc in locations:
        assert line0 <= loc.line <= line0 - 1 + line_count(text)
        assert loc.col >= 1
        assert loc.col <= len(text.split("\n")[loc.line - line0]) + 1
    # every placeholder in the output stands for exactly one slot, and none was typed by the writer
    assert scanned.text.count("\ue000") == len(scanned.slots)
    for slot in scanned.slots:
        if hasattr(slot, "target") and not hasattr(slot, "fragment"):
            assert ".." not in slot.target


@settings(max_examples=150 * SCALE, deadline=None)
@given(pieces(MARKUP_PIECES, 40), st.sampled_from(["allow", "escape"]))
@example("$\x1b$", "allow")  # a control character in maths, once found here
@example("$$\x07 x$$", "escape")
def test_markdown_render_never_fails_and_emits_no_active_url(text, policy):
    problems = Problems()
    fragment = MarkdownRenderer(policy).render(text, "content/pages/x.md", problems)
    for tag, name, value in attributes_of(fragment.html):  # every attribute, as a browser's tokenizer reads it
        if name.rpartition(":")[2] in URL_ATTRIBUTES:
            assert link_scheme(value) in ("", "http", "https", "mailto", "tel"), (tag, name, value, fragment.html)
    assert not CONTROL_RE.search(fragment.html)
    if policy == "escape":
        assert "<script" not in fragment.html.lower() and not any(n.startswith("on") for _, n, _ in attributes_of(fragment.html))


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "ping", "cite"}
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def attributes_of(html_text: str) -> list[tuple[str, str, str]]:
    from html.parser import HTMLParser

    found = []

    class Attributes(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend((tag, name, value) for name, value in attrs if value is not None)
        handle_startendtag = handle_starttag
    Attributes(convert_charrefs=True).feed(html_text)
    return found


# --- YAML ------------------------------------------------------------------------

@FUZZ
@given(pieces(YAML_PIECES, 50), st.integers(0, 20))
def test_yaml_loader_never_fails_and_locates_inside_the_text(text, offset):
    problems = Problems()
    data, marks = load_yaml(text, "content/facts/people/x.yml", problems, line_offset=offset)
    for loc in [d.location for d in problems.items] + list(marks.values.values()) + list(marks.keys.values()):
        assert 1 + offset <= loc.line <= offset + line_count(text), (loc, text)
        assert loc.col >= 1
    for line in marks.block_lines.values():
        assert 1 + offset <= line <= offset + line_count(text) + 1
    _assert_plain_data(data)
    _assert_writable(data)  # no lone surrogate or control character from an escape gets through


def _assert_writable(data) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            _assert_writable(key)
            _assert_writable(value)
    elif isinstance(data, list):
        for value in data:
            _assert_writable(value)
    elif isinstance(data, str):
        data.encode("utf-8")  # a lone surrogate cannot be
        assert not CONTROL_RE.search(data), repr(data)


def _load_both_ways(text: str, monkeypatch_loader) -> list:
    out = []
    for fast in (True, False):
        problems = Problems()
        with monkeypatch_loader(fast):
            data, marks = load_yaml(text, "content/facts/people/x.yml", problems)
        out.append((repr(data), marks.values, marks.keys, marks.block_lines, marks.block_indents, marks.inexact,
                    [str(d) for d in problems.items]))
    return out


@FUZZ
@given(st.one_of(pieces(YAML_PIECES, 50), yaml_text_values := st.recursive(
    st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()),
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=8), kids, max_size=4)),
    max_leaves=12).map(lambda v: yaml.safe_dump({"v": v}, allow_unicode=True))))
@example("!")  # an empty value tagged '!': text to LibYAML, null to the Python parser until told (found here)
@example("v: !\nw: ! ''\nx:\n- !\n")
def test_libyaml_and_python_paths_load_the_same(text):
    """The fast LibYAML path must report exactly what the pure-Python path reports, marks included."""
    import contextlib
    from site_builder.read import yamlio

    @contextlib.contextmanager
    def loader(fast):
        saved = yamlio._CLoader
        if not fast:
            yamlio._CLoader = None
        try:
            yield
        finally:
            yamlio._CLoader = saved
    fast, slow = _load_both_ways(text, loader)
    assert fast == slow, text


def _assert_plain_data(data) -> None:
    """Only plain data ever comes out of the loader: no objects, no sets, no bytes."""
    if isinstance(data, dict):
        for key, value in data.items():
            assert isinstance(key, str)
            _assert_plain_data(value)
    elif isinstance(data, list):
        for value in data:
            _assert_plain_data(value)
    else:
        assert data is None or type(data) in (str, int, float, bool), type(data)


# text a writer can type (control characters and lone surrogates are refused; they have their own tests)
typed_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=12)
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | typed_text
    | st.sampled_from(["2024", "2024-02", "2024-02-30", "0000-02-29", "9999-12-31", "https://example.org/x",
                       "javascript:alert(1)", "https://[::1", "http://e.org:99999/", "https://e.org:x/",
                       "people/ada", "ada", "USD", "[[people/ada]]", "[@src]", "sources/src",
                       "", " ", "Bad Id"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["value", "values", "source", "note", "locator", "amount", "currency", "x"]), inner,
        max_size=4),
    max_leaves=12,
)


def field_specs():
    base = st.sampled_from([t for t in FIELD_TYPES if t != "list"] + ["sources"]).map(
        lambda t: FieldSpec("item", t, to=("person",) if t == "ref" else ()))
    with_choices = st.just(FieldSpec("kind", "text", choices=("news", "report")))
    listed = base.map(lambda of: FieldSpec("items", "list", of=of))
    return st.one_of(base, with_choices, listed)


@FUZZ
@given(field_specs(), yaml_values)
def test_field_validators_never_fail(spec, raw):
    text = yaml.safe_dump({"f": raw}, allow_unicode=True)
    problems = Problems()
    data, marks = load_yaml(text, "content/facts/people/x.yml", problems)
    assert not problems.items, text
    ctx = FieldContext("content/facts/people/x.yml", marks, problems, MarkdownRenderer())
    value = parse_field(spec, data["f"], ("f",), ctx)
    alone = Problems()  # parse_value on its own must not fail either, and says nothing to parse_field's problems
    parse_value(spec, data["f"], ("f",), FieldContext("content/facts/people/x.yml", marks, alone, MarkdownRenderer()))
    if value is None:
        empty_sources = spec.type == "sources" and data["f"] == []  # no source given: nothing to refuse
        assert problems.items or empty_sources  # a refused value always says why
    else:
        _assert_finite(value.value)
    for d in problems.items + alone.items:
        assert_inside(d.location, "content/facts/people/x.yml", text)


def _assert_finite(value) -> None:
    if isinstance(value, float):
        assert math.isfinite(value)
    amount = getattr(value, "amount", None)
    if isinstance(amount, float):
        assert math.isfinite(amount)
    if isinstance(value, tuple):
        for v in value:
            _assert_finite(v)


# --- site.yml -----------------------------------------------------------------------

SITE_PIECES = YAML_PIECES + [
    "title: T\n", "base_url: ", "https://[::1\n", "http://e.org:99999/\n", "https://e.org/sub/\n", "types:\n",
    "  person:\n", "    folder: people\n", "    folder: tags\n", "    fields:\n", "    label: 5\n",
    "      x: {type: list, of: {type: ref, to: [a, 1]}}\n", "      y: {type: money, required: maybe}\n",
    "      z: {type: list, of: {type: list}}\n", "      w: text\n", "  source:\n", "  event: 5\n",
    "nav:\n", "  - {label: x, url: javascript:x}\n", "  - {label: y, url: /t/}\n", "markdown: {raw_html: 1}\n",
    "search: [1]\n", "search: off\n",
]

field_spec_values = st.one_of(
    st.sampled_from(list(FIELD_TYPES) + ["dat", "", "sources"]),
    st.fixed_dictionaries({"type": st.sampled_from(list(FIELD_TYPES) + ["nope"])},
                          optional={"required": yaml_values, "to": yaml_values, "of": yaml_values,
                                    "choices": yaml_values, "label": yaml_values}),
    yaml_values,
)
site_settings = st.fixed_dictionaries(
    {"title": yaml_values},
    optional={"base_url": st.one_of(yaml_values, st.sampled_from(["https://e.org/a/", "https://[::1", "http://x:y/"])),
              "types": st.dictionaries(st.sampled_from(["person", "source", "event", "Bad Name", "org"]),
                                       st.one_of(yaml_values, st.fixed_dictionaries(
                                           {}, optional={"folder": yaml_values, "label": yaml_values,
                                                         "fields": st.dictionaries(
                                                             st.sampled_from(["a", "b", "name", "Bad"]),
                                                             field_spec_values, max_size=3)})), max_size=3),
              "nav": yaml_values, "markdown": yaml_values, "search": yaml_values, "language": yaml_values},
)


@FUZZ
@given(st.one_of(pieces(SITE_PIECES, 30), site_settings.map(lambda d: yaml.safe_dump(d, allow_unicode=True))))
@example("title: null\ntypes:\n  person:\n    fields:\n      a:\n        to: true\n        type: ref\n")  # once a crash
def test_site_config_loader_never_fails(text):
    problems = Problems()
    config = load_config(text, "site.yml", problems)
    for d in problems.items:
        assert_inside(d.location, "site.yml", text)
    if config is not None:
        Urls(config.base_url)  # whatever site.yml said, the URL helpers can work with the result
        assert config.base_path.startswith("/")
        for tspec in config.types:
            assert tspec.folder and "/" not in tspec.folder and ".." not in tspec.folder


# --- whole small sites ------------------------------------------------------------

def _explainer(front: str, body: str) -> str:
    return f"---\n{front}---\n{body}"


ESCAPES = ["\\ud800 x", "\\udfff", "\\ud83d\\ude00", "\\ud83d", "\\e[31m", "\\x07", "\\x7f", "ok"]

site_files = st.fixed_dictionaries({
    "content/explainers/one.md": st.one_of(
        st.builds(_explainer, pieces(YAML_PIECES, 12), pieces(MARKUP_PIECES, 25)),
        st.builds(_explainer, st.just("title: One\nsummary: S\ndate: 2024-01-02\n"), pieces(MARKUP_PIECES, 25)),
        st.builds(_explainer, st.sampled_from(ESCAPES).map(  # YAML escapes that make what cannot be written
            lambda e: f'title: One\nsummary: "S {e}"\ndate: 2024-01-02\ntags: ["t{e}"]\n'), pieces(MARKUP_PIECES, 25)),
        pieces(FRONT_PIECES + MARKUP_PIECES, 20),
    ),
    "content/facts/people/ada.yml": st.one_of(
        pieces(YAML_PIECES, 25),
        st.builds(lambda role, born, body: yaml.safe_dump(
            {"name": "Ada", "summary": "A person [@src].", "role": role, "born": born, "body": body},
            allow_unicode=True), yaml_values, yaml_values, pieces(MARKUP_PIECES, 15)),
    ),
    "content/facts/sources/src.yml": st.sampled_from(
        ["title: A source\nurl: https://example.org/\n", "title: [\n", "title: x\nurl: javascript:alert(1)\n",
         "title: x\ndate: 2024-13\n"]),
    "content/pages/about.md": st.one_of(st.just("---\ntitle: About\n---\nSee [[ada]].\n"),
                                        pieces(FRONT_PIECES + MARKUP_PIECES, 15)),
})


@settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(files=site_files)
def test_whole_small_sites_build_and_write_without_exceptions(tmp_path_factory, files):
    root = write_site(tmp_path_factory.mktemp("fuzz"), {"site.yml": MINIMAL_SITE_YML + "search: off\n"})
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = build_site(root, BuildOptions(), write=True)
    if not result.ok:
        assert not (root / "output").exists()  # a build with errors writes nothing
    else:
        written = {p.relative_to(root / "output").as_posix(): p.read_bytes()
                   for p in (root / "output").rglob("*") if p.is_file()}
        for rel, data in result.outputs.items():
            if isinstance(data, bytes):
                assert written[rel] == data, rel
        for rel, data in written.items():
            if rel.endswith((".html", ".xml", ".json")):
                assert not CONTROL_RE.search(data.decode("utf-8")), rel
    for d in result.diagnostics:
        path = root / d.location.rel_path
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
        if d.location.line:
            assert d.location.line <= line_count(text), (d.format(), text)
        if d.location.col:
            assert d.location.col <= len(text.split("\n")[d.location.line - 1]) + 1, (d.format(), text)
    if result.ok:
        assert all(isinstance(v, (bytes, Path)) for v in result.outputs.values())
