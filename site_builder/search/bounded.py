"""Helper programs (the search indexer) run within a budget of time and memory, and never outlive the build.

The child gets its own process group, a memory limit, and a request to the kernel to kill it when the
builder dies (Linux), so a builder killed with SIGTERM or SIGKILL leaves no indexer running. Its scratch
files live in a folder of the site's cache named after the builder's process; the next build removes
the folders of builders that are no longer running.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path

from ..incremental.cache import real_folder
from ..output.trees import clear

_PR_SET_PDEATHSIG = 1


class OverBudget(Exception):
    """The helper took longer than its budget allows (it has been killed)."""


def _prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _in_child(memory: int | None):
    """What the child does before it starts: die with the builder, and stay within its memory."""
    prctl = _prctl()  # found before the fork: the child only calls it
    parent = os.getpid()

    def limit() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # the builder died before the request was made
                os._exit(1)
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return limit


def run(command: list[str], cwd: Path, seconds: float, memory: int | None) -> subprocess.CompletedProcess:
    """Run command in cwd; OverBudget (after killing it and its children) when it takes longer than seconds."""
    proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True,
                            preexec_fn=_in_child(memory))
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise OverBudget(f"it took longer than its budget of {seconds:.0f} s and was stopped") from None
    except BaseException:
        _kill(proc)
        raise
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.communicate()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@contextmanager
def scratch(cache: Path, name: str):
    """A new folder `<cache>/<name>-<pid>` for this process, removed after; leftovers of builders that are
    no longer running (killed ones) are removed first. Links are removed as links, never followed."""
    if not real_folder(cache):
        raise OSError(f"cannot make the folder {cache}")
    for entry in os.scandir(cache):
        pid = entry.name.removeprefix(f"{name}-")
        if entry.name.startswith(f"{name}-") and pid.isdigit() and (int(pid) == os.getpid() or not _running(int(pid))):
            clear(Path(entry.path))
    folder = Path(os.path.abspath(cache / f"{name}-{os.getpid()}"))  # whole: a tool run inside it is given it
    folder.mkdir()
    try:
        yield folder
    finally:
        clear(folder)
