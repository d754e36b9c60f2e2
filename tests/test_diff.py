"""`site-builder diff`: a scratch git repository, one kind of change per test, every JSON report checked
against docs/change-report.schema.json, and the working tree left exactly as it was."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from site_builder.build import BuildOptions
from site_builder.cli import main
from site_builder.report import command, gitrev
from site_builder.report.command import make_report
from site_builder.report.markdown import markdown

from conftest import write_site

DOCS = Path(__file__).resolve().parent.parent / "docs"

SITE = {
    "site.yml": """
        title: Diff Test
        base_url: https://example.org/d/
        types:
          person:
            folder: people
            label: [Person, People]
            fields:
              role: {type: text, required: true}
          claim:
            folder: claims
            label: [Claim, Claims]
            fields:
              claim: {type: text, required: true}
              verdict: {type: text, required: true, choices: ["true", disputed, "false"]}
        """,
    "content/facts/sources/a.yml": "title: The first source\n",
    "content/facts/sources/b.yml": "title: The second source\n",
    "content/facts/people/ada.yml": """
        name: Ada
        summary: A mathematician.
        role: {value: Writer, source: a}
        """,
    "content/facts/people/charles.yml": """
        name: Charles
        summary: An engineer.
        role: {value: Engineer, source: b}
        """,
    "content/facts/claims/first.yml": """
        name: "Claim: Ada wrote the first program"
        summary: Checked against the Notes.
        claim: {value: Ada wrote the first program, source: a}
        verdict: {value: disputed, source: a}
        """,
    "content/explainers/hello.md": """
        ---
        title: Hello
        summary: Two people and a claim.
        date: 2024-01-02
        ---
        [[people/ada]] wrote the Notes [@a].

        [[people/charles]] designed the engine [@b]. See [[claims/first]].
        """,
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def quiet_git(monkeypatch, tmp_path):
    """Scratch repositories with a known identity, and none of the machine's git settings."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{var}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{var}_EMAIL", "test@example.org")


@pytest.fixture
def repo(tmp_path) -> Path:
    root = write_site(tmp_path / "repo", SITE)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text, f"{rel} has no {old!r}"
    path.write_text(text.replace(old, new), "utf-8")


def validator() -> Draft202012Validator:
    check = json.loads((DOCS / "check-report.schema.json").read_text("utf-8"))
    change = json.loads((DOCS / "change-report.schema.json").read_text("utf-8"))
    registry = Registry().with_resource("check-report.schema.json", Resource.from_contents(check))
    Draft202012Validator.check_schema(change)
    return Draft202012Validator(change, registry=registry)


def report_of(capsys, root: Path, *argv: str) -> dict:
    """The JSON report, as the command line prints it, after checking it against its schema."""
    assert main(["diff", *argv, "--site", str(root), "--format", "json"]) == 0
    out, _ = capsys.readouterr()
    report = json.loads(out)
    errors = [f"{e.json_path}: {e.message}" for e in validator().iter_errors(report)]
    assert errors == []
    return report


def markdown_of(capsys, root: Path, *argv: str) -> str:
    assert main(["diff", *argv, "--site", str(root)]) == 0
    return capsys.readouterr().out


def test_the_schema_rejects_what_it_does_not_describe(repo, capsys):
    report = report_of(capsys, repo)
    for broken in ({**report, "version": 2}, {**report, "facts": [{"id": "x"}]},
                   {**report, "pages": {**report["pages"], "changed": [{"path": "a"}]}}):
        assert list(validator().iter_errors(broken)), "the schema let a wrong report through"


def test_no_change_says_so(repo, capsys):
    report = report_of(capsys, repo)
    assert report["facts"] == [] and report["pages"]["changed"] == [] and report["problems"]["new"] == []
    assert report["base"]["chosen"] == "merge base with main" and report["base"]["builds"]
    assert "**No change that readers would see.**" in markdown_of(capsys, repo)


