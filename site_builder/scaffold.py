"""Start things: `init DIR` writes a small site that builds at once; `new` writes one explainer, page or fact sheet.

Nothing here ever overwrites a file: every file is created with an exclusive open, so even a file that
appears between our check and our write is left alone.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import yaml

from .text import slugify
from .config import FieldSpec, SiteConfig, TypeSpec
from .read.fields import parse_date

MAX_SLUG = 60
COMMENT_COL = 30
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
DATED_RE = re.compile(r"^\d{4}(-\d{2}){0,2}-")  # an event's file name: 1843-notes-published, 2024-02-18-x


class ScaffoldRefused(Exception):
    """A request we will not carry out; `code` is the exit status (1 refused, 2 wrong command line)."""

    def __init__(self, message: str, code: int = 1, hint: str = ""):
        super().__init__(message)
        self.message, self.code, self.hint = message, code, hint


def slug_for(title: str) -> str:
    """A file name from a title: accents dropped, lower-case a-z, 0-9 and '-', at most MAX_SLUG characters."""
    return slugify(title, MAX_SLUG)


def yaml_text(value: str) -> str:
    """A YAML scalar that reads back as exactly this text (quoted only where YAML needs it)."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10_000, default_flow_style=True)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def create_file(path: Path, text: str) -> None:
    """Write a new file; refuse (exit 1) when it exists, however it came to exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise ScaffoldRefused(f"{path} already exists; nothing was written",
                              hint="open it to edit it, or choose another title or --slug") from None


def _slug(title: str, slug: str | None) -> str:
    if slug is not None:
        if not SLUG_RE.match(slug):
            raise ScaffoldRefused(f"--slug '{slug}' is not a valid file name", 2,
                                  "use lower-case letters, digits and '-', e.g. " + (slug_for(slug) or "my-page"))
        return slug
    made = slug_for(title)
    if not made:
        raise ScaffoldRefused(f"cannot make a file name from '{title}'", 2,
                              "give one with --slug, e.g. --slug my-page")
    return made


# ---- new explainer / page / fact sheet ---------------------------------------------------------------------------

def _line(text: str, comment: str = "") -> str:
    if not comment:
        return text.rstrip()
    return f"{text.ljust(COMMENT_COL - 1)} # {comment}"


def document_text(kind: str, title: str, today: datetime.date) -> str:
    lines = ["---", _line(f"title: {yaml_text(title)}", "required")]
    if kind == "explainer":
        lines += [
            _line("summary:", "required: one or two sentences shown in lists and feeds"),
            _line(f"date: {today.isoformat()}", "required: YYYY-MM-DD"),
            _line("# updated: " + today.isoformat(), "when you change it after publishing"),
            _line("authors: []", "plain names, e.g. [Jane Doe]"),
            _line("tags: []", "lower-case words with '-', e.g. [history, public-health]"),
            _line("about: []", "ids of the fact sheets this is about, e.g. [people/x]"),
            _line("# image: {src: media/photo.jpg, alt: what it shows, credit: who took it}"),
            _line("# draft: true", "keeps it out of the site until you remove this line"),
        ]
    else:
        lines += [_line("# summary:", "optional: one line")]
    lines += ["---", "",
              "Write here in Markdown. Link a fact sheet with `[[folder/id]]`, cite a source with `[@source-id]`",
              "(without the backquotes).", ""]
    return "\n".join(lines)


def example_value(spec: FieldSpec, config: SiteConfig) -> str:
    kind = spec.type
    if spec.choices:
        return yaml_text(spec.choices[0])
    if kind == "list":
        return "[" + example_value(spec.of, config) + "]"
    if kind == "ref":
        folders = [config.type(t).folder for t in spec.to if config.type(t)]
        return f"{folders[0] if folders else 'folder'}/id"
    return {"text": "...", "markdown": "...", "number": "0", "date": "2024-01-31",
            "money": "{amount: 0, currency: USD}", "url": "https://example.org/page",
            "sources": "source-id", "party": "organizations/id",
            "passage": "{source: source-id, locator: the place in it}"}.get(kind, "...")


def field_comment(spec: FieldSpec, config: SiteConfig) -> str:
    kind = spec.type
    if kind == "list":
        what = f"list of {spec.of.type}" + (f" to {' or '.join(spec.of.to)}" if spec.of.to else "")
    elif kind == "ref":
        what = "ref to " + (" or ".join(spec.to) if spec.to else "any fact sheet")
    elif kind == "sources":
        what = "source id(s)"
    else:
        what = kind
    if kind == "date":
        what += " (2024, 2024-02 or 2024-02-18)"
    if spec.choices:
        what += " (one of: " + ", ".join(spec.choices) + ")"
    text = ("required " if spec.required else "") + what
    return text + (f": {spec.description}" if spec.description else "")


def factsheet_text(tspec: TypeSpec, name: str, config: SiteConfig, date: str = "") -> str:
    """A new fact sheet of the type; `date` fills an event's date (its file name starts with it)."""
    article = "an" if tspec.singular[:1].lower() in "aeiou" else "a"
    lines = [
        f"# {article.capitalize()} {tspec.singular.lower()}. Fill in the lines marked 'required' (check lists any",
        "# still empty); to use an optional field, remove the '# ' in front of it.",
        "# To give a value its source, write it long-hand: {value: ..., source: source-id, note: ...}",
    ]
    title_key = tspec.title_key
    lines.append(_line(f"{title_key}: {yaml_text(name)}", "required: the display name"))
    if not tspec.builtin:
        lines.append(_line("summary:", "required: one line that says what this is"))
    for spec in tspec.fields:
        if spec.name == title_key:
            continue
        comment = field_comment(spec, config)
        if date and spec.name == "date" and tspec.name == "event":
            lines.append(_line(f"date: {date}", "required: when it happened; the file name starts with it"))
        elif spec.required:
            lines.append(_line(f"{spec.name}:", comment))
        else:
            lines.append(_line(f"# {spec.name}: {example_value(spec, config)}", comment))
    if not tspec.builtin:
        lines += [
            _line("# aliases: [other name]", "other names a reader may search for"),
            "# facts:                      # free-form labelled facts, each with its source",
            "#   - {label: ..., value: ..., source: source-id}",
            "# body: |                     # longer Markdown text",
            "#   ...",
            _line("# image: {src: media/photo.jpg, alt: what it shows, credit: who took it}"),
        ]
    return "\n".join(lines) + "\n"


