"""Benchmark corpora in the site's authoring format.

* ``articles``: the peers' shared synthetic corpus (N articles of 600 to 1,000
  words with headings, lists, a table, fenced code, a footnote and links to
  other articles), each article turned into an explainer. The article text is
  made by the peers' own generator, so every tool builds the same words.
* ``explainers``: the shape this builder exists for (made with ``search: off``). Fact sheets (people,
  organizations, events) and sources; explainers that refer to many fact
  sheets with ``[[id]]`` and cite sources with ``[@id]``; fact sheets that
  refer to each other, so every page has backlinks.

Both are deterministic for a given size and seed.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

FRONT_RE = re.compile(r"\A---\ntitle: \"(.*)\"\ndate: (\S+)\ntags: \[(.*)\]\n---\n", re.S)
WORDS = ("signal network river quantum harbor lattice theory climate market engine orbit archive "
         "ledger pattern sensor vector summit treaty ministry council panel export import convoy").split()


# The default config: no `search` key, so search is on (set_search turns it off for the peers' table).
ARTICLE_SITE_YML = "title: Article benchmark\nbase_url: https://example.org/\ndescription: Synthetic articles.\n"


def set_search(site: Path, on: bool) -> None:
    """Turn a site's search on (the default config: no `search` key) or off (`search: off`)."""
    set_key(site, "search", None if on else "off")


def set_engine(site: Path, engine: str) -> None:
    """Build a site with one Markdown engine: no `markdown` key for the default (cmark-gfm), else the name."""
    set_key(site, "markdown", None if engine == "cmark-gfm" else engine)


def set_key(site: Path, key: str, value: str | None) -> None:
    """Give a top-level key of a site's site.yml a value (a line `key: value` at the end), or none (None)."""
    path = site / "site.yml"
    lines = [line for line in path.read_text("utf-8").splitlines(keepends=True) if not line.startswith(f"{key}:")]
    path.write_text("".join(lines) + ("" if value is None else f"{key}: {value}\n"), "utf-8")


def article_site(plain_dir: Path, out: Path) -> Path:
    """Turn the generator's neutral layout (plain/*.md) into a site of explainers."""
    if out.exists():
        shutil.rmtree(out)
    target = out / "content" / "explainers"
    target.mkdir(parents=True)
    (out / "site.yml").write_text(ARTICLE_SITE_YML, "utf-8")
    for path in sorted(plain_dir.glob("*.md")):
        text = path.read_text("utf-8")
        m = FRONT_RE.match(text)
        if m is None:
            raise SystemExit(f"unexpected front matter in {path.name}")
        title, date, tags = m.groups()
        body = text[m.end():]
        first = next((line for line in body.splitlines() if line and line[0].isalpha()), title)
        summary = first.split(". ")[0].replace('"', "'")[:150]
        front = (f'---\ntitle: "{title}"\nsummary: "{summary}"\ndate: {date}\ntags: [{tags}]\n---\n')
        (target / path.name).write_text(front + body, "utf-8")
    return out


def generate_articles(generator: Path, n: int, work: Path, search: bool = True) -> Path:
    """Run the peers' generator (all five layouts), then adapt its neutral layout; search on or off."""
    corpus = work / f"peers-{n}"
    if not (corpus / "plain").is_dir() or len(list((corpus / "plain").glob("*.md"))) != n:
        subprocess.run([sys.executable, str(generator), str(n), str(corpus)], check=True,
                       stdout=subprocess.DEVNULL)
    site = work / f"site-{n}"
    if not (site / "content" / "explainers").is_dir() or \
            len(list((site / "content" / "explainers").glob("*.md"))) != n:
        article_site(corpus / "plain", site)
    (site / "site.yml").write_text(ARTICLE_SITE_YML, "utf-8")
    set_search(site, search)
    return site


EXPLAINER_SITE_YML = """\
title: Explainer benchmark
description: Synthetic explainers over a large base of fact sheets.
base_url: https://example.org/desk/
search: off
types:
  person:
    folder: people
    label: [Person, People]
    fields:
      role: {type: text, required: true}
      employer: {type: ref, to: organization}
  organization:
    folder: organizations
    label: [Organization, Organizations]
    fields:
      founded: {type: date}
"""


