"""Unit tests on the pure parsers: strings in, values and located problems out."""

from __future__ import annotations

import pytest

from site_builder.config import load_config
from site_builder.diagnostics import Problems, suggest
from site_builder.read.documents import parse_document, parse_factsheet
from site_builder.read.fields import parse_date
from site_builder.read.frontmatter import split_front_matter
from site_builder.read.markup import MarkdownRenderer, scan
from site_builder.model import CiteSlot, LinkSlot, Money, PartialDate, RefSlot
from site_builder.read.yamlio import load_yaml

from conftest import MINIMAL_SITE_YML


def config():
    problems = Problems()
    cfg = load_config(MINIMAL_SITE_YML, "site.yml", problems)
    assert not problems.items
    return cfg


# --- YAML -----------------------------------------------------------------

def test_yaml_keeps_positions_of_keys_and_values():
    problems = Problems()
    data, marks = load_yaml("name: X\nprice:\n  value: 12\n  source: a\n", "f.yml", problems)
    assert data == {"name": "X", "price": {"value": 12, "source": "a"}}
    assert str(marks.at(("price", "value"))) == "f.yml:3:10"
    assert str(marks.key(("price", "source"))) == "f.yml:4:3"


def test_yaml_duplicate_key_is_an_error_with_both_lines():
    problems = Problems()
    load_yaml("a: 1\nb: 2\na: 3\n", "f.yml", problems)
    assert [d.format().splitlines()[0] for d in problems.items] == [
        "f.yml:3:1: error: duplicate key 'a' (first written at line 1)"]


def test_yaml_refuses_object_tags_and_aliases():
    problems = Problems()
    data, _ = load_yaml("a: !!python/object/apply:os.system ['true']\n", "f.yml", problems)
    assert "not allowed" in problems.items[0].message
    problems = Problems()
    load_yaml("a: &x [1, 2]\nb: *x\n", "f.yml", problems)
    assert "anchors" in problems.items[0].message  # refused where the anchor is, before any alias
    assert problems.items[0].location.line == 1
    problems = Problems()
    load_yaml("a: 1\nb: *x\n", "f.yml", problems)
    assert "aliases" in problems.items[0].message
    assert problems.items[0].location.line == 2


def test_yaml_dates_stay_text_and_syntax_errors_are_located():
    problems = Problems()
    data, _ = load_yaml("d: 2024-02-18\n", "f.yml", problems)
    assert data == {"d": "2024-02-18"}
    load_yaml("a: b: c\n", "f.yml", problems)
    assert problems.items[0].location.line == 1
    assert "quoted" in problems.items[0].hint


# --- front matter ---------------------------------------------------------

def test_front_matter_split_remembers_body_line():
    split = split_front_matter("---\ntitle: A\n---\n\nBody\n")
    assert split.front == "title: A\n"
    assert split.body_line == 4
    assert split.body == "\nBody\n"


def test_front_matter_unclosed_and_absent():
    assert split_front_matter("---\ntitle: A\n").error
    none = split_front_matter("Just text\n")
    assert none.front is None and not none.error


# --- dates, scanner ---------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("2024", PartialDate(2024)), (2024, PartialDate(2024)), ("2024-02", PartialDate(2024, 2)),
    ("2024-02-29", PartialDate(2024, 2, 29)),
])
def test_partial_dates_stay_partial(raw, expected):
    date, _ = parse_date(raw)
    assert date == expected
    assert date.iso() == str(raw)


@pytest.mark.parametrize("raw, reason", [
    ("2023-02-29", "has no day 29"), ("2024-13", "no month 13"), ("Feb 2024", "expected a date"), (True, "expected"),
])
def test_impossible_dates_are_refused(raw, reason):
    date, why = parse_date(raw)
    assert date is None and reason in why


def test_partial_date_display():
    assert PartialDate(2018, 5, 7).display() == "May 7, 2018"  # Babel's en; en-GB writes the day first
    assert PartialDate(2018, 5, 7).display("en-GB") == "7 May 2018"
    assert PartialDate(2018, 5).display() == "May 2018"
    assert PartialDate(2018).display() == "2018"
    assert Money(18000000, "RUB").display() == "18,000,000 RUB"


