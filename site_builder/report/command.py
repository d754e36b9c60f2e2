"""`site-builder diff [BASE]`: build the base revision and the working tree alike, and report the difference."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import __version__
from ..build import BuildOptions
from .changes import compare
from .gitrev import GitProblem, checked_out, choose_base, toplevel
from .markdown import markdown
from .snapshot import Snapshot, cache_path, load, save, take


def diff_command(site: Path, revision: str | None, fmt: str, options: BuildOptions) -> int:
    """Print the change report; 0 when it was made (whatever either side's problems), 2 when it could not be."""
    if not site.is_dir():
        return _fail(f"'{site}' is not a folder", "give the site's folder with --site")
    if not (site / "site.yml").is_file():
        return _fail(f"no site.yml in '{site}': is this a site's folder?",
                     "run diff in the site's folder, or give it with --site")
    try:
        report = make_report(site, revision, options)
    except GitProblem as exc:
        return _fail(exc.message, exc.hint)
    if fmt == "json":
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    else:
        text = markdown(report)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def _fail(message: str, hint: str = "") -> int:
    print(f"site-builder: error: {message}", file=sys.stderr)
    if hint:
        print(f"    hint: {hint}", file=sys.stderr)
    return 2


def make_report(site: Path, revision: str | None, options: BuildOptions, use_cache: bool = True) -> dict:
    """The report comparing the site at `revision` (or the default base) with the working tree."""
    top = toplevel(site)
    try:
        in_repo = site.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        raise GitProblem(f"'{site}' is not inside the repository at '{top}'") from None
    base = choose_base(revision, top)
    base_snap = base_snapshot(site, top, in_repo, base.commit, options, use_cache)
    head_snap = take(site, options)
    sides = {"base": {"revision": base.revision, "commit": base.commit, "chosen": base.how},
             "head": {"revision": "working tree", "commit": ""}}
    report = compare(base_snap, head_snap, sides)
    report["builder"] = f"site-builder {__version__}"
    return report


def base_snapshot(site: Path, top: Path, in_repo: str, commit: str, options: BuildOptions,
                  use_cache: bool = True) -> Snapshot:
    """The base side: kept from an earlier report on the same commit, or built in a temporary worktree."""
    path = cache_path(site, commit, in_repo, options)
    snap = load(path) if use_cache else None
    if snap is not None:
        return snap
    if sys.stderr.isatty():
        print(f"building the base, commit {commit[:10]}, in a temporary worktree (kept for the next report)",
              file=sys.stderr)
    with checked_out(top, commit) as tree:
        root = tree / in_repo if in_repo != "." else tree
        snap = take(root, options)
        if not (root / "site.yml").is_file():
            snap.failure = f"there is no site in '{in_repo}' at this revision (no site.yml)"
        snap.to_json()  # read every page now, while the checkout is there (and before it is kept)
    if use_cache:
        save(path, snap)
    return snap