def new_document(root: Path, kind: str, title: str, slug: str | None = None,
                 today: datetime.date | None = None) -> Path:
    """content/explainers/<slug>.md or content/pages/<slug>.md; returns its path."""
    folder = "explainers" if kind == "explainer" else "pages"
    path = root / "content" / folder / f"{_slug(title, slug)}.md"
    create_file(path, document_text(kind, title, today or datetime.date.today()))
    return path


def new_factsheet(root: Path, config: SiteConfig, tspec: TypeSpec, name: str, slug: str | None = None,
                  date: str = "") -> Path:
    """content/facts/<folder>/<slug>.yml, pre-filled from the type's fields; returns its path. An event's file
    name starts with its date (`date`, or today's), as in 1843-notes-published.yml."""
    if tspec.name == "event":
        made = _slug(name, slug)
        dated = DATED_RE.match(made)
        if not date and dated and parse_date(dated.group(0)[:-1])[0] is not None:
            date = dated.group(0)[:-1]  # "1843 Notes published": the title gives the date
        date = date or datetime.date.today().isoformat()
        slug = made if slug is not None or dated else _slug("", f"{date}-{made}")
    path = root / "content" / "facts" / tspec.folder / f"{_slug(name, slug)}.yml"
    create_file(path, factsheet_text(tspec, name, config, date if tspec.name == "event" else ""))
    return path


# ---- init ----------------------------------------------------------------------------------------------------

INIT_SITE_YML = """\
# site.yml: this site's settings and the kinds of fact sheet it has.
# Lines starting with '#' are comments: the builder ignores them.

title: My Explainer Site
description: Explainers and the facts behind them, each with its source.
# The address the site will be published at; a sub-folder such as
# https://example.org/my-site/ works too. `site-builder build --base-url URL`
# overrides it for one build (the publishing workflow does, with GitHub's address).
base_url: https://example.org/
language: en

# types: the kinds of fact sheet this site has. For each type:
#   folder:  where its fact sheets live, content/facts/<folder>/<id>.yml;
#            their pages are published at /<folder>/<id>/
#   label:   [Singular, Plural], used in headings and lists
#   fields:  what a fact sheet of this type may say, each with a field type:
#     text      one line (inline Markdown: *emphasis*, [[references]], [@citations])
#     markdown  longer text with paragraphs and lists
#     number    digits, e.g. 4200
#     date      2024, 2024-02 or 2024-02-18 (a partial date stays partial)
#     money     {amount: 18000000, currency: RUB}
#     url       an http(s) address
#     ref       the id of another fact sheet; `to: <type>` limits it to one type
#     list      several values; `of:` says of what, e.g. `of: text`
#   Add `required: true` to a field every fact sheet of the type must have,
#   and `description:` to say what it is for (editors show it as you type).
#
# Every fact sheet has `name` and `summary` and may have `aliases`, `facts`,
# `body` and `image` without declaring them. Two types are built in: `source`
# (content/facts/sources/, the documents you cite) and `event`
# (content/facts/events/, dated happenings shown on the timeline).
#
# After changing the types, run `site-builder schema` so that editors check
# fact sheets against the new fields.
types:
  person:
    folder: people
    label: [Person, People]
    description: A person who appears in the explainers.
    fields:
      role:
        type: text
        required: true
        description: What the person does or did that matters here.
      born:
        type: date
      died:
        type: date
      # More kinds of field (remove the '#' to use one):
      # website: {type: url}
      # languages: {type: list, of: text}
      # collaborators: {type: list, of: {type: ref, to: person}}
"""

