"""The editor schemas and `check` agree: a fact sheet is valid for one exactly when it is valid for the other.

Fact sheets are generated from pools of valid and invalid values for every field type, the built-in keys
and the long-hand form, then written as YAML and judged twice: by the parser `check` uses, and by
jsonschema against the schema `site-builder schema` writes. Only the shape is compared: whether a
referenced id or source exists is known to `check` alone (documented in docs/writing.md).
"""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from site_builder.config import BUILTIN_FIELDS, load_config
from site_builder.diagnostics import Problems
from site_builder.read.documents import parse_factsheet
from site_builder.read.markup import MarkdownRenderer
from site_builder.schema import editor_mapping, type_schema, update_settings, write_schemas
from site_builder.read.yamlio import load_yaml

SITE_YML = """\
title: Schema agreement
base_url: https://example.org/
types:
  thing:
    folder: things
    label: [Thing, Things]
    fields:
      label_text: {type: text, required: true}
      notes: {type: markdown}
      count: {type: number}
      seen: {type: date}
      price: {type: money}
      home: {type: url}
      maker: {type: ref, to: company}
      parts: {type: list, of: text}
      owners: {type: list, of: {type: ref, to: company}}
      prices: {type: list, of: money}
      size: {type: text, choices: [big, small]}
      level: {type: text, choices: ["1", "2"]}
      said_by: {type: party}
      said_in: {type: passage}
  company:
    folder: companies
    label: [Company, Companies]
"""

VALID = {
    "text": ["Plain words", 42, 3.5, "Ünïcode — text", "", "a *little* emphasis"],
    "number": [0, 42, -3.5, 12000000],
    "date": ["2024", 2024, "2024-02", "2024-2", "2024-02-29", "2000-02-29", "2023-12-31", "1999-04-30",
             " 2024-01 "],
    "money": [{"amount": 5, "currency": "USD"}, {"amount": 2.5, "currency": "EUR"}],
    "url": ["https://example.org/x", "http://a", "HTTPS://EXAMPLE.ORG/", " https://example.org "],
    "ref": ["companies/acme", "acme", " companies/acme ", "things/x-1"],
    "list_text": [[], ["a", "b"], [1, "two"]],
    "list_ref": [[], ["companies/acme", "acme"]],
    "list_money": [[{"amount": 1, "currency": "GBP"}]],
    "choice": ["big", "small"],
    "choice_str": ["1", 2],
    "sources": ["src-a", ["src-a", "sources/src-b"]],
    "party": ["companies/acme", "sources/src-a", "A spokesman", 7, "", " companies/acme "],
    "passage": [{"source": "src-a", "locator": "p. 4"}, {"source": "sources/src-b", "locator": 12},
                {"source": " src-a ", "locator": "the third paragraph"}],
}
INVALID = {
    "text": [True, None, [], {}, ["a"], {"a": 1}],
    "number": ["42", True, None, "many", [1]],
    "date": ["2023-02-29", "1900-02-29", "2024-13", "2024-00", "2024-04-31", "2024-02-30", "24", 24, 20240,
             "2024/02", True, None, "2024-02-20T10:00", 2024.5, "circa 2024", "2024-001"],
    "money": [{"amount": "5", "currency": "USD"}, {"amount": 5, "currency": "usd"}, {"amount": 5},
              {"amount": 5, "currency": "USD", "x": 1}, 5, "5 USD", None, {"amount": True, "currency": "USD"}],
    "url": ["example.org", "ftp://x.org", "javascript:alert(1)", "https://", "http:///path", 5, None,
            "mailto:a@b.org"],
    "ref": ["Companies/Acme", "companies/acme/x", "-x", 5, None, "a b", "companies/"],
    "list_text": ["a", [None], [["x"]], [{"a": 1}], [True], None],
    "list_ref": [["Bad Id"], "companies/acme", [5]],
    "list_money": [[5], [{"amount": 1}], {"amount": 1, "currency": "GBP"}],
    "choice": ["medium", 5, "Big", None],
    "choice_str": [3, "one"],
    "sources": [None, 5, "Bad Source", [None], ["ok-id", 3]],
    "party": [True, None, [], {}, ["companies/acme"], {"id": "companies/acme"}],
    "passage": ["src-a", {"source": "src-a"}, {"source": "src-a", "locator": ""}, {"source": "src-a", "locator": " "},
                {"locator": "p. 4"}, {"source": ["src-a"], "locator": "p. 4"}, {"source": "Bad Source", "locator": "x"},
                {"source": "src-a", "locator": "p. 4", "quote": "x"}, {"source": "src-a", "locator": True}, None],
}
KIND = {"label_text": "text", "notes": "text", "count": "number", "seen": "date", "price": "money",
        "home": "url", "maker": "ref", "parts": "list_text", "owners": "list_ref", "prices": "list_money",
        "size": "choice", "level": "choice_str", "said_by": "party", "said_in": "passage",
        "title": "text", "publisher": "text", "date": "date", "url": "url", "author": "text", "kind": "text",
        "accessed": "date", "via": "url", "archive": "url", "archive_url": "url", "language": "text", "summary": "text",
        "involves": "list_ref",
        "place": "text", "source": "sources"}
