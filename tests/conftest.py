"""Shared fixtures: small inline sites written from dicts, and a build helper."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site

MINIMAL_SITE_YML = """\
title: Test Site
base_url: https://example.org/
types:
  person:
    folder: people
    label: [Person, People]
    fields:
      role: {type: text, required: true}
      born: {type: date}
      employer: {type: ref, to: organization}
  organization:
    folder: organizations
    label: [Organization, Organizations]
    fields:
      founded: {type: date}
"""


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden sites' expected output")


def png(width: int = 4, height: int = 3, shade: int = 0, fmt: str = "PNG") -> bytes:
    """A real image of this size (PNG, or fmt="JPEG"), for sites whose pages show images."""
    import io
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (width, height), (shade % 256, 90, 160)).save(out, fmt)
    return out.getvalue()


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path):
    """make_site({'site.yml': ..., 'content/...': ...}) -> the site's root folder."""

    def make(files: dict[str, str | bytes], with_config: bool = True) -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        if with_config and "site.yml" not in files:
            files = {"site.yml": MINIMAL_SITE_YML, **files}
        return write_site(root, files)

    return make


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under folder with its bytes."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(root: Path, write: bool = False, **options):
    return build_site(root, BuildOptions(**options), write=write)


def messages(result) -> list[str]:
    return [d.format() for d in result.diagnostics]
