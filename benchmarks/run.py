#!/usr/bin/env python3
"""Benchmark site-builder against its peers on the same corpora, side by side in one run.

    python benchmarks/run.py [--sizes 1000,10000] [--runs 3] [--peer-runs 3] [--edits 3]
                             [--builder-rev REV ...] [--tables on,off] [--peers hugo,eleventy,mkdocs,pelican]
                             [--no-peers] [--explainers N] [--engines cmark-gfm,python-markdown]
                             [--work DIR] [--save FILE]
    python benchmarks/run.py --report FILE       # print the tables of a saved run again

For each article corpus (the peers' own generator, turned into a site of explainers):

1. Default config, search on: `site-builder build` against Hugo followed by Pagefind.
2. Search off: `site-builder build` against Hugo, Eleventy, MkDocs and Pelican, plus our builder's
   in-process edits (inprocess_edits.py); then the explainer-shaped corpus, ours alone.
3. Markdown engines, search off: this checkout's builder again on each corpus with every other
   engine of --engines (`markdown: python-markdown` in site.yml), cold and no-change builds
   only, so the cold times of both engines stand side by side (report.py's engines table).
4. Share cards off, search off, when an earlier revision is measured too and this checkout's
   default build made share cards (a small corpus): this checkout again with `share_cards: false`,
   cold and no-change builds, beside the earlier revisions, which make none (report.py's cards table).

Every tool gets the same command-line measures (session.py): cold, no change, and one edited
article rebuilt by new processes; peak memory summed over every process of the build, sampled
every 20 ms from /proc (proc.py), and the largest single process. Then the goals of the default
config (issue 14) are checked against the measured rows (report.py).

--builder-rev REV (repeatable) also measures our builder as it was at a git revision, checked out
with `git worktree add` under the work folder and run with PYTHONPATH pointing there, beside this
checkout's code, on the same corpora in the same run: before/after figures for an engine rewrite.

Every tool runs as it would once installed: Python keeps its compiled modules. A setting in the
environment that stops Python writing them (PYTHONDONTWRITEBYTECODE) is dropped for the run, or
every build of a Python tool would compile that tool's code again first.

Peers are built with the shared peer scripts (PEER_BENCH, default ../shared/bench beside the
project, or --peer-scripts) and the tools their setup.sh installed in BENCH_CACHE (default: the
scripts' .cache/); a peer that is not installed is skipped and said so. Pagefind is the binary of
the pagefind Python package in this environment, the one our own search runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # (see the docstring) before any tool is started
HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import report  # noqa: E402
import session  # noqa: E402
import tools  # noqa: E402


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="article corpus sizes (comma-separated)")
    ap.add_argument("--runs", type=int, default=3, help="cold, no-change and edit rounds of our builder (median)")
    ap.add_argument("--peer-runs", type=int, default=3, help="the same rounds for each peer (median)")
    ap.add_argument("--edits", type=int, default=3,
                    help="command-line edits per round; in-process edits: this times --runs")
    ap.add_argument("--builder-rev", action="append", default=[], metavar="REV",
                    help="also measure our builder at this git revision (repeatable), before this checkout's")
    ap.add_argument("--tables", default="on,off", help="which tables: on (search on), off (search off)")
    ap.add_argument("--engines", default="cmark-gfm,python-markdown",
                    help="Markdown engines to time cold builds with, search off (cmark-gfm is always measured)")
    ap.add_argument("--explainers", type=int, default=None,
                    help="explainers in the explainer-shaped corpus, 0 to skip (default: largest size / 10)")
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", str(PROJECT / ".bench")),
                    help="where corpora, outputs and checked-out revisions go (default .bench/, git-ignored)")
    ap.add_argument("--peer-scripts", default=os.environ.get("PEER_BENCH", str(PROJECT.parent / "shared" / "bench")))
    ap.add_argument("--peers", default="hugo,eleventy,mkdocs,pelican")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--save", help="also write the measured rows to this JSON file")
    ap.add_argument("--report", help="print the tables of rows saved with --save, and measure nothing")
    return ap.parse_args()


def log(text: str) -> None:
    print(text, flush=True)


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return (f"machine: {platform.machine()}, {cpus} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, load average at the start {load}")


class Bench:
    """One run: the options, the builders, the peers' set-up, and the rows measured so far."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.work = Path(args.work).resolve()
        self.work.mkdir(parents=True, exist_ok=True)
        self.scripts = Path(args.peer_scripts).resolve()
        self.cache = Path(os.environ.get("BENCH_CACHE", self.scripts / ".cache")).resolve()
        self.builders = [tools.checkout(rev, self.work) for rev in args.builder_rev] + [tools.this_checkout()]
        self.tables = {t.strip() for t in args.tables.split(",") if t.strip()}
        self.pagefind = tools.pagefind_binary()
        self.rows: list[dict] = []

    def peers(self) -> list[str]:
        """The peers asked for that setup.sh has installed."""
        if self.args.no_peers:
            return []
        return [p for p in self.args.peers.split(",") if p in tools.LAYOUTS and tools.peer_installed(p, self.cache)]

    def add(self, tool, corpus_name: str, pages: int, search: bool, runs: int, ours: bool, edits=None) -> dict:
        log(f"  {tool.label}, search {'on' if search else 'off'} ...")
        row = {"corpus": corpus_name, "pages": pages, "tool": tool.label, "search": search, "ours": ours,
               "engine": getattr(tool, "engine", None), "variant": getattr(tool, "variant", "") or None,
               **session.session(tool, runs, self.args.edits if edits is None else edits, log=log)}
        self.rows.append(row)
        return row

    def search_on(self, name: str, site: Path, peers_dir: Path, n: int) -> None:
        corpus.set_search(site, True)
        for builder in self.builders:
            self.add(tools.OurBuild(builder, site, True), name, n, True, self.args.runs, True)
        if "hugo" in self.peers():
            hugo = tools.PeerBuild(tools.LAYOUTS["hugo"], peers_dir, self.scripts, self.cache, self.pagefind)
            self.add(hugo, name, n, True, self.args.peer_runs, False)

    def search_off(self, name: str, site: Path, peers_dir: Path | None, n: int) -> None:
        corpus.set_search(site, False)
        for builder in self.builders:
            row = self.add(tools.OurBuild(builder, site, False), name, n, False, self.args.runs, True)
            edits = self.args.edits * self.args.runs
            if edits:
                log(f"  {builder.label}: {edits} in-process edits of each kind ...")
                row["inprocess"] = session.inprocess(builder, site, edits)
                log(f"    {row['inprocess']}")
        for peer in self.peers() if peers_dir is not None else []:
            tool = tools.PeerBuild(tools.LAYOUTS[peer], peers_dir, self.scripts, self.cache)
            self.add(tool, name, n, False, self.args.peer_runs, False)
        self.other_engines(name, site, n)
        self.without_cards(name, site, n)

    def other_engines(self, name: str, site: Path, n: int) -> None:
        """This checkout's cold and no-change builds with each engine besides the default, search off."""
        engines = [e.strip() for e in self.args.engines.split(",") if e.strip() not in ("", "cmark-gfm")]
        try:
            for engine in engines:
                corpus.set_engine(site, engine)
                self.add(tools.OurBuild(self.builders[-1], site, False, engine), name, n, False, self.args.runs,
                         True, edits=0)
        finally:
            corpus.set_engine(site, "cmark-gfm")

    def without_cards(self, name: str, site: Path, n: int) -> None:
        """This checkout's cold and no-change builds with `share_cards: false`, search off, when its default
        build made share cards and an earlier revision is measured beside it: the revisions before share
        cards made none, so this is the cold build that makes the same pages as theirs."""
        if len(self.builders) < 2 or not any((site / "output" / "explainers").glob("*/card.png")):
            return
        corpus.set_key(site, "share_cards", "false")
        try:
            self.add(tools.OurBuild(self.builders[-1], site, False, variant="no share cards"), name, n, False,
                     self.args.runs, True, edits=0)
        finally:
            corpus.set_key(site, "share_cards", None)

    def run(self) -> None:
        generator = self.scripts / "gen_corpus.py"
        if not generator.is_file():
            sys.exit(f"the peers' corpus generator is missing: {generator} (give --peer-scripts)")
        if "on" in self.tables and self.pagefind is None:
            sys.exit("search on needs the pagefind package in this environment: pip install -e '.[search]'")
        sizes = [int(s) for s in self.args.sizes.split(",") if s]
        for n in sizes:
            log(f"the {n:,}-article corpus ...")
            site = corpus.generate_articles(generator, n, self.work)
            if "on" in self.tables:
                self.search_on(f"articles {n:,}", site, self.work / f"peers-{n}", n)
            if "off" in self.tables:
                self.search_off(f"articles {n:,}", site, self.work / f"peers-{n}", n)
        explainers = self.args.explainers if self.args.explainers is not None else max(sizes, default=0) // 10
        if explainers and "off" in self.tables:
            self.explainer_shaped(explainers)

    def explainer_shaped(self, e: int) -> None:
        site = self.work / f"explainers-{e}"
        if not (site / "site.yml").exists():
            log(f"generating the explainer-shaped corpus ({e:,} explainers) ...")
            corpus.explainer_site(site, explainers=e, people=5 * e, orgs=e, sources=2 * e, events=e)
        self.search_off(f"explainer-shaped, {10 * e:,} pages", site, None, 10 * e)

    def header(self) -> str:
        lines = [machine(), "builders: " + ", ".join(f"{b.label} (commit {b.commit})" for b in self.builders)]
        if self.pagefind:
            lines.append(f"search index: {tools.pagefind_version(self.pagefind)}, the pagefind Python package's binary")
        asked = [] if self.args.no_peers else [p for p in self.args.peers.split(",") if p]
        missing = [p for p in asked if p not in self.peers()]
        lines.append(f"peers: {', '.join(self.peers()) or 'none'}"
                     + (f"; not installed in {self.cache}, skipped: {', '.join(missing)}" if missing else ""))
        return "\n".join(lines)


def main() -> None:
    args = parse_args()
    if args.report:
        print(report.render(json.loads(Path(args.report).read_text("utf-8"))["rows"]))
        return
    bench = Bench(args)
    header = bench.header()
    log(header)
    started = time.perf_counter()
    try:
        with session.Trash(bench.work / ".trash"):  # wiped outputs are deleted once everything is measured
            bench.run()
    finally:
        if args.save:
            Path(args.save).write_text(json.dumps({"header": header, "rows": bench.rows}, indent=1), "utf-8")
    log(f"\n(measured in {time.perf_counter() - started:.0f} s)\n")
    print(report.render(bench.rows))


if __name__ == "__main__":
    main()
