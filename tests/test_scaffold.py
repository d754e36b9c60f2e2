"""init and new: a new site builds at once; new files are named from titles, pre-filled, and never overwrite."""

from __future__ import annotations

import datetime
import re

import pytest

from site_builder.build import BuildOptions, build_site
from site_builder.config import load_config
from site_builder.diagnostics import Problems
from site_builder.read.documents import parse_factsheet
from site_builder.read.markup import MarkdownRenderer
from site_builder.scaffold import (MAX_SLUG, ScaffoldRefused, factsheet_text, init_site, new_document,
                                   new_factsheet, slug_for, yaml_text)
from site_builder.read.yamlio import load_yaml

from conftest import build, messages

TODAY = datetime.date(2026, 3, 14)

ALL_FIELDS_YML = """\
title: Field zoo
base_url: https://example.org/zoo/
types:
  thing:
    folder: things
    label: [Thing, Things]
    fields:
      kind: {type: text, required: true, choices: [big, small]}
      notes: {type: markdown}
      count: {type: number, required: true}
      seen: {type: date}
      price: {type: money}
      home: {type: url}
      maker: {type: ref, to: company}
      parts: {type: list, of: text}
      owners: {type: list, of: {type: ref, to: company}}
      anything: {type: ref}
  company:
    folder: companies
    label: [Company, Companies]
"""


def config_of(text: str):
    problems = Problems()
    config = load_config(text, "site.yml", problems)
    assert not problems.has_errors(), messages_of(problems)
    return config


def messages_of(problems: Problems) -> list[str]:
    return [d.format() for d in problems.sorted()]


@pytest.mark.parametrize("title, slug", [
    ("Why Putin's limousine gift breaks UN sanctions", "why-putin-s-limousine-gift-breaks-un-sanctions"),
    ("  Ñandú  Café!! ", "nandu-cafe"),
    ("Kim Jong Un", "kim-jong-un"),
    ("UN Security Council Resolution 2397 (2017)", "un-security-council-resolution-2397-2017"),
    ("Аурус", ""),
])
def test_slug_for(title, slug):
    assert slug_for(title) == slug


def test_slug_for_long_titles_stops_at_a_word_boundary():
    slug = slug_for("A very long title " * 10)
    assert len(slug) <= MAX_SLUG
    assert not slug.endswith("-") and slug.startswith("a-very-long-title")
    assert "a-very-long-title-a-very-long-title".startswith(slug[:20])


@pytest.mark.parametrize("text", ["yes", "no", "null", "1843", "a: b", "#hash", "- dash", "[x]", "'q'",
                                  'say "hi"', "Ünïcode — dash", "2024-02-20", "x # y", "@at", "*star"])
def test_yaml_text_reads_back_as_the_same_text(text):
    data, _ = load_yaml(f"title: {yaml_text(text)}\n", "x.yml", Problems())
    assert data == {"title": text}


def test_init_builds_and_passes_a_strict_check(tmp_path):
    root = tmp_path / "new-site"
    written = init_site(root, TODAY)
    assert "site.yml" in written and ".gitignore" in written
    result = build(root, strict=True)
    assert result.ok, messages(result)
    assert result.diagnostics == []  # not even a warning: every fact sourced, every sheet mentioned
    result = build_site(root, BuildOptions(), write=True)
    out = root / "output"
    explainer = (out / "explainers/first-computer-program/index.html").read_text("utf-8")
    assert 'href="/people/ada-lovelace/"' in explainer
    assert "Scientific Memoirs" in explainer  # the numbered source list
    assert "Ada Lovelace" in (out / "timeline/index.html").read_text("utf-8")
    assert (out / "sources/menabrea-1843/index.html").is_file()


def test_init_site_yml_explains_types_and_every_field_type(tmp_path):
    init_site(tmp_path / "s", TODAY)
    text = (tmp_path / "s/site.yml").read_text("utf-8")
    for word in ("folder:", "label:", "fields:", "required: true", "text", "markdown", "number", "date",
                 "money", "url", "ref", "list", "source", "event"):
        assert re.search(rf"#.*\b{re.escape(word)}", text), word


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    root = tmp_path / "busy"
    root.mkdir()
    (root / "notes.txt").write_text("mine")
    with pytest.raises(ScaffoldRefused) as exc:
        init_site(root, TODAY)
    assert exc.value.code == 1 and "not empty" in exc.value.message
    assert sorted(p.name for p in root.iterdir()) == ["notes.txt"]
    assert (root / "notes.txt").read_text() == "mine"


def test_init_refuses_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ScaffoldRefused) as exc:
        init_site(tmp_path / "f", TODAY)
    assert exc.value.code == 2


def test_init_accepts_an_empty_existing_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    init_site(tmp_path / "empty", TODAY)
    assert build(tmp_path / "empty").ok


