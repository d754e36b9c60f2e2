"""Problems found in a site: one shape for every error and warning a writer sees."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Iterable


@dataclass(frozen=True, slots=True)
class Location:
    """A place in the site: a POSIX path relative to the site root, 1-based line and column."""

    rel_path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line and self.col:
            return f"{self.rel_path}:{self.line}:{self.col}"
        if self.line:
            return f"{self.rel_path}:{self.line}"
        return self.rel_path

    def shifted(self, lines: int = 0, col: int | None = None) -> "Location":
        return Location(self.rel_path, self.line + lines, self.col if col is None else col)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: str  # "error" or "warning"
    message: str
    location: Location
    hint: str = ""
    suggestions: tuple[str, ...] = ()  # the names the writer may have meant, best first

    def __setstate__(self, state) -> None:
        """Unpickle; a problem kept by an older builder (without suggestions) gets the defaults."""
        values = list(state)
        for i, f in enumerate(fields(self)):
            object.__setattr__(self, f.name, values[i] if i < len(values) else f.default)

    def format(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.rel_path, loc.line, loc.col, self.severity, self.message)


@dataclass
class Problems:
    """Collects diagnostics; stages add to it and go on."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, message: str, location: Location, hint: str = "", suggestions: Iterable[str] = ()) -> None:
        self.items.append(Diagnostic("error", message, location, hint, tuple(suggestions)))

    def warning(self, message: str, location: Location, hint: str = "", suggestions: Iterable[str] = ()) -> None:
        self.items.append(Diagnostic("warning", message, location, hint, tuple(suggestions)))

    def extend(self, items: Iterable[Diagnostic]) -> None:
        self.items.extend(items)

    def errors(self, strict: bool = False) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error" or strict]

    def has_errors(self, strict: bool = False) -> bool:
        return any(d.severity == "error" or strict for d in self.items)

    def sorted(self, first: Iterable[str] = ()) -> list[Diagnostic]:
        """By file, line and column, without repeats; site.yml's problems first (every other file is read by
        its rules), then those of the files in `first` (files that could not be read, on which the problems
        of other files may follow), then the rest."""
        first = frozenset(first)
        seen: set[Diagnostic] = set()
        out = []
        for d in sorted(self.items, key=lambda d: (d.location.rel_path != "site.yml", d.location.rel_path not in first,
                                                   d.sort_key())):
            if d not in seen:
                seen.add(d)
                out.append(d)
        return out


def suggest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The closest candidates to a mistyped word, best first."""
    import difflib  # only when something is misspelt
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(word, pool, n=n, cutoff=0.6)
    if not close and "/" in word:
        # a mistyped folder with a good slug still deserves a suggestion
        tail = word.rsplit("/", 1)[1]
        close = [c for c in pool if c.rsplit("/", 1)[-1] == tail][:n]
    return close


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    return phrase(suggest(word, candidates))


def phrase(close: Iterable[str]) -> str:
    """' (did you mean 'a' or 'b'?)' for the suggestions found, or '' for none."""
    close = list(close)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"