def test_a_changed_fact_value_and_source(repo, capsys):
    edit(repo, "content/facts/people/ada.yml", "{value: Writer, source: a}", "{value: Mathematician, source: b}")
    report = report_of(capsys, repo)
    [change] = report["facts"]
    assert (change["type"], change["id"], change["field"], change["label"]) == ("person", "people/ada", "role", "Role")
    assert change["url"] == "https://example.org/d/people/ada/"
    assert change["old"]["text"] == "Writer" and change["new"]["text"] == "Mathematician"
    assert change["old"]["sources"] == [{"type": "source", "id": "sources/a", "name": "The first source",
                                         "url": "https://example.org/d/sources/a/"}]
    assert [s["id"] for s in change["new"]["sources"]] == ["sources/b"]
    changed = {p["path"]: p for p in report["pages"]["changed"]}
    assert changed["people/ada/index.html"]["kind"] == "fact"
    assert "Writer" in " ".join(changed["people/ada/index.html"]["first_change"]["removed"])
    text = markdown_of(capsys, repo)
    assert "### Facts that changed" in text
    assert "| [Ada](https://example.org/d/people/ada/)<br>person `people/ada` | Role | Writer<br>source: " \
           "[The first source](https://example.org/d/sources/a/) | Mathematician<br>source: " \
           "[The second source](https://example.org/d/sources/b/) |" in text


def test_a_renamed_fact_sheet_and_the_references_it_leaves_behind(repo, capsys):
    git(repo, "mv", "content/facts/people/charles.yml", "content/facts/people/charles-babbage.yml")
    report = report_of(capsys, repo)
    assert report["entities"]["added"] == [] and report["entities"]["removed"] == []
    [renamed] = report["entities"]["renamed"]
    assert (renamed["old"]["id"], renamed["new"]["id"]) == ("people/charles", "people/charles-babbage")
    [broken] = report["broken_references"]
    assert broken["file"] == "content/explainers/hello.md" and broken["line"] == 8
    assert broken["message"].startswith("unknown reference 'people/charles'")
    assert "'people/charles-babbage'" in broken["message"]  # (did you mean ...)
    assert [p["path"] for p in report["pages"]["added"]] == ["people/charles-babbage/index.html"]
    assert [p["path"] for p in report["pages"]["removed"]] == ["people/charles/index.html"]
    text = markdown_of(capsys, repo)
    assert "- Renamed: [Charles](https://example.org/d/people/charles-babbage/) (person): " \
           "`people/charles` → `people/charles-babbage`" in text
    assert "### References that now point nowhere" in text and "`content/explainers/hello.md:8:1`" in text


def test_an_explainer_edit(repo, capsys):
    edit(repo, "content/explainers/hello.md", "designed the engine", "designed the Difference Engine")
    report = report_of(capsys, repo)
    assert report["facts"] == []
    [page] = report["pages"]["changed"]
    assert (page["path"], page["kind"], page["title"], page["paragraphs_changed"]) == \
        ("explainers/hello/index.html", "explainer", "Hello", 1)
    first = page["first_change"]
    assert first["before"] == "Ada wrote the Notes[1]."
    assert first["removed"] == ["Charles designed the engine[2]. See Claim: Ada wrote the first program."]
    assert first["added"] == ["Charles designed the Difference Engine[2]. See Claim: Ada wrote the first program."]
    text = markdown_of(capsys, repo)
    assert "- [Hello](https://example.org/d/explainers/hello/) (explainer): 1 paragraph changed; the first change:" \
        in text
    assert "  - Charles designed the engine[2]." in text and "  + Charles designed the Difference Engine[2]." in text


def test_a_new_broken_reference(repo, capsys):
    edit(repo, "content/explainers/hello.md", "wrote the Notes [@a].",
         "wrote the Notes [@a] with [[people/lord-byron]].")
    report = report_of(capsys, repo)
    [broken] = report["broken_references"]
    assert (broken["file"], broken["line"], broken["column"]) == ("content/explainers/hello.md", 6, 42)
    assert broken["message"] == "unknown reference 'people/lord-byron'"
    assert report["head"]["builds"] is False and report["head"]["errors"] == 1
    assert "- `content/explainers/hello.md:6:42`: unknown reference 'people/lord-byron'" in markdown_of(capsys, repo)


