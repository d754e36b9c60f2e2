"""What the red team turned into tracebacks is now a located message, and the smaller holes are closed:
lone surrogates, control characters, long and unportable names, files that vanish mid-build, a site.yml
that is a link to elsewhere, anchors without aliases, `$` that let a trailing newline through, nav queries."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from site_builder import build as build_module
from site_builder import cli
from site_builder.diagnostics import Problems
from site_builder.read.documents import check_slug
from site_builder.read.markup import MarkdownRenderer
from site_builder.read.yamlio import load_yaml

from conftest import MINIMAL_SITE_YML, build, messages, write_site

DOC = "---\ntitle: {title}\nsummary: {summary}\ndate: 2024-01-01\ntags: [{tag}]\n---\n\nText.\n"


def run_cli(capsys, *argv) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize("field", ["title", "summary", "tag"])
def test_a_lone_surrogate_in_front_matter_is_a_located_error(make_site, capsys, field):
    values = {"title": "T", "summary": "S", "tag": "t", field: '"\\ud800 x"'}
    root = make_site({"content/explainers/one.md": DOC.format(**values)})
    code, err = run_cli(capsys, "build", root)
    line = {"title": 2, "summary": 3, "tag": 5}[field]
    assert code == 1 and f"content/explainers/one.md:{line}:" in err and "lone surrogate" in err, err


def test_a_lone_surrogate_in_site_yml_and_a_fact_sheet(make_site, capsys):
    root = make_site({"site.yml": MINIMAL_SITE_YML.replace("title: Test Site", 'title: "Test \\udfff"'),
                      "content/facts/people/ada.yml": 'name: Ada\nsummary: "\\udc80"\nrole: x\n'})
    code, err = run_cli(capsys, "build", root)
    assert code == 1 and "site.yml:1:8: error: a \\u escape here makes half a character" in err, err
    root = make_site({"site.yml": MINIMAL_SITE_YML, "content/facts/people/ada.yml": 'name: Ada\nsummary: "\\udc80"\nrole: x\n'})
    code, err = run_cli(capsys, "build", root)
    assert code == 1 and "content/facts/people/ada.yml:2:10: error: a \\u escape" in err, err


def test_an_escaped_surrogate_pair_is_the_character_it_spells():
    problems = Problems()
    data, _ = load_yaml('a: "\\ud83d\\ude00"\n', "f.yml", problems)
    assert data == {"a": "\U0001F600"} and not problems.items


@pytest.mark.parametrize("text, where", [("name: Ada\nsummary: \"red \\e[31m\"\nrole: x\n", "2:10"),
                                         ("name: Ada\nsummary: \"\\x07\"\nrole: x\n", "2:10")])
def test_control_characters_made_by_yaml_escapes_are_refused(make_site, text, where):
    result = build(make_site({"content/facts/people/ada.yml": text}))
    assert any(m.startswith(f"content/facts/people/ada.yml:{where}: error: an escape here makes the control character")
               for m in messages(result)), messages(result)


def test_control_characters_never_reach_the_html(make_site):
    result = build(make_site({"content/pages/a.md": "---\ntitle: A\n---\n\nred \x1b[31m text\n"}))
    assert "content/pages/a.md:5:5: error: the file contains the control character U+001B" in \
        [m.splitlines()[0] for m in messages(result)]
    html = MarkdownRenderer().render("a &#27; b &#x7f; c &#1;", "content/pages/x.md", Problems()).html
    assert html == "<p>a \ufffd b \ufffd c \ufffd</p>"


def test_yaml_anchors_without_aliases_are_refused():
    problems = Problems()
    load_yaml("name: &n Ada\nsummary: x\n", "f.yml", problems)
    assert [d.format().splitlines()[0] for d in problems.items] == \
        ["f.yml:1:7: error: YAML syntax: anchors (&name) are not allowed in site files"]


@pytest.mark.parametrize("name", ["ada\n"])
def test_a_trailing_newline_is_not_a_valid_slug(name):
    assert not check_slug(name, "content/pages/x.md", Problems())


def test_a_file_name_with_a_newline_is_refused(make_site):
    root = make_site({"content/pages/about\n.md": "---\ntitle: About\n---\nHi.\n"})
    result = build(root)
    assert not result.ok and not any("about\n/" in path for path in result.outputs)


@pytest.mark.parametrize("files, says", [
    ({"content/media/" + "m" * 247 + ".jpg": b"x"}, "bytes long"),
    ({"content/media/A.jpg": b"x", "content/media/a.jpg": b"y"}, "differ only in case"),
    ({"content/media/Photos/a.jpg": b"x", "content/media/photos/b.jpg": b"y"}, "differ only in case"),
    ({"content/media/" + unicodedata.normalize("NFC", "café.jpg"): b"x",
      "content/media/" + unicodedata.normalize("NFD", "café.jpg"): b"y"}, "differ only in case"),
    ({"content/pages/con.md": "---\ntitle: Con\n---\n"}, "Windows reserves"),
    ({"content/media/NUL.txt.jpg": b"x"}, "Windows reserves"),
    ({"content/media/com1": b"x"}, "Windows reserves"),
    ({"content/media/a.jpg.": b"x"}, "ends in a dot or a space"),
    ({"content/media/a.jpg ": b"x"}, "ends in a dot or a space"),
    ({"content/media/a:b.jpg": b"x"}, "does not allow"),
    ({"content/pages/a.md": "---\ntitle: A\ntags: [" + "t" * 230 + "]\n---\n"}, "bytes long"),
])
def test_names_that_do_not_travel_are_located_errors(make_site, capsys, files, says):
    root = make_site(files)
    code, err = run_cli(capsys, "build", root)
    assert code == 1 and says in err, err
    assert not (root / "output").exists()


def test_unportable_names_are_found_by_a_build_that_keeps_the_last_routes(make_site, capsys):
    """A new template changes no route, so the routes are the last build's: its name is checked all the same."""
    root = make_site({})
    assert run_cli(capsys, "build", root)[0] == 0
    write_site(root, {"templates/notes.html": "a", "templates/Notes.html": "b"})
    code, err = run_cli(capsys, "build", root)
    assert code == 1 and "'templates/notes.html' and 'templates/Notes.html' differ only in case" in err, err
    (root / "templates/Notes.html").unlink()
    assert run_cli(capsys, "build", root)[0] == 0



