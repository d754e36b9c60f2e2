"""JSON Schemas for fact sheets, one per type in site.yml, so editors can check and complete them as people type.

The schemas follow what `check` accepts (documents.parse_factsheet and fields.parse_value): the same keys, the
same value shapes, the same required fields. What a schema cannot know is left to `check`: whether a referenced
id or source exists, whether an image file exists, duplicate keys, and whether the file name is a valid id.
Draft-07 is used because the YAML language server supports it fully.
"""

from __future__ import annotations

import json
from pathlib import Path

from .files import atomic_write
from .config import BUILTIN_FIELDS, SHEET_KEYS, FieldSpec, SiteConfig, TypeSpec
from .read.redirects import PATH_PATTERN as REDIRECT_PATTERN

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_DIR = ".schemas"
SETTINGS = ".vscode/settings.json"
SETTINGS_KEY = "yaml.schemas"

_ID = r"[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?"
ID_PATTERN = rf"^\s*{_ID}\s*$"
SOURCE_PATTERN = rf"^\s*(sources/)?{_ID}\s*$"
# A partial date: YYYY, YYYY-MM or YYYY-MM-DD, with the days each month has (29 February only in leap years).
_YEAR = "[0-9]{4}"
_LEAP = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)"
_DAY31 = "(0?[13578]|1[02])-(0?[1-9]|[12][0-9]|3[01])"
_DAY30 = "(0?[469]|11)-(0?[1-9]|[12][0-9]|30)"
_FEB = "0?2-(0?[1-9]|1[0-9]|2[0-8])"
DATE_PATTERN = (rf"^\s*({_YEAR}(-(0?[1-9]|1[0-2]))?|{_YEAR}-({_DAY31}|{_DAY30}|{_FEB})|{_LEAP}-0?2-29)\s*$")
URL_PATTERN = r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#]"
CURRENCY_PATTERN = "^[A-Z]{3}$"
MEDIA_PATTERN = r"^\s*/*media/+(?!(.*/)?\.\.(/|\s*$))[^/\s]"

TEXT = {"type": ["string", "number"]}
NONEMPTY = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]}
NONBLANK = {"anyOf": [{"type": "string", "pattern": r"\S"}, {"type": "number"}]}
SOURCES_FIELD = {"anyOf": [{"type": "string", "pattern": SOURCE_PATTERN},
                           {"type": "array", "items": {"type": "string", "pattern": SOURCE_PATTERN}}],
                 "description": "A source id (a file in content/facts/sources/), or a list of them."}
SOURCES = {"anyOf": SOURCES_FIELD["anyOf"] + [{"type": "null"}], "description": SOURCES_FIELD["description"]}
NAMES = {"anyOf": [{"type": "null"}, {"type": "string"},
                   {"type": "array", "items": {"type": ["string", "integer"]}}]}
HINTS = {
    "text": "Text (inline Markdown: *emphasis*, [[folder/id]] references, [@source] citations).",
    "markdown": "Markdown text: paragraphs, lists, references and citations.",
    "number": "A number, digits only, e.g. 4200.",
    "date": "A date: 2024, 2024-02 or 2024-02-18.",
    "money": "An amount with its currency: {amount: 18000000, currency: RUB}.",
    "url": "An http(s) address.",
    "ref": "The id of a fact sheet, e.g. people/ada-lovelace.",
    "list": "A list of values.",
    "sources": "A source id, or a list of them.",
    "party": "Who said or did it: the id of a person, organization or source (other text is allowed, with a warning).",
    "passage": "Where it appeared: {source: <source-id>, locator: <the place in it>}.",
}
SOURCE_ID = {"type": "string", "pattern": SOURCE_PATTERN}
NOTE = {"type": ["string", "null"], "description": "A note shown with the value."}


def value_schema(spec: FieldSpec, types: dict[str, TypeSpec] | None = None) -> dict:
    """The shape of one value of a field (short-hand, without its source)."""
    kind = spec.type
    if kind in ("text", "markdown"):
        if spec.choices:
            return {"enum": _choice_values(spec.choices)}
        return dict(TEXT)
    if kind == "number":
        return {"type": "number"}
    if kind == "date":
        return {"anyOf": [{"type": "string", "pattern": DATE_PATTERN},
                          {"type": "integer", "minimum": 1000, "maximum": 9999}]}
    if kind == "money":
        return {"type": "object", "required": ["amount", "currency"], "additionalProperties": False,
                "properties": {"amount": {"type": "number"},
                               "currency": {"type": "string", "pattern": CURRENCY_PATTERN,
                                            "description": "A three-letter currency code such as USD."}}}
    if kind == "url":
        return {"type": "string", "pattern": URL_PATTERN}
    if kind == "ref":
        out = {"type": "string", "pattern": ID_PATTERN}
        folders = [types[t].folder for t in spec.to if types and t in types]
        if folders:
            out["examples"] = [f"{f}/..." for f in folders]
        return out
    if kind == "sources":
        return SOURCES_FIELD
    if kind == "party":
        return dict(TEXT)
    if kind == "passage":
        return {"type": "object", "required": ["source", "locator"], "additionalProperties": False,
                "properties": {"source": SOURCE_ID, "locator": NONBLANK}}
    if kind == "list":
        return {"type": "array", "items": value_schema(spec.of, types)}
    raise ValueError(f"unknown field type {kind!r}")  # config rejects these before we get here


