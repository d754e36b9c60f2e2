"""The repository's own set-up: `make build` installs what building and search need, `make test` adds the
test extras, and the package metadata is what current setuptools accepts without a deprecation warning."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def recipe(target: str) -> str:
    """The commands of one Makefile target, and of the stamp files it depends on."""
    text = (ROOT / "Makefile").read_text("utf-8")
    rules = dict(re.findall(r"^(\S+):[^\n=]*\n((?:\t[^\n]*\n)*)", text, re.M))
    deps = re.search(rf"^{re.escape(target)}:([^\n]*)", text, re.M).group(1).split()
    return "".join(recipe(dep) for dep in deps if dep in rules) + rules.get(target, "")


def test_make_build_installs_the_builder_and_search_only():
    build = recipe("build")
    assert "pip install --quiet -e '.[search]'" in build
    assert "test" not in re.findall(r"\.\[([^\]]*)\]", build)[0]


def test_make_test_adds_the_test_extras():
    assert "'.[search,test]'" in recipe("test")


def test_the_license_is_an_spdx_expression_for_a_setuptools_that_reads_it():
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    assert re.search(r'^license = "MIT"$', text, re.M)  # not the deprecated {text = ...} table
    bound = re.search(r'^requires = \["setuptools>=(\d+)"\]', text, re.M)
    assert bound and int(bound.group(1)) >= 77
    assert re.search(r'^markers = \[\n  "slow: ', text, re.M)


def test_every_folder_of_the_package_is_a_package_git_keeps():
    """pyproject.toml finds packages by their __init__.py: a folder without one (or with one git ignores)
    would be left out of an installed wheel, though an editable install still imports it."""
    import subprocess

    import pytest

    listed = subprocess.run(["git", "ls-files", "site_builder"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    tracked = set(listed.stdout.split())
    folders = {p.parent for p in (ROOT / "site_builder").rglob("*.py") if "__pycache__" not in p.parts}
    missing = sorted(f.relative_to(ROOT).as_posix() for f in folders
                     if (f / "__init__.py").relative_to(ROOT).as_posix() not in tracked)
    assert len(folders) > 5 and missing == []
