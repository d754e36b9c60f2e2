"""The workflow `init` writes really publishes: a wheel built from this repository is installed in one fresh
virtual environment, which makes a site with `init`; the workflow's own install and build steps then run in
a second fresh environment, from the line `init` pinned, and build the site. Slow: it installs packages."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGES_ADDRESS = "https://user.github.io/fresh"  # what actions/configure-pages would give


def run(args, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def fresh_env(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / "bin"


@pytest.mark.slow
def test_the_workflow_installs_the_builder_that_made_the_site_and_builds_it(tmp_path):
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", tmp_path / "dist", ROOT])
    assert "deprecat" not in (built.stdout + built.stderr).lower()  # the metadata is what setuptools expects
    wheel = next((tmp_path / "dist").glob("site_builder-*.whl"))

    maker = fresh_env(tmp_path / "maker")
    run([maker / "python", "-m", "pip", "install", "--quiet", wheel])
    site = tmp_path / "fresh"
    run([maker / "site-builder", "init", site])
    workflow = yaml.safe_load((site / ".github/workflows/pages.yml").read_text("utf-8"))
    job = workflow["jobs"]["build"]
    assert job["env"]["SITE_BUILDER"] == f"site-builder[search] @ {wheel.as_uri()}"

    runner = fresh_env(tmp_path / "runner")  # the workflow's steps, as a runner would run them
    env = {**os.environ, **job["env"], "PATH": f"{runner}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    address = "${{ steps.pages.outputs.base_url }}"
    for step in job["steps"]:
        if "run" in step:
            run(["bash", "-eo", "pipefail", "-c", step["run"].replace(address, PAGES_ADDRESS)], cwd=site, env=env)
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    out = site / upload["with"]["path"]
    assert 'href="/fresh/explainers/first-computer-program/"' in (out / "index.html").read_text("utf-8")
    assert (out / "explainers/index.html").is_file() and not (out / "robots.txt").exists()
    assert (out / "pagefind").is_dir()  # the search extra came with the pinned line
