"""The measures every tool gets, through its command line only, and our builder's in-process edits.

`session(tool, runs, edits)` does, `runs` times over:

1. cold: the tool's outputs and caches removed, then one build, started once the files the
   benchmark wrote (a restored article, a site.yml with search turned on or off, a new corpus)
   are QUIET seconds old: site-builder reads again any file changed in the two seconds before a
   build and keeps no stamp for that build, so without the wait the no-change build would pay
   for the benchmark's own writes;
2. no change: the same build again, nothing changed;
3. `edits` command-line edits: a sentence carrying a unique word is appended to one article, then
   the tool's whole build runs again as new processes (for Hugo + Pagefind: `hugo`, then
   `pagefind`). The edited article differs each time and is the same one for every tool (the
   same file name in every layout); the edits of a run stay until the run ends, so each build
   sees exactly one changed file, and are undone in the end.

It checks what it times: every article has its page after a cold build, the edited page carries the
new word, and a tool that builds a search index has one; a failed check is kept in `problems`.

Figures: cold and no change are medians over the runs, the edit the median over all edits of all
runs, the seconds of each step of a build (Hugo, Pagefind) and the CPU seconds of each kind of
build (`cold_cpu`, `nochange_cpu`, `edit_cpu`) likewise; memory is the largest over
every build of the session: summed over the whole process tree (`tree`) and the largest single
process (`largest`), see proc.py.

`inprocess(builder, site, edits)` runs inprocess_edits.py with a builder's code: the edits a
process that keeps its build state makes (the preview's way); see that script.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import proc

HERE = Path(__file__).resolve().parent
EDIT = "\n\nAn added sentence, {token}.\n"
QUIET = 2.5  # seconds since the benchmark last wrote a tool's inputs, before its cold build


@dataclass
class Build:
    wall: float
    parts: dict[str, float]
    tree: float | None
    largest: float
    ok: bool
    cpu: float = 0.0
    errors: str = ""


def build(tool) -> Build:
    """One build: the tool's steps one after the other, stopping at the first that fails."""
    parts, trees, largest, cpu = {}, [], [], 0.0
    for step in tool.steps():
        m = proc.run(step.cmd, step.cwd, step.env)
        parts[step.name], cpu = m.wall, cpu + m.cpu
        trees.append(m.tree_peak)
        largest.append(m.largest)
        if not m.ok:
            return Build(sum(parts.values()), parts, None, max(largest), False, cpu, m.errors)
    tree = None if None in trees else max(trees)
    return Build(sum(parts.values()), parts, tree, max(largest), True, cpu)


class Trash:
    """Where wiped outputs wait until the run ends (`with Trash(folder):` in run.py), moved, not deleted.

    Deleting the outputs and caches of a cold build right before the next one made every later build
    slower on ext4: the kernel's inode allocator passes over the inodes freed in the last minutes, so
    each new file cost more the more files had just been removed, and the tools measured later in a
    run paid for the deletions of the earlier ones (8cf5d7d's cold build at 1,000 articles: 1.5 s wall
    and 0.5 s of system CPU on a quiet file system; 3.0 s and 2.8 s right after a few cold builds of
    another builder in the same folder). A rename into a folder of the same file system frees nothing."""

    folder: Path | None = None

    def __init__(self, place: Path):
        self.place = place

    def __enter__(self):
        Trash.folder = self.place
        return self

    def __exit__(self, *exc) -> None:
        Trash.folder = None
        shutil.rmtree(self.place, ignore_errors=True)


def wipe(tool) -> None:
    """Remove a tool's outputs and caches: moved into the run's Trash folder while there is one."""
    for path in tool.outputs():
        if Trash.folder is not None and os.path.lexists(path):
            Trash.folder.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(path, Trash.folder / f"{time.monotonic_ns()}-{path.name}")
                continue
            except OSError:
                pass  # (another file system: deleted)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif os.path.lexists(path):
            path.unlink()


def wait_quiet(tool) -> None:
    """Sleep until every input of the tool was last changed (mtime or ctime) QUIET seconds ago."""
    newest = max((max(st.st_mtime, st.st_ctime) for st in map(os.stat, tool.inputs())), default=0.0)
    if newest + QUIET > time.time():
        time.sleep(newest + QUIET - time.time())


