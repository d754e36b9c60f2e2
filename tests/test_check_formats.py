"""`check --format text|json|github`, the choice made inside GitHub Actions, and the escaping of workflow commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from site_builder.cli import main
from site_builder.diagnostics import Diagnostic, Location
from site_builder.report.problems import choose_format, escape_data, escape_property, github_command

DOCS = Path(__file__).resolve().parent.parent / "docs"

BROKEN = {
    "content/facts/people/ada.yml": """
        name: Ada
        summary: A mathematician.
        role: {value: Writer, source: notes}
        born: 1815-13-10
        employr: organizations/x
        """,
    "content/facts/people/bob.yml": """
        name: Bob
        summary: Nobody mentions him.
        role: Clerk
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


@pytest.fixture
def site(make_site):
    return make_site(dict(BROKEN))


@pytest.fixture(autouse=True)
def outside_actions(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def schema_errors(report: dict) -> list[str]:
    schema = json.loads((DOCS / "check-report.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return [f"{e.json_path}: {e.message}" for e in Draft202012Validator(schema).iter_errors(report)]


def test_text_is_the_default_outside_github_actions(site, capsys):
    code, out, err = run(capsys, "check", site)
    assert code == 1 and out == ""
    assert "content/facts/people/ada.yml:4:7: error: 'born': impossible date '1815-13-10': there is no month 13" in err
    assert err.rstrip().endswith("check failed: 2 errors, 2 warnings")
    assert run(capsys, "check", site, "--format", "text")[1:] == (out, err)


def test_json_has_one_object_per_problem_and_matches_its_schema(site, capsys):
    code, out, err = run(capsys, "check", site, "--format", "json")
    assert code == 1 and err == ""
    report = json.loads(out)
    assert schema_errors(report) == []
    assert (report["ok"], report["errors"], report["warnings"]) == (False, 2, 2)
    assert report["site"] == os.path.abspath(site)
    by_message = {p["message"].split(" (")[0]: p for p in report["problems"]}
    typo = by_message["unknown field 'employr' for type 'person'"]
    assert typo == {"severity": "error", "file": "content/facts/people/ada.yml", "line": 5, "column": 1,
                    "message": "unknown field 'employr' for type 'person' (did you mean 'employer'?)",
                    "hint": "fields of 'person' are declared in site.yml", "suggestions": ["employer"]}
    assert by_message["unsourced fact 'role'"]["severity"] == "warning"
    assert [p["file"] for p in report["problems"]] == sorted(p["file"] for p in report["problems"])


def test_json_with_strict_and_quiet(site, capsys):
    report = json.loads(run(capsys, "check", site, "--format", "json", "--strict")[1])
    assert schema_errors(report) == [] and report["warnings"] == 0 and report["errors"] == 4
    assert sum(p["message"].endswith(" [strict]") for p in report["problems"]) == 2
    report = json.loads(run(capsys, "check", site, "--format", "json", "--quiet")[1])
    assert report["warnings"] == 0 and report["errors"] == 2


def test_json_of_a_good_site_is_ok_and_exits_0(make_site, capsys):
    good = dict(BROKEN)
    good["content/facts/people/ada.yml"] = "name: Ada\nsummary: A mathematician.\nrole: {value: Writer, source: notes}\n"
    del good["content/facts/people/bob.yml"]
    code, out, _ = run(capsys, "check", make_site(good), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["problems"] == [] and schema_errors(report) == []


def test_github_prints_workflow_commands(site, capsys, monkeypatch):
    monkeypatch.chdir(site.parent)
    code, out, err = run(capsys, "check", "site", "--format", "github")
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert "::error file=site/content/facts/people/ada.yml,line=4,col=7,title=site-builder check%3A error::" \
           "'born': impossible date '1815-13-10': there is no month 13" in lines
    assert any(line.startswith("::warning file=site/content/facts/people/bob.yml,") for line in lines)
    assert lines[-1] == "check failed: 2 errors, 2 warnings"
    assert all(line.startswith(("::error ", "::warning ")) for line in lines[:-1]) and len(lines) == 5


def test_github_actions_chooses_github_unless_a_format_is_given(site, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(site))
    out = run(capsys, "check", site)[1]
    assert out.startswith("::error file=content/facts/people/ada.yml,line=4,col=7,")
    assert json.loads(run(capsys, "check", site, "--format", "json")[1])["errors"] == 2
    code, out, err = run(capsys, "check", site, "--format", "text")
    assert out == "" and "ada.yml:4:7: error:" in err
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert choose_format(None, os.environ) == "text"
    assert choose_format(None, {"GITHUB_ACTIONS": "true"}) == "github"
    assert choose_format("json", {"GITHUB_ACTIONS": "true"}) == "json"


def test_an_unknown_format_is_a_wrong_command_line(site, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(site), "--format", "xml"])
    assert exit_.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


@pytest.mark.parametrize("text, data, prop", [
    ("100% done", "100%25 done", "100%25 done"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("k: v, w", "k: v, w", "k%3A v%2C w"),
    ("%0A", "%250A", "%250A"),
])
def test_escaping_follows_githubs_rules(text, data, prop):
    assert escape_data(text) == data and escape_property(text) == prop


def test_a_message_with_newlines_commas_and_colons_stays_one_command(tmp_path):
    diag = Diagnostic("warning", "bad: a,b\nc 50%", Location("content/a, b:c.yml", 2, 3), "fix: it")
    command = github_command(diag, tmp_path, {"GITHUB_WORKSPACE": str(tmp_path)})
    assert command == ("::warning file=content/a%2C b%3Ac.yml,line=2,col=3,title=site-builder check%3A warning::"
                       "bad: a,b%0Ac 50%25%0Ahint: fix: it")
    assert "\n" not in command


def test_a_problem_about_a_whole_file_has_no_line(tmp_path):
    diag = Diagnostic("error", "no type uses the folder 'x'", Location("content/facts/x/a.yml"))
    command = github_command(diag, tmp_path, {"GITHUB_WORKSPACE": str(tmp_path)})
    assert command.startswith("::error file=content/facts/x/a.yml,title=")
