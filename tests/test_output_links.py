"""The output folder is the builder's own, all the way down: no link inside the output, its spare, its
staging tree or beside them is ever followed, and a file is hard-linked only when it is one the builder wrote."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from site_builder import cli
from site_builder.build import BuildOptions, BuildState, build_site
from site_builder.output.write import OutputRefused

from conftest import files_of, write_site

SITE = {
    "site.yml": "title: T\nbase_url: https://example.org/\nsearch: off\n",
    "content/explainers/one.md": "---\ntitle: One\nsummary: First.\ndate: 2024-01-01\n---\n\nFirst.\n",
    "content/pages/about.md": "---\ntitle: About\n---\n\nHello.\n",
}


@pytest.fixture
def site(tmp_path):
    return write_site(tmp_path / "site", dict(SITE))


@pytest.fixture
def elsewhere(tmp_path):
    """A folder outside the site with files that look like the builder's."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "index.html").write_text("precious, not a page")
    (folder / "notes.txt").write_text("precious too")
    return folder


def state_of(folder: Path, links: bool = True) -> dict:
    """Every file's bytes, time stamp and link count: anything done through a link changes one of them."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        out[p.relative_to(folder).as_posix()] = (p.read_bytes() if p.is_file() else None, st.st_mtime_ns,
                                                 st.st_nlink if links else None)
    return out


def edit(site: Path, text: str) -> None:
    path = site / "content/explainers/one.md"
    path.write_text(path.read_text().rsplit("\n\n", 1)[0] + f"\n\n{text}\n")


def cli_build(site: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["build", str(site), "-q"])
    return code, capsys.readouterr().err


def test_a_folder_in_the_output_swapped_for_a_link_is_refused_and_never_written_through(site, elsewhere, capsys):
    assert cli_build(site, capsys)[0] == 0
    target = site / "output/explainers/one"
    shutil.rmtree(target)
    target.symlink_to(elsewhere, target_is_directory=True)
    before = state_of(elsewhere)
    for change in ("Edited.", "Edited again."):  # the red team built twice
        edit(site, change)
        code, err = cli_build(site, capsys)
        assert code == 2 and err.count("\n") == 1, err
        assert "holds a symbolic link or special file (explainers/one)" in err
    (site / "content/explainers/one.md").unlink()  # and a removed page must not delete through the link
    assert cli_build(site, capsys)[0] == 2
    assert state_of(elsewhere) == before
    assert target.is_symlink()


def test_a_folder_moved_out_and_linked_back_is_refused(site, tmp_path, capsys):
    """The files keep their inodes when the folder is moved: the link itself must be seen."""
    assert cli_build(site, capsys)[0] == 0
    moved = tmp_path / "moved"
    (site / "output/explainers/one").rename(moved)
    (site / "output/explainers/one").symlink_to(moved, target_is_directory=True)
    before = state_of(moved)
    edit(site, "Edited.")
    code, err = cli_build(site, capsys)
    assert code == 2 and "symbolic link" in err
    assert state_of(moved) == before


def test_an_output_folder_holding_only_a_folder_link_is_not_empty(site, elsewhere, capsys):
    out = site / "output"
    out.mkdir()
    (out / "stuff").symlink_to(elsewhere, target_is_directory=True)
    before = state_of(elsewhere)
    for _ in range(2):
        code, err = cli_build(site, capsys)
        assert code == 2 and "holds a symbolic link or special file (stuff)" in err, err
    assert (out / "stuff").is_symlink() and state_of(elsewhere) == before


@pytest.mark.parametrize("trusted", [True, False], ids=["same-process", "command-line"])
def test_a_link_in_the_spare_tree_is_refused_before_either_tree_is_touched(site, elsewhere, trusted, capsys):
    state = BuildState() if trusted else None
    options = BuildOptions(disk_cache=not trusted)
    for n in range(2):  # the second build leaves a spare tree
        edit(site, f"Edit {n}.")
        assert build_site(site, options, cache=state).ok
    spare = site / ".output.spare"
    shutil.rmtree(spare / "explainers/one")
    (spare / "explainers/one").symlink_to(elsewhere, target_is_directory=True)
    before, live = state_of(elsewhere), files_of(site / "output")
    edit(site, "Edit 3.")
    with pytest.raises(OutputRefused, match=r"spare output folder '.output.spare' holds a symbolic link"):
        build_site(site, options, cache=state, changed=[str(site / "content/explainers/one.md")] if trusted else None)
    assert state_of(elsewhere) == before and files_of(site / "output") == live
    assert (spare / "explainers/one").is_symlink()


@pytest.mark.parametrize("trusted", [True, False], ids=["same-process", "command-line"])
def test_a_spare_tree_that_is_a_link_is_removed_as_a_link(site, tmp_path, trusted):
    state = BuildState() if trusted else None
    options = BuildOptions(disk_cache=not trusted)
    for n in range(2):
        edit(site, f"Edit {n}.")
        assert build_site(site, options, cache=state).ok
    moved = tmp_path / "moved-spare"
    (site / ".output.spare").rename(moved)  # its manifest keeps its inode and time stamps
    (site / ".output.spare").symlink_to(moved, target_is_directory=True)
    before = state_of(moved, links=False)  # (its files share inodes with the live tree's, which stay linked)
    edit(site, "Edit 3.")
    assert build_site(site, options, cache=state).ok
    assert state_of(moved, links=False) == before
    assert not (site / ".output.spare").is_symlink()
    assert b"Edit 3." in (site / "output/explainers/one/index.html").read_bytes()


def test_links_where_staging_trees_go_are_removed_as_links(site, elsewhere):
    assert build_site(site, BuildOptions()).ok
    before = state_of(elsewhere)
    for name in (f".output.staging-{os.getpid()}", ".output.staging-99999999", f".output.staging-{os.getpid()}-old"):
        (site / name).symlink_to(elsewhere, target_is_directory=True)
    shutil.rmtree(site / ".site-builder-cache")  # no saved state: the leftovers are looked for
    edit(site, "Edited.")
    result = build_site(site, BuildOptions())
    assert result.ok
    assert state_of(elsewhere) == before
    assert not list(site.glob(".output.staging-*"))
    assert b"Edited." in (site / "output/explainers/one/index.html").read_bytes()


def test_a_lock_file_that_is_a_link_is_refused(site, tmp_path, capsys):
    (site / ".output.lock").symlink_to(tmp_path / "created-elsewhere")
    code, err = cli_build(site, capsys)
    assert code == 2 and err.startswith("site-builder: error: cannot use the lock file '.output.lock'"), err
    assert not (tmp_path / "created-elsewhere").exists()


def test_only_files_the_builder_wrote_are_hard_linked(site, tmp_path, capsys):
    """A page replaced by another file (here a hard link to a file elsewhere) is written anew, never linked."""
    assert cli_build(site, capsys)[0] == 0
    page = site / "output/about/index.html"
    good = page.read_bytes()
    secret = tmp_path / "secret.html"
    secret.write_text("a secret that must not be published")
    page.unlink()
    os.link(secret, page)
    edit(site, "Edited.")  # something to write, so the other page is taken from the live tree
    assert cli_build(site, capsys)[0] == 0
    assert page.read_bytes() == good
    assert os.stat(secret).st_nlink == 2  # the one link made by hand, now in the spare tree; none by the builder
    spare_page = site / ".output.spare/about/index.html"
    assert os.path.samefile(spare_page, secret)
    edit(site, "Edited again.")
    assert cli_build(site, capsys)[0] == 0
    assert os.stat(secret).st_nlink == 1 and page.read_bytes() == good
    assert all(b"secret" not in data for data in files_of(site / "output").values())


def test_folders_looked_up_one_by_one_or_by_listing_their_parents_agree(tmp_path, elsewhere):
    from site_builder.output.trees import Folders, Stranger, real_folders

    tree = tmp_path / "tree"
    (tree / "a/b").mkdir(parents=True)
    (tree / "a/file").write_text("x")
    (tree / "a/link").symlink_to(elsewhere, target_is_directory=True)
    strangers = {"a/file/c": "a/file", "a/link": "a/link", "a/link/b": "a/link"}
    for folder in ("a/b", "a/b/c", "a/missing/c", "a/file/c", "a/link", "a/link/b"):
        try:
            Folders(tree).check(folder)
            said = None
        except Stranger as exc:
            said = exc.rel
        assert said == strangers.get(folder), folder
        assert real_folders(tree, {f"{folder}/index.html": "", "a/b/index.html": ""}) == (said is None), folder
    assert real_folders(tree, {f"{f}/index.html": "" for f in ("a/b", "a/b/c", "a/missing/c")})


def test_a_folder_is_listed_again_once_changed_and_kept_unlisted_only_when_settled(tmp_path, elsewhere, monkeypatch):
    from site_builder.output import trees

    tree = tmp_path / "tree"
    for folder in ("a/b", "a/c"):
        (tree / folder).mkdir(parents=True)
        (tree / folder / "index.html").write_text("x")
    manifest = {"a/b/index.html": "", "a/c/index.html": ""}
    fresh = trees.Listings()
    assert trees.real_folders(tree, manifest, fresh) and fresh.used == {}  # just made: its stamp could lie
    monkeypatch.setattr(trees.Listings, "RACY_SECONDS", -1.0)  # (as if made long ago)
    listed = []
    real = trees._strangers
    monkeypatch.setattr(trees, "_strangers", lambda folder: listed.append(folder) or real(folder))
    first = trees.Listings()
    assert trees.real_folders(tree, manifest, first) and len(listed) == 2  # the tree and a/
    listed.clear()
    again = trees.Listings(first.saved())
    assert trees.real_folders(tree, manifest, again) and listed == []  # nothing changed: nothing listed
    shutil.rmtree(tree / "a/c")
    (tree / "a/c").symlink_to(elsewhere, target_is_directory=True)
    assert not trees.real_folders(tree, manifest, trees.Listings(again.saved()))  # a/ changed: listed again
    assert listed == [os.path.join(os.fspath(tree), "a")]
    listed.clear()
    once = trees.Listings()
    assert not trees.real_folders(tree, manifest, once) and not trees.real_folders(tree, manifest, once)
    assert len(listed) == 2 and once.learned() and not trees.Listings(once.saved()).learned()  # one listing a build


def test_a_build_that_changes_nothing_keeps_the_listings_it_made_for_the_next(site, capsys, monkeypatch):
    from site_builder.output import trees
    from site_builder.read import discover

    monkeypatch.setattr(trees.Listings, "RACY_SECONDS", -1.0)  # (the folders as if made long ago,
    monkeypatch.setattr(discover, "RACY_SECONDS", -1.0)  # the sources too: none is read again for being new)
    assert cli_build(site, capsys)[0] == 0
    edit(site, "Edited.")
    assert cli_build(site, capsys)[0] == 0  # the live tree after it: the spare, updated, so not listed yet
    listed = []
    real = trees._strangers
    monkeypatch.setattr(trees, "_strangers", lambda folder: listed.append(folder) or real(folder))
    for n in range(2):
        listed.clear()
        assert cli_build(site, capsys)[0] == 0
        assert (listed != []) == (n == 0), listed  # listed by the first build that changes nothing, not the next


def test_the_manifest_is_written_as_json_with_one_entry_a_line_in_key_order():
    import json
    import random

    from site_builder.output.write import manifest_bytes

    names = ["a", "b/c.html", "é/ü.html", "日本/index.html", 'q"uote\\back', "tab\there", "\u2028line", "z" * 300]
    for n in range(50):
        rng = random.Random(n)
        digests = {rng.choice(names) + str(rng.randrange(99)): rng.choice(names) for _ in range(rng.randrange(6))}
        assert manifest_bytes(digests) == json.dumps(digests, indent=0, sort_keys=True).encode("utf-8")
        assert json.loads(manifest_bytes(digests)) == digests


def test_a_command_line_build_looks_at_every_file_of_one_tree_only(site, capsys, monkeypatch):
    """An edit looks at each file of the spare tree, about to become the output; a build that changes
    nothing looks at the live tree, which it keeps. The other tree is looked at only where it is used."""
    from site_builder.output import trees, written
    looked = []
    real = trees.all_ours
    monkeypatch.setattr(written, "all_ours", lambda tree, *a: looked.append(tree.name) or real(tree, *a))
    assert cli_build(site, capsys)[0] == 0  # (the first build makes the spare: links to what it wrote)
    for n in range(2):
        looked.clear()
        edit(site, f"Edited {n}.")
        assert cli_build(site, capsys)[0] == 0
        assert looked == [".output.spare"]
    looked.clear()
    assert cli_build(site, capsys)[0] == 0
    assert looked == ["output"]


def test_a_page_removed_from_the_live_tree_comes_back_from_either_tree(site, capsys):
    """A file of the live tree removed or replaced by another process, not looked at by an edit's build,
    goes to the spare with the rest; the next write into the spare sees it and writes it anew."""
    assert cli_build(site, capsys)[0] == 0
    edit(site, "Edited.")
    assert cli_build(site, capsys)[0] == 0
    page = site / "output/about/index.html"
    good = page.read_bytes()
    page.unlink()
    for n in range(3):
        edit(site, f"Edited {n}.")
        assert cli_build(site, capsys)[0] == 0
        clean = build_site(site, BuildOptions(disk_cache=False), write=False)
        got = files_of(site / "output")
        assert page.read_bytes() == good
        assert all(got[rel] == data for rel, data in clean.outputs.items() if isinstance(data, bytes))


def test_trees_that_share_files_leave_no_temporary_file_behind(site, capsys):
    """The first build's spare is hard links to the output; a write with no record of it (no saved state)
    places each file again, and a file that already is the very one wanted is left as it is."""
    assert cli_build(site, capsys)[0] == 0
    page = "about/index.html"
    assert os.path.samefile(site / "output" / page, site / ".output.spare" / page)
    edit(site, "Edited.")
    assert build_site(site, BuildOptions(disk_cache=False)).ok
    left = [p for tree in ("output", ".output.spare") for p in (site / tree).rglob("*.tmp")]
    assert left == []


def test_a_page_gone_from_the_live_tree_comes_back_when_an_edit_changes_no_page(site, capsys):
    """An edit that changes no output, after a page went from the live tree: the build finds the live tree
    not whole, takes what the spare holds as written, and swaps; nothing is refused."""
    assert cli_build(site, capsys)[0] == 0
    page = site / "output/explainers/one/index.html"
    good = page.read_bytes()
    page.unlink()
    about = site / "content/pages/about.md"
    about.write_text(about.read_text() + "\n")  # other bytes, the same page
    assert cli_build(site, capsys) == (0, "")
    assert page.read_bytes() == good