def test_scan_finds_refs_citations_and_links_with_positions():
    problems = Problems()
    text = "See [[people/kim|Kim]] and [[aurus]].\nCited [@a, p. 4; @b] and [x](../facts/people/kim.yml#top).\n"
    scanned = scan(text, "content/explainers/e.md", problems, line0=5)
    assert not problems.items
    refs = [s for s in scanned.slots if isinstance(s, RefSlot)]
    cites = [s for s in scanned.slots if isinstance(s, CiteSlot)]
    links = [s for s in scanned.slots if isinstance(s, LinkSlot)]
    assert [(r.target, r.text, str(r.location)) for r in refs] == [
        ("people/kim", "Kim", "content/explainers/e.md:5:5"), ("aurus", None, "content/explainers/e.md:5:28")]
    assert [(i.source, i.locator, i.location.col) for i in cites[0].items] == [("a", "p. 4", 8), ("b", "", 18)]
    assert links[0].target == "content/facts/people/kim.yml" and links[0].fragment == "top"
    assert "[[" not in scanned.text and "[@" not in scanned.text


def test_scan_ref_text_may_wrap_onto_the_next_line_but_not_past_a_blank_line():
    problems = Problems()
    text = "the UN's [[glossary/panel-of-experts|Panel of\n  Experts]], and [[a|b\n\nc]] and [[people/\nkim]]\n"
    scanned = scan(text, "content/explainers/e.md", problems, line0=3)
    refs = [s for s in scanned.slots if isinstance(s, RefSlot)]
    assert [(r.target, r.text, str(r.location)) for r in refs] == [
        ("glossary/panel-of-experts", "Panel of Experts", "content/explainers/e.md:3:10")]
    assert "[[a|b" in scanned.text and "[[people/" in scanned.text
    assert [(d.severity, str(d.location)) for d in problems.items] == [
        ("warning", "content/explainers/e.md:4:18"), ("warning", "content/explainers/e.md:6:9")]
    assert all("is not closed: a reference ends with" in d.message and d.hint for d in problems.items)


def test_scan_skips_code_and_escapes():
    problems = Problems()
    text = "`[[not-a-ref]]` and \\[[nor-this]]\n\n```\n[@nor-this]\n```\n"
    assert scan(text, "e.md", problems).slots == []
    assert not problems.items


def test_scan_reports_bad_refs_and_unsafe_links():
    problems = Problems()
    scan("[[Bad Id]] [x](javascript:alert(1)) [y](../../../etc/passwd.md)", "content/explainers/e.md", problems)
    text = [d.message for d in problems.items]
    assert any("not a valid reference" in t for t in text)
    assert any("unsafe link" in t for t in text)
    assert any("outside the site" in t for t in text)


def test_placeholders_typed_by_a_writer_cannot_leak():
    problems = Problems()
    frag = MarkdownRenderer().render("odd \ue000 0 \ue001 text", "e.md", problems)
    assert "\ue000" not in frag.html and frag.slots == ()


def test_markdown_escape_policy_and_active_urls():
    problems = Problems()
    escaped = MarkdownRenderer("escape").render("<b>hi</b>\n\n<script>x()</script>\n", "e.md", problems)
    assert "<b>" not in escaped.html and "&lt;script&gt;" in escaped.html
    allowed = MarkdownRenderer("allow").render("<b>hi</b>", "e.md", problems)
    assert "<b>hi</b>" in allowed.html


# --- config -------------------------------------------------------------------

def test_config_reports_unknown_field_type_and_setting_with_suggestions():
    problems = Problems()
    load_config("title: T\nbase_ur: x\ntypes:\n  car:\n    fields:\n      price: {type: mony}\n", "site.yml", problems)
    lines = [d.format().splitlines()[0] for d in problems.sorted()]
    assert "site.yml:2:1: error: unknown setting 'base_ur' (did you mean 'base_url'?)" in lines
    assert "site.yml:6:21: error: unknown field type 'mony' (did you mean 'money'?)" in lines