SHEET_VALID = {
    "name": ["Acme", 5, "A name: with a colon"],
    "summary": ["One line.", 7],
    "aliases": [None, "Other", ["a", 1], []],
    "facts": [None, [], [{"label": "L", "value": "V", "source": "src-a"}], [{"label": 1, "value": 2.5}],
              [{"label": "L", "value": "V", "note": "n", "source": ["src-a", "src-b"]}]],
    "body": [None, "Some *Markdown*.\n\nTwo paragraphs."],
    "image": [None, {"src": "media/a.jpg", "alt": "A"}, {"src": "/media/x/y.png", "alt": "B", "credit": "C"}],
    "corrections": [None, [], [{"date": "2024-03-01", "text": "We fixed *a* date [@src-a]."}],
                    [{"date": 2024, "text": "One."}, {"date": "2024-05", "text": "Two.\n\nParagraphs."}]],
}
SHEET_INVALID = {
    "name": [None, "", "   ", True, [], {"a": 1}],
    "summary": [None, "", False, ["x"]],
    "aliases": [5, [True], [["x"]], {"a": 1}, [1.5]],
    "facts": ["x", [{"label": "L"}], [{"label": "L", "value": None}], [{"label": True, "value": "x"}],
              [{"label": "L", "value": "v", "extra": 1}], ["x"], [{"label": "L", "value": ["a"]}],
              [{"label": "L", "value": "v", "source": 5}], {"label": "L", "value": "v"}],
    "body": [5, ["x"], {"a": 1}],
    "image": [{"src": "images/a.jpg", "alt": "A"}, {"src": "media/a.jpg"}, {"src": "media/a.jpg", "alt": " "},
              {"src": "../a.jpg", "alt": "A"}, {"src": "media/../../x.jpg", "alt": "A"}, {"src": 5, "alt": "A"},
              "media/a.jpg", {"src": "media/a.jpg", "alt": "A", "size": 3}, {"src": "media/", "alt": "A"}],
    "corrections": ["x", {"date": "2024", "text": "t"}, [{"date": "2024-02-30", "text": "t"}], [{"text": "t"}],
                    [{"date": "2024"}], [{"date": "2024", "text": " "}], [{"date": "2024", "text": 5}],
                    [{"date": "2024", "text": "t", "by": "x"}], ["x"], [{"date": 24, "text": "t"}]],
}
# competing values: {values: [long-hand, ...], note}, on every field a site declares
COMPETING_VALID = [
    lambda good: {"values": [{"value": good, "source": "src-a"}, {"value": good, "source": "src-b", "note": "n"}]},
    lambda good: {"values": [{"value": good}, {"value": good}, {"value": good, "source": ["src-a"]}], "note": "why"},
    lambda good: {"values": [{"value": good, "source": "src-a"}, {"value": good}], "note": None},
]
COMPETING_INVALID = [
    lambda good: {"values": [{"value": good, "source": "src-a"}]},
    lambda good: {"values": []},
    lambda good: {"values": "x"},
    lambda good: {"values": [good, good]},
    lambda good: {"values": [{"value": good}, {"source": "src-a"}]},
    lambda good: {"values": [{"value": good}, {"value": good, "extra": 1}]},
    lambda good: {"values": [{"value": good}, {"value": good}], "source": "src-a"},
    lambda good: {"values": [{"value": good}, {"value": good}], "value": good},
    lambda good: {"values": [{"value": good}, {"values": [{"value": good}, {"value": good}]}]},
    lambda good: {"values": [{"value": good}, {"value": good}], "note": 5},
]
BUILTIN_NAMES = {f.name for fields in BUILTIN_FIELDS.values() for f in fields}
SOURCE_VALID = [None, "src-a", ["src-a", "sources/src-b"], []]
SOURCE_INVALID = [5, "Bad Source", [None], {"id": "x"}]
NOTE_VALID = [None, "a note"]
NOTE_INVALID = [5, ["x"]]


def _config():
    problems = Problems()
    config = load_config(SITE_YML, "site.yml", problems)
    assert not problems.has_errors()
    return config


