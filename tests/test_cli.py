"""The command line: exit 0 fine, 1 content errors or a refused write, 2 a wrong command line; quiet and verbose."""

from __future__ import annotations

import io
import json
import re

import pytest

from site_builder.cli import main
from site_builder.progress import Progress

GOOD = {
    "content/facts/people/ada.yml": """
        name: Ada
        summary: A mathematician.
        role: {value: Writer, source: notes}
        """,
    "content/facts/sources/notes.yml": "title: The Notes\n",
    "content/explainers/hello.md": """
        ---
        title: Hello
        summary: A greeting.
        date: 2024-01-02
        ---
        About [[people/ada]] [@notes].
        """,
}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def site(make_site):
    return make_site(dict(GOOD))


def test_build_and_check_exit_0_with_a_one_line_summary(site, capsys):
    code, out, err = run(capsys, "check", site)
    assert (code, err) == (0, "")
    assert out.startswith("check passed: ")
    code, out, err = run(capsys, "build", site)
    assert code == 0 and err == ""
    assert len(out.splitlines()) == 1
    assert " 0 unchanged" in out and " written" in out and " s: " in out
    code, out, _ = run(capsys, "build", site)
    assert code == 0 and " 0 written" in out


def test_content_errors_exit_1_and_name_file_line_and_column(site, capsys):
    (site / "content/facts/people/ada.yml").write_text("name: Ada\nsummary: x\nrole: Writer\nborn: 2024-13\n")
    for command in ("check", "build"):
        code, out, err = run(capsys, command, site)
        assert code == 1 and out == ""
        assert "content/facts/people/ada.yml:4:7: error: 'born': impossible date '2024-13': there is no month 13" \
            in err
    assert not (site / "output").exists()