def test_a_verdict_and_a_source_that_changed(repo, capsys):
    edit(repo, "content/facts/claims/first.yml", "value: disputed", "value: \"false\"")
    edit(repo, "content/facts/sources/a.yml", "The first source", "The first source, second edition")
    report = report_of(capsys, repo)
    [verdict] = report["verdicts"]
    assert (verdict["id"], verdict["old"], verdict["new"]) == ("claims/first", "disputed", "false")
    [source] = report["sources"]
    assert source["source"]["id"] == "sources/a" and source["change"] == "changed"
    assert [e["url"] for e in source["explainers"]] == ["https://example.org/d/explainers/hello/"]
    text = markdown_of(capsys, repo)
    assert "- [Claim: Ada wrote the first program](https://example.org/d/claims/first/): **disputed** → **false**" \
        in text
    assert "(changed): cited by [Hello](https://example.org/d/explainers/hello/)" in text


@pytest.mark.parametrize("broken", ["types: [\n", None], ids=["broken-site-yml", "no-site"])
def test_a_base_that_does_not_build_is_reported_not_raised(repo, capsys, broken):
    good = (repo / "site.yml").read_text("utf-8")
    if broken is None:
        git(repo, "rm", "-q", "site.yml")
    else:
        (repo / "site.yml").write_text(broken, "utf-8")
        git(repo, "add", "site.yml")
    git(repo, "commit", "-q", "-m", "break the site")
    (repo / "site.yml").write_text(good, "utf-8")
    report = report_of(capsys, repo, "HEAD")
    assert report["base"]["built"] is False and report["base"]["failure"]
    assert report["head"]["built"] is True and report["facts"] == [] and report["pages"]["changed"] == []
    text = markdown_of(capsys, repo, "HEAD")
    assert "**The base (`" in text and "does not build**" in text
    assert ("site.yml" in report["base"]["failure"]) if broken else ("no site.yml" in report["base"]["failure"])


def test_the_working_tree_is_left_alone_and_the_base_is_kept(repo, capsys, monkeypatch):
    edit(repo, "content/facts/people/ada.yml", "Writer", "Poet")
    (repo / "notes.txt").write_text("untracked\n", "utf-8")
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    first = report_of(capsys, repo)
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == status
    assert git(repo, "worktree", "list").count("\n") == 1  # the temporary one is gone
    assert len(list((repo / ".site-builder-cache/diff").glob("*.json.gz"))) == 1

    def no_checkout(*args):
        raise AssertionError("the base was checked out again")
    monkeypatch.setattr(command, "checked_out", no_checkout)
    assert report_of(capsys, repo) == first


def test_the_default_base_is_where_the_branch_left_main(repo, capsys):
    git(repo, "checkout", "-q", "-b", "topic")
    edit(repo, "content/facts/people/ada.yml", "Writer", "Poet")
    git(repo, "commit", "-q", "-am", "a poet")
    report = report_of(capsys, repo)
    assert report["base"]["commit"] == git(repo, "rev-parse", "main").strip()
    assert [c["new"]["text"] for c in report["facts"]] == ["Poet"]
    git(repo, "branch", "-q", "-m", "main", "trunk")  # no default branch: HEAD is the base
    report = report_of(capsys, repo)
    assert report["base"]["chosen"] == "HEAD" and report["facts"] == []


