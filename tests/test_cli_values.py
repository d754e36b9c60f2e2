"""Every command-line value is checked like its site.yml twin: a wrong one is exit status 2 and one line,
never a traceback, and nothing is written."""

from __future__ import annotations

import pytest

from site_builder.cli import main

from conftest import write_site

SITE = {"site.yml": "title: T\nbase_url: https://example.org/\nsearch: off\n",
        "content/pages/about.md": "---\ntitle: About\n---\nHello.\n"}


@pytest.fixture
def site(tmp_path):
    return write_site(tmp_path / "site", dict(SITE))


def one_line_error(capsys, *argv) -> str:
    """The usage error (exit 2): one line, and at most one more with a hint."""
    capsys.readouterr()
    assert main([str(a) for a in argv]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.err.startswith("site-builder: error: ") and len(lines) in (1, 2), captured.err
    assert len(lines) == 1 or lines[1].startswith("    hint: "), captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return captured.err


@pytest.mark.parametrize("url", ["javascript://%0aalert(document.domain)//x/", "//x/", "example.org",
                                 "ftp://example.org/", "https://", "https://e.org/a b/", "data:text/html,x"])
def test_a_base_url_that_site_yml_would_refuse_is_refused(site, capsys, url):
    err = one_line_error(capsys, "build", site, "--base-url", url)
    assert "--base-url" in err and "absolute http(s) URL" in err
    assert not (site / "output").exists()


def test_diff_checks_its_base_url_before_anything_is_built(site, capsys):
    err = one_line_error(capsys, "diff", site, "--base-url", "javascript://%0aalert(1)//x/")
    assert "--base-url" in err and "absolute http(s) URL" in err
    assert not (site / "output").exists() and not (site / ".site-builder-cache").exists()


@pytest.mark.parametrize("out, says", [
    ("site.yml/out", "'site.yml' is a file, not a folder"),
    ("site.yml/a/b", "'site.yml' is a file, not a folder"),
    ("/proc/x", "lock file '.x.lock'"),
    ("/proc/x/y", "/proc/x"),
    ("/sys/x", "lock file '.x.lock'"),
    ("/dev/null", "is a file, not a folder"),
])
def test_an_output_folder_that_cannot_be_made_is_refused(site, capsys, monkeypatch, out, says):
    monkeypatch.chdir(site)
    err = one_line_error(capsys, "build", site, "-o", out)
    assert says in err, err


@pytest.mark.parametrize("port", ["0", "65536", "99999", "-1"])
def test_a_port_out_of_range_is_refused(site, capsys, port):
    err = one_line_error(capsys, "serve", site, "--port", port)
    assert "--port" in err
