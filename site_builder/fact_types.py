"""The fact-sheet types of site.yml (`types:`): each type's folder, labels and fields, checked with
locations, and the types a reference field may point to."""

from __future__ import annotations

from dataclasses import replace

from .config import (BUILTIN_FIELDS, BUILTIN_LABELS, FIELD_KEYS, FIELD_TYPES, NAME_RE, RESERVED_FOLDERS, SHEET_KEYS,
                     TYPE_KEYS, FieldSpec, TypeSpec)
from .diagnostics import Problems, did_you_mean, suggest
from .read.yamlio import Marks


def load_types(raw, marks: Marks, problems: Problems) -> tuple[TypeSpec, ...]:
    raw = raw if raw is not None else {}
    if not isinstance(raw, dict):
        problems.error("types must be a mapping of type names to their settings", marks.at(("types",)))
        raw = {}
    specs: list[TypeSpec] = []
    folders: dict[str, str] = {}
    for name in list(raw) + [b for b in BUILTIN_FIELDS if b not in raw]:
        spec = _load_type(name, raw.get(name), marks, problems)
        if spec is None:
            continue
        where = marks.at(("types", name, "folder")) if name in raw else marks.at(())
        if spec.folder in folders:
            problems.error(f"types '{folders[spec.folder]}' and '{name}' use the same folder '{spec.folder}'", where)
        elif spec.folder in RESERVED_FOLDERS:
            problems.error(f"folder '{spec.folder}' is reserved for the site's own pages", where,
                           "choose another folder name")
        folders.setdefault(spec.folder, name)
        specs.append(spec)
    return tuple(specs)


def _load_type(name: str, raw, marks: Marks, problems: Problems) -> TypeSpec | None:
    path = ("types", name)
    builtin = name in BUILTIN_FIELDS
    if not NAME_RE.match(str(name)):
        problems.error(f"type name '{name}' must be lower-case letters, digits, '-' or '_'", marks.key(path))
        return None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.error(f"type '{name}' must be a mapping (folder, label, fields)", marks.at(path))
        return None
    for key in raw:
        if key not in TYPE_KEYS:
            problems.error(f"unknown type setting '{key}'{did_you_mean(key, TYPE_KEYS)}", marks.key(path + (key,)),
                           suggestions=suggest(key, TYPE_KEYS))
    default_folder, default_one, default_many, default_schema = BUILTIN_LABELS.get(
        name, (name + "s", name.replace("-", " ").capitalize(), name.replace("-", " ").capitalize() + "s", "Thing"))
    folder = raw.get("folder", default_folder)
    if not isinstance(folder, str) or not NAME_RE.match(folder):
        problems.error(f"folder of type '{name}' must be a lower-case folder name", marks.at(path + ("folder",)))
        folder = default_folder
    if builtin and folder != default_folder:
        problems.error(f"the built-in type '{name}' always lives in folder '{default_folder}'",
                       marks.at(path + ("folder",)))
        folder = default_folder
    singular, plural = default_one, default_many
    label = raw.get("label")
    if label is not None:
        if isinstance(label, list) and len(label) == 2 and all(isinstance(x, str) for x in label):
            singular, plural = label
        elif isinstance(label, str):
            singular, plural = label, label
        else:
            problems.error("label must be [Singular, Plural]", marks.at(path + ("label",)))
    fields, broken = _type_fields(name, raw, path, builtin, marks, problems)
    schema = raw.get("schema_org", default_schema)
    return TypeSpec(name=name, folder=folder, singular=singular, plural=plural, fields=tuple(fields),
                    builtin=builtin, schema_org=str(schema), description=str(raw.get("description", "")),
                    broken_fields=tuple(broken))


