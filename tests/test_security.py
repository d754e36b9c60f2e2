"""Hostile input: YAML that tries to build objects or explode, paths that try to leave the site,
templates that try to reach Python, and links that try to run script in a reader's browser."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site
from site_builder.diagnostics import Problems
from site_builder.read.discover import MAX_TEXT_BYTES, decode, read_limited
from site_builder.read.markup import MarkdownRenderer, link_scheme
from site_builder.pages.templates import THEME_DIR
from site_builder.read.yamlio import MAX_YAML_BYTES, load_yaml

from conftest import MINIMAL_SITE_YML, build, messages, png

SECRET = "TOP-SECRET-5f2c"

PERSON = "name: Ada\nsummary: A person.\nrole: Engineer\n"


def first_lines(result) -> list[str]:
    return [m.splitlines()[0] for m in messages(result)]


def errors(result) -> list[str]:
    return [d.format().splitlines()[0] for d in result.diagnostics if d.severity == "error"]


def plain(data) -> bool:
    if isinstance(data, dict):
        return all(isinstance(k, str) and plain(v) for k, v in data.items())
    if isinstance(data, list):
        return all(plain(v) for v in data)
    return data is None or type(data) in (str, int, float, bool)


# --- YAML ------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "!!python/object/apply:os.system ['touch pwned']",
    "!!python/object:collections.OrderedDict {}",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!pairs [a: 1]",
    "!local thing",
    "!<tag:example.org,2024:x> y",
])
def test_yaml_tags_that_construct_objects_are_refused(value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    problems = Problems()
    data, marks = load_yaml(f"name: x\nbad: {value}\n", "f.yml", problems)
    assert [(d.location.line, d.location.col) for d in problems.items] == [(2, 6)]
    assert "is not allowed" in problems.items[0].message
    assert plain(data) and data == {"name": "x"}  # the refused value is dropped with its key
    assert not (tmp_path / "pwned").exists()


def test_yaml_aliases_are_refused_so_billion_laughs_cannot_grow():
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    problems = Problems()
    data, _ = load_yaml("\n".join(lines) + "\n", "laughs.yml", problems)
    assert data is None
    assert len(problems.items) == 1
    assert problems.items[0].format().splitlines()[0] == \
        "laughs.yml:1:5: error: YAML syntax: anchors (&name) are not allowed in site files"


def test_yaml_merge_keys_are_refused():
    problems = Problems()
    data, _ = load_yaml("a:\n  <<: {x: 1}\n  y: 2\n", "f.yml", problems)
    assert [d.format().splitlines()[0] for d in problems.items] == ["f.yml:2:3: error: keys must be plain names"]
    assert data == {"a": {"y": 2}}


def test_yaml_duplicate_keys_are_errors_at_every_depth():
    problems = Problems()
    load_yaml("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "f.yml", problems)
    assert sorted(d.format().splitlines()[0] for d in problems.items) == [
        "f.yml:4:3: error: duplicate key 'c' (first written at line 3)",
        "f.yml:5:1: error: duplicate key 'a' (first written at line 1)",
    ]


def test_yaml_over_the_size_limit_is_refused_before_parsing():
    text = "a: " + "x" * MAX_YAML_BYTES + "\n"
    problems = Problems()
    data, _ = load_yaml(text, "big.yml", problems)
    assert data is None
    assert problems.items[0].format().splitlines()[0].startswith("big.yml:1:1: error: file is too large")


@pytest.mark.parametrize("size, told", [(10, 10), (MAX_TEXT_BYTES, MAX_TEXT_BYTES), (MAX_TEXT_BYTES + 7, MAX_TEXT_BYTES + 7),
                                        (MAX_TEXT_BYTES + 7, 10), (3_000, 10), (10, 3_000)])
def test_a_text_file_is_read_up_to_one_byte_past_the_limit_whatever_its_stat_said(tmp_path, size, told):
    path = tmp_path / "a.md"
    path.write_bytes(bytes(i % 251 for i in range(size)))  # (`told`: the size its stat gave, before it grew or shrank)
    with open(path, "rb") as f:
        data = read_limited(f, told)
    assert data == path.read_bytes()[:MAX_TEXT_BYTES + 1]


def test_a_file_over_the_text_limit_is_refused_in_a_build(make_site):
    root = make_site({"content/pages/a.md": "---\ntitle: A\n---\n\n" + ("word " * 20 + "\n") * 50_000})
    result = build(root)
    assert not result.ok
    assert any(m.startswith("content/pages/a.md: error: file is too large") for m in first_lines(result)), \
        first_lines(result)


@pytest.mark.parametrize("data, found", [(b"a\r\nb\r\nc \x1b d\r\n", "3:3 U+001B"), (b"a\rb\x7f", "2:2 U+007F"),
                                         (b"\xef\xbb\xbfx\ty\n\x01", "2:1 U+0001"), ("\u00e9\n\u2014\x0c".encode(), "2:2 U+000C"),
                                         (b"tab\tand\nnew lines\r\n", None)])
def test_a_control_character_is_found_at_its_line_and_column(data, found):
    problems = Problems()
    text = decode(data, "a.md", problems)
    if found is None:
        assert text == data.decode().replace("\r\n", "\n") and not problems.items
    else:
        where, char = found.split()
        assert text is None
        assert problems.items[0].format().splitlines()[0] == \
            f"a.md:{where}: error: the file contains the control character {char}"


def test_oversized_fact_sheet_is_refused_in_a_build(make_site):
    root = make_site({"content/facts/people/ada.yml": PERSON + "body: |\n" + ("  " + "y" * 99 + "\n") * 11_000})
    result = build(root)
    assert not result.ok
    assert any(m.startswith("content/facts/people/ada.yml:1:1: error: file is too large") for m in first_lines(result))


@pytest.mark.parametrize("text", ["[" * 20_000, "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 400)),
                                  "- " * 5_000 + "x\n"])
def test_deeply_nested_yaml_is_an_error_not_a_crash(text):
    problems = Problems()
    data, _ = load_yaml(text, "deep.yml", problems)
    assert problems.items and problems.items[0].severity == "error"
    assert problems.items[0].location.line >= 1


def test_huge_numbers_and_non_finite_values_do_not_crash(make_site):
    root = make_site({
        "site.yml": "title: T\nbase_url: https://example.org/\ntypes:\n  thing:\n    fields:\n"
                    "      size: {type: number}\n      price: {type: money}\n",
        "content/facts/things/a.yml": "name: A\nsummary: S\nsize: " + "9" * 5000 + "\n",
        "content/facts/things/b.yml": "name: B\nsummary: S\nsize: .nan\nprice: {amount: .inf, currency: USD}\n",
    })
    result = build(root)
    assert "content/facts/things/a.yml:3:7: error: 'size' must be a number, not text" in first_lines(result)
    assert "content/facts/things/b.yml:3:7: error: 'size' must be a finite number" in first_lines(result)
    assert "content/facts/things/b.yml:4:17: error: amount of 'price' must be a finite number" in first_lines(result)


def test_control_characters_in_yaml_are_located():
    problems = Problems()
    load_yaml("name: ok\nsummary: bad \x1b[31m\n", "f.yml", problems)
    assert problems.items[0].format() == ("f.yml:2:14: error: the character U+001B is not allowed in YAML\n"
                                          "    hint: delete the invisible control character")


# --- paths: nothing outside the site is read or copied -------------------------------------

@pytest.fixture
def outside(tmp_path):
    """A secret file beside the site, and one that looks like a site file."""
    (tmp_path / "secret.txt").write_text(SECRET)
    (tmp_path / "secret.md").write_text(f"---\ntitle: {SECRET}\n---\n{SECRET}\n")
    (tmp_path / "secret.jpg").write_text(SECRET)
    return tmp_path


def assert_nothing_from_outside(result, root: Path) -> None:
    real_root = os.path.realpath(root)
    for out_path, data in result.outputs.items():
        assert not out_path.startswith("/") and ".." not in out_path.split("/"), out_path
        if isinstance(data, Path):
            real = os.path.realpath(data)
            assert real.startswith(real_root + os.sep) or real.startswith(str(THEME_DIR.resolve())), data
            data = Path(real).read_bytes()
        assert SECRET.encode() not in data, out_path


@pytest.mark.parametrize("src", ["../../secret.jpg", "media/../../../secret.jpg", "/../secret.jpg",
                                 "media/../../site.yml", "../../../../../../etc/passwd", "\\..\\..\\secret.jpg"])
def test_image_paths_cannot_leave_the_media_folder(make_site, outside, src):
    root = make_site({"content/facts/people/ada.yml": PERSON + f"image: {{src: '{src}', alt: A picture}}\n",
                      "content/media/ok.jpg": b"jpeg"})
    result = build(root)
    assert not result.ok
    assert any(line.startswith("content/facts/people/ada.yml:4:14: error: image") for line in errors(result))
    assert_nothing_from_outside(result, root)


@pytest.mark.parametrize("link, error", [
    ("../../../secret.md", "link '../../../secret.md' points outside the site's content"),
    ("../../secret.md", "link '../../secret.md' points outside the site's content"),
    ("../../site.yml", "link '../../site.yml' points outside the site's content"),
    ("../media/../../../secret.jpg", "link '../media/../../../secret.jpg' points outside the site's content"),
    ("media/../../../../../etc/passwd", "link 'media/../../../../../etc/passwd' points outside the site's content"),
])
def test_markdown_links_cannot_reach_files_outside_the_content(make_site, outside, link, error):
    root = make_site({"content/pages/about.md": f"---\ntitle: About\n---\nSee [this]({link}).\n"})
    result = build(root)
    assert f"content/pages/about.md:4:12: error: {error}" in errors(result)
    assert_nothing_from_outside(result, root)


def test_plain_relative_links_stay_links_and_copy_nothing(make_site, outside):
    root = make_site({"content/pages/about.md": "---\ntitle: About\n---\nSee [x](../../etc/passwd).\n"})
    result = build(root)
    assert result.ok
    assert b'href="../../etc/passwd"' in result.outputs["about/index.html"]
    assert_nothing_from_outside(result, root)


@pytest.mark.parametrize("where", ["content/media/leak.jpg", "content/facts/people/leak.yml",
                                   "content/pages/leak.md", "templates/page.html", "templates/static/leak.css"])
def test_symlinked_files_pointing_outside_are_refused(make_site, outside, where):
    root = make_site({"content/pages/about.md": "---\ntitle: About\n---\nHi.\n"})
    link = root / where
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside / ("secret.md" if where.endswith(".md") else "secret.txt"))
    result = build(root)
    assert f"{where}: error: symbolic link points outside the site" in errors(result)
    assert_nothing_from_outside(result, root)


@pytest.mark.parametrize("where", ["content", "templates", "content/media", "content/facts/people"])
def test_symlinked_folders_pointing_outside_are_refused(make_site, outside, where):
    root = make_site({"content/pages/about.md": "---\ntitle: About\n---\nHi.\n"} if where != "content" else {})
    elsewhere = outside / "elsewhere"
    (elsewhere / "pages").mkdir(parents=True)
    (elsewhere / "pages/leak.md").write_text(f"---\ntitle: {SECRET}\n---\n")
    (elsewhere / "leak.yml").write_text(f"name: {SECRET}\nsummary: x\nrole: y\n")
    (elsewhere / "page.html").write_text(SECRET)
    link = root / where
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere, target_is_directory=True)
    result = build(root)
    assert not result.ok
    assert any(line.startswith(f"{where}: error: ") and "symbolic link" in line for line in errors(result))
    assert_nothing_from_outside(result, root)


def test_symlinks_inside_the_site_still_work(make_site):
    root = make_site({"content/pages/about.md": "---\ntitle: About\n---\n![x](../media/alias.jpg)\n",
                      "content/media/real.jpg": png(fmt="JPEG")})
    (root / "content/media/alias.jpg").symlink_to(root / "content/media/real.jpg")
    result = build(root)
    assert result.ok, messages(result)
    assert "media/alias.jpg" in result.outputs


@pytest.mark.parametrize("tag", [
    "{% include '../../secret.txt' %}",
    "{% include '../secret.txt' %}",
    "{% include '/etc/passwd' %}",
    "{% include 'static/../../secret.txt' %}",
    "{% extends '../../secret.txt' %}",
    "{% import '../../secret.txt' as s %}",
])
def test_template_includes_cannot_leave_the_template_folders(make_site, outside, tag):
    (outside / "site").mkdir(exist_ok=True)
    root = make_site({"content/pages/about.md": "---\ntitle: About\n---\nHi.\n", "templates/page.html": tag})
    result = build(root)
    assert not result.ok
    assert any(line.startswith("templates/page.html:1: error: template '") and "not found" in line for line in errors(result)), \
        first_lines(result)
    assert_nothing_from_outside(result, root)


@pytest.mark.parametrize("expression", [
    "cycler.__init__.__globals__.os.popen('echo pwned').read()",
    "''.__class__.__mro__[1].__subclasses__()",
    "range.__globals__",
    "page.__class__.__init__.__globals__",
    "page.items.__self__.__class__",  # a dict's keys are read without the sandbox's attribute lookup: not its methods
    "site.urls.__class__.__base__.__subclasses__()",
])
def test_templates_cannot_reach_python_internals(make_site, expression):
    root = make_site({"content/pages/about.md": "---\ntitle: About\n---\nHi.\n",
                      "templates/page.html": "{{ " + expression + " }}"})
    result = build(root)
    assert not result.ok
    assert any(line.startswith("templates/page.html:1: error: template error") for line in errors(result)), \
        first_lines(result)


def test_templates_read_a_context_dict_by_key_and_still_call_its_methods(make_site):
    root = make_site({"content/pages/about.md": "---\ntitle: About\n---\nHi.\n",
                      "templates/page.html": "[{{ page.title }}|{{ page.get('kind') }}|{{ 'title' in page.keys() }}|"
                                             "{{ page.nothing is defined }}]"})
    result = build(root)
    assert result.ok, first_lines(result)
    assert result.outputs["about/index.html"].startswith(b"[About|page|True|False]")
    (root / "templates/page.html").write_text("{{ page.nothing }}")
    assert any(line.startswith("templates/page.html:1: error: template error") and "nothing" in line
               for line in errors(build(root))), first_lines(build(root))


def _everything(folder: Path) -> dict[Path, tuple]:
    """Every file, folder and link under folder (never through a link) with what a write would change."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            body = path.read_bytes() if path.is_file() and not path.is_symlink() else os.readlink(path) \
                if path.is_symlink() else None
            found[path] = (body, st.st_mtime_ns, st.st_ino, st.st_mode)
    return found


