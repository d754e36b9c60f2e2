"""The pre-commit hook of .pre-commit-hooks.yaml, as a site's repository uses it: the .pre-commit-config.yaml
shown in docs/contributing.md, `pre-commit install`, then commits that the check stops or lets through.

pre-commit installs the hook's repository into an environment of its own, so this test copies the builder
into a scratch repository (with whatever is not committed yet) and lets pre-commit install it from there;
that takes packages from the package index, and some seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from site_builder.scaffold import init_site

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def documented_config() -> dict:
    """The .pre-commit-config.yaml that docs/contributing.md shows."""
    text = (REPO / "docs/contributing.md").read_text("utf-8")
    block = re.search(r"^```yaml file=\.pre-commit-config\.yaml\n(.*?)^```", text, re.M | re.S)
    assert block, "docs/contributing.md shows no ```yaml file=.pre-commit-config.yaml block"
    return yaml.safe_load(block.group(1))


def test_the_documented_config_uses_the_hook_this_repository_declares():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))}
    [repo] = documented_config()["repos"]
    assert [h["id"] for h in repo["hooks"]] == ["site-builder-check"]
    hook = hooks["site-builder-check"]
    assert hook["entry"] == "site-builder check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False  # the whole site is checked: a reference can break in another file
    files = re.compile(hook["files"])
    assert all(files.search(p) for p in ("site.yml", "content/facts/people/a.yml", "site/content/x.md",
                                         "templates/base.html"))
    assert not any(files.search(p) for p in ("README.md", "output/index.html", "docs/content.md"))


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)


def hook_repository(dest: Path) -> str:
    """A scratch git repository holding this builder as it is now; returns its commit."""
    dest.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(REPO / "site_builder", dest / "site_builder", ignore=ignore)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, dest / name)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    assert git(dest, "commit", "-q", "-m", "the builder").returncode == 0
    return git(dest, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{var}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{var}_EMAIL", "test@example.org")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    # the hook runs the pre-commit of this test environment
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))


def test_a_commit_with_a_content_error_is_stopped_and_the_fix_goes_through(tmp_path, env):
    config = documented_config()
    config["repos"][0].update(repo=str(tmp_path / "hooks"), rev=hook_repository(tmp_path / "hooks"))
    site = tmp_path / "site"
    init_site(site)
    (site / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), "utf-8")
    git(site, "init", "-q")
    done = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=site, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    git(site, "add", "-A")
    first = git(site, "commit", "-m", "a new site")
    assert first.returncode == 0, first.stdout + first.stderr
    assert re.search(r"site-builder check\.+Passed", first.stdout + first.stderr)

    person = site / "content/facts/people/ada-lovelace.yml"
    person.write_text(person.read_text("utf-8") + "born: 1815-13-10\n", "utf-8")
    git(site, "add", "-A")
    stopped = git(site, "commit", "-m", "a date")
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode != 0 and re.search(r"site-builder check\.+Failed", output)
    assert "content/facts/people/ada-lovelace.yml:10:7: error: 'born': impossible date '1815-13-10'" in output
    assert git(site, "rev-list", "--count", "HEAD").stdout.strip() == "1"  # nothing was committed

    person.write_text(person.read_text("utf-8").replace("1815-13-10", "1815-12-10"), "utf-8")
    git(site, "add", "-A")
    fixed = git(site, "commit", "-m", "a date")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr

    (site / "notes.txt").write_text("not part of the site\n", "utf-8")
    git(site, "add", "-A")
    other = git(site, "commit", "-m", "notes")
    assert other.returncode == 0 and re.search(r"site-builder check\.+\(no files to check\)Skipped",
                                               other.stdout + other.stderr)
