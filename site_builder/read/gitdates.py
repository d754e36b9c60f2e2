"""Dates from git (`updated_from_git: true`): the day of the last commit that touched each content file.

One `git log` for the whole site, never one per file, and only when the commit checked out (HEAD)
is not the one the last build looked at: HEAD is read from the repository's files, without running
git. Only commits count: a file with changes not yet committed keeps its last commit's date, and a
file never committed has none (its written `updated` or `date` stands).
"""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import Diagnostic, Location
from ..model import PartialDate

GIT_TIMEOUT = 120  # seconds
HINT = "commit the site to git, or set updated_from_git: false"


def git_dates(root: Path, where: Location, memory: tuple | None) -> tuple[dict[str, PartialDate], tuple | None,
                                                                             tuple[Diagnostic, ...]]:
    """(each committed content file's date by path, what to keep for the next build, problems).

    `memory` is what the last build kept: (HEAD commit, {path: ISO date}); it is reused while HEAD is the same."""
    gitdir = find_gitdir(Path(root).resolve())
    if gitdir is None:
        return {}, None, (_warning("the site is not in a git repository, so updated_from_git has no dates to use",
                                   where, HINT),)
    if (_common_dir(gitdir) / "shallow").exists():
        return {}, None, (_warning("the git repository is a shallow clone, so the dates of its files are not "
                                   "known", where, "fetch the whole history (with actions/checkout: "
                                                   "fetch-depth: 0)"),)
    head = head_commit(gitdir)
    if head is not None and memory is not None and memory[0] == head:
        return _dates(memory[1]), memory, ()
    found, problem = _log(root, where)
    if problem is not None:
        return {}, None, (problem,)
    kept = (head, found) if head is not None else None
    return _dates(found), kept, ()


def _warning(message: str, where: Location, hint: str) -> Diagnostic:
    return Diagnostic("warning", message, where, hint)


def _dates(found: dict[str, str]) -> dict[str, PartialDate]:
    out = {}
    for rel, iso in found.items():
        year, month, day = (int(part) for part in iso.split("-"))
        out[rel] = PartialDate(year, month, day)
    return out


def _log(root: Path, where: Location) -> tuple[dict[str, str], Diagnostic | None]:
    """Each content file's last commit date (the author's day), from one `git log` over content/."""
    import subprocess  # loaded only when git is run (most builds use no git dates, or find HEAD unchanged)
    command = ["git", "-c", "core.quotepath=off", "log", "--no-renames", "--format=tformat:%x01%as", "--name-only",
               "--relative", "-z", "--", "content"]
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        return {}, _warning("git is not installed, so updated_from_git has no dates to use", where,
                            "install git, or set updated_from_git: false")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {}, _warning(f"git log did not finish ({exc})", where, HINT)
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if said and "does not have any commits" in said[0]:
            return {}, None  # a new repository: nothing committed yet
        return {}, _warning(f"git log failed: {said[0] if said else done.returncode}", where, HINT)
    return parse_log(done.stdout.decode("utf-8", "surrogateescape")), None


def parse_log(text: str) -> dict[str, str]:
    """{path: date} from `git log --format=tformat:%x01%as --name-only -z`, newest commit first: the first
    date a path appears with is its last commit's."""
    found: dict[str, str] = {}
    for chunk in text.split("\x01"):
        parts = chunk.split("\x00")
        date = parts[0].strip()
        if len(date) != 10:
            continue
        for name in parts[1:]:
            name = name.strip("\n")
            if name and name not in found:
                found[name] = date
    return found


def find_gitdir(start: Path) -> Path | None:
    """The git folder of the repository holding `start` (a worktree's `.git` file is followed)."""
    for folder in (start, *start.parents):
        dot = folder / ".git"
        if dot.is_dir():
            return dot
        if dot.is_file():
            try:
                text = dot.read_text("utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return target if target.is_absolute() else (folder / target).resolve()
            return None
    return None


def _common_dir(gitdir: Path) -> Path:
    """Where a worktree's shared refs live (the main repository's git folder), or the git folder itself."""
    try:
        common = (gitdir / "commondir").read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return gitdir
    path = Path(common)
    return path if path.is_absolute() else (gitdir / path).resolve()


def head_commit(gitdir: Path) -> str | None:
    """The commit checked out, read from HEAD and the refs (None when it cannot be told: then git is asked)."""
    try:
        head = (gitdir / "HEAD").read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not head.startswith("ref:"):
        return head if _is_sha(head) else None
    ref = head.removeprefix("ref:").strip()
    for base in (gitdir, _common_dir(gitdir)):
        try:
            value = (base / ref).read_text("utf-8").strip()
            return value if _is_sha(value) else None
        except (OSError, UnicodeDecodeError):
            continue
    try:
        packed = (_common_dir(gitdir) / "packed-refs").read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in packed.splitlines():
        sha, _, name = line.partition(" ")
        if name == ref and _is_sha(sha):
            return sha
    return None


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)

