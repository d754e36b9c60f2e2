"""The docs are tested: the writers' guide's examples are one site that builds, and its examples of mistakes
produce exactly the messages the guide shows; the site builders' guide names every template variable.

How examples are marked in docs/writing.md (the fence's info string, after the language):

    ```yaml file=content/facts/people/x.yml        part of the guide's example site
    ```yaml file=content/facts/people/x.yml broken  a mistake: this file replaces (or joins) the example site,
    ```text output                                  and the next block is what `check` says about that file

Every yaml, markdown and svg block of the guide must be one of these, so no example escapes the test.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from site_builder.build import BuildOptions, build_site
from site_builder.pages.context import CONTEXTS, common
from site_builder.schema import editor_mapping, type_schema
from site_builder.read.yamlio import load_yaml
from site_builder.diagnostics import Problems

from conftest import write_site

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE_RE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
CHECKED_LANGS = {"yaml", "markdown", "svg"}


def blocks(name: str) -> list[dict]:
    """Top-level fenced blocks of a doc: language, file=, flags and text."""
    out = []
    for m in FENCE_RE.finditer((DOCS / name).read_text("utf-8")):
        words = m.group(1).split()
        info = {"lang": words[0] if words else "", "file": None, "flags": set(), "text": m.group(2),
                "line": (DOCS / name).read_text("utf-8").count("\n", 0, m.start()) + 1}
        for word in words[1:]:
            if word.startswith("file="):
                info["file"] = word.removeprefix("file=")
            else:
                info["flags"].add(word)
        out.append(info)
    return out


GUIDE = blocks("writing.md")


def example_site() -> dict[str, str]:
    files: dict[str, str] = {}
    for block in GUIDE:
        if block["file"] and "broken" not in block["flags"]:
            assert block["file"] not in files, f"writing.md:{block['line']}: {block['file']} is shown twice"
            files[block["file"]] = block["text"]
    return files


def mistakes() -> list[tuple[dict, str]]:
    out = []
    for i, block in enumerate(GUIDE):
        if "broken" in block["flags"]:
            after = GUIDE[i + 1] if i + 1 < len(GUIDE) else None
            assert after is not None and after["lang"] == "text" and "output" in after["flags"], \
                f"writing.md:{block['line']}: a broken example must be followed by a ```text output block"
            out.append((block, after["text"]))
    return out


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "guide"
    root.mkdir()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


def test_every_example_in_the_guide_is_a_tested_file():
    for block in GUIDE:
        if block["lang"] in CHECKED_LANGS:
            assert block["file"], f"writing.md:{block['line']}: a {block['lang']} example without file=..."
    assert len(example_site()) >= 12 and len(mistakes()) >= 6


def test_the_guides_example_site_builds_without_a_single_warning(tmp_path):
    root = make(tmp_path, example_site())
    result = build_site(root, BuildOptions(strict=True), write=True)
    assert [d.format() for d in result.diagnostics] == []
    out = root / "output"
    explainer = (out / "explainers/first-program/index.html").read_text("utf-8")
    assert 'href="/engines/people/ada-lovelace/"' in explainer
    assert "Note G" in explainer  # the locator, in the page's source list
    assert "<table>" in explainer and 'class="footnote' in explainer
    assert 'href="/engines/machines/difference-engine-2/"' in explainer  # a file link, rewritten
    machine = (out / "machines/difference-engine-2/index.html").read_text("utf-8")
    assert "17,000 GBP" in machine and "1847" in machine and "designed between 1847 and 1849" in machine
    assert "1991" in (out / "timeline/index.html").read_text("utf-8")
    assert (out / "media/engine.svg").is_file()
    # the forms that keep a fact-check honest: competing values, corrections, the copy read, who said it
    assert '<span class="disputed">Disputed</span>' in (out / "machines/analytical-engine/index.html").read_text("utf-8")
    assert 'id="correction-2024-03-04"' in explainer
    assert "/engines/explainers/first-program/#correction-2024-03-04" in (out / "corrections/index.html").read_text()
    gazette = (out / "claims/first-programmer/index.html").read_text("utf-8")
    assert "(read via" in gazette and "archived copy" in gazette and '<span class="locator">the headline</span>' in gazette
    assert '<img src="/engines/media/engine.svg" alt="A sketch of a machine with gear columns" width="120" height="60"' \
        in explainer  # the SVG's size, from its viewBox
    moved = (out / "machines/the-engine/index.html").read_text("utf-8")  # an old address (redirect_from)
    assert 'http-equiv="refresh" content="0; url=/engines/machines/analytical-engine/"' in moved
    assert '<link rel="canonical" href="https://example.org/engines/machines/analytical-engine/">' in moved
    assert "/machines/the-engine/" not in (out / "sitemap.xml").read_text("utf-8")
    assert "<entry>" in (out / "tags/history/feed.xml").read_text("utf-8")  # a feed per tag
    assert (out / "people/ada-lovelace/card.png").read_bytes()[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")
    note = (out / "explainers/note-g/index.html").read_text("utf-8")
    assert '<nav class="toc"' in note and 'aria-label="Link to section: The numbers"' in note
    assert '<math display="block">' in note and '<span class="kn">from</span>' in note
    assert '<aside class="callout note" role="note" aria-label="Note">' in note
    german = (out / "de/explainers/first-program/index.html").read_text("utf-8")
    assert '<html lang="de">' in german and "Quellen" in german and "1. März 2024" in german  # the original's date
    assert 'href="/engines/de/organizations/science-museum/"' in german  # the sheet's German page
    assert 'href="/engines/people/ada-lovelace/" data-ref="people/ada-lovelace" hreflang="en" lang="en"' in german
    assert 'hreflang="de" href="https://example.org/engines/de/explainers/first-program/"' in explainer


def test_the_guides_fact_sheets_are_valid_for_the_editor_schemas(tmp_path):
    root = make(tmp_path, example_site())
    result = build_site(root, BuildOptions(), write=False)
    config = result.index.config
    for rel, text in example_site().items():
        if rel.startswith("content/facts/"):
            tspec = config.type_by_folder(rel.split("/")[2])
            data, _ = load_yaml(text, rel, Problems())
            jsonschema.validate(data, type_schema(tspec, config))


def update_output(number: int, text: str) -> None:
    """Rewrite the number-th ```text output block of the guide (pytest --update-golden)."""
    path = DOCS / "writing.md"
    parts = re.split(r"(^```text output\n.*?^```[ \t]*$)", path.read_text("utf-8"), flags=re.M | re.S)
    outputs = [i for i, part in enumerate(parts) if part.startswith("```text output\n")]
    parts[outputs[number]] = "```text output\n" + text + "\n```"
    path.write_text("".join(parts), "utf-8")


