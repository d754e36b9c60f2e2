"""Publishing conventions: scheduled explainers, robots.txt where crawlers read it, the list at /explainers/,
`new event` names, and what `check -v` does."""

from __future__ import annotations

import datetime
import types

import pytest

from site_builder import build as build_module
from site_builder.build import BuildOptions, BuildState, build_site
from site_builder.cli import main
from site_builder.preview.app import Preview

from conftest import MINIMAL_SITE_YML, build, messages

FUTURE = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
SITE = {
    "content/facts/people/ada.yml": "name: Ada\nsummary: A mathematician [@notes].\nrole: {value: Writer, source: notes}\n",
    "content/facts/sources/notes.yml": "title: The Notes\n",
    "content/explainers/hello.md": "---\ntitle: Hello\nsummary: A greeting.\ndate: 2024-01-02\n---\n"
                                   "About [[people/ada]] [@notes].\n",
    "content/explainers/soon.md": f"---\ntitle: Coming soon\nsummary: Later.\ndate: {FUTURE}\ntags: [later]\n---\n"
                                  "About [[people/ada]] [@notes].\n",
}


def test_an_explainer_dated_after_today_is_held_back_unless_future(make_site, capsys):
    root = make_site(dict(SITE))
    result = build(root)
    assert result.ok and "explainers/soon/index.html" not in result.outputs
    assert "Coming soon" not in result.outputs["feed.xml"].decode() + result.outputs["index.html"].decode()
    assert "tags/later/index.html" not in result.outputs
    published = build(root, future=True)
    assert "explainers/soon/index.html" in published.outputs
    assert 'class="scheduled"' not in published.outputs["explainers/soon/index.html"].decode()  # published: unmarked
    assert main(["check", str(root), "--future", "-q"]) == 0
    assert main(["build", str(root), "--future", "-q"]) == 0
    assert (root / "output/explainers/soon/index.html").is_file()
    assert main(["build", str(root), "-q"]) == 0
    assert not (root / "output/explainers/soon/index.html").exists()


def test_the_preview_shows_a_scheduled_explainer_marked_as_such(make_site):
    preview = Preview(make_site(dict(SITE)), log=lambda text: None)
    snap = preview.rebuild()
    page = snap.files["explainers/soon/index.html"].decode()
    shown = datetime.date.fromisoformat(FUTURE)
    assert f'<p class="scheduled" role="note">Scheduled for {shown:%B} {shown.day}, {shown.year}' in page  # en
    assert 'class="scheduled"' not in snap.files["explainers/hello/index.html"].decode()


@pytest.mark.parametrize("language,notice", [
    ("ko", "{d.year}년 {d.month}월 {d.day}일 공개 예정: 그때까지는 미리보기에서만 보입니다."),
    ("de", "Veröffentlichung geplant: {d.day}. {month} {d.year}. Bis dahin nur in der Vorschau sichtbar."),
], ids=["ko", "de"])
def test_the_scheduled_notice_is_in_the_sites_language(make_site, language, notice):
    from site_builder.i18n.locales import format_partial
    preview = Preview(make_site({**SITE, "site.yml": MINIMAL_SITE_YML + f"language: {language}\n"}), log=lambda text: None)
    page = preview.rebuild().files["explainers/soon/index.html"].decode()
    shown = datetime.date.fromisoformat(FUTURE)
    month = format_partial(shown.year, shown.month, 0, "de").split()[0]  # März
    assert f'<p class="scheduled" role="note">{notice.format(d=shown, month=month)}</p>' in page
    assert "Scheduled for" not in page


def test_a_link_to_a_scheduled_explainer_says_why_it_is_not_there(make_site):
    root = make_site({**SITE, "content/pages/about.md": "---\ntitle: About\n---\nSee [[explainers/soon]] and "
                                                        "[soon](../explainers/soon.md).\n"})
    assert [m.splitlines()[0] for m in messages(build(root))] == [
        f"content/pages/about.md:4:5: error: 'explainers/soon' is scheduled for {FUTURE}, so it is not published yet",
        f"content/pages/about.md:4:36: error: the link to 'content/explainers/soon.md' is scheduled for {FUTURE}, so "
        "it is not published yet"]
    assert messages(build(root, future=True)) == []


