"""The git side of `diff`: which revision to compare with, and a checkout of it that leaves the working tree alone.

The base is checked out with `git worktree add --detach` into a temporary folder, and removed
again afterwards, whatever happens in between. Hooks are switched off for that checkout, so a
repository's post-checkout hook cannot run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

DEFAULT_BRANCHES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")


class GitProblem(Exception):
    """Something about the repository or the revision that stops a report; said with a hint, exit status 2."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Base:
    commit: str  # the full commit id
    revision: str  # as given, or as chosen
    how: str  # how it was chosen, for the report: "given", "merge base with main", "HEAD"


def git(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    except FileNotFoundError:
        raise GitProblem("git is not installed", "install git; diff compares git revisions") from None
    if check and done.returncode != 0:
        raise GitProblem(f"git {args[0]} failed: {done.stderr.strip() or done.returncode}")
    return done


def toplevel(folder: Path) -> Path:
    """The top folder of the git working tree that holds folder."""
    done = git(["rev-parse", "--show-toplevel"], folder, check=False)
    if done.returncode != 0:
        raise GitProblem(f"'{folder}' is not inside a git repository",
                         "diff compares the working tree with a git revision: run it in a site kept in git")
    return Path(done.stdout.strip())


def resolve(revision: str, top: Path) -> str:
    """The commit a revision names; a revision that does not exist is a GitProblem."""
    if revision.startswith("-"):
        raise GitProblem(f"'{revision}' is not a revision", "give a branch, tag or commit, e.g. main or HEAD~1")
    done = git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"], top, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise GitProblem(f"no revision '{revision}' in this repository",
                         "give a branch, tag or commit that exists, e.g. main, origin/main or HEAD~1 "
                         "(in a shallow clone, fetch the base first: git fetch origin main)")
    return done.stdout.strip()


def choose_base(revision: str | None, top: Path) -> Base:
    """The given revision; else the merge base of HEAD with the default branch; else HEAD."""
    if revision:
        return Base(resolve(revision, top), revision, "given")
    if git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], top, check=False).returncode != 0:
        raise GitProblem("the repository has no commit yet, so there is nothing to compare with",
                         "commit the site first, or give a revision: site-builder diff REVISION")
    for branch in DEFAULT_BRANCHES:
        done = git(["rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}"], top, check=False)
        if done.returncode != 0:
            continue
        merge = git(["merge-base", "HEAD", branch], top, check=False)
        if merge.returncode == 0 and merge.stdout.strip():
            name = branch
            if branch == "origin/HEAD":
                name = git(["rev-parse", "--abbrev-ref", "origin/HEAD"], top, check=False).stdout.strip() or branch
            return Base(merge.stdout.strip(), name, f"merge base with {name}")
    return Base(resolve("HEAD", top), "HEAD", "HEAD")


@contextlib.contextmanager
def checked_out(top: Path, commit: str) -> Iterator[Path]:
    """A temporary worktree of commit; removed (with its git bookkeeping) on the way out."""
    holder = Path(tempfile.mkdtemp(prefix="site-builder-base-"))
    tree = holder / "tree"
    try:
        git(["-c", "core.hooksPath=" + os.devnull, "worktree", "add", "--detach", "--quiet", str(tree), commit], top)
        yield tree
    finally:
        if tree.exists():
            git(["worktree", "remove", "--force", str(tree)], top, check=False)
        shutil.rmtree(holder, ignore_errors=True)
