"""What `init` writes so that a new site publishes: the GitHub Pages workflow, a .gitignore and a README.

The workflow installs the very builder that ran `init`. An installed distribution knows where it came
from (PEP 610: a `direct_url.json` beside its metadata when it was installed from an address, none when
it came from a package index by name and version), and the workflow pins that in one marked line:
`SITE_BUILDER: "..."`. The repository's own .github/workflows/pages.yml is this workflow with the builder in
the repository itself (`.[search]`); tests/test_publish.py holds the two together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata

from . import __version__

DIST = "site-builder"
EXTRAS = "[search]"  # the search index is built in the workflow, as `make build` does


@dataclass(frozen=True)
class Origin:
    requirement: str  # what `pip install` takes: site-builder[search]==0.1.0, site-builder[search] @ git+URL@COMMIT
    said: str  # where it came from, in words, for the comment above the line
    reachable: bool = True  # False: an address on this computer, which a runner elsewhere cannot reach


def builder_origin() -> Origin:
    """Where the running builder was installed from, as a requirement pip can install again."""
    dist = _installed()
    version = dist.version if dist is not None else __version__
    by_name = Origin(f"{DIST}{EXTRAS}=={version}", f"version {version} from a package index")
    raw = dist.read_text("direct_url.json") if dist is not None else None
    if not raw:
        return by_name
    try:
        direct = json.loads(raw)
        url = direct["url"]
    except (ValueError, KeyError, TypeError):
        return by_name
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("commit_id"):
        return Origin(f"{DIST}{EXTRAS} @ {vcs.get('vcs', 'git')}+{url}@{vcs['commit_id']}",
                      f"commit {vcs['commit_id'][:12]} of {url}", not url.startswith("file:"))
    if "archive_info" in direct:
        return Origin(f"{DIST}{EXTRAS} @ {url}", f"the file {url}", not url.startswith("file:"))
    # a folder (a checkout, perhaps editable): nothing a runner could install, so pin the version
    return Origin(by_name.requirement, f"the folder {url}, version {version}", False)


def _installed() -> metadata.Distribution | None:
    """The installed distribution (not an .egg-info folder a source checkout may have lying about)."""
    found = list(metadata.distributions(name=DIST))
    installed = [d for d in found if d.read_text("INSTALLER") is not None]
    return (installed or found or [None])[0]


WORKFLOW = """\
# Builds the site and publishes it on GitHub Pages on every push to main.
# One-time set-up: the repository's Settings > Pages > Build and deployment > Source: "GitHub Actions".
# site-builder's publishing guide explains each step and how to adapt it.
name: Publish the site

on:
  push:
    branches: [main]
  workflow_dispatch:      # a "Run workflow" button on the Actions tab

permissions:
  contents: read
  pages: write            # to deploy to Pages
  id-token: write         # to prove the deployment comes from this workflow

concurrency:              # one deployment at a time; a newer push waits rather than cancelling a running one
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    env:
{pin}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - id: pages
        uses: actions/configure-pages@v5
      - name: Install site-builder
        run: python -m pip install "$SITE_BUILDER"
      - name: Build
        # base_url comes from Pages, so https://USER.github.io/REPO/ works without editing site.yml;
        # --strict stops the deployment on any warning (an unsourced fact, a source nothing cites).
        run: site-builder build . --strict --base-url "${{{{ steps.pages.outputs.base_url }}}}/"
      - uses: actions/upload-pages-artifact@v4
        with:
          path: output

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""
PIN_MARK = "# THE BUILDER"


def pin_lines(origin: Origin) -> str:
    """The env entry that says which builder the workflow installs, with a comment that marks it."""
    lines = [f"      {PIN_MARK}: the one line to change to build with another site-builder, such as",
             f"      # {DIST}{EXTRAS}==X.Y.Z (by name) or {DIST}{EXTRAS} @ git+https://HOST/OWNER/REPO@COMMIT.",
             f"      # This one is {origin.said}."]
    if not origin.reachable:
        lines.append("      # That is on the computer that made the site, where GitHub cannot reach it: change it.")
    lines.append(f"      SITE_BUILDER: {json.dumps(origin.requirement)}")
    return "\n".join(lines)


def pages_workflow(origin: Origin) -> str:
    return WORKFLOW.format(pin=pin_lines(origin))


GITIGNORE = """\
# What site-builder makes as it builds; none of it belongs in the repository.
output/
.site-builder-cache/
.output.*
# Editors' and systems' leftovers
*~
*.swp
*.swo
.#*
.DS_Store
Thumbs.db
.idea/
__pycache__/
.venv/
"""

README = """\
# {title}

An explainer site made with site-builder: explainers in `content/explainers/` (Markdown), fact
sheets in `content/facts/<folder>/` (YAML, one file per person, source or event), images in
`content/media/`, settings and the kinds of fact sheet in `site.yml`.

## Working on it

Install the builder once (Python 3.10 or later), the same one the site is published with:

```sh
python -m pip install "{requirement}"
```

Then, in this folder:

```sh
site-builder new explainer "A title"   # a new explainer to fill in; `new person "Name"` for a fact sheet
site-builder check                     # every problem, with its file, line and column
site-builder serve                     # a live preview at http://127.0.0.1:8000/ (Ctrl+C stops it)
```

`site-builder build` writes the site into `output/`, which git ignores.

## Publishing

`.github/workflows/pages.yml` builds the site and publishes it on GitHub Pages at every push to
`main`, once the repository's Settings > Pages > Build and deployment > Source is "GitHub
Actions". Its `SITE_BUILDER` line says which builder it installs.
"""


def publishing_files(title: str, origin: Origin | None = None) -> dict[str, str]:
    """The files `init` writes for publishing, by path in the new site."""
    origin = origin or builder_origin()
    return {".gitignore": GITIGNORE, ".github/workflows/pages.yml": pages_workflow(origin),
            "README.md": README.format(title=title, requirement=origin.requirement)}
