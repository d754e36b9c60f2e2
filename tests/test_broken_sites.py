"""A corpus of broken sites, each with the exact diagnostics `site-builder check` must print.

tests/broken/<case>/site/ is the site; tests/broken/<case>/expected.txt is everything the
command writes to stderr, hints and summary line included. `pytest --update-golden` rewrites
expected.txt from the current output (read the diff before committing it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from site_builder import cli
from site_builder.read.discover import digest_bytes
from site_builder.output.write import MANIFEST

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "site").is_dir())

# every kind of mistake the corpus must keep covering
REQUIRED = {
    "yaml-syntax", "front-matter-syntax", "front-matter-unclosed", "undeclared-field", "duplicate-key",
    "missing-required", "wrong-value-type", "impossible-date", "unknown-ref", "ref-wrong-type",
    "ambiguous-short-id", "unknown-citation", "link-to-missing-file", "unknown-field-type", "same-url",
    "undecodable-bytes", "bad-yaml-tag", "competing-values", "corrections-and-dates", "attribution-and-mirrors",
    "translation-of-missing-file", "unknown-language", "translation-missing-title",
}


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def previous_output(site: Path) -> Path:
    """An output folder as an earlier good build left it (with its manifest, so it counts as ours)."""
    out = site / "output"
    files = {"index.html": b"<!doctype html><title>Earlier build</title>\n", "people/index.html": b"<p>people</p>\n"}
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    (out / MANIFEST).write_text(json.dumps({rel: digest_bytes(data) for rel, data in files.items()}))
    return out


def test_the_corpus_covers_every_kind_of_mistake():
    assert REQUIRED <= set(CASES)
    assert len(CASES) >= 15
    for case in CASES:
        assert (BROKEN / case / "expected.txt").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_check_prints_exactly_the_expected_diagnostics(case, tmp_path, capsys, request):
    site = tmp_path / "site"
    shutil.copytree(BROKEN / case / "site", site, symlinks=True)  # a check may keep a parse cache in the site
    capsys.readouterr()
    code = cli.main(["check", str(site)])
    captured = capsys.readouterr()
    expected_file = BROKEN / case / "expected.txt"
    if request.config.getoption("--update-golden"):
        expected_file.write_text(captured.err, encoding="utf-8")
    assert captured.err == expected_file.read_text(encoding="utf-8")
    assert code == 1
    assert captured.out == ""
    assert "Traceback" not in captured.err
    for line in captured.err.splitlines()[:-1]:  # every diagnostic names its file (and line, where there is one)
        assert line.startswith(("content/", "site.yml", "templates/", "    hint: ")), line


@pytest.mark.parametrize("case", CASES)
def test_a_failed_build_leaves_the_previous_output_untouched(case, tmp_path, capsys):
    site = tmp_path / "site"
    shutil.copytree(BROKEN / case / "site", site, symlinks=True)
    out = previous_output(site)
    before = snapshot(out)
    capsys.readouterr()
    assert cli.main(["build", str(site)]) == 1
    err = capsys.readouterr().err
    expected = (BROKEN / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert err.splitlines()[:-1] == expected[:-1]  # the same diagnostics as check
    assert err.splitlines()[-1].startswith("build failed: ") and err.rstrip().endswith("; nothing was written")
    assert snapshot(out) == before
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".output")) == []


def test_several_problems_are_reported_in_one_run():
    counts = {case: sum(1 for line in (BROKEN / case / "expected.txt").read_text().splitlines()
                        if ": error: " in line) for case in CASES}
    assert all(n >= 1 for n in counts.values())
    assert sum(1 for n in counts.values() if n >= 2) >= 10, counts