def test_a_build_writes_nothing_outside_its_output_folder(make_site, tmp_path, monkeypatch):
    """Not a new path, not a changed file, not a file in TMPDIR, and nothing through a link, in two builds
    (the second writes only what changed, into the spare tree) with search on."""
    import tempfile
    root = make_site({"site.yml": MINIMAL_SITE_YML,  # search on, where pagefind is installed
                      "content/pages/about.md": "---\ntitle: About\n---\nHi [x](../media/a.jpg).\n",
                      "content/media/a.jpg": png(fmt="JPEG"), "content/media/deep/b c.png": png()})
    tmpdir, outside = tmp_path / "tmp", tmp_path / "outside"
    tmpdir.mkdir()
    outside.mkdir()
    (outside / "state").write_text("not a state")
    (outside / "index.html").write_text("precious")
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    monkeypatch.setattr(tempfile, "tempdir", None)
    out = tmp_path / "out"
    cache = root / ".site-builder-cache"
    cache.mkdir()
    (tmp_path / ".out.spare").symlink_to(outside, target_is_directory=True)  # links where the builder writes
    (cache / "parse").symlink_to(outside, target_is_directory=True)
    (cache / "state").symlink_to(outside / "state")
    before = _everything(tmp_path)
    for n in range(2):
        if n:
            (root / "content/pages/about.md").write_text("---\ntitle: About\n---\nHi again.\n")
        assert build_site(root, BuildOptions(out=out)).ok
    after = _everything(tmp_path)
    ours = (out, tmp_path / ".out.spare", cache)  # the output, its spare and the site's cache, made real
    mine = {root / "content/pages/about.md", root / "content/pages"}  # what the test itself edited

    def elsewhere(path: Path) -> bool:
        return not any(path == p or p in path.parents for p in ours) and path not in mine
    assert {p for p in after if elsewhere(p)} - set(before) == {tmp_path / ".out.lock"}
    assert {p for p in before if elsewhere(p) and after.get(p) != before[p]} == set()
    assert list(tmpdir.iterdir()) == []
    assert {p.name: p.read_text() for p in outside.iterdir()} == {"state": "not a state", "index.html": "precious"}
    assert not (tmp_path / ".out.spare").is_symlink() and not (cache / "parse").is_symlink()
    assert (out / "media/deep/b c.png").read_bytes() == png()  # served at /media/deep/b%20c.png