@pytest.mark.parametrize("argv, message", [
    (["no-such-branch"], "no revision 'no-such-branch' in this repository"),
    (["--", "-x"], "'-x' is not a revision"),
])
def test_a_revision_that_does_not_exist_exits_2_with_a_message(repo, capsys, argv, message):
    assert main(["diff", "--site", str(repo), *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"site-builder: error: {message}" in err and "hint: " in err
    assert "Traceback" not in err


def test_outside_a_repository_and_outside_a_site(tmp_path, capsys):
    site = write_site(tmp_path / "plain", {"site.yml": SITE["site.yml"]})
    assert main(["diff", "--site", str(site)]) == 2
    assert "is not inside a git repository" in capsys.readouterr().err
    assert main(["diff", "--site", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["diff", "--format", "html"])
    assert exit_.value.code == 2


def test_a_repository_without_a_commit(tmp_path, capsys):
    site = write_site(tmp_path / "new", {"site.yml": SITE["site.yml"]})
    git(site, "init", "-q")
    assert main(["diff", "--site", str(site)]) == 2
    assert "has no commit yet" in capsys.readouterr().err


def test_a_site_in_a_sub_folder_of_the_repository(tmp_path, capsys):
    top = tmp_path / "mono"
    write_site(top / "site", SITE)
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    edit(top / "site", "content/facts/people/ada.yml", "Writer", "Poet")
    report = report_of(capsys, top / "site")
    assert [(c["id"], c["new"]["text"]) for c in report["facts"]] == [("people/ada", "Poet")]


def empty_report(**parts) -> dict:
    report = {"format": "site-builder change report", "version": 1, "site": {"title": "A *site* [x](y)"},
              "builder": "site-builder",
              "base": {"revision": "main", "commit": "a" * 40, "chosen": "given", "built": True, "builds": True,
                       "failure": "", "errors": 0, "warnings": 0},
              "head": {"revision": "working tree", "commit": "", "built": True, "builds": True, "failure": "",
                       "errors": 0, "warnings": 0},
              "facts": [], "entities": {"added": [], "removed": [], "renamed": []}, "verdicts": [], "sources": [],
              "broken_references": [], "problems": {"new": [], "fixed": []},
              "pages": {"added": [], "removed": [], "changed": []}}
    return {**report, **parts}


def test_markdown_escapes_names_and_fences_code_in_a_page_change():
    report = empty_report(pages={"added": [], "removed": [], "changed": [{
        "path": "p/index.html", "url": "https://e.org/p/", "kind": "page", "kind_name": "page",
        "title": "<b>|</b>", "paragraphs_changed": 1, "citations_renumbered": 0,
        "first_change": {"before": "", "removed": ["a ``` b"], "added": ["c"], "after": ""}}]})
    assert list(validator().iter_errors(report)) == []
    text = markdown(report)
    assert "## Change report: A \\*site\\* \\[x\\]\\(y\\)" in text
    assert "[\\<b\\>\\|\\</b\\>](https://e.org/p/)" in text
    assert "  ````diff" in text  # a fence longer than any run of backquotes inside


def test_gitrev_removes_its_worktree_even_when_the_build_fails(repo):
    with pytest.raises(RuntimeError):
        with gitrev.checked_out(repo, git(repo, "rev-parse", "HEAD").strip()) as tree:
            assert (tree / "site.yml").is_file()
            raise RuntimeError("boom")
    assert not tree.exists() and git(repo, "worktree", "list").count("\n") == 1


def test_make_report_builds_both_sides_with_the_same_options(repo):
    edit(repo, "content/facts/people/ada.yml", "Writer", "Poet")
    report = make_report(repo, None, BuildOptions(base_url="https://elsewhere.org/x/"), use_cache=False)
    assert report["facts"][0]["url"] == "https://elsewhere.org/x/people/ada/"
    assert all(p["url"].startswith("https://elsewhere.org/x/") for p in report["pages"]["changed"])


def test_paragraphs_changed_only_in_their_citation_numbers_are_counted_apart():
    from site_builder.report.pages import paragraph_changes

    old = ["Maker: Aurus[1]", "Price: 18,000,000 RUB[2, 8]", "Body styles: sedan[9, 10]", "Armour: yes[9]"]
    new = ["Maker: Aurus[1]", "Price: 22,000,000 RUB[5]", "Body styles: sedan[8, 9]", "Armour: yes[8]"]
    count, renumbered, first = paragraph_changes(old, new)
    assert (count, renumbered) == (3, 2)
    assert first == {"before": "Maker: Aurus[1]", "removed": ["Price: 18,000,000 RUB[2, 8]"],
                     "added": ["Price: 22,000,000 RUB[5]"], "after": "Body styles: sedan[9, 10]"}
    count, renumbered, first = paragraph_changes(old, old[:1] + ["Maker: Aurus[1, 2]"] + old[1:])
    assert (count, renumbered) == (1, 0) and first["added"] == ["Maker: Aurus[1, 2]"] and first["removed"] == []


def test_a_working_tree_that_does_not_build(repo, capsys):
    (repo / "site.yml").write_text("title: [\n", "utf-8")
    report = report_of(capsys, repo)
    assert report["head"]["built"] is False and "site.yml" in report["head"]["failure"]
    assert report["base"]["built"] is True and report["facts"] == []
    assert "**The working tree does not build**" in markdown_of(capsys, repo)


def test_the_text_of_a_page_is_what_readers_read():
    from site_builder.report.pagetext import read_page

    page = read_page(b"""<html><head><title>Ada \xc2\xb7 Site</title><script>var x = "<p>no</p>";</script></head>
        <body class="page kind-fact"><nav><a href="/nav/">Menu</a></nav><main><h1>Ada &amp; co</h1>
        <p>One <em>two</em>\n three<sup class="cites">[1]</sup></p><table><tr><th>Born</th><td>1815</td><td>x</td></tr>
        </table><ul><li>a<br>b</li><li><a href="../b/">B</a></li></ul><style>p{}</style></main>
        <footer>Footer</footer></body></html>""")
    assert page.title == "Ada & co" and page.kind == "fact"
    assert page.paragraphs == ["Ada & co", "One two three[1]", "Born: 1815 | x", "a b", "B"]
    assert page.links == ["../b/"]
    bare = read_page("<html><head><title>Plain · Site</title></head><body><p>Only this</p></body></html>")
    assert (bare.title, bare.paragraphs, bare.kind) == ("Plain", ["Only this"], "")


def test_a_long_report_stays_short_enough_for_a_job_summary():
    value = {"value": "x", "text": "x", "refs": [], "sources": [], "note": ""}
    facts = [{"type": "person", "id": f"people/p{n}", "name": f"P{n}", "url": "", "field": "role", "label": "Role",
              "old": value, "new": {**value, "text": "y"}} for n in range(250)]
    added = [{"path": f"p{n}/index.html", "url": "", "kind": "page", "kind_name": "page", "title": f"T{n}"}
             for n in range(5000)]
    text = markdown(empty_report(facts=facts, pages={"added": added, "removed": [], "changed": []}))
    assert text.count("| [P") + text.count("| P") == 100
    assert "and 150 more fact changes: `site-builder diff --format json` lists every one." in text
    assert "and 4900 more pages:" in text and len(text) < 100_000


def test_a_value_that_names_fact_sheets_links_them(repo, capsys):
    edit(repo, "site.yml", "role: {type: text, required: true}",
         "role: {type: text, required: true}\n      knows: {type: list, of: ref}")
    edit(repo, "content/facts/people/ada.yml", "source: a}", "source: a}\nknows: {value: [people/charles], source: b}")
    report = report_of(capsys, repo)
    [change] = [c for c in report["facts"] if c["field"] == "knows"]
    assert change["old"] is None and change["new"]["text"] == "Charles"
    assert change["new"]["refs"] == [{"type": "person", "id": "people/charles", "name": "Charles",
                                      "url": "https://example.org/d/people/charles/"}]
    text = markdown_of(capsys, repo)
    assert "| Knows | *(none)* | [Charles](https://example.org/d/people/charles/)<br>source: " in text
