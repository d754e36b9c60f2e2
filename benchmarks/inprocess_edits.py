#!/usr/bin/env python3
"""One-file edits timed inside one process that keeps its build state, as the preview does.

    PYTHONPATH=<folder holding site_builder> python benchmarks/inprocess_edits.py SITE EDITS

Run by run.py with the code of the builder being measured. Four ways, each median over EDITS edits
of different explainers (a sentence appended, the file restored and rebuilt after each):

* told: in memory, the build given the edited file's path as the preview's watcher gives it;
* untold: in memory, every file of the site looked at;
* written: told, and the output folder brought up to date on disk;
* reference: told, in memory, the added sentence links to another explainer.

Prints one JSON line: the four medians in seconds, pages rendered per told edit, files written
per written edit, and the peak RSS of this process in MiB.

This is the only measure that uses the engine's Python API, and that API is being rewritten. It
needs `site_builder.build.build_site(root, options, write=..., <state>=..., changed=...)`, the state
keyword being `cache` or `state`, and a class for the kept state: BENCH_STATE_CLASS=module:Name
names it, else the first of STATE_NAMES found in site_builder.build or the modules listed in
STATE_MODULES. When none fits it prints why on stderr and exits 3; run.py then leaves these
columns empty and says so, and the command-line measures go on.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

STATE_NAMES = ("BuildState", "BuildCache", "IncrementalState", "State")
STATE_MODULES = ("site_builder.build", "site_builder.incremental", "site_builder.incremental.state")


def give_up(why: str) -> None:
    print(f"in-process edits not measured: {why}", file=sys.stderr)
    sys.exit(3)


def state_class():
    named = os.environ.get("BENCH_STATE_CLASS")
    if named:
        module, _, name = named.partition(":")
        found = getattr(importlib.import_module(module), name, None)
        if not inspect.isclass(found):
            give_up(f"BENCH_STATE_CLASS={named} names no class")
        return found
    for module in STATE_MODULES:
        try:
            found = importlib.import_module(module)
        except ImportError:
            continue
        for name in STATE_NAMES:
            if inspect.isclass(getattr(found, name, None)):
                return getattr(found, name)
    return None


def load_api():
    """(build_site, BuildOptions, state class, the state keyword), or exit 3 with the reason."""
    try:
        build = importlib.import_module("site_builder.build")
    except ImportError as exc:
        give_up(f"site_builder.build cannot be imported ({exc})")
    build_site, options = getattr(build, "build_site", None), getattr(build, "BuildOptions", None)
    if build_site is None or options is None:
        give_up("site_builder.build has no build_site or no BuildOptions")
    params = inspect.signature(build_site).parameters
    keyword = next((k for k in ("cache", "state") if k in params), None)
    if keyword is None or "changed" not in params or "write" not in params:
        give_up(f"build_site{inspect.signature(build_site)} takes no kept state, changed paths or write flag")
    cls = state_class()
    if cls is None:
        give_up(f"no class for the kept build state (looked for {', '.join(STATE_NAMES)} in "
                f"{', '.join(STATE_MODULES)}; name one with BENCH_STATE_CLASS=module:Name)")
    return build_site, options, cls, keyword


def timed_edits(api, site: Path, files: list[Path], edits: int, write: bool, told: bool, reference: bool = False):
    """(median seconds, median pages rendered, median files written) over `edits` edits."""
    build_site, options, cls, keyword = api

    def rebuild(changed=None):
        return build_site(site, options(), write=write, changed=changed, **{keyword: state})

    state = cls()
    first = rebuild()
    assert first.ok, [d.format() for d in first.errors][:5]
    times, rendered, written = [], [], []
    for k in range(edits):
        path = files[(k * 7919) % len(files)]
        original = path.read_bytes()
        if reference:  # a link to another explainer: that one's backlinks change
            other = files[(k * 7919 + 4231) % len(files)].stem
            path.write_bytes(original + f"\n\nSee also [[explainers/{other}]].\n".encode())
        else:
            path.write_bytes(original + f"\n\nAn added sentence number {k}.\n".encode())
        started = time.perf_counter()
        result = rebuild([str(path)] if told else None)
        times.append(time.perf_counter() - started)
        assert result.ok
        rendered.append(len(getattr(result, "rendered", None) or []))
        stats = getattr(result, "stats", None)
        written.append(getattr(stats, "written", 0) if write else 0)
        path.write_bytes(original)
        rebuild([str(path)] if told else None)
    return statistics.median(times), statistics.median(rendered), statistics.median(written)


def main() -> None:
    site, edits = Path(sys.argv[1]).resolve(), int(sys.argv[2])
    api = load_api()
    files = sorted((site / "content" / "explainers").glob("*.md"))
    told = timed_edits(api, site, files, edits, write=False, told=True)
    untold = timed_edits(api, site, files, edits, write=False, told=False)
    written = timed_edits(api, site, files, edits, write=True, told=True)
    reference = timed_edits(api, site, files, edits, write=False, told=True, reference=True)
    print(json.dumps({"told": told[0], "rendered": told[1], "untold": untold[0], "written": written[0],
                      "files_written": written[2], "reference": reference[0],
                      "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
