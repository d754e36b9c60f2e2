"""A progress line for long builds: on a terminal only, redrawn in place, at most a few times a second."""

from __future__ import annotations

import threading
import time
from typing import Callable, TextIO

STAGES = {"render": "rendering"}


class Progress:
    """Call it as progress(stage, done, total); close() wipes the line.

    Nothing is shown unless the stream is a terminal, nor during the first `delay` seconds (a quick build
    should not flicker), and the line is redrawn at most once per `interval` seconds. The clock is a
    parameter so tests can drive it."""

    def __init__(self, stream: TextIO, enabled: bool | None = None, interval: float = 0.1, delay: float = 0.3,
                 clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.enabled = _is_terminal(stream) if enabled is None else enabled
        self.interval, self.clock = interval, clock
        self.started = clock()
        self.next_at = self.started + delay
        self.width = 0
        self.draws = 0
        self.delay = delay
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._waiting = ""

    def start(self, waiting: str) -> None:
        """Show `waiting` (e.g. "reading the site") if no count has been drawn after `delay` seconds,
        so a long first stage does not look like a hang."""
        if not self.enabled:
            return
        self._waiting = waiting
        self._timer = threading.Timer(self.delay, self.show_waiting)
        self._timer.daemon = True
        self._timer.start()

    def show_waiting(self) -> None:
        with self._lock:
            if self.draws == 0 and self._waiting:
                self._draw(self._waiting + " ...")

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now < self.next_at:
            return
        self.next_at = now + self.interval
        percent = 100 * done // total if total else 100
        with self._lock:
            self._draw(f"{STAGES.get(stage, stage)} {done}/{total} ({percent}%)")
            self.draws += 1

    def _draw(self, line: str) -> None:
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = max(self.width, len(line))

    def close(self) -> None:
        """Stop the waiting message and wipe the line, so what follows starts on a clean line."""
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._waiting = ""
            if self.enabled and self.width:
                self.stream.write("\r" + " " * self.width + "\r")
                self.stream.flush()
                self.width = 0


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
