"""`init` makes a site that publishes: a complete .gitignore, a README, and a GitHub Pages workflow that installs
the builder that ran `init`, pinned in one marked line. The repository's own workflow is the same one."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from site_builder import publish
from site_builder.cli import main
from site_builder.publish import Origin, builder_origin, pages_workflow
from site_builder.scaffold import document_text, init_site

ROOT = Path(__file__).resolve().parent.parent


class FakeDist:
    def __init__(self, version: str, direct: dict | str | None):
        self.version, self.direct = version, direct

    def read_text(self, name: str):
        if name == "direct_url.json" and self.direct is not None:
            return self.direct if isinstance(self.direct, str) else json.dumps(self.direct)
        return None


@pytest.mark.parametrize("direct, requirement, reachable", [
    (None, "site-builder[search]==2.3.1", True),
    ({"url": "https://github.com/owner/site-builder", "vcs_info": {"vcs": "git", "commit_id": "0123456789abcdef",
                                                                 "requested_revision": "v2"}},
     "site-builder[search] @ git+https://github.com/owner/site-builder@0123456789abcdef", True),
    ({"url": "https://example.org/dl/site_builder-2.3.1-py3-none-any.whl", "archive_info": {}},
     "site-builder[search] @ https://example.org/dl/site_builder-2.3.1-py3-none-any.whl", True),
    ({"url": "file:///home/me/site_builder-2.3.1-py3-none-any.whl", "archive_info": {}},
     "site-builder[search] @ file:///home/me/site_builder-2.3.1-py3-none-any.whl", False),
    ({"url": "file:///home/me/site-builder", "dir_info": {"editable": True}}, "site-builder[search]==2.3.1", False),
    ("{not json", "site-builder[search]==2.3.1", True),
])
def test_the_installed_builder_knows_where_it_came_from(monkeypatch, direct, requirement, reachable):
    monkeypatch.setattr(publish, "_installed", lambda: FakeDist("2.3.1", direct))
    origin = builder_origin()
    assert (origin.requirement, origin.reachable) == (requirement, reachable)
    workflow = pages_workflow(origin)
    env = yaml.safe_load(workflow)["jobs"]["build"]["env"]
    assert env == {"SITE_BUILDER": requirement}
    marked = [line for line in workflow.splitlines() if "SITE_BUILDER:" in line]
    assert len(marked) == 1 and "# THE BUILDER" in workflow
    assert ("GitHub cannot reach it" in workflow) == (not reachable)


def pin_free(text: str) -> str:
    """A workflow without its marked builder line (and the comment over it)."""
    return re.sub(r"^      # THE BUILDER.*?^      SITE_BUILDER: [^\n]*\n", "", text, flags=re.M | re.S)


def test_the_repositorys_workflow_is_the_one_init_writes_with_the_builder_of_this_repository(tmp_path):
    ours = (ROOT / ".github/workflows/pages.yml").read_text("utf-8")
    init_site(tmp_path / "site")
    theirs = (tmp_path / "site/.github/workflows/pages.yml").read_text("utf-8")
    assert pin_free(ours) == pin_free(theirs) and pin_free(ours) != ours
    assert yaml.safe_load(ours)["jobs"]["build"]["env"] == {"SITE_BUILDER": ".[search]"}
    steps = yaml.safe_load(theirs)["jobs"]["build"]["steps"]
    assert [s["run"] for s in steps if "run" in s][0] == 'python -m pip install "$SITE_BUILDER"'


def test_the_publishing_guide_shows_the_line_as_init_writes_it():
    guide = (ROOT / "docs/publishing.md").read_text("utf-8")
    line = pin_lines_of(pages_workflow(Origin("site-builder[search]==0.1.0", "x")))
    assert f"```yaml\n{line}\n```" in guide
    assert 'the line is `".[search]"`' in guide


def pin_lines_of(workflow: str) -> str:
    return next(line for line in workflow.splitlines() if "SITE_BUILDER:" in line)


def test_init_writes_a_readme_and_a_gitignore_that_leaves_out_what_builds_make(tmp_path, capsys):
    root = tmp_path / "fresh"
    assert main(["init", str(root)]) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "README.md" in out and ".github/workflows/pages.yml" in out
    readme = (root / "README.md").read_text("utf-8")
    assert builder_origin().requirement in readme and "# My Explainer Site" in readme
    ignored = (root / ".gitignore").read_text("utf-8").splitlines()
    assert {"output/", ".site-builder-cache/", ".output.*", ".DS_Store", "*~", "*.swp"} <= set(ignored)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_new_site_built_twice_leaves_a_clean_git_tree(tmp_path):
    root = tmp_path / "fresh"
    init_site(root)
    git = ["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    assert main(["build", str(root), "-q"]) == 0
    (root / "content/explainers/first-computer-program.md").touch()
    assert main(["build", str(root), "-q"]) == 0  # a second build keeps a spare copy of the output
    assert main(["build", str(root), "-q", "-o", str(root / "output")]) == 0
    status = subprocess.run([*git, "status", "--porcelain", "--ignored=no"], capture_output=True, text=True)
    assert status.stdout == ""
    assert (root / ".site-builder-cache").is_dir()


def test_nothing_of_the_bundled_site_leaks_into_a_new_site(tmp_path):
    root = tmp_path / "fresh"
    init_site(root)
    texts = {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file()}
    texts["new explainer"] = document_text("explainer", "A title", datetime.date(2026, 1, 2))
    for name, text in texts.items():
        for word in ("aurus", "putin", "kim jong", "sanctions?", "limousine", "docs/", "cars"):
            assert not re.search(rf"\b{word}\b", text, re.I), (name, word)