# --- Markdown: raw HTML policy and active URLs ----------------------------------------

RAW = "---\ntitle: About\n---\nHello <span class=\"x\">there</span>.\n\n<div onclick=\"x()\">block</div>\n\n<script>alert(1)</script>\n"


def test_raw_html_allowed_by_default(make_site):
    result = build(make_site({"content/pages/about.md": RAW}))
    html = result.outputs["about/index.html"]
    assert b'<span class="x">there</span>' in html and b"<script>alert(1)</script>" in html


def test_raw_html_escaped_when_the_site_says_so(make_site):
    from conftest import MINIMAL_SITE_YML
    root = make_site({"site.yml": MINIMAL_SITE_YML + "markdown: {raw_html: escape}\n", "content/pages/about.md": RAW})
    result = build(root)
    assert result.ok, messages(result)
    html = result.outputs["about/index.html"]
    assert b"<p>Hello &lt;span class=" in html
    assert b"<script>alert(1)" not in html and b"<div onclick" not in html
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_raw_html_setting_is_validated(make_site):
    from conftest import MINIMAL_SITE_YML
    root = make_site({"site.yml": MINIMAL_SITE_YML + "markdown: {raw_html: maybe}\n"})
    line = MINIMAL_SITE_YML.count("\n") + 1
    assert f"site.yml:{line}:22: error: markdown.raw_html must be 'allow' or 'escape'" in errors(build(root))


