"""Errors in cause-first order: a file that cannot be read is reported, and nothing that follows from it.

A fact sheet or explainer that fails to parse keeps its id (from its path and type folder), so what refers
to it is not reported as unknown; pages that need it are not made (the build fails anyway); the preview
shows the cause first. site.yml's errors come before anything else.
"""

from __future__ import annotations

from site_builder.build import BuildOptions, BuildState, build_site
from site_builder.preview.app import Preview, PreviewApp, error_overlay

from conftest import build, messages

SITE = {
    "content/facts/people/ada.yml": """
        name: Ada Lovelace
        summary: Mathematician [@notes].
        role: {value: Analyst, source: notes}
        """,
    "content/facts/organizations/acme.yml": """
        name: Acme
        summary: A company that [[people/ada]] advised [@notes].
        founded: {value: 1901, source: notes}
        """,
    "content/facts/sources/notes.yml": "title: The Notes\n",
    "content/explainers/hello.md": """
        ---
        title: Hello
        summary: A greeting.
        date: 2024-01-02
        ---
        About [[people/ada]], [[ada]] and [[organizations/acme]] [@notes]. See [her](../facts/people/ada.yml).
        """,
    "templates/home.html": '{% extends "base.html" %}{% block main %}{{ sheet("people/ada").name }} '
                           '{{ ref("ada") }} {{ url_for("people/ada") }}{% endblock %}',
}
TAB = "name: Ada Lovelace\n\tsummary: x\n"


def test_a_sheet_that_cannot_be_read_gives_its_own_error_only(make_site):
    root = make_site({**SITE, "content/facts/people/ada.yml": TAB})
    result = build(root)
    assert messages(result) == [
        "content/facts/people/ada.yml:2:1: error: YAML syntax: found character '\\t' that cannot start any token\n"
        "    hint: indent with spaces, not tabs"]
    assert not result.ok
    assert "index.html" not in result.outputs  # the home page needs the sheet: it is not made, nor does it crash
    assert "explainers/hello/index.html" in result.outputs  # a page that only refers to it shows the text


def test_site_yml_and_unreadable_files_come_first(make_site):
    root = make_site({**SITE, "content/facts/people/ada.yml": TAB,
                      "content/explainers/hello.md": SITE["content/explainers/hello.md"] + "[[people/nobody]]\n",
                      "site.yml": "title: T\nbase_url: https://example.org/\ncolour: blue\n" + "types:\n"
                                  "  person: {folder: people, fields: {role: {type: text}}}\n"
                                  "  organization: {folder: organizations, fields: {founded: {type: date}}}\n"})
    found = [d.location.rel_path for d in build(root).diagnostics]
    assert found == ["site.yml", "content/facts/people/ada.yml", "content/explainers/hello.md"]


def test_the_preview_panel_lists_the_cause_first(make_site):
    root = make_site(dict(SITE))
    preview = Preview(root, log=lambda text: None)
    assert preview.rebuild().built
    (root / "content/facts/people/ada.yml").write_text(TAB)
    (root / "content/explainers/hello.md").write_text(
        (root / "content/explainers/hello.md").read_text() + "\n[[ada]] [[people/adda]]\n")
    snap = preview.rebuild({"content/facts/people/ada.yml", "content/explainers/hello.md"})
    assert [d.location.rel_path for d in snap.errors] == ["content/facts/people/ada.yml",
                                                          "content/explainers/hello.md"]
    panel = error_overlay(snap.errors).decode()
    assert panel.index("ada.yml:2:1") < panel.index("hello.md")
    assert PreviewApp(preview).respond({"PATH_INFO": "/", "REQUEST_METHOD": "GET"}).status == 200


def test_fixing_the_file_links_everything_again(make_site):
    root = make_site({**SITE, "content/facts/people/ada.yml": TAB})
    state = BuildState()
    assert not build_site(root, BuildOptions(), write=False, cache=state).ok
    (root / "content/facts/people/ada.yml").write_text("name: Ada Lovelace\nsummary: x [@notes].\n"
                                                      "role: {value: Analyst, source: notes}\n")
    again = build_site(root, BuildOptions(), write=False, cache=state, changed={"content/facts/people/ada.yml"})
    clean = build_site(root, BuildOptions(), write=False)
    assert again.ok and messages(again) == messages(clean) == []
    assert again.outputs == clean.outputs
    (root / "content/facts/people/ada.yml").unlink()  # gone for good: now the references are unknown
    gone = build_site(root, BuildOptions(), write=False, cache=state, changed={"content/facts/people/ada.yml"})
    assert "content/explainers/hello.md:6:7: error: unknown reference 'people/ada'" in messages(gone)


def test_a_file_that_is_not_utf8_keeps_its_id_too(make_site):
    root = make_site({**SITE, "content/facts/people/ada.yml": b"name: Ada \xe9\nsummary: x\n"})
    assert [d.message for d in build(root).diagnostics] == ["the file is not UTF-8 text (byte 0xe9)"]


def test_a_bad_to_in_site_yml_is_reported_there_only(make_site):
    site_yml = ("title: T\nbase_url: https://example.org/\ntypes:\n"
                "  person: {folder: people, fields: {role: {type: text}, employer: {type: ref, to: organisation}}}\n"
                "  organization: {folder: organizations}\n")
    sheet = "name: Bob\nsummary: x [@notes] and [[people/ada]].\nrole: {value: y, source: notes}\n" \
            "employer: {value: organizations/acme, source: notes}\n"
    root = make_site({**SITE, "site.yml": site_yml, "content/facts/people/bob.yml": sheet,
                      "content/facts/people/ada.yml": SITE["content/facts/people/ada.yml"].replace("[@notes]", "[[people/bob]]"),
                      "content/facts/organizations/acme.yml": "name: Acme\nsummary: A company [@notes].\n"})
    assert messages(build(root)) == [
        "site.yml:4:83: error: field 'employer' of type 'person' refers to unknown type 'organisation' "
        "(did you mean 'organization'?)"]