def pick(sources: list[Path], seq: int) -> Path:
    """The seq-th article to edit: spread over the corpus, the same for every tool."""
    return sources[(seq * 7919) % len(sources)]


@dataclass
class Record:
    """What a session gathers: every build's figures, by kind of build."""

    walls: dict[str, list[float]] = field(default_factory=lambda: {"cold": [], "nochange": [], "edit": []})
    cpus: dict[str, list[float]] = field(default_factory=lambda: {"cold": [], "nochange": [], "edit": []})
    parts: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    trees: list[float | None] = field(default_factory=list)
    largest: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, kind: str, b: Build) -> bool:
        if not b.ok:
            self.problems.append(f"a {kind} build failed: {b.errors.strip()[-300:]}")
            return False
        self.walls[kind].append(b.wall)
        self.cpus[kind].append(b.cpu)
        for name, wall in b.parts.items():
            self.parts.setdefault(kind, {}).setdefault(name, []).append(wall)
        self.trees.append(b.tree)
        self.largest.append(b.largest)
        return True

    def summary(self) -> dict:
        med = {kind: statistics.median(w) if w else None for kind, w in self.walls.items()}
        med.update({f"{kind}_cpu": statistics.median(c) if c else None for kind, c in self.cpus.items()})
        parts = {kind: {name: statistics.median(w) for name, w in steps.items()} for kind, steps in self.parts.items()}
        trees = [t for t in self.trees if t is not None]
        return {**med, "parts": parts, "tree": max(trees) if trees else None,
                "largest": max(self.largest) if self.largest else None,
                "builds": sum(len(w) for w in self.walls.values()), "problems": self.problems}


def check_built(tool, rec: Record) -> None:
    sources = tool.sources()
    missing = [s.name for s in sources if not tool.page(s).is_file()]
    if missing:
        rec.problems.append(f"{len(missing)} of {len(sources)} articles have no page (first: {missing[0]})")
    index = tool.index()
    if index is not None and not index.is_file():
        rec.problems.append(f"no search index was built ({index.name} missing)")


def check_edit(tool, source: Path, token: str, rec: Record) -> None:
    page = tool.page(source)
    if not page.is_file() or token.encode() not in page.read_bytes():
        rec.problems.append(f"the edit of {source.name} did not reach its page")


def edit_run(tool, rec: Record, run: int, edits: int) -> bool:
    """`edits` command-line edits, each followed by a whole build; the files are restored at the end."""
    sources, originals = tool.sources(), {}
    try:
        for k in range(edits):
            source, token = pick(sources, run * edits + k), f"benchedit{run}x{k}"
            originals.setdefault(source, source.read_bytes())
            source.write_bytes(source.read_bytes() + EDIT.format(token=token).encode())
            if not rec.add("edit", build(tool)):
                return False
            check_edit(tool, source, token, rec)
    finally:
        for source, data in originals.items():
            source.write_bytes(data)
    return True


def session(tool, runs: int, edits: int, log=print) -> dict:
    """Cold, no-change and command-line edit builds of one tool; medians and peaks (see the docstring)."""
    rec = Record()
    for run in range(runs):
        wipe(tool)
        wait_quiet(tool)
        if not rec.add("cold", build(tool)):
            break
        check_built(tool, rec)
        if not rec.add("nochange", build(tool)) or not edit_run(tool, rec, run, edits):
            break
        log(f"    run {run + 1}: cold {rec.walls['cold'][-1]:.2f} s, no change {rec.walls['nochange'][-1]:.2f} s, "
            f"edits {', '.join(f'{w:.2f}' for w in rec.walls['edit'][-edits:]) or '-'} s")
    for problem in rec.problems:
        log(f"    ! {tool.label}: {problem}")
    return rec.summary()


def inprocess(builder, site: Path, edits: int) -> dict:
    """Edits timed inside one process that keeps its build state (inprocess_edits.py), with a builder's code."""
    cmd = [sys.executable, str(HERE / "inprocess_edits.py"), str(site), str(edits)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=builder.code, env=builder.env())
    if out.returncode == 3:  # the engine's API offers no kept build state this script can use
        return {"skipped": out.stderr.strip().splitlines()[-1]}
    if out.returncode != 0:
        return {"skipped": f"failed: {out.stderr.strip()[-500:]}"}
    return json.loads(out.stdout.strip().splitlines()[-1])
