"""Golden sites: each tests/sites/<name>/site is built and compared, file by file, with tests/sites/<name>/expected.

After an intended change to the output, regenerate with `pytest tests/test_golden.py --update-golden`
and read the diff of expected/ before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site
from site_builder.output.write import MANIFEST

SITES = sorted(p.parent for p in (Path(__file__).parent / "sites").glob("*/site"))


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


@pytest.mark.parametrize("case", SITES, ids=[p.name for p in SITES])
def test_golden_site(case: Path, tmp_path, request):
    out = tmp_path / "out"
    result = build_site(case / "site", BuildOptions(out=out))
    assert result.ok, [d.format() for d in result.diagnostics]
    expected = case / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(out, expected, ignore=shutil.ignore_patterns(MANIFEST))
    want, got = files_of(expected), files_of(out)
    assert sorted(got) == sorted(want), "the set of output files changed (run with --update-golden if intended)"
    for name in want:
        assert got[name] == want[name], f"{name} differs from the golden copy (run with --update-golden if intended)"