@pytest.mark.parametrize("number", range(len(mistakes())), ids=lambda n: f"example-{n + 1}")
def test_each_mistake_gives_exactly_the_message_the_guide_shows(tmp_path, request, number):
    """After a deliberate change to a message, `pytest tests/test_docs.py --update-golden` rewrites the guide."""
    block, expected = mistakes()[number]
    files = {**example_site(), block["file"]: block["text"]}
    root = make(tmp_path, files)
    result = build_site(root, BuildOptions(), write=False)
    got = "\n".join(d.format() for d in result.diagnostics if d.location.rel_path == block["file"])
    assert got, f"writing.md:{block['line']}: this example gives no message at all"
    if request.config.getoption("--update-golden") and got != expected.rstrip("\n"):
        update_output(number, got)
        return
    assert got == expected.rstrip("\n"), f"writing.md:{block['line']}: the guide shows\n{expected}\ncheck says\n{got}"


def test_the_editor_settings_shown_are_what_schema_writes(tmp_path):
    root = make(tmp_path, example_site())
    text = (DOCS / "writing.md").read_text("utf-8")
    m = re.search(r"^( +)```json\n(.*?)^\1```", text, re.M | re.S)
    shown = json.loads(textwrap.dedent(m.group(2)))["yaml.schemas"]
    config = build_site(root, BuildOptions(), write=False).index.config
    written = editor_mapping(config, root, root / ".schemas")
    assert shown.items() <= written.items()


