"""Plain data for what the builder keeps on disk: parsed files, problems, and build records.

Kept files hold only plain values (strings, numbers, tuples, lists, dicts, sets) written with
`marshal`, behind a format line, a checksum and the length of the payload, so a damaged or foreign file is
refused rather than half read. Nothing in a kept file can run code: unlike pickle, reading
marshal data calls nothing, and the builder only ever uses what it reads as data (model
classes are made from it by `decode`, which refuses any value of a type it did not write).

The parsed model (site_builder.model) and diagnostics are frozen dataclasses. `encode` turns one
into a tuple (class number, field values...), a tuple into a list, recursively; `decode` turns
them back. Class numbers come from the sorted class names, so a change of the builder's code
(which changes every cache key anyway) is all it takes to renumber them.
"""

from __future__ import annotations

import dataclasses
import marshal
import struct
import zlib

from .. import diagnostics, model

_PLAIN = (str, int, float, bool, bytes, type(None))


def _classes() -> list[type]:
    found = {}
    for module in (model, diagnostics):
        for name, value in vars(module).items():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return [found[k] for k in sorted(found)]


CLASSES = _classes()
_CODE = {cls: n for n, cls in enumerate(CLASSES)}
_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in CLASSES}


class Refused(ValueError):
    """Kept data that is damaged, foreign, or holds something other than plain values."""


def encode(value):
    """Plain data for a model value (see the module's docstring)."""
    if isinstance(value, _PLAIN):
        return value
    code = _CODE.get(type(value))
    if code is not None:
        return (code, *[encode(getattr(value, name)) for name in _FIELDS[type(value)]])
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        return frozenset(value)
    raise TypeError(f"cannot keep a {type(value).__name__}")


def decode(data):
    """The model value that `encode` made this from; Refused for anything it could not have made."""
    kind = type(data)
    if kind in _PLAIN:
        return data
    if kind is tuple:
        try:
            cls = CLASSES[data[0]]
            return cls(*[decode(v) for v in data[1:]])
        except (IndexError, TypeError) as exc:
            raise Refused(f"not a kept value: {exc}") from None
    if kind is list:
        return tuple(decode(v) for v in data)
    if kind is dict:
        return {k: decode(v) for k, v in data.items()}
    if kind is frozenset:
        if not all(type(v) in _PLAIN for v in data):
            raise Refused("a kept set holds something other than plain values")
        return data
    raise Refused(f"a kept file holds a {kind.__name__}")


def pack(fmt: bytes, plain) -> bytes:
    """A file's bytes: the format line, a checksum and the length of the payload, the payload."""
    payload = marshal.dumps(plain)
    return fmt + struct.pack("<IQ", zlib.crc32(payload), len(payload)) + payload


def unpack(fmt: bytes, data: bytes):
    """The plain data `pack` wrote; Refused when the format, length or checksum is not right."""
    head = len(fmt) + 12
    if not data.startswith(fmt) or len(data) < head:
        raise Refused("not a file of this format")
    checksum, length = struct.unpack_from("<IQ", data, len(fmt))
    payload = memoryview(data)[head:]
    if length != len(payload) or zlib.crc32(payload) != checksum:
        raise Refused("damaged: the checksum does not match")
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError) as exc:
        raise Refused(f"damaged: {exc}") from None