def _sentence(r: random.Random, n: int = 12) -> str:
    return " ".join(r.choice(WORDS) for _ in range(n)).capitalize()


def explainer_site(out: Path, explainers: int, people: int, orgs: int, sources: int, events: int,
                   seed: str = "explainer-shape-1") -> Path:
    """Explainers citing sources and referring to thousands of fact sheets."""
    if out.exists():
        shutil.rmtree(out)
    r = random.Random(seed)
    facts = out / "content" / "facts"
    for sub in ("people", "organizations", "sources", "events"):
        (facts / sub).mkdir(parents=True)
    (out / "content" / "explainers").mkdir(parents=True)
    (out / "site.yml").write_text(EXPLAINER_SITE_YML, "utf-8")
    src_ids = [f"src-{i:05d}" for i in range(sources)]
    for i, sid in enumerate(src_ids):
        (facts / "sources" / f"{sid}.yml").write_text(
            f"title: Report {i} on the {r.choice(WORDS)} {r.choice(WORDS)}\n"
            f"publisher: Wire {i % 17}\ndate: 2024-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            f"url: https://example.org/report/{i}\n", "utf-8")
    org_ids = [f"organizations/org-{i:05d}" for i in range(orgs)]
    for i, oid in enumerate(org_ids):
        (facts / "organizations" / f"org-{i:05d}.yml").write_text(
            f"name: Organization {i} {r.choice(WORDS).title()}\n"
            f"summary: {_sentence(r)} [@{r.choice(src_ids)}].\n"
            f"founded: {{value: {1900 + i % 120}-01-01, source: {r.choice(src_ids)}}}\n", "utf-8")
    person_ids = [f"people/person-{i:05d}" for i in range(people)]
    for i, pid in enumerate(person_ids):
        (facts / "people" / f"person-{i:05d}.yml").write_text(
            f"name: Person {i} {r.choice(WORDS).title()}\n"
            f"summary: {_sentence(r)}, close to [[{r.choice(person_ids)}]] [@{r.choice(src_ids)}].\n"
            f"role: {{value: {r.choice(WORDS)} officer, source: {r.choice(src_ids)}}}\n"
            f"employer: {{value: {r.choice(org_ids)}, source: {r.choice(src_ids)}}}\n", "utf-8")
    for i in range(events):
        who = ", ".join(sorted(set(r.sample(person_ids, 2) + r.sample(org_ids, 1))))
        (facts / "events" / f"event-{i:05d}.yml").write_text(
            f"title: Event {i}, {_sentence(r, 5)}\ndate: {2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            f"summary: {_sentence(r)} [@{r.choice(src_ids)}].\ninvolves: [{who}]\n"
            f"source: {r.choice(src_ids)}\n", "utf-8")
    everyone = person_ids + org_ids
    tags = ["sanctions", "trade", "courts", "elections", "energy", "defence", "health", "media"]
    for i in range(explainers):
        about = sorted(set(r.sample(everyone, 3)))
        paras = []
        for p in range(8):
            words = []
            for s in range(5):
                words.append(f"{_sentence(r, 14)} [[{r.choice(everyone)}]] {_sentence(r, 6)} "
                             f"[@{r.choice(src_ids)}].")
            paras.append(" ".join(words))
            if p % 3 == 0:
                paras.append(f"## Part {p // 3 + 1}\n\n| who | what |\n| --- | --- |\n"
                             f"| [[{r.choice(everyone)}]] | {_sentence(r, 4)} |\n")
        (out / "content" / "explainers" / f"story-{i:05d}.md").write_text(
            f"---\ntitle: Story {i} about the {r.choice(WORDS)}\nsummary: {_sentence(r)}.\n"
            f"date: 2024-{1 + i % 12:02d}-{1 + i % 28:02d}\ntags: [{', '.join(r.sample(tags, 2))}]\n"
            f"about: [{', '.join(about)}]\n---\n\n" + "\n\n".join(paras) + "\n", "utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover - a helper for trying a corpus by hand
    explainer_site(Path(sys.argv[1]), int(sys.argv[2]), 2000, 500, 1000, 500)