def test_the_day_an_explainer_is_scheduled_for_publishes_it_without_an_edit(make_site, monkeypatch):
    root = make_site(dict(SITE))
    state = BuildState()
    assert "explainers/soon/index.html" not in build_site(root, BuildOptions(), write=False, cache=state).outputs

    class Later(datetime.date):
        @classmethod
        def today(cls):
            return datetime.date.fromisoformat(FUTURE)

    monkeypatch.setattr(build_module, "datetime", types.SimpleNamespace(date=Later))
    again = build_site(root, BuildOptions(), write=False, cache=state, changed=set())
    assert "explainers/soon/index.html" in again.outputs


def test_robots_txt_only_at_the_root_of_a_host_and_a_note_otherwise(make_site, capsys):
    root = make_site(dict(SITE))
    assert "robots.txt" in build(root).outputs
    (root / "site.yml").write_text((root / "site.yml").read_text().replace("https://example.org/",
                                                                           "https://user.github.io/fresh/"))
    result = build(root)
    assert "robots.txt" not in result.outputs and result.diagnostics == []
    assert main(["build", str(root), "--strict"]) == 0
    err = capsys.readouterr().err
    assert err.count("note: ") == 1
    assert ("note: no robots.txt was written: crawlers read it only at the root of the host "
            "(https://user.github.io/robots.txt), outside this site. To point them at this site's pages, add this "
            "line to that file: Sitemap: https://user.github.io/fresh/sitemap.xml") in err
    assert not (root / "output/robots.txt").exists()


def test_explainers_are_listed_at_explainers_under_the_text_of_a_page_there(make_site):
    result = build(make_site(dict(SITE)))
    listing = result.outputs["explainers/index.html"].decode()
    assert "<h1>Explainers</h1>" in listing and 'href="/explainers/hello/"' in listing
    root = make_site({**SITE, "content/pages/explainers.md": "---\ntitle: Read these\n---\nStart with "
                                                             "[[explainers/hello]] [@notes].\n"})
    result = build(root)
    assert messages(result) == []
    listing = result.outputs["explainers/index.html"].decode()
    assert "<h1>Read these</h1>" in listing and listing.index("Start with") < listing.index('class="cards"')
    assert 'id="source-1"' in listing  # the text's citations are listed too


def test_new_event_names_the_file_after_its_date(make_site, capsys):
    root = make_site({})
    assert main(["new", "event", "Babbage meets Lovelace", "--date", "1833-06-05", "--site", str(root)]) == 0
    path = root / "content/facts/events/1833-06-05-babbage-meets-lovelace.yml"
    assert capsys.readouterr().out.strip() == path.as_posix()
    assert "date: 1833-06-05" in path.read_text()
    assert main(["new", "event", "1843 Notes published", "--site", str(root)]) == 0
    assert "date: 1843 " in (root / "content/facts/events/1843-notes-published.yml").read_text()
    assert main(["new", "event", "Today", "--site", str(root)]) == 0
    assert (root / f"content/facts/events/{datetime.date.today().isoformat()}-today.yml").is_file()
    assert "--date" in capsys.readouterr().err
    assert main(["new", "event", "Bad", "--date", "1833-13", "--site", str(root)]) == 2
    assert main(["new", "person", "Ada", "--date", "1833", "--site", str(root)]) == 2


def test_check_help_says_what_verbose_does_and_it_does_it(make_site, capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "list every file a build would write" in capsys.readouterr().out
    root = make_site(dict(SITE))
    assert main(["check", str(root), "-v"]) == 0
    out = capsys.readouterr().out
    assert "  would write explainers/hello/index.html\n" in out and not (root / "output").exists()