def test_new_explainer_is_named_from_its_title_and_marks_what_is_required(make_site):
    root = make_site({})
    path = new_document(root, "explainer", "Why: the gift broke the ban", today=TODAY)
    assert path == root / "content/explainers/why-the-gift-broke-the-ban.md"
    text = path.read_text("utf-8")
    assert "title: 'Why: the gift broke the ban'" in text
    assert re.search(r"^summary: +# required", text, re.M)
    assert "date: 2026-03-14" in text
    result = build(root)
    assert [(str(d.location), d.message) for d in result.diagnostics] == [
        ("content/explainers/why-the-gift-broke-the-ban.md:2:1", "missing required key 'summary'")]
    path.write_text(text.replace("summary:", "summary: How it happened.", 1), "utf-8")
    result = build(root)
    assert result.ok and result.diagnostics == [], messages(result)
    assert result.index.has("explainers/why-the-gift-broke-the-ban")


def test_new_page(make_site):
    root = make_site({})
    path = new_document(root, "page", "About us", today=TODAY)
    assert path == root / "content/pages/about-us.md"
    assert build(root).ok


def test_new_never_overwrites(make_site):
    root = make_site({"content/explainers/hello.md": "---\ntitle: Mine\n---\nkeep me\n"})
    with pytest.raises(ScaffoldRefused) as exc:
        new_document(root, "explainer", "Hello", today=TODAY)
    assert exc.value.code == 1 and "already exists" in exc.value.message
    assert (root / "content/explainers/hello.md").read_text() == "---\ntitle: Mine\n---\nkeep me\n"


def test_new_rejects_a_bad_slug_and_an_unnameable_title(make_site):
    root = make_site({})
    with pytest.raises(ScaffoldRefused) as exc:
        new_document(root, "explainer", "Hello", slug="Bad Slug", today=TODAY)
    assert exc.value.code == 2
    with pytest.raises(ScaffoldRefused) as exc:
        new_document(root, "explainer", "Ниже", today=TODAY)
    assert exc.value.code == 2 and "--slug" in exc.value.hint
    assert new_document(root, "explainer", "Ниже", slug="nizhe", today=TODAY).name == "nizhe.md"


def test_new_factsheet_lists_every_field_and_marks_required_ones():
    config = config_of(ALL_FIELDS_YML)
    text = factsheet_text(config.type("thing"), "Big Thing", config)
    assert text.startswith("# A thing.")
    assert "name: Big Thing" in text
    for required in ("summary", "kind", "count"):
        assert re.search(rf"^{required}: +# required", text, re.M), required
    for optional in ("notes", "seen", "price", "home", "maker", "parts", "owners", "anything"):
        assert re.search(rf"^# {optional}: ", text, re.M), optional
    assert "one of: big, small" in text
    assert "# maker: companies/id" in text


def test_new_factsheet_leaves_required_fields_for_check_to_report(make_site):
    root = make_site({"site.yml": ALL_FIELDS_YML})
    config = config_of(ALL_FIELDS_YML)
    path = new_factsheet(root, config, config.type("thing"), "Big Thing")
    assert path == root / "content/facts/things/big-thing.yml"
    errors = [d.message for d in build(root).errors]
    assert errors == ["missing required field 'summary'", "'kind' has no value", "'count' has no value"]


@pytest.mark.parametrize("type_name", ["thing", "company", "source", "event"])
def test_the_commented_examples_are_valid_values(type_name):
    """Uncomment every optional line and fill the required ones: the sheet parses without a problem."""
    config = config_of(ALL_FIELDS_YML)
    tspec = config.type(type_name)
    text = factsheet_text(tspec, "Example", config)
    fill = {"summary": "One line.", "kind": "big", "count": "3", "date": "2024-02"}
    lines = []
    for line in text.splitlines():
        if line.startswith("# ") and re.match(r"# [a-z_]+: ", line):
            line = line[2:]
        elif line.startswith("#   - {label"):
            line = "  - {label: Colour, value: red, source: x}"
        elif line.startswith("# facts:"):
            line = "facts:"
        m = re.match(r"^([a-z_]+): +#", line)
        if m and m.group(1) in fill:
            line = f"{m.group(1)}: {fill[m.group(1)]}"
        lines.append(line)
    problems = Problems()
    sheet = parse_factsheet("\n".join(lines), f"content/facts/{tspec.folder}/example.yml", tspec, config,
                            MarkdownRenderer(), problems)
    assert messages_of(problems) == []
    assert sheet is not None and sheet.name == "Example"
    optional = {f.name for f in tspec.fields if not f.required}
    assert optional <= {f.name for f in sheet.fields}


def test_init_site_serves_at_once(tmp_path):
    """The live preview of a new site answers with its pages straight away (through the WSGI app, no socket)."""
    from site_builder.preview.app import Preview, PreviewApp

    root = tmp_path / "served"
    init_site(root, TODAY)
    preview = Preview(root, log=lambda text: None)
    assert preview.rebuild().built
    app = PreviewApp(preview)
    for path in ("/", "/explainers/first-computer-program/", "/people/ada-lovelace/", "/timeline/"):
        seen = {}
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "wsgi.url_scheme": "http",
                   "HTTP_HOST": "127.0.0.1:8000"}
        body = b"".join(app(environ, lambda status, headers: seen.setdefault("status", status)))
        assert seen["status"].startswith("200"), (path, seen["status"])
        assert b"Ada Lovelace" in body
