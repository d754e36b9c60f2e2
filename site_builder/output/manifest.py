"""The manifest each output tree holds: every file the builder wrote there, with the digest of its bytes."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from pathlib import Path

from ..files import read_regular

MANIFEST = ".site-builder-manifest.json"


def manifest_bytes(digests: dict[str, str]) -> bytes:
    """A manifest's bytes: json.dumps(digests, indent=0, sort_keys=True), made without the pure-Python
    encoder that json selects for an indent (ten times slower on a site of 10,000 pages)."""
    if not digests:
        return b"{}"
    quoted = encode_basestring_ascii
    return ("{\n" + ",\n".join(f"{quoted(k)}: {quoted(v)}" for k, v in sorted(digests.items())) + "\n}").encode()


def read_manifest(tree: Path) -> dict | None:
    """The files a tree's manifest names, with their digests (read without following a link)."""
    raw = read_regular(tree / MANIFEST)
    try:
        data = json.loads(raw.decode("utf-8")) if raw is not None else None
    except ValueError:
        return None
    return data if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()) else None
