"""Run a command as a whole process and measure it: wall time and memory over its whole process tree.

`run(cmd)` starts the command and, while it runs, samples every INTERVAL seconds the resident set
of the process and of every process below it (read from /proc: the kernel's list of each task's
children, or, where the kernel does not keep one, the parent field of every process), and keeps
the largest sum seen. A build that forks workers or runs an indexer is counted whole: the
`ru_maxrss` that waiting for a child gives is only the largest single process of the tree, which
is kept too (`largest`).

It also gives the CPU seconds (user and system) of the process and the descendants it waited for:
on a busy machine the wall time grows with the wait for a core, the CPU time much less.

Limits: a process that lives and dies between two samples is missed, and pages shared between
processes (a forked worker's copy-on-write pages) are counted once per process, as RSS counts them.
Where /proc is missing (not Linux) the tree's peak is None and only `largest` is known.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

INTERVAL = 0.02  # seconds between two samples of the process tree
MIB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
PROC = Path("/proc")


@dataclass(frozen=True)
class Measured:
    """One process run to its end."""

    wall: float  # seconds, start to exit
    tree_peak: float | None  # MiB: the largest summed RSS of the process and its descendants
    largest: float  # MiB: the largest RSS of any single process of the tree (ru_maxrss)
    cpu: float  # seconds of CPU, user and system, of the process and every descendant it waited for
    status: int  # exit status
    errors: str  # the end of what it wrote to stderr

    @property
    def ok(self) -> bool:
        return self.status == 0


def _children_lists(pid: int) -> list[int] | None:
    """Children of pid from the kernel's per-task lists; None when the kernel keeps none."""
    kids: list[int] = []
    try:
        tasks = os.listdir(PROC / str(pid) / "task")
    except OSError:
        return kids  # the process is gone
    for task in tasks:
        try:
            kids.extend(int(k) for k in (PROC / str(pid) / "task" / task / "children").read_text().split())
        except FileNotFoundError:
            return None
        except OSError:
            continue
    return kids


def _parents() -> dict[int, list[int]]:
    """Every process's children, from the parent field of /proc/<pid>/stat."""
    tree: dict[int, list[int]] = {}
    for name in os.listdir(PROC):
        if not name.isdigit():
            continue
        try:
            stat = (PROC / name / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def descendants(pid: int) -> list[int]:
    """pid and every process below it."""
    found, todo, table = [], [pid], None
    while todo:
        current = todo.pop()
        found.append(current)
        kids = _children_lists(current) if table is None else None
        if kids is None:
            table = table if table is not None else _parents()
            kids = table.get(current, [])
        todo.extend(kids)
    return found


def rss_bytes(pid: int) -> int:
    try:
        return int((PROC / str(pid) / "statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class TreeSampler:
    """A thread that keeps the largest summed RSS of a process tree."""

    def __init__(self, pid: int, interval: float = INTERVAL):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            self.peak = max(self.peak, sum(rss_bytes(p) for p in descendants(self.pid)))
            if self._stop.wait(self.interval):
                return


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> Measured:
    """Run cmd to its end with its output discarded; its time and memory."""
    sample = PROC.is_dir()
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        if sample:
            with TreeSampler(proc.pid) as sampler:
                _, status, usage = os.wait4(proc.pid, 0)
        else:
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        errors = err.read()[-2000:].decode(errors="replace")
    largest = usage.ru_maxrss / 1024  # KiB on Linux
    tree = max(sampler.peak / MIB, largest) if sample else None  # a tree is never smaller than its largest process
    if proc.returncode != 0:
        print(f"  ! {' '.join(map(str, cmd))} exited {proc.returncode}: {errors[-500:]}", file=sys.stderr)
    return Measured(wall, tree, largest, usage.ru_utime + usage.ru_stime, proc.returncode, errors)