@pytest.mark.parametrize("to", ["true", "3", "{a: b}"])
def test_a_ref_field_whose_to_names_no_type_is_a_located_error(to):
    problems = Problems()
    load_config(f"title: T\ntypes:\n  car:\n    fields:\n      maker: {{type: ref, to: {to}}}\n", "site.yml", problems)
    lines = [d.format().splitlines()[0] for d in problems.sorted()]
    assert "site.yml:5:30: error: 'to' must name a type, or list the types the field may refer to" in lines, lines


def test_config_builtin_types_and_subpath():
    cfg = load_config("title: T\nbase_url: https://example.org/aurus\n", "site.yml", Problems())
    assert cfg.base_path == "/aurus/"
    assert {t.name for t in cfg.types} == {"source", "event"}
    assert cfg.type("source").folder == "sources"


def test_config_ref_to_unknown_type():
    problems = Problems()
    load_config("title: T\ntypes:\n  car:\n    fields:\n      maker: {type: ref, to: organisation}\n",
                "site.yml", problems)
    assert "unknown type 'organisation'" in problems.items[0].message


# --- documents ----------------------------------------------------------------

def test_fact_sheet_long_hand_values_and_unknown_fields():
    problems = Problems()
    sheet = parse_factsheet(
        "name: Kim\nsummary: A leader.\nrole: {value: Leader, source: src-1, note: since 2011}\n"
        "born: {value: 1984, source: [a, b]}\nrol: typo\n",
        "content/facts/people/kim.yml", config().type("person"), config(), MarkdownRenderer(), problems)
    assert sheet.id == "people/kim"
    born = sheet.field("born")
    assert born.value == PartialDate(1984) and [s.source for s in born.sources] == ["a", "b"]
    assert sheet.field("role").note is not None
    assert [d.format().splitlines()[0] for d in problems.items] == [
        "content/facts/people/kim.yml:5:1: error: unknown field 'rol' for type 'person' (did you mean 'role'?)"]


def test_fact_sheet_missing_required_and_wrong_types():
    problems = Problems()
    parse_factsheet("name: Kim\nborn: yesterday\nemployer: 12\n", "content/facts/people/kim.yml",
                    config().type("person"), config(), MarkdownRenderer(), problems)
    got = sorted(d.message for d in problems.items)
    assert "missing required field 'role'" in got
    assert "missing required field 'summary'" in got
    assert any("'born': expected a date" in m for m in got)
    assert any("'employer' must be the id of a fact sheet" in m for m in got)


def test_block_scalar_positions_map_to_file_lines():
    problems = Problems()
    parse_factsheet("name: K\nsummary: S\nrole: R\nbody: |\n  First line.\n  Bad [[Not Valid]] ref.\n",
                    "content/facts/people/k.yml", config().type("person"), config(), MarkdownRenderer(), problems)
    assert [str(d.location) for d in problems.items] == ["content/facts/people/k.yml:6:7"]


def test_explainer_requires_title_summary_date():
    problems = Problems()
    doc = parse_document("explainer", "---\ntitle: A\n---\nBody\n", "content/explainers/a.md", config(),
                         MarkdownRenderer(), problems)
    assert doc is not None
    assert sorted(d.message for d in problems.items) == ["missing required key 'date'",
                                                        "missing required key 'summary'"]


def test_explainer_body_positions_count_front_matter_lines():
    problems = Problems()
    parse_document("explainer", "---\ntitle: A\nsummary: S\ndate: 2024\n---\n\nText [[BAD]]\n",
                   "content/explainers/a.md", config(), MarkdownRenderer(), problems)
    assert str(problems.items[0].location) == "content/explainers/a.md:7:6"


def test_suggestions():
    assert suggest("cars/aurus-senta", ["cars/aurus-senat", "people/kim"]) == ["cars/aurus-senat"]
    assert suggest("car/aurus-senat", ["cars/aurus-senat"]) == ["cars/aurus-senat"]
