"""What contributors read and run is tested like the other docs: the CONTRIBUTING.md that `init` writes (its
examples build, its mistake gives the message shown, its commands exist), the pull-request workflow (its steps
run here as GitHub would run them), and docs/contributing.md with its example report."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from site_builder.build import BuildOptions, build_site
from site_builder.cli import _parser
from site_builder.contributing import CONTRIBUTING, contributor_files
from site_builder.scaffold import init_site

REPO = Path(__file__).resolve().parent.parent
FENCE_RE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
sys.path.insert(0, str(REPO / "benchmarks"))
import diff_time  # noqa: E402  (the benchmark's scratch copy of the bundled site and its one-field change)


def blocks(text: str) -> list[dict]:
    out = []
    for m in FENCE_RE.finditer(text):
        words = m.group(1).split()
        file = next((w.removeprefix("file=") for w in words if w.startswith("file=")), None)
        out.append({"lang": words[0] if words else "", "file": file, "flags": set(words[1:]), "text": m.group(2)})
    return out


@pytest.fixture(autouse=True)
def scratch_git(monkeypatch, tmp_path):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{var}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{var}_EMAIL", "test@example.org")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def test_init_writes_the_contributor_files(tmp_path):
    written = init_site(tmp_path / "site")
    assert {"CONTRIBUTING.md", ".github/workflows/check.yml"} <= set(written)
    for rel, text in contributor_files().items():
        assert (tmp_path / "site" / rel).read_text("utf-8") == text


def test_contributing_examples_build_without_a_single_warning(tmp_path):
    root = tmp_path / "site"
    init_site(root)
    examples = [b for b in blocks(CONTRIBUTING) if b["file"] and "broken" not in b["flags"]]
    assert {b["file"] for b in examples} == {"content/facts/people/ada-lovelace.yml",
                                            "content/facts/sources/toole-1992.yml"}
    for block in examples:
        (root / block["file"]).write_text(block["text"], "utf-8")
    result = build_site(root, BuildOptions(strict=True), write=False)
    assert [d.format() for d in result.diagnostics] == []
    page = result.outputs["people/ada-lovelace/index.html"].decode("utf-8")
    assert "December 10, 1815" in page and "Ada, the Enchantress of Numbers" in page  # Babel's en


def test_contributing_mistake_gives_exactly_the_message_shown(tmp_path):
    root = tmp_path / "site"
    init_site(root)
    found = blocks(CONTRIBUTING)
    for block in found:
        if block["file"] and "broken" not in block["flags"]:
            (root / block["file"]).write_text(block["text"], "utf-8")
    [i] = [n for n, b in enumerate(found) if "broken" in b["flags"]]
    broken, shown = found[i], found[i + 1]
    assert shown["lang"] == "text" and "output" in shown["flags"]
    (root / broken["file"]).write_text(broken["text"], "utf-8")
    result = build_site(root, BuildOptions(), write=False)
    got = [d.format() for d in result.diagnostics if d.location.rel_path == broken["file"]]
    assert "\n".join(got) == shown["text"].rstrip("\n")


@pytest.mark.parametrize("doc", ["CONTRIBUTING.md", "docs/contributing.md"])
def test_every_command_shown_is_one_the_builder_takes(doc):
    text = CONTRIBUTING if doc == "CONTRIBUTING.md" else (REPO / doc).read_text("utf-8")
    commands = [line.split("#")[0].strip() for b in blocks(text) if b["lang"] == "sh"
                for line in b["text"].splitlines() if line.startswith("site-builder ")]
    assert len(commands) >= 2
    for command in commands:
        _parser().parse_args(shlex.split(command)[1:])  # exits 2 (fails the test) on a wrong command line


def test_the_workflow_checks_reports_and_uploads():
    workflow = yaml.safe_load(contributor_files()[".github/workflows/check.yml"])
    assert list(workflow[True]) == ["pull_request"]  # YAML reads the key `on` as true
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["check"]["steps"]
    assert steps[0]["uses"] == "actions/checkout@v4" and steps[0]["with"]["fetch-depth"] == 0
    runs = {s.get("name"): s.get("run", "") for s in steps}
    assert runs["Check"] == "site-builder check . --format github"
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs["Change report"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "preview" and "-o preview" in runs["Build the preview"]
    later = [s for s in steps if s.get("name") in ("Change report", "Build the preview", "Upload the preview")]
    assert all(s["if"] == "${{ !cancelled() }}" for s in later)  # a failed check still gets its report


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def run_step(step: dict, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    step_env = {k: v.replace("${{ github.base_ref }}", "main") for k, v in step.get("env", {}).items()}
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env={**env, **step_env},
                          capture_output=True, text=True)


def test_the_workflow_steps_run_on_a_pull_request(tmp_path):
    """The run steps, as GitHub runs them after checkout: on a clone whose branch adds a date with a mistake."""
    origin = tmp_path / "origin"
    init_site(origin)
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "a new site")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    person = clone / "content/facts/people/ada-lovelace.yml"
    person.write_text(person.read_text("utf-8") + "born: 1815-13-10\ndied: 1852-11-27\n", "utf-8")
    summary = tmp_path / "summary.md"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(clone),
           "GITHUB_STEP_SUMMARY": str(summary),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    steps = {s.get("name"): s for s in yaml.safe_load((clone / ".github/workflows/check.yml").read_text())[
        "jobs"]["check"]["steps"]}
    check = run_step(steps["Check"], clone, env)
    assert check.returncode == 1
    assert check.stdout.startswith("::error file=content/facts/people/ada-lovelace.yml,line=10,col=7,")
    report = run_step(steps["Change report"], clone, env)
    assert report.returncode == 0, report.stderr
    text = summary.read_text("utf-8")
    assert "## Change report: My Explainer Site" in text and "### Facts that changed" in text
    assert "| Died | *(none)* | 1852-11-27 |" in text
    person.write_text(person.read_text("utf-8").replace("1815-13-10", "1815-12-10"), "utf-8")
    build = run_step(steps["Build the preview"], clone, env)
    assert build.returncode == 0, build.stderr
    page = (clone / "preview/explainers/first-computer-program/index.html").read_text("utf-8")
    assert 'href="/people/ada-lovelace/"' in page


EXAMPLE_RE = re.compile(r"(<!-- example report: begin -->\n)(.*?)(<!-- example report: end -->)", re.S)
COMMIT_RE = re.compile(r"`[0-9a-f]{10}`")


def example_report(tmp_path: Path) -> str:
    site = diff_time.scratch_site(tmp_path / "bundled")
    done = subprocess.run([sys.executable, "-m", "site_builder", "diff", "--site", str(site)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_example_report_in_the_docs_is_what_diff_prints(tmp_path, request):
    """After a change to the report or to the bundled site, `pytest tests/test_contributing.py --update-golden`
    writes the example anew."""
    got = example_report(tmp_path)
    doc = REPO / "docs/contributing.md"
    text = doc.read_text("utf-8")
    match = EXAMPLE_RE.search(text)
    assert match, "docs/contributing.md has no example report markers"
    quoted = "\n".join(("> " + line).rstrip() for line in got.rstrip("\n").splitlines()) + "\n"
    if request.config.getoption("--update-golden") and COMMIT_RE.sub("", match.group(2)) != COMMIT_RE.sub("", quoted):
        doc.write_text(text[:match.start(2)] + quoted + text[match.end(2):], "utf-8")
        return
    shown = match.group(2)
    # the parts a reviewer reads first must be what diff prints now (the commit differs from run to run)
    for line in quoted.splitlines():
        if line.startswith(("> #", "> **", "> | [Aurus Senat]", "> - [Aurus Senat]")):
            assert COMMIT_RE.sub("", line) in COMMIT_RE.sub("", shown), f"the example lacks: {line}"
    assert "> ### Facts that changed" in shown and "> ### Pages whose text changed" in shown