def _type_fields(name: str, raw: dict, path: tuple, builtin: bool, marks: Marks,
                 problems: Problems) -> tuple[list[FieldSpec], list[str]]:
    """A type's fields (the built-in ones first, relabelled where the site says so), and the names of those
    whose spec is broken."""
    fields = list(BUILTIN_FIELDS.get(name, ()))
    builtin_names = {f.name for f in fields}
    raw_fields = raw.get("fields") or {}
    if not isinstance(raw_fields, dict):
        problems.error(f"fields of type '{name}' must be a mapping of field names to specs",
                       marks.at(path + ("fields",)))
        raw_fields = {}
    reserved = set(SHEET_KEYS) | ({"title"} if builtin else set())
    broken: list[str] = []
    for fname, fraw in raw_fields.items():
        fpath = path + ("fields", fname)
        if fname in builtin_names and isinstance(fraw, dict) and fraw and set(fraw) <= {"label", "description"}:
            # a site may relabel a built-in field (e.g. url -> "Address") but not change its type
            fields = [replace(f, label=str(fraw.get("label", f.label)),
                              description=str(fraw.get("description", f.description))) if f.name == fname else f
                      for f in fields]
            continue
        if fname in builtin_names or fname in reserved:
            problems.error(f"field '{fname}' is already part of every '{name}' fact sheet", marks.key(fpath),
                           "remove it or give it another name")
            continue
        if not NAME_RE.match(str(fname)):
            problems.error(f"field name '{fname}' must be lower-case letters, digits, '-' or '_'", marks.key(fpath))
            continue
        spec = _load_field(str(fname), fraw, fpath, marks, problems)
        if spec is not None:
            fields.append(spec)
        else:
            broken.append(str(fname))
    return fields, broken


def _load_field(name: str, raw, path: tuple, marks: Marks, problems: Problems) -> FieldSpec | None:
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        problems.error(f"field '{name}' needs a spec such as {{type: text}}", marks.at(path))
        return None
    for key in raw:
        if key not in FIELD_KEYS:
            problems.error(f"unknown field setting '{key}'{did_you_mean(key, FIELD_KEYS)}", marks.key(path + (key,)),
                           suggestions=suggest(key, FIELD_KEYS))
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        where = marks.at(path + ("type",)) if "type" in raw else marks.at(path)
        problems.error(f"unknown field type '{ftype}'{did_you_mean(str(ftype), FIELD_TYPES)}", where,
                       "field types are " + ", ".join(FIELD_TYPES), suggestions=suggest(str(ftype), FIELD_TYPES))
        return None
    to: tuple[str, ...] = ()
    if ftype in ("ref", "party"):
        raw_to = raw.get("to", ())
        if not isinstance(raw_to, (str, list, tuple)) and raw_to is not None:
            problems.error("'to' must name a type, or list the types the field may refer to", marks.at(path + ("to",)),
                           "write a type name, or a list of them: to: [person, organization]")
            raw_to = ()
        to = (raw_to,) if isinstance(raw_to, str) else tuple(str(t) for t in raw_to or ())
    of = None
    if ftype == "list":
        raw_of = raw.get("of", "text")
        if isinstance(raw_of, dict) and raw_of.get("type") == "list":
            problems.error("a list of lists is not supported", marks.at(path + ("of",)))
            return None
        of = _load_field("item", raw_of, path + ("of",), marks, problems)
        if of is None:
            return None
    choices = raw.get("choices") or ()
    if choices and (not isinstance(choices, list) or not all(isinstance(c, (str, int)) for c in choices)):
        problems.error("choices must be a list of values", marks.at(path + ("choices",)))
        choices = ()
    if choices and ftype not in ("text", "markdown"):  # only text is checked against choices: say so
        where = "on the list's items: of: {type: text, choices: [...]}" if ftype == "list" else "on text fields"
        problems.error(f"choices work only for text and markdown fields, not {ftype}", marks.at(path + ("choices",)),
                       f"put them {where}")
        choices = ()
    required = raw.get("required", False)
    if not isinstance(required, bool):
        problems.error("required must be true or false", marks.at(path + ("required",)))
        required = False
    return FieldSpec(name, ftype, required, to, of, tuple(str(c) for c in choices),
                     str(raw.get("description", "")), str(raw.get("label", "")))


def check_ref_targets(types: tuple[TypeSpec, ...], marks: Marks, problems: Problems) -> tuple[TypeSpec, ...]:
    """Refs must point at declared types (checked once the whole type list is known). An unknown type is
    reported here and left out of the field's `to`, so fact sheets are not blamed for site.yml's mistake."""
    names = [t.name for t in types]
    out = []
    for tspec in types:
        fields = []
        for fspec in tspec.fields:
            path = ("types", tspec.name, "fields", fspec.name)
            spec = fspec
            if spec.of is not None:
                spec, path = spec.of, path + ("of",)
            for target in spec.to:
                if target not in names:
                    problems.error(f"field '{fspec.name}' of type '{tspec.name}' refers to unknown type "
                                   f"'{target}'{did_you_mean(target, names)}", marks.at(path + ("to",)),
                                   suggestions=suggest(target, names))
            known = replace(spec, to=tuple(t for t in spec.to if t in names))
            fields.append(replace(fspec, of=known) if fspec.of is not None else known)
        out.append(replace(tspec, fields=tuple(fields)))
    return tuple(out)