INIT_PERSON = """\
name: Ada Lovelace
summary: English mathematician who published the first algorithm meant for a computing machine.
aliases: ["Augusta Ada King, Countess of Lovelace"]
role:
  value: Translator of Menabrea's paper on the Analytical Engine and author of its Notes
  source: menabrea-1843
body: |
  Her Notes on Charles Babbage's Analytical Engine appeared in 1843, signed
  with her initials, A.A.L. [@menabrea-1843].
"""

INIT_SOURCE = """\
title: Sketch of the Analytical Engine Invented by Charles Babbage
author: L. F. Menabrea, translated with notes by A.A.L. (Ada Lovelace)
publisher: Scientific Memoirs, volume 3
date: 1843
kind: journal article
language: en
"""

INIT_EVENT = """\
title: Lovelace's translation and Notes are published
date: 1843
summary: The English translation of Menabrea's paper appears with Lovelace's Notes A to G.
involves: [people/ada-lovelace]
source: menabrea-1843
"""

INIT_EXPLAINER = """\
---
title: How Ada Lovelace published the first computer program
summary: In 1843 a translation with long notes showed how Babbage's unbuilt engine could compute Bernoulli numbers.
date: {today}
tags: [computing, history]
about: [people/ada-lovelace]
---

*This is an example explainer: edit it or delete it. The list at the end of it says
what each part does; site-builder's writers' guide explains the rest.*

In 1843 [[people/ada-lovelace]] published an English translation of Luigi Menabrea's
paper on Charles Babbage's Analytical Engine, with notes of her own that were far longer
than the paper [@menabrea-1843]. The last of them, Note G, sets out step by step how the
engine could calculate Bernoulli numbers [@menabrea-1843, Note G].

The publication is on the [timeline](../facts/events/1843-notes-published.yml).

## How this page is made

- `[[people/ada-lovelace]]` links to a fact sheet and shows its name.
- `[@menabrea-1843]` cites a source; the list of sources at the end is numbered for you.
- A link to a file, such as `[timeline](../facts/events/1843-notes-published.yml)`,
  becomes a link to that file's page.
"""

def init_files(today: datetime.date) -> dict[str, str]:
    from .contributing import contributor_files
    from .publish import builder_origin, pin_lines, publishing_files

    origin = builder_origin()

    return {
        "site.yml": INIT_SITE_YML,
        "content/explainers/first-computer-program.md": INIT_EXPLAINER.format(today=today.isoformat()),
        "content/facts/people/ada-lovelace.yml": INIT_PERSON,
        "content/facts/sources/menabrea-1843.yml": INIT_SOURCE,
        "content/facts/events/1843-notes-published.yml": INIT_EVENT,
        **publishing_files(yaml.safe_load(INIT_SITE_YML)["title"], origin),
        **contributor_files(pin_lines(origin)),
    }


def init_site(dest: Path, today: datetime.date | None = None) -> list[str]:
    """Write a new site into dest (created if missing, refused unless empty). Returns the files written."""
    if dest.exists() and not dest.is_dir():
        raise ScaffoldRefused(f"'{dest}' is a file, not a folder", 2)
    if dest.is_dir() and any(dest.iterdir()):
        raise ScaffoldRefused(f"'{dest}' is not empty; nothing was written",
                              hint="give a new or empty folder, e.g. site-builder init my-site")
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "content" / "media").mkdir(parents=True, exist_ok=True)
    written = []
    for rel, text in init_files(today or datetime.date.today()).items():
        create_file(dest / rel, text)
        written.append(rel)
    return written