def _choice_values(choices: tuple[str, ...]) -> list:
    """Choices are compared as text, so a written 5 matches the choice '5'."""
    out: list = []
    for choice in choices:
        out.append(choice)
        try:
            number = int(choice)
        except ValueError:
            try:
                number = float(choice)
            except ValueError:
                continue
        if str(number) == choice:
            out.append(number)
    return out


def field_schema(spec: FieldSpec, types: dict[str, TypeSpec] | None = None, several: bool = True) -> dict:
    """A field may be written short (the value), long-hand ({value, source, note}) or, where `several`,
    as competing values ({values: [long-hand, ...], note})."""
    value = value_schema(spec, types)
    longhand = {"type": "object", "required": ["value"], "additionalProperties": False,
                "properties": {"value": value, "source": SOURCES, "note": NOTE}}
    competing = {"type": "object", "required": ["values"], "additionalProperties": False,
                 "description": "Values that sources give and that disagree, each with its source.",
                 "properties": {"values": {"type": "array", "minItems": 2, "items": longhand}, "note": NOTE}}
    description = spec.description or HINTS.get(spec.type, "")
    if spec.required:
        description = (description + " (required)").strip()
    out = {"anyOf": [value, longhand] + ([competing] if several else [])}
    if spec.type == "sources":
        out = value
    title = spec.display_label
    return {"title": title, "description": description, **out}


def _common_props() -> dict:
    """The keys every fact sheet may carry whatever its type: facts, body, image and corrections."""
    props: dict = {}
    props["facts"] = {
        "title": "Facts", "description": "Free-form labelled facts, each with its source.",
        "type": ["array", "null"],
        "items": {"type": "object", "required": ["label", "value"], "additionalProperties": False,
                  "properties": {"label": {"type": ["string", "integer"]},
                                 "value": {"type": ["string", "number"]},
                                 "source": SOURCES, "note": {}}},
    }
    props["body"] = {"title": "Body", "description": "Longer Markdown text.", "type": ["string", "null"]}
    props["image"] = {
        "title": "Image", "type": ["object", "null"], "required": ["src", "alt"], "additionalProperties": False,
        "properties": {"src": {"type": "string", "pattern": MEDIA_PATTERN,
                               "description": "A file in content/media/, written media/<file>."},
                       "alt": {"type": "string", "pattern": r"\S",
                               "description": "A text alternative for readers who cannot see the image."},
                       "credit": {}},
    }
    date = value_schema(FieldSpec("date", "date"))
    props["corrections"] = {
        "title": "Corrections", "description": "Dated notes of what was wrong and what was changed.",
        "type": ["array", "null"],
        "items": {"type": "object", "required": ["date", "text"], "additionalProperties": False,
                  "properties": {"date": date, "text": {"type": "string", "pattern": r"\S"}}},
    }
    return props


