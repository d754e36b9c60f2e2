"""A dict whose entries, as a saved state holds them, are decoded only when a build first reads them.

A command-line build after an edit reads a few of the thousands of records the last build saved;
decoding them all would cost more than the edit. `LazyDict` keeps the saved form of each entry
(`raw`) and decodes an entry the first time it is read; entries set or read since are ordinary
values. To the stages it is a dict: a stage never knows whether its memory came from a file.
"""

from __future__ import annotations

from typing import Callable


class LazyDict(dict):
    """dict[key, value], with some values still in their saved form (see the module's docstring)."""

    __slots__ = ("raw", "decode", "gone")

    def __init__(self, raw: dict, decode: Callable):
        super().__init__()
        self.raw, self.decode = raw, decode
        self.gone: set = set()  # keys removed since (for saving only what changed)

    def __missing__(self, key):
        value = self.decode(self.raw.pop(key))  # KeyError for a key in neither
        dict.__setitem__(self, key, value)
        return value

    def _all(self) -> None:
        """Decode every entry (for the few callers that walk the whole table)."""
        if self.raw:
            for key, data in self.raw.items():
                dict.__setitem__(self, key, self.decode(data))
            self.raw.clear()

    def get(self, key, default=None):
        if dict.__contains__(self, key) or key in self.raw:
            return self[key]
        return default

    def __contains__(self, key) -> bool:
        return dict.__contains__(self, key) or key in self.raw

    def __setitem__(self, key, value) -> None:
        self.raw.pop(key, None)
        self.gone.discard(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key) -> None:
        had_raw = key in self.raw
        self.raw.pop(key, None)
        if dict.__contains__(self, key):
            dict.__delitem__(self, key)
        elif not had_raw:
            raise KeyError(key)
        self.gone.add(key)

    def pop(self, key, *default):
        if key in self.raw:
            self.gone.add(key)
            return self.decode(self.raw.pop(key))
        if dict.__contains__(self, key):
            self.gone.add(key)
        return dict.pop(self, key, *default)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def __len__(self) -> int:
        return dict.__len__(self) + len(self.raw)

    def __iter__(self):
        self._all()
        return dict.__iter__(self)

    def keys(self):
        self._all()
        return dict.keys(self)

    def values(self):
        self._all()
        return dict.values(self)

    def items(self):
        self._all()
        return dict.items(self)

    def changes(self, encode: Callable) -> tuple[dict, list]:
        """What differs from the saved form it was made from: the entries read or set since (in their saved
        form; some may be as they were) and the keys removed."""
        return {key: encode(value) for key, value in dict.items(self)}, list(self.gone)

    def saved(self, encode: Callable) -> dict:
        """Every entry in its saved form: the ones never read as they were, the others encoded anew."""
        out = dict(self.raw.items())
        for key, value in dict.items(self):
            out[key] = encode(value)
        return out