def _documented_names(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+)(?:[.(`\[])", text))


def test_the_site_builders_guide_names_every_template_variable(tmp_path):
    """Every variable and every key of `site` and `page` that the templates get is in the guide."""
    root = make(tmp_path, example_site())
    result = build_site(root, BuildOptions(), write=False)
    guide = (DOCS / "site-builders.md").read_text("utf-8")
    names = _documented_names(guide)
    from site_builder.pages.citations import PageRefs

    missing = set()
    for route in result.routes:
        if route.kind not in CONTEXTS:
            continue
        ctx = CONTEXTS[route.kind](result.index, route, PageRefs(result.index))
        missing |= {f"{route.kind}: {key}" for key in ctx if key not in names}
        missing |= {f"site.{key}" for key in ctx["site"] if key not in names}
        missing |= {f"site.urls.{key}" for key in ctx["site"]["urls"] if key not in names}
        missing |= {f"page.{key}" for key in ctx["page"] if key not in names}
    assert sorted(missing) == []


def test_the_site_builders_guide_settings_examples_load_without_a_message():
    """The settings example and the Markdown engines example of docs/site-builders.md are valid site.yml."""
    from site_builder.config import load_config

    shown = [b["text"] for b in blocks("site-builders.md") if b["lang"] == "yaml"
             and b["text"].startswith(("title:", "markdown:"))]
    assert len(shown) == 2
    configs = []
    for text in shown:
        problems = Problems()
        configs.append(load_config(text if text.startswith("title:") else "title: T\n" + text, "site.yml", problems))
        assert [d.format() for d in problems.items] == []
    assert (configs[0].toc, configs[0].toc_min_headings, configs[0].raw_html) == (True, 3, "escape")
    assert configs[1].markdown_engine == "python-markdown"
    assert [name for name, _ in configs[1].markdown_extensions] == ["admonition", "attr_list", "pymdownx.tilde"]


def test_the_pages_workflow_builds_strictly_and_deploys_with_the_official_actions():
    workflow = yaml.safe_load((DOCS.parent / ".github/workflows/pages.yml").read_text("utf-8"))
    build = workflow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in build]
    runs = " ".join(s.get("run", "") for s in build)
    assert {"actions/checkout", "actions/configure-pages", "actions/upload-pages-artifact"} <= set(uses)
    assert "site-builder build . --strict --base-url" in runs and "steps.pages.outputs.base_url" in runs
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "output"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_docs_link_to_files_that_exist():
    for doc in DOCS.glob("*.md"):
        prose = FENCE_RE.sub("", doc.read_text("utf-8"))  # examples link inside the example site
        prose = re.sub(r"`[^`\n]*`", "", prose)
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", prose):
            if re.match(r"^[a-z]+:", target):
                continue
            assert (doc.parent / target).exists(), f"{doc.name}: link to missing {target}"


# Where each module's messages are explained: writers see content messages, site builders see site.yml's.
MESSAGE_DOCS = {
    "writing.md": ["read/documents", "read/fields", "site/resolve", "site/checks", "read/markup", "read/discover",
                   "read/yamlio", "read/frontmatter", "site/routes", "site/sitelinks", "build", "read/translations",
                   "read/media", "read/depth", "read/portable", "read/maths", "read/highlight", "read/callouts",
                   "search/stage"],
    "site-builders.md": ["config", "pages/render", "pages/templates", "output/write", "output/trees", "read/engines",
                         "i18n/settings"],
}
REPORTERS = {"error", "warning", "TemplateProblem", "OutputRefused", "Diagnostic"}


def messages_in(module: str) -> list[tuple[int, str]]:
    """(line, longest fixed part) of every message a module reports, from its source."""
    import ast

    source = (DOCS.parent / "site_builder" / f"{module}.py").read_text("utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in REPORTERS or "pragma: no cover" in lines[node.lineno - 1]:
            continue
        arg = node.args[1] if name == "Diagnostic" and len(node.args) > 1 else node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            parts = [arg.value]
        elif isinstance(arg, ast.JoinedStr):
            parts = ["\0" if not isinstance(v, ast.Constant) else v.value for v in arg.values]
        else:
            continue
        fixed = max((p.strip(" '\"():,;") for p in "".join(parts).split("\0")), key=len)
        if len(fixed) >= 8:
            found.append((node.lineno, fixed))
    return found


@pytest.mark.parametrize("doc", sorted(MESSAGE_DOCS))
def test_every_message_the_builder_reports_is_explained(doc):
    text = (DOCS / doc).read_text("utf-8")
    missing = [f"site_builder/{module}.py:{line}: {fixed!r}" for module in MESSAGE_DOCS[doc]
               for line, fixed in messages_in(module) if fixed not in text]
    assert missing == [], f"explain these messages in docs/{doc}"
    assert sum(len(messages_in(m)) for m in MESSAGE_DOCS[doc]) >= 20


# ---- every command in the docs: the examples run (in a new site), the synopses name options that exist

COMMAND_DOCS = ["../README.md"] + sorted(p.name for p in DOCS.glob("*.md"))
PLACEHOLDER_RE = re.compile(r"\[|\b(SITE|DIR|OUT|URL|NAME|N|H|KIND|TITLE)\b|<[a-z]+>")


def shell_lines(name: str) -> list[list[str]]:
    """The lines of each ```sh block of a doc, continuation lines joined, comments dropped."""
    out = []
    for m in FENCE_RE.finditer((DOCS / name).read_text("utf-8")):
        if m.group(1).split()[:1] == ["sh"]:
            text = re.sub(r"\\\n\s*", " ", m.group(2))
            out.append([re.sub(r"\s+#\s.*$", "", line).strip() for line in text.splitlines() if line.strip()])
    return out


def options_of(command: str) -> set[str]:
    from site_builder.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices[command]._option_string_actions)


def check_synopsis(line: str, where: str) -> None:
    """A command line with placeholders ([SITE], URL, <type>): its command and every option exist."""
    words = line.replace("[", " ").replace("]", " ").replace("|", " ").split()
    assert words[0] == "site-builder" and len(words) > 1, where
    known = options_of(words[1])  # KeyError: no such command
    for word in words[2:]:
        if word.startswith("-"):
            assert word.split("=")[0] in known, f"{where}: `{line}`: {words[1]} has no option {word}"


@pytest.mark.parametrize("name", COMMAND_DOCS)
def test_every_command_in_the_docs_runs(name, tmp_path, monkeypatch, capsys):
    """Each ```sh block runs in a new site, line by line, as a reader would type it: its site-builder
    commands exit 0 (the part before `&&`; another program's commands are the reader's). serve and diff are
    only parsed: serve would run until stopped, diff needs a git history (tests/test_diff.py gives it one). Lines with placeholders, and commands in the prose, are checked
    against the command line's options."""
    from site_builder.cli import _parser, main
    from site_builder.scaffold import init_site

    for number, lines in enumerate(shell_lines(name)):
        site = tmp_path / f"block-{number}"
        init_site(site)
        monkeypatch.chdir(site)
        for line in lines:
            command = line.split("&&")[0].strip()
            if command.startswith("cd "):
                monkeypatch.chdir(command[3:].strip())
            if not command.startswith("site-builder "):
                continue
            if PLACEHOLDER_RE.search(command):
                check_synopsis(command, name)
                continue
            argv = shlex.split(command)[1:]
            if argv[0] in ("serve", "diff"):  # runs until stopped / needs a git history (test_diff has one)
                _parser().parse_args(argv)
                continue
            assert main(argv) == 0, f"{name}: `{command}` failed:\n{capsys.readouterr().err}"
    prose = FENCE_RE.sub("", (DOCS / name).read_text("utf-8"))
    for span in re.findall(r"`(site-builder [^`]*)`", prose):
        check_synopsis(span, name)



def test_imports_flow_one_way_as_the_architecture_says():
    """Nothing in read/, site/, pages/, search/ or output/ imports incremental/ or preview/ (docs/architecture.md)."""
    import ast
    package = Path(__file__).resolve().parent.parent / "site_builder"
    found = []
    for folder in ("read", "site", "pages", "search", "output"):
        for path in sorted((package / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    modules = [node.module or ""]
                elif isinstance(node, ast.ImportFrom) and node.level == 2:  # from ..x import y, from .. import x
                    modules = [f"site_builder.{node.module}"] if node.module else \
                        [f"site_builder.{alias.name}" for alias in node.names]
                else:
                    continue
                if any(m.split(".")[:2] in (["site_builder", "incremental"], ["site_builder", "preview"])
                       for m in modules):
                    found.append(f"{folder}/{path.name}")
    assert found == []