def type_schema(tspec: TypeSpec, config: SiteConfig) -> dict:
    """A JSON Schema (draft-07) for the fact sheets of one type."""
    types = {t.name: t for t in config.types}
    props: dict = {}
    required: list[str] = []
    if not tspec.builtin:
        props["name"] = {"title": "Name", "description": "The display name (required).", **NONBLANK}
        props["summary"] = {"title": "Summary", "description": "One line that says what this is (required).",
                            **NONEMPTY}
        required += ["name", "summary"]
    builtin = {f.name for f in BUILTIN_FIELDS.get(tspec.name, ())} if tspec.builtin else set()
    for spec in tspec.fields:
        props[spec.name] = field_schema(spec, types, several=spec.name not in builtin)
        if spec.required:
            required.append(spec.name)
    if tspec.builtin and "title" in props:  # the display name is always written short-hand
        props["title"] = {"title": "Title", "description": "The display name (required).", **NONBLANK}
    props["aliases"] = {"title": "Aliases", "description": "Other names a reader may search for.", **NAMES}
    props.update(_common_props())
    title_key = "title" if tspec.builtin else "name"
    props["translations"] = {
        "title": "Translations", "type": ["object", "null"],
        "description": "The name, summary and body in the site's other languages: {ko: {name: ..., summary: ...}}.",
        "propertyNames": {"enum": list(config.published[1:])},
        "additionalProperties": {"type": "object", "additionalProperties": False,
                                 "required": [title_key] if tspec.builtin else [title_key, "summary"],
                                 "properties": {title_key: NONBLANK, "summary": {"type": ["string", "number"]},
                                                "body": {"type": "string"}}},
    }
    props["redirect_from"] = {
        "title": "Old addresses", "description": "Site paths this page was published at before (/old-name/).",
        "type": ["array", "string", "null"], "pattern": REDIRECT_PATTERN,
        "items": {"type": "string", "pattern": REDIRECT_PATTERN}}
    assert set(props) >= set(SHEET_KEYS) - ({"name", "summary"} if tspec.builtin else set())
    return {
        "$schema": DRAFT,
        "$id": f"site-builder:{tspec.name}",
        "title": f"{tspec.singular} fact sheet",
        "description": tspec.description or f"A {tspec.singular.lower()} (content/facts/{tspec.folder}/*.yml).",
        "type": "object",
        "required": required,
        "additionalProperties": False,
        "properties": props,
    }


def schema_file(tspec: TypeSpec) -> str:
    return f"{tspec.name}.schema.json"


def write_schemas(config: SiteConfig, out_dir: Path) -> list[Path]:
    """Write one schema per type; returns the files written (unchanged ones are left as they are)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for tspec in config.types:
        path = out_dir / schema_file(tspec)
        text = json.dumps(type_schema(tspec, config), indent=2, ensure_ascii=False) + "\n"
        if not path.is_file() or path.read_text("utf-8") != text:
            atomic_write(path, text.encode("utf-8"))
            written.append(path)
    return written


class SettingsProblem(Exception):
    """The editor settings file exists but cannot be read as JSON: it is left alone."""


def editor_mapping(config: SiteConfig, root: Path, out_dir: Path) -> dict[str, list[str]]:
    """yaml.schemas entries: schema path (relative to the site when inside it) -> the type's fact-sheet files."""
    mapping = {}
    for tspec in config.types:
        path = (out_dir / schema_file(tspec)).resolve()
        try:
            key = "./" + path.relative_to(root.resolve()).as_posix()
        except ValueError:
            key = path.as_posix()
        mapping[key] = [f"/content/facts/{tspec.folder}/*.yml"]
    return mapping


def update_settings(root: Path, mapping: dict[str, list[str]], out_dir: Path) -> str:
    """Set our entries in .vscode/settings.json's yaml.schemas; keep every other setting and entry.

    Returns what was done, in words. Raises SettingsProblem when the file is not plain JSON
    (VS Code allows comments there; we do not rewrite such a file)."""
    path = root / SETTINGS
    settings: dict = {}
    existed = path.is_file()
    if existed:
        try:
            settings = json.loads(path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise SettingsProblem(f"{SETTINGS} is not plain JSON ({exc}); it was left as it is") from None
        if not isinstance(settings, dict):
            raise SettingsProblem(f"{SETTINGS} does not hold a JSON object; it was left as it is")
    current = settings.get(SETTINGS_KEY)
    if current is not None and not isinstance(current, dict):
        raise SettingsProblem(f"'{SETTINGS_KEY}' in {SETTINGS} is not an object; it was left as it is")
    ours = _our_prefixes(root, out_dir)
    kept = {k: v for k, v in (current or {}).items() if not k.startswith(ours)}
    new = {**kept, **mapping}
    if current == new:
        return f"{SETTINGS} already maps each schema to its fact sheets"
    settings[SETTINGS_KEY] = new
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(settings, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    others = len(settings) - 1
    verb = "updated" if existed else "wrote"
    return (f"{verb} {SETTINGS}: '{SETTINGS_KEY}' maps {len(mapping)} schemas to content/facts/<folder>/*.yml"
            + (f" ({others} other setting{'s' if others != 1 else ''} kept)" if others else ""))


def _our_prefixes(root: Path, out_dir: Path) -> tuple[str, ...]:
    out = out_dir.resolve()
    try:
        rel = "./" + out.relative_to(root.resolve()).as_posix() + "/"
    except ValueError:
        rel = out.as_posix() + "/"
    return (rel, out.as_posix() + "/")
