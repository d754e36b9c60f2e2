"""What `init` writes for contributors: CONTRIBUTING.md, and a workflow that checks every pull request.

The workflow runs `check` with annotations on the changed lines, writes the change report of
`diff` into the job summary, and uploads the built site so a reviewer can open it. It needs no
token: the summary and the artifact belong to the run. tests/test_contributing.py runs its steps.
"""

from __future__ import annotations

CHECK_WORKFLOW = """\
# Checks every pull request. Problems are marked on the lines they are on ("Files changed" tab);
# the run's Summary says what the change does to the site: facts from what to what, on whose
# authority, and the pages readers will see change; the built site is attached as "site-preview".
# It needs no secret and no token. CONTRIBUTING.md tells contributors how to read it.
name: Check

on:
  pull_request:

permissions:
  contents: read

jobs:
  check:
    runs-on: ubuntu-latest
    env:
{pin}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0          # the change report builds the pull request's base branch too
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install site-builder
        run: python -m pip install "$SITE_BUILDER"
      - name: Check
        run: site-builder check . --format github
      - name: Change report
        if: ${{{{ !cancelled() }}}}
        env:
          BASE: origin/${{{{ github.base_ref }}}}
        run: site-builder diff "$BASE" --site . >> "$GITHUB_STEP_SUMMARY"
      - name: Build the preview
        if: ${{{{ !cancelled() }}}}
        run: site-builder build . --base-url http://127.0.0.1:8000/ -o preview
      - name: Upload the preview
        if: ${{{{ !cancelled() }}}}
        uses: actions/upload-artifact@v4
        with:
          name: site-preview
          path: preview
          if-no-files-found: ignore
          retention-days: 14
"""

CONTRIBUTING = """\
# Contributing

Every page of this site is built from plain files: explainers in `content/explainers/`
(Markdown) and fact sheets in `content/facts/` (YAML: one file per person, source, event...).
You change those files and send the change as a pull request. Checks and a change report tell
you, and whoever reviews it, what the change does to the site.

Install the builder once (Python 3.10 or later), then preview the site as you write:

```sh
python -m pip install site-builder
site-builder serve
```

The preview is at http://127.0.0.1:8000/ and reloads whenever you save a file.

## Add a fact

A fact is a field of a fact sheet, with the source it comes from. To add Ada Lovelace's date of
birth, add `born` to `content/facts/people/ada-lovelace.yml`:

```yaml file=content/facts/people/ada-lovelace.yml
name: Ada Lovelace
summary: English mathematician who published the first algorithm meant for a computing machine.
aliases: ["Augusta Ada King, Countess of Lovelace"]
role:
  value: Translator of Menabrea's paper on the Analytical Engine and author of its Notes
  source: menabrea-1843
born:
  value: 1815-12-10
  source: toole-1992
body: |
  Her Notes on Charles Babbage's Analytical Engine appeared in 1843, signed
  with her initials, A.A.L. [@menabrea-1843].
```

`site.yml` lists the fields each type of fact sheet has. A new fact sheet starts pre-filled:
`site-builder new person "Charles Babbage"` writes `content/facts/people/charles-babbage.yml`.

## Cite a source

A source is the document you read, with a fact sheet of its own in `content/facts/sources/`:

```yaml file=content/facts/sources/toole-1992.yml
title: "Ada, the Enchantress of Numbers: A Selection from the Letters of Lord Byron's Daughter"
author: Betty Alexandra Toole
date: 1992
kind: book
```

A fact names it by its file name, as above (`source: toole-1992`); an explainer cites it in the
text with `[@toole-1992]`, or `[@toole-1992, p. 12]` for a page.

## Check your change

```sh
site-builder check
```

lists every problem with the file, line and column, and a hint. For example, a month that does
not exist:

```yaml file=content/facts/people/ada-lovelace.yml broken
name: Ada Lovelace
summary: English mathematician who published the first algorithm meant for a computing machine.
role:
  value: Translator of Menabrea's paper on the Analytical Engine and author of its Notes
  source: menabrea-1843
born:
  value: 1815-13-10
  source: toole-1992
```

```text output
content/facts/people/ada-lovelace.yml:7:10: error: 'born': impossible date '1815-13-10': there is no month 13
```

## Read the checks and the report

On a pull request the "Check" workflow runs, and:

- marks each problem on its line, in the pull request's "Files changed" tab;
- writes a change report in the run's Summary (the "Checks" tab, then "Check", then
  "Summary"): the facts that changed from what to what, with their sources; fact sheets added,
  removed or renamed; references that now point nowhere; pages whose text changed, with the first
  change; claims whose verdict changed, and the explainers citing a source that changed;
- attaches the built site as "site-preview": download it, unzip it, run
  `python -m http.server 8000` in its folder and open http://127.0.0.1:8000/.

The same report on your own computer, against the branch you started from, or against `main`:

```sh
site-builder diff
site-builder diff main
```
"""


def contributor_files(pin: str | None = None) -> dict[str, str]:
    """The files `init` adds for contributors, by path in the new site. `pin`: the workflow's marked line
    that says which builder it installs (publish.pin_lines), the same as the publishing workflow's."""
    if pin is None:
        from .publish import builder_origin, pin_lines

        pin = pin_lines(builder_origin())
    return {
        "CONTRIBUTING.md": CONTRIBUTING,
        ".github/workflows/check.yml": CHECK_WORKFLOW.format(pin=pin),
    }