ACTIVE = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)", "<javascript:alert(1)>",
    "jav&#x61;script:alert(1)", "&#106;avascript:alert(1)", "&#x6A&#x61vascript:alert(1)",
    "javascript&colon;alert(1)", "java&#x09;script:alert(1)", "java&Tab;script:alert(1)",
    "&#x20;javascript:alert(1)", "\x01javascript:alert(1)", "vbscript:msgbox(1)", "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=", "DATA:image/svg+xml,<svg/onload=alert(1)>", "file:///etc/passwd",
]


class _Urls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "poster", "data") and value is not None:
                self.urls.append(value)


def emitted_urls(html: str) -> list[str]:
    parser = _Urls()
    parser.feed(html)
    return parser.urls  # attribute values as a browser decodes them


@pytest.mark.parametrize("policy", ["allow", "escape"])
@pytest.mark.parametrize("url", ACTIVE)
@pytest.mark.parametrize("form", ["[x]({})", "![x]({})", "[x][r]\n\n[r]: {}", "[x](<{}>)"])
def test_active_urls_never_leave_markdown(policy, url, form):
    problems = Problems()
    html = MarkdownRenderer(policy).render(form.format(url), "content/pages/x.md", problems).html
    for value in emitted_urls(html):
        assert link_scheme(value) in ("", "http", "https", "mailto", "tel"), (value, html)


