#!/usr/bin/env python3
"""How long `site-builder diff` takes on the bundled site for a one-field change (a benchmark, not a test).

It copies the bundled site (site.yml, content/, templates/) into a scratch git repository, commits it,
changes one field of one fact sheet (the Aurus Senat's price: value, source and note), and runs
`site-builder diff` as a reviewer would, in a child process, so the time includes starting Python:

* cold: the first report, which checks the base out in a temporary worktree, builds it and keeps it;
* warm: the reports after it, which find the base kept under .site-builder-cache/diff/ and build only
  the working tree.

It prints the median, minimum and maximum of each, as wall-clock time and as the CPU time the child used
(user and system): on a machine shared with other work the CPU time is the steadier figure. --show prints
the report itself.

    python benchmarks/diff_time.py              # 1 cold run, 7 warm runs
    python benchmarks/diff_time.py --runs 15 --show
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FACT = "content/facts/cars/aurus-senat.yml"
BEFORE = """price:
  value: {amount: 18000000, currency: RUB}
  source: [reuters-2019-08-23, tass-2019-08-23]
  note: base price when sales began, on 23 August 2019
"""
AFTER = """price:
  value: {amount: 22000000, currency: RUB}
  source: tass-2021-05-21
  note: a special version of the first production batch, from February 2021
"""
GIT_ENV = {"GIT_AUTHOR_NAME": "Benchmark", "GIT_AUTHOR_EMAIL": "bench@example.org",
           "GIT_COMMITTER_NAME": "Benchmark", "GIT_COMMITTER_EMAIL": "bench@example.org",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def scratch_site(dest: Path) -> Path:
    """A git repository at dest with the bundled site committed on `main`, and the one-field change made."""
    dest.mkdir(parents=True)
    shutil.copy2(REPO / "site.yml", dest / "site.yml")
    for folder in ("content", "templates"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, dest / folder)
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "the bundled site"]):
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
    path = dest / FACT
    text = path.read_text("utf-8")
    if BEFORE not in text:
        raise SystemExit(f"{FACT} no longer has the price this benchmark changes; update BEFORE in {__file__}")
    path.write_text(text.replace(BEFORE, AFTER), "utf-8")
    return dest


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_diff(site: Path, fmt: str = "markdown") -> tuple[float, float, str]:
    """Wall-clock seconds, CPU seconds (of diff and the git commands it ran) and the report."""
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run([sys.executable, "-m", "site_builder", "diff", "--site", str(site), "--format", fmt],
                          capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"diff failed ({done.returncode}):\n{done.stderr}")
    return seconds, cpu, done.stdout


def _line(times: list[float]) -> str:
    return (f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
            f"over {len(times)} runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="warm runs (default 7)")
    parser.add_argument("--show", action="store_true", help="print the report too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="diff-time-") as tmp:
        site = scratch_site(Path(tmp) / "site")
        cold, cold_cpu, report = run_diff(site)
        warm = [run_diff(site)[:2] for _ in range(args.runs)]
    if args.show:
        print(report)
    print(f"site-builder diff, bundled site, one field changed ({FACT}: price)")
    print(f"  cold (base built and kept): {cold:.2f} s wall, {cold_cpu:.2f} s CPU")
    print(f"  warm (base kept), wall:     {_line([w for w, _ in warm])}")
    print(f"  warm (base kept), CPU:      {_line([c for _, c in warm])}")


if __name__ == "__main__":
    main()