def test_names_are_checked_again_only_when_a_file_comes_or_goes(make_site, capsys, monkeypatch):
    """An edit that adds or removes no file reuses the last check of the names (kept in the saved state),
    and still reports a problem found then; a new file is checked, by the command line and the preview."""
    from site_builder.incremental.state import BuildState

    root = make_site({"content/explainers/one.md": DOC.format(title="One", summary="S", tag="t")})
    assert run_cli(capsys, "build", root)[0] == 0
    calls = []
    real = build_module.check_names
    monkeypatch.setattr(build_module, "check_names", lambda paths: calls.append(1) or real(paths))
    write_site(root, {"content/explainers/one.md": DOC.format(title="One again", summary="S", tag="t")})
    assert run_cli(capsys, "build", root)[0] == 0 and calls == []  # the same files: not checked again
    write_site(root, {"content/media/A.jpg": b"x", "content/media/a.jpg": b"y"})
    code, err = run_cli(capsys, "build", root)
    assert code == 1 and "differ only in case" in err and calls, err

    state = BuildState()  # the preview's: the problem stays told while other files are edited
    preview = build_module.BuildOptions(preview=True)
    assert not build_module.build_site(root, preview, cache=state).ok
    calls.clear()
    write_site(root, {"content/explainers/one.md": DOC.format(title="One more", summary="S", tag="t")})
    result = build_module.build_site(root, preview, cache=state, changed=["content/explainers/one.md"])
    assert not result.ok and calls == [] and any("differ only in case" in m for m in messages(result))
    (root / "content/media/a.jpg").unlink()
    result = build_module.build_site(root, preview, cache=state, changed=["content/media/a.jpg"])
    assert result.ok and calls, messages(result)

def test_a_file_deleted_during_a_command_line_build_is_a_message(make_site, capsys, monkeypatch):
    root = make_site({"content/media/a.pdf": b"%PDF-1.4", "content/pages/about.md": "---\ntitle: About\n---\n[x](../media/a.pdf)\n",
                      "content/explainers/one.md": DOC.format(title="One", summary="S", tag="t")})
    discover = build_module.discover

    def discover_then_delete(root_, *args, **kwargs):
        found = discover(root_, *args, **kwargs)
        for rel in ("content/media/a.pdf", "content/explainers/one.md"):  # not an image: images are read before
            (Path(root_) / rel).unlink()
        return found

    monkeypatch.setattr(build_module, "discover", discover_then_delete)
    code, err = run_cli(capsys, "build", root)
    assert code == 2 and err == "site-builder: error: 'a.pdf' was removed while the site was built; build again\n"
    monkeypatch.undo()
    write_site(root, {"content/media/a.pdf": b"%PDF-1.4"})
    code, err = run_cli(capsys, "build", root)
    assert code == 0, err  # and the next build sees the site as it is


def test_a_site_yml_that_links_outside_the_site_is_not_read(tmp_path, capsys):
    (tmp_path / "elsewhere.yml").write_text("title: SECRET-TITLE\nbase_url: https://example.org/\n")
    root = write_site(tmp_path / "site", {"content/pages/a.md": "---\ntitle: A\n---\n"})
    (root / "site.yml").symlink_to(tmp_path / "elsewhere.yml")
    code, err = run_cli(capsys, "build", root)
    assert code == 1 and "site.yml: error: site.yml is a symbolic link to a file outside the site" in err
    assert "SECRET" not in err and not (root / "output").exists()


def test_a_nav_url_keeps_its_query_and_fragment(make_site):
    root = make_site({"site.yml": MINIMAL_SITE_YML.replace("https://example.org/", "https://example.org/sub/")
                      + "nav:\n  - {label: T, url: '/timeline/?a=1#x'}\n"})
    result = build(root)
    assert result.ok, messages(result)
    assert b'href="/sub/timeline/?a=1#x"' in result.outputs["index.html"]