@pytest.mark.parametrize("url", [u for u in ACTIVE if "<" not in u[1:]])
def test_inline_active_links_are_reported_where_written(url):
    problems = Problems()
    MarkdownRenderer().render(f"Read [x]({url.strip()}) now.", "content/pages/x.md", problems)
    col = 11 if url.startswith("<") else 10
    assert [(d.message.split(" '")[0], d.location.line, d.location.col) for d in problems.items] == \
        [("unsafe link", 1, col)]


def test_safe_links_are_kept():
    problems = Problems()
    html = MarkdownRenderer().render("[a](https://e.org/?a=1&b=2) [b](mailto:x@e.org) [c](#top) [d](page/)",
                                     "content/pages/x.md", problems).html
    assert emitted_urls(html) == ["https://e.org/?a=1&b=2", "mailto:x@e.org", "#top", "page/"]
    assert not problems.items


@pytest.mark.parametrize("url", [u for u in ACTIVE if u.isprintable()]
                         + ["https:alert(1)", "//evil.example/x", "http://", "ftp://e.org/x"])
def test_fact_sheet_url_fields_accept_only_http(make_site, url):
    root = make_site({"content/facts/sources/s.yml": f"title: S\nurl: \"{url}\"\n"})
    result = build(root)
    assert "content/facts/sources/s.yml:2:6: error: 'url' must be an http(s) address" in errors(result)
    for out_path, data in result.outputs.items():
        if isinstance(data, bytes) and out_path.endswith(".html"):
            for value in emitted_urls(data.decode()):
                assert link_scheme(value) in ("", "http", "https", "mailto", "tel"), value