CONFIG = _config()
VALIDATORS = {t.name: jsonschema.Draft7Validator(type_schema(t, CONFIG)) for t in CONFIG.types}


def minimal(type_name: str) -> dict:
    """The smallest valid fact sheet of each type."""
    return {"thing": {"name": "X", "summary": "Y", "label_text": "Z"}, "company": {"name": "X", "summary": "Y"},
            "source": {"title": "A source"}, "event": {"title": "It happened", "date": "2024-02"}}[type_name]


class _Plain(yaml.SafeDumper):
    """Writes a value used twice out twice (site files may not use YAML aliases)."""

    def ignore_aliases(self, data):
        return True


def judge(type_name: str, data: dict) -> tuple[bool, bool, str]:
    """(check accepts, schema accepts, the YAML) for one fact sheet."""
    text = yaml.dump(data, Dumper=_Plain, allow_unicode=True, sort_keys=False)
    tspec = CONFIG.type(type_name)
    problems = Problems()
    parse_factsheet(text, f"content/facts/{tspec.folder}/example.yml", tspec, CONFIG, MarkdownRenderer(), problems)
    loaded, _ = load_yaml(text, "x.yml", Problems())  # what the editor sees, dates kept as text
    schema_ok = VALIDATORS[type_name].is_valid(loaded)
    return not problems.has_errors(), schema_ok, text + "\n" + "\n".join(d.format() for d in problems.items)


def cases():
    """(type, sheet, expected validity): every pool value alone in an otherwise valid sheet."""
    out = []
    for type_name in ("thing", "source", "event"):
        tspec = CONFIG.type(type_name)
        for spec in tspec.fields:
            kind = KIND[spec.name]
            if tspec.builtin and spec.name == "title":  # the display name is always written short
                out.append((type_name, {**minimal(type_name), "title": {"value": "A title"}}, False))
                out += [(type_name, {**minimal(type_name), "title": v}, True) for v in VALID["text"] if v != ""]
                out += [(type_name, {**minimal(type_name), "title": v}, False) for v in INVALID["text"] + ["", "  "]]
                continue
            for value in VALID[kind]:
                out.append((type_name, {**minimal(type_name), spec.name: value}, True))
                if kind != "sources":
                    out.append((type_name, {**minimal(type_name), spec.name: {"value": value, "source": "src-a"}},
                                True))
            for value in INVALID[kind]:
                out.append((type_name, {**minimal(type_name), spec.name: value}, False))
                if kind != "sources":
                    out.append((type_name, {**minimal(type_name), spec.name: {"value": value}}, False))
            if kind != "sources":
                good = VALID[kind][0]
                for s in SOURCE_VALID:
                    for n in NOTE_VALID:
                        out.append((type_name, {**minimal(type_name), spec.name: {"value": good, "source": s,
                                                                                  "note": n}}, True))
                for s in SOURCE_INVALID:
                    out.append((type_name, {**minimal(type_name), spec.name: {"value": good, "source": s}}, False))
                for n in NOTE_INVALID:
                    out.append((type_name, {**minimal(type_name), spec.name: {"value": good, "note": n}}, False))
                out.append((type_name, {**minimal(type_name), spec.name: {"value": good, "extra": 1}}, False))
                out.append((type_name, {**minimal(type_name), spec.name: {"source": "src-a"}}, False))
                several = not tspec.builtin or spec.name not in BUILTIN_NAMES
                for make in COMPETING_VALID:
                    out.append((type_name, {**minimal(type_name), spec.name: make(good)}, several))
                for make in COMPETING_INVALID:
                    out.append((type_name, {**minimal(type_name), spec.name: make(good)}, False))
                out.append((type_name, {**minimal(type_name), spec.name: COMPETING_VALID[0](INVALID[kind][0])}, False))
            if spec.required:
                sheet = minimal(type_name)
                sheet.pop(spec.name)
                out.append((type_name, sheet, False))
        out.append((type_name, {**minimal(type_name), "colour": "red"}, False))
    for key, values in SHEET_VALID.items():
        for value in values:
            out.append(("thing", {**minimal("thing"), key: value}, True))
    for key, values in SHEET_INVALID.items():
        for value in values:
            out.append(("thing", {**minimal("thing"), key: value}, False))
    for key in ("name", "summary"):
        sheet = minimal("thing")
        sheet.pop(key)
        out.append(("thing", sheet, False))
        out.append(("source", {**minimal("source"), key: "x"}, False))  # built-ins have a title instead
    return out


CASES = cases()