def test_wrong_command_lines_exit_2(site, capsys, tmp_path):
    for argv in (["build", "--no-such-option"], ["frobnicate"], [], ["new", "explainer"], ["init"],
                 ["build", "-q", "-v"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv
    capsys.readouterr()
    code, _, err = run(capsys, "build", tmp_path / "missing")
    assert code == 2 and "is not a folder" in err
    code, _, err = run(capsys, "build", site, "-o", site / "content" / "out")
    assert code == 2 and "must not be inside content/" in err


@pytest.mark.parametrize("value, hint", [
    ("user.github.io/fresh/", "write it with its scheme: --base-url https://user.github.io/fresh/"),
    ("ftp://x/", "with https:// and its path"),
    ("https://", "with https:// and its path"),
    ("fresh/", "with https:// and its path"),
])
def test_base_url_option_follows_site_yml_rule_and_writes_nothing(site, capsys, value, hint):
    code, out, err = run(capsys, "build", site, "--base-url", value)
    assert (code, out) == (2, "")
    assert err.startswith(f"site-builder: error: --base-url '{value}': must be an absolute http(s) URL"), err
    assert hint in err and "site.yml:" not in err
    assert not (site / "output").exists()
    yml = site / "site.yml"
    yml.write_text(re.sub(r"(?m)^base_url: .*$", f"base_url: '{value}'", yml.read_text(), count=1))
    code, _, err = run(capsys, "check", site)  # the same value in site.yml is refused too
    assert code == 1 and "base_url must be an absolute http(s) URL" in err


def test_base_url_option_moves_every_link(site, capsys):
    code, _, err = run(capsys, "build", site, "--base-url", "https://user.github.io/fresh/")
    assert code == 0, err
    html = (site / "output/explainers/hello/index.html").read_text()
    links = re.findall(r'(?:href|src)="([^"#]+)"', html)
    assert links and all(u.startswith(("/fresh/", "https://")) for u in links), links
    assert 'href="/fresh/static/style.css"' in html


def test_quiet_prints_errors_only(site, capsys):
    (site / "content/facts/sources/unused.yml").write_text("title: Unused\n")
    code, out, err = run(capsys, "build", site, "--quiet")
    assert (code, out, err) == (0, "", "")
    code, out, err = run(capsys, "build", site)
    assert "warning: source 'unused' is not cited anywhere" in err and "1 warning" in out
    (site / "content/explainers/hello.md").write_text("---\ntitle: Hello\n---\n")
    code, out, err = run(capsys, "check", site, "-q")
    assert code == 1 and out == ""
    assert "error: missing required key 'summary'" in err and "warning:" not in err


def test_verbose_lists_the_files_written(site, capsys):
    code, out, _ = run(capsys, "build", site, "--verbose")
    assert code == 0
    written = [line.split()[1] for line in out.splitlines() if line.startswith("  wrote ")]
    assert {"index.html", "explainers/hello/index.html", "people/ada/index.html"} <= set(written)
    assert out.splitlines()[-1].startswith("built ")
    code, out, _ = run(capsys, "build", site, "-v")
    assert [line for line in out.splitlines() if line.startswith("  wrote ")] == []
    (site / "content/explainers/hello.md").unlink()
    (site / "content/facts/people/ada.yml").write_text("name: Ada\nsummary: A mathematician.\nrole: Writer\n")
    code, out, _ = run(capsys, "build", site, "-v")
    assert "  wrote people/ada/index.html" in out
    assert "  removed explainers/hello/index.html" in out


def test_no_progress_line_when_stderr_is_not_a_terminal(site, capsys):
    code, _, err = run(capsys, "build", site)
    assert code == 0 and "\r" not in err


def test_new_prints_the_path_and_never_overwrites(site, capsys, monkeypatch):
    code, out, err = run(capsys, "new", "person", "Charles Babbage", "--site", site)
    assert code == 0 and err == ""
    path = site / "content/facts/people/charles-babbage.yml"
    assert out.strip() == path.as_posix()
    before = path.read_text("utf-8")
    code, out, err = run(capsys, "new", "person", "Charles Babbage", "--site", site)
    assert code == 1 and out == "" and "already exists" in err
    assert path.read_text("utf-8") == before
    monkeypatch.chdir(site)
    code, out, _ = run(capsys, "new", "explainer", "Second one")
    assert code == 0 and out.strip() == "content/explainers/second-one.md"
    code, out, err = run(capsys, "new", "source", "Ada")  # people/ada exists: a short [[ada]] becomes ambiguous
    assert code == 0 and out.strip() == "content/facts/sources/ada.yml"
    assert "note: people/ada exists too; refer to this one as [[sources/ada]]" in err


def test_new_unknown_kind_exits_2_with_did_you_mean(site, capsys):
    code, out, err = run(capsys, "new", "persn", "X", "--site", site)
    assert code == 2 and out == ""
    assert "unknown kind 'persn' (did you mean 'person'?)" in err
    code, _, err = run(capsys, "new", "people", "X", "--site", site)
    assert code == 2 and "(did you mean 'person'?)" in err
    assert not (site / "content/facts/people/x.yml").exists()


def test_new_outside_a_site_and_with_a_broken_site_yml(tmp_path, make_site, capsys):
    code, _, err = run(capsys, "new", "explainer", "X", "--site", tmp_path)
    assert code == 2 and "no site.yml" in err
    root = make_site({"site.yml": "title: T\ntypes: {person: {folder: people, fields: {x: {type: txt}}}}\n"})
    code, _, err = run(capsys, "new", "explainer", "X", "--site", root)
    assert code == 1 and "site.yml:2:53: error: unknown field type 'txt'" in err
    assert not (root / "content/explainers/x.md").exists()


def test_init_then_build(tmp_path, capsys):
    code, out, err = run(capsys, "init", tmp_path / "mine")
    assert code == 0 and err == ""
    assert "wrote " in out and "site.yml" in out
    code, out, err = run(capsys, "build", tmp_path / "mine", "--strict")
    assert code == 0 and err == ""
    code, _, err = run(capsys, "init", tmp_path / "mine")
    assert code == 1 and "not empty" in err


def test_schema_writes_schemas_and_keeps_other_editor_settings(site, capsys):
    settings = site / ".vscode/settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"editor.tabSize": 2, "yaml.schemas": {"other.json": "x.yml"}}))
    code, out, err = run(capsys, "schema", site)
    assert code == 0 and err == ""
    assert (site / ".schemas/person.schema.json").is_file()
    data = json.loads(settings.read_text())
    assert data["editor.tabSize"] == 2
    assert data["yaml.schemas"]["other.json"] == "x.yml"
    assert data["yaml.schemas"]["./.schemas/person.schema.json"] == ["/content/facts/people/*.yml"]
    assert "updated .vscode/settings.json" in out
    code, out, _ = run(capsys, "schema", site)
    assert code == 0 and "0 written" in out and "already maps" in out


def test_schema_leaves_settings_with_comments_alone(site, capsys):
    settings = site / ".vscode/settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  // my comment\n  "editor.tabSize": 2\n}\n')
    code, _, err = run(capsys, "schema", site)
    assert code == 1 and "left as it is" in err
    assert settings.read_text() == '{\n  // my comment\n  "editor.tabSize": 2\n}\n'
    code, out, _ = run(capsys, "schema", site, "--out", site / "editor-schemas", "--no-editor")
    assert code == 0 and (site / "editor-schemas/source.schema.json").is_file()


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_throttled_and_wiped():
    now = [0.0]
    stream = FakeTerminal()
    progress = Progress(stream, interval=0.1, delay=0.3, clock=lambda: now[0])
    for done in range(1, 5001):
        now[0] += 0.001  # 5 s for 5000 pages
        progress("render", done, 5000)
    assert 40 <= progress.draws <= 50  # once per 0.1 s after the first 0.3 s, not 5000 times
    assert re.match(r"\rrendering 30\d/5000 \(6%\)\rrendering 40\d/5000 \(8%\)", stream.getvalue())
    progress.close()
    assert stream.getvalue().endswith("\r")
    assert stream.getvalue().rsplit("\r", 2)[1].strip() == ""


def test_progress_stays_silent_off_a_terminal_and_on_quick_builds():
    stream = io.StringIO()
    progress = Progress(stream, clock=lambda: 100.0)
    progress("render", 1, 2)
    progress.close()
    assert stream.getvalue() == ""
    quick = FakeTerminal()
    progress = Progress(quick, clock=lambda: 100.0)
    progress("render", 2, 2)
    progress.close()
    assert quick.getvalue() == ""


def test_a_long_first_stage_shows_a_waiting_line_until_counting_starts():
    now = [0.0]
    stream = FakeTerminal()
    progress = Progress(stream, delay=0.3, clock=lambda: now[0])
    progress.start("reading the site")
    progress.show_waiting()  # what the timer does after the delay
    assert stream.getvalue() == "\rreading the site ..."
    now[0] = 1.0
    progress("render", 5, 10)
    progress.show_waiting()  # too late: counting has begun, the count stays
    assert stream.getvalue() == "\rreading the site ...\rrendering 5/10 (50%)"
    progress.close()
    assert stream.getvalue().endswith(" " * len("reading the site ...") + "\r")
    silent = io.StringIO()
    off = Progress(silent)
    off.start("reading")
    off.show_waiting()
    off.close()
    assert silent.getvalue() == ""


def test_starting_loads_neither_the_search_indexer_nor_git_nor_babel():
    """Every command-line build pays for what starting imports; these come only when a build uses them."""
    import subprocess
    import sys
    code = ("import sys, site_builder.cli\n"
            "print([m for m in ('site_builder.search.stage', 'site_builder.search.indexer', 'subprocess', 'ctypes',"
            " 'babel') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_command_leaves_at_once_after_a_build_with_its_output_said_and_its_exit_status(tmp_path):
    """`build` and `check` end the process without freeing the build's memory: what they print still
    arrives whole (through a pipe, too) and the exit status is the build's."""
    import subprocess
    import sys

    from conftest import MINIMAL_SITE_YML, write_site

    site = write_site(tmp_path / "site", {"site.yml": MINIMAL_SITE_YML,
                                          "content/explainers/one.md": "---\ntitle: One\nsummary: S.\ndate: 2024-01-01\n---\n\nText.\n"})

    def run(*args):
        return subprocess.run([sys.executable, "-m", "site_builder", *args, str(site)], capture_output=True,
                              text=True, timeout=300)
    built = run("build")
    assert built.returncode == 0 and built.stdout.startswith("built ") and built.stdout.endswith("\n"), built
    (site / "content/explainers/one.md").write_text("---\ntitle: One\n---\n\nNo summary.\n")
    failed = run("check")
    assert failed.returncode == 1 and "check failed" in failed.stderr, failed