@pytest.mark.parametrize("url", ["javascript:alert(1)", "jav&#x61;script:alert(1)", "data:text/html,x"])
def test_nav_links_cannot_be_active(make_site, url):
    from conftest import MINIMAL_SITE_YML
    root = make_site({"site.yml": MINIMAL_SITE_YML + f"nav:\n  - {{label: X, url: '{url}'}}\n"})
    result = build(root)
    assert any(line.startswith(f"site.yml:{MINIMAL_SITE_YML.count(chr(10)) + 2}:") and "nav link" in line for line in errors(result)), first_lines(result)


def test_a_whole_hostile_site_emits_no_active_url(make_site):
    """Every Markdown place at once; the built pages carry no active URL anywhere."""
    body = "\n\n".join(form.format(url) for url in ACTIVE for form in ["[x]({})", "![x]({})"])
    refs = "\n".join(f"[r{i}]: {url}" for i, url in enumerate(ACTIVE))
    uses = " ".join(f"[y][r{i}]" for i in range(len(ACTIVE)))
    root = make_site({
        "content/pages/about.md": f"---\ntitle: About\n---\n{uses}\n\n{refs}\n",
        "content/facts/people/ada.yml": PERSON + "body: |\n" + "".join(f"  {line}\n" for line in body.split("\n")),
    })
    result = build(root)
    assert result.outputs  # pages render even though the links are errors
    for out_path, data in result.outputs.items():
        if isinstance(data, bytes) and out_path.endswith(".html"):
            for value in emitted_urls(data.decode()):
                assert link_scheme(value) in ("", "http", "https", "mailto", "tel"), (out_path, value)