def test_choices_on_a_field_that_cannot_use_them_are_an_error():
    problems = Problems()
    load_config("title: T\ntypes:\n  thing:\n    fields:\n      rank: {type: number, choices: [1, 2]}\n"
                "      tags: {type: list, choices: [a]}\n      kind: {type: list, of: {type: text, choices: [a]}}\n",
                "site.yml", problems)
    assert [(str(d.location), d.message) for d in problems.sorted()] == [
        ("site.yml:5:37", "choices work only for text and markdown fields, not number"),
        ("site.yml:6:35", "choices work only for text and markdown fields, not list"),
    ]


def test_every_schema_is_a_valid_draft_7_schema():
    for tspec in CONFIG.types:
        jsonschema.Draft7Validator.check_schema(type_schema(tspec, CONFIG))


def test_there_are_many_cases_of_both_kinds():
    assert sum(1 for *_, ok in CASES if ok) > 150
    assert sum(1 for *_, ok in CASES if not ok) > 150


@pytest.mark.parametrize("type_name, data, expected", CASES, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(CASES)])
def test_check_and_schema_agree_on_each_value(type_name, data, expected):
    check_ok, schema_ok, shown = judge(type_name, data)
    assert (check_ok, schema_ok) == (expected, expected), shown


@st.composite
def pick(draw, valid: list, invalid: list):
    """Mostly valid values (one in 20 invalid), so that whole sheets come out valid often enough to matter."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from(invalid))
    return draw(st.sampled_from(valid))


@st.composite
def sheets(draw):
    type_name = draw(st.sampled_from(["thing", "company", "source", "event"]))
    tspec = CONFIG.type(type_name)
    data = {}
    keys = [] if tspec.builtin else ["name", "summary"]
    for key in keys:
        if draw(st.integers(0, 19)):
            data[key] = draw(pick(SHEET_VALID[key], SHEET_INVALID[key]))
    for spec in tspec.fields:
        kind = KIND[spec.name]
        if spec.name == "title" and tspec.builtin:
            kind = "title"
        choice = draw(st.integers(0, 3)) if not spec.required else draw(st.integers(1, 40)) % 3 + 1
        if choice == 0:
            continue
        value = (draw(pick([v for v in VALID["text"] if v != ""], INVALID["text"] + ["", " "]))
                 if kind == "title" else draw(pick(VALID[kind], INVALID[kind])))
        if choice == 3 and kind not in ("sources", "title"):
            value = {"value": value}
            if draw(st.booleans()):
                value["source"] = draw(pick(SOURCE_VALID, SOURCE_INVALID))
            if draw(st.booleans()):
                value["note"] = draw(pick(NOTE_VALID, NOTE_INVALID))
        data[spec.name] = value
    for key in ("aliases", "facts", "body", "image", "corrections"):
        if draw(st.booleans()):
            data[key] = draw(pick(SHEET_VALID[key], SHEET_INVALID[key]))
    if draw(st.integers(0, 19)) == 0:
        data["unknown_key"] = "x"
    return type_name, data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets())
def test_check_and_schema_agree_on_mixed_sheets(case):
    type_name, data = case
    check_ok, schema_ok, shown = judge(type_name, data)
    event(f"valid: {check_ok}")
    assert check_ok == schema_ok, shown


def test_schemas_are_written_once_and_editors_are_pointed_at_them(tmp_path):
    out = tmp_path / ".schemas"
    assert len(write_schemas(CONFIG, out)) == 4
    assert write_schemas(CONFIG, out) == []  # unchanged files are not rewritten
    data = json.loads((out / "thing.schema.json").read_text())
    assert data["properties"]["seen"]["title"] == "Seen"
    assert data["required"] == ["name", "summary", "label_text"]
    mapping = editor_mapping(CONFIG, tmp_path, out)
    assert mapping["./.schemas/company.schema.json"] == ["/content/facts/companies/*.yml"]
    said = update_settings(tmp_path, mapping, out)
    assert said.startswith("wrote .vscode/settings.json")
    settings_data = json.loads((tmp_path / ".vscode/settings.json").read_text())
    assert settings_data == {"yaml.schemas": mapping}


def test_schema_entries_for_a_removed_type_are_replaced(tmp_path):
    out = tmp_path / ".schemas"
    stale = {"./.schemas/gone.schema.json": ["/content/facts/gone/*.yml"], "https://x.org/s.json": ["a.yml"]}
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode/settings.json").write_text(json.dumps({"yaml.schemas": stale, "files.eol": "\n"}))
    update_settings(tmp_path, editor_mapping(CONFIG, tmp_path, out), out)
    data = json.loads((tmp_path / ".vscode/settings.json").read_text())
    assert "./.schemas/gone.schema.json" not in data["yaml.schemas"]
    assert data["yaml.schemas"]["https://x.org/s.json"] == ["a.yml"]
    assert data["files.eol"] == "\n"
