"""The on-disk parse cache, parallel parsing and the spare output tree: faster, never different."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from site_builder import workers
from site_builder.incremental.state import STATE_FILE
from site_builder.pages import render as render_module
from site_builder.read import discover as discover_module
from site_builder.read import parse as parse_module
from site_builder.build import BuildOptions, BuildState, build_site
from site_builder.incremental.cache import CACHE_DIR
from site_builder.output.write import OutputRefused

from conftest import MINIMAL_SITE_YML, files_of, write_site

SITE = {
    "site.yml": MINIMAL_SITE_YML,
    "content/facts/people/ada.yml": "name: Ada\nsummary: A person [@s1].\nrole: {value: engineer, source: s1}\n",
    "content/facts/sources/s1.yml": "title: A report\npublisher: Wire\n",
    "content/explainers/one.md": "---\ntitle: One\nsummary: First.\ndate: 2024-01-01\n---\n\n"
                                 "About [[people/ada]] [@s1].\n\n<b>bold</b>\n",
}


@pytest.fixture
def site(tmp_path):
    return write_site(tmp_path / "site", dict(SITE))


def test_a_second_build_reads_parsed_files_from_the_cache(site, monkeypatch):
    first = build_site(site, BuildOptions())
    assert first.ok
    entries = list((site / CACHE_DIR).rglob("*"))
    assert sum(1 for p in entries if p.is_file() and "parse" in p.parts) == 3  # one per content file
    output = files_of(site / "output")

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again although the cache holds the file")

    monkeypatch.setattr(parse_module, "parse_document", no_parsing)
    monkeypatch.setattr(parse_module, "parse_factsheet", no_parsing)
    (site / "output").rename(site / "old-output")
    second = build_site(site, BuildOptions())
    assert second.ok
    assert files_of(site / "output") == output


def test_a_changed_setting_never_reuses_entries(site):
    build_site(site, BuildOptions())
    assert b"<b>bold</b>" in (site / "output/explainers/one/index.html").read_bytes()
    (site / "site.yml").write_text(MINIMAL_SITE_YML + "markdown: {raw_html: escape}\n")
    build_site(site, BuildOptions())
    html = (site / "output/explainers/one/index.html").read_bytes()
    assert b"<b>bold</b>" not in html and b"&lt;b&gt;bold&lt;/b&gt;" in html


def test_damaged_entries_are_misses_and_stale_ones_are_removed(site):
    build_site(site, BuildOptions())
    entries = [p for p in (site / CACHE_DIR / "parse").rglob("*") if p.is_file()]
    for p in entries:
        p.write_bytes(b"garbage")
    result = build_site(site, BuildOptions())
    assert result.ok
    clean = build_site(site, BuildOptions(disk_cache=False), write=False)
    for rel, data in clean.outputs.items():
        if isinstance(data, bytes):
            assert (site / "output" / rel).read_bytes() == data
    path = site / "content/explainers/one.md"
    path.write_text(path.read_text() + "\nMore.\n")
    build_site(site, BuildOptions())
    assert sum(1 for p in (site / CACHE_DIR / "parse").rglob("*") if p.is_file()) == 3  # the old entry went


def test_check_leaves_the_site_folder_alone(site):
    result = build_site(site, BuildOptions(), write=False)
    assert result.ok
    assert not (site / CACHE_DIR).exists() and not (site / "output").exists()


def _where(context, n: int) -> tuple[int, int, str]:
    time.sleep(0.002)  # (long enough for every process to take a chunk)
    return n, os.getpid(), context


def _fails_in_a_worker(parent: int, n: int) -> int:
    time.sleep(0.002)
    if os.getpid() != parent and n % 10 == 3:
        raise ValueError(f"item {n} could not be made")
    return n


def _finds_damage_in_a_worker(parent: int, n: int) -> int:
    from site_builder.incremental.sections import Damaged
    time.sleep(0.002)
    if os.getpid() != parent and n % 10 == 3:
        raise Damaged("a bucket a worker read")  # (not an Exception: the build starts over on it)
    return n


def _dies_in_a_worker(parent: int, n: int) -> int:
    time.sleep(0.002)
    if os.getpid() != parent:
        os._exit(3)
    return n


def _unsendable_from_a_worker(parent: int, n: int):
    time.sleep(0.002)
    return n if os.getpid() == parent else (lambda: n)  # (a function made here cannot be pickled)


def test_the_parent_is_one_of_the_workers_and_results_come_in_order():
    """A build's parent renders a share of the pages rather than wait for its workers: a copy of the
    site fewer in memory (each worker is a copy of it)."""
    if workers.worker_count(100, 1) < 2:
        pytest.fail("this test needs two cores and no other threads to exercise worker processes")
    items = list(range(100))
    done = [result for chunk in workers.run(_where, "ctx", items, 1) for result in chunk]
    assert [n for n, _, _ in done] == items and {c for _, _, c in done} == {"ctx"}
    pids = {pid for _, pid, _ in done}
    assert os.getpid() in pids and len(pids) == workers.worker_count(100, 1)


def test_a_workers_failure_is_raised_in_the_parent_and_no_worker_is_left():
    """A worker's exception reaches the build (as a bug's traceback would, not as a hang); one that ended
    without its results is an error too; and a run left early stops its workers."""
    if workers.worker_count(100, 1) < 2:
        pytest.fail("this test needs two cores and no other threads to exercise worker processes")
    import multiprocessing
    with pytest.raises(ValueError, match="could not be made"):
        list(workers.run(_fails_in_a_worker, os.getpid(), list(range(200)), 1))
    from site_builder.incremental.sections import Damaged
    with pytest.raises(Damaged, match="a worker read"):
        list(workers.run(_finds_damage_in_a_worker, os.getpid(), list(range(200)), 1))
    with pytest.raises(RuntimeError, match="ended without finishing"):
        list(workers.run(_dies_in_a_worker, os.getpid(), list(range(200)), 1))
    with pytest.raises(Exception, match="pickle"):  # (not a chunk lost, and the parent waiting for it)
        list(workers.run(_unsendable_from_a_worker, os.getpid(), list(range(200)), 1))
    chunks = workers.run(_where, "ctx", list(range(200)), 1)
    next(chunks)
    chunks.close()
    assert multiprocessing.active_children() == []


def test_a_built_site_is_freed_without_the_cycle_collector(site):
    """What a build made once for many pages (Index.derived) may hold the index: it is dropped when
    rendering ends, so no cycle keeps a whole site in memory while the next build holds the collector off."""
    import gc
    import weakref
    collecting = gc.isenabled()
    gc.disable()
    try:
        state = BuildState()
        result = build_site(site, BuildOptions(disk_cache=False), write=False, cache=state)
        assert result.ok and "index.html" in result.outputs  # the home page lists the explainer
        index, kept = weakref.ref(result.index), weakref.ref(state)
        del result, state
        assert index() is None and kept() is None
    finally:
        if collecting:
            gc.enable()


def test_an_edit_of_prose_beside_code_loads_no_lexer(site):
    """The file's last parse, in the disk cache, gives its highlighted code back: a command-line build after
    an edit of the prose around it loads no part of Pygments (a lexer alone costs tens of milliseconds)."""
    import subprocess
    import sys
    page = site / "content/explainers/one.md"
    page.write_text(page.read_text() + "\n```python\ndef f(x):\n    return x + 1\n```\n")
    assert build_site(site, BuildOptions()).ok  # cold: the code is highlighted and kept with the parse
    page.write_text(page.read_text().replace("About", "All about"))
    code = ("import sys\nfrom site_builder import cli\n"
            f"code = cli.main(['build', {str(site)!r}])\nprint(code, 'pygments' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[-2:] == ["0", "False"]
    html = (site / "output/explainers/one/index.html").read_text()
    assert "All about" in html and '<span class="k">def</span>' in html
    page.write_text(page.read_text().replace("x + 1", "x + 2"))  # the code itself changed: coloured anew
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[-2:] == ["0", "True"]
    assert '<span class="mi">2</span>' in (site / "output/explainers/one/index.html").read_text()


def test_parallel_parsing_builds_the_same_bytes(site, monkeypatch):
    for i in range(12):
        write_site(site, {f"content/explainers/e{i:02d}.md":
                          f"---\ntitle: E {i}\nsummary: S {i}.\ndate: 2024-02-{i + 1:02d}\n---\n\n"
                          f"## Part\n\nText [[people/ada]] [@s1] and [[nobody-{i}]].\n"})
    serial = build_site(site, BuildOptions(disk_cache=False), write=False)
    monkeypatch.setattr(parse_module, "PARALLEL_MIN", 1)
    if workers.worker_count(100, 1) < 2:
        pytest.fail("this test needs two cores and no other threads to exercise worker processes")
    parallel = build_site(site, BuildOptions(disk_cache=False), write=False)
    assert [d.format() for d in parallel.diagnostics] == [d.format() for d in serial.diagnostics]
    assert parallel.outputs == serial.outputs
    assert any("unknown reference 'nobody-3'" in d.message for d in parallel.diagnostics)


def test_parallel_rendering_builds_the_same_bytes_and_records_the_same_dependencies(site, monkeypatch):
    for i in range(12):
        write_site(site, {f"content/explainers/e{i:02d}.md":
                          f"---\ntitle: E {i}\nsummary: S {i}.\ndate: 2024-02-{i + 1:02d}\n---\n\n"
                          f"Text [[people/ada]] [@s1].\n"})
    serial_state = BuildState()
    serial = build_site(site, BuildOptions(disk_cache=False), write=False, cache=serial_state)
    monkeypatch.setattr(render_module, "PARALLEL_MIN", 1)
    if workers.worker_count(100, 1) < 2:
        pytest.fail("this test needs two cores and no other threads to exercise worker processes")
    assert build_site(site, BuildOptions(disk_cache=False), write=False).outputs == serial.outputs
    state = BuildState()
    parallel = build_site(site, BuildOptions(disk_cache=False), write=False, cache=state)
    assert parallel.outputs == serial.outputs
    assert {k: r.deps for k, r in state.pages.records.items()} == {k: r.deps for k, r in serial_state.pages.records.items()}
    for ada in ("name: Ada Byron\nsummary: A person [@s1].\nrole: {value: engineer, source: s1}\n",  # a rename
                "name: Ada Byron\nsummary: A person [@s1].\nrole: {value: analyst, source: s1}\n"):  # a field
        write_site(site, {"content/facts/people/ada.yml": ada})
        again = build_site(site, BuildOptions(disk_cache=False), write=False, cache=state)
        clean = build_site(site, BuildOptions(disk_cache=False), write=False)
        assert again.ok and again.outputs == clean.outputs
        assert "people/ada/index.html" in again.rendered
    assert "explainers/e05/index.html" not in again.rendered  # it shows Ada's name, not her role
    assert "404.html" not in again.rendered


def test_the_spare_tree_is_updated_with_only_what_changed(site):
    options = BuildOptions()  # (the saved state vouches for the spare tree's files)
    path = site / "content/explainers/one.md"
    original = path.read_text()
    for n in range(4):  # live and spare trees take turns
        path.write_text(original + f"\nEdit {n}.\n")
        assert build_site(site, options).ok
        clean = build_site(site, options, write=False)
        expected = {rel: data for rel, data in clean.outputs.items() if isinstance(data, bytes)}
        got = files_of(site / "output")
        for rel, data in expected.items():
            assert got[rel] == data, rel
        assert (site / ".output.spare").is_dir()  # (the first build makes it: hard links to what it wrote)
        if n == 0:
            assert all(os.path.samefile(site / "output" / rel, site / ".output.spare" / rel) for rel in expected)
    (site / "content/explainers/one.md").unlink()  # a removed page leaves no empty folder behind
    assert build_site(site, options).ok
    assert not (site / "output/explainers/one").exists()
    (site / ".output.spare" / ".site-builder-manifest.json").unlink()  # a spare left half-updated
    path.write_text(original)
    assert build_site(site, options).ok
    assert (site / "output/explainers/one/index.html").is_file()
    assert build_site(site, BuildOptions(disk_cache=False)).ok  # no record of the trees: none kept as the spare
    assert not (site / ".output.spare").exists() and (site / "output/explainers/one/index.html").is_file()


def test_the_next_command_line_build_renders_only_what_changed(site):
    first = build_site(site, BuildOptions())
    assert first.ok and (site / CACHE_DIR / STATE_FILE).is_file()
    again = build_site(site, BuildOptions())  # a new process would load the same saved state
    assert again.ok and again.stats.written == 0
    assert again.rendered == []  # nothing changed, nothing rendered
    path = site / "content/explainers/one.md"
    path.write_text(path.read_text().replace("About", "All about"))
    edited = build_site(site, BuildOptions())
    assert "explainers/one/index.html" in edited.rendered and "people/index.html" not in edited.rendered
    # a page is kept from the output folder only while the folder still holds it
    ada = site / "output/people/ada/index.html"
    good = ada.read_bytes()
    ada.unlink()
    fixed = build_site(site, BuildOptions())
    assert fixed.rendered == ["people/ada/index.html"] and ada.read_bytes() == good
    clean = build_site(site, BuildOptions(disk_cache=False), write=False)
    for rel, data in clean.outputs.items():
        if isinstance(data, bytes):
            assert (site / "output" / rel).read_bytes() == data, rel


def test_a_damaged_saved_state_means_a_full_build(site):
    build_site(site, BuildOptions())
    (site / CACHE_DIR / STATE_FILE).write_bytes(b"not a saved state")
    result = build_site(site, BuildOptions())
    assert result.ok and len(result.rendered) == sum(1 for r in result.routes if r.kind != "asset")


def _damaged(path, *keys) -> None:
    """The saved state at path with the first blob of every bucket (or the list) of these sections damaged."""
    from site_builder.incremental import sections, state as saved_state
    disk = sections.read(path, saved_state._FORMAT)[1]
    data = path.parent / disk.data
    damaged = bytearray(data.read_bytes())
    for key in keys:
        section = disk.sections[key]
        for blobs in section.blobs if section.kind == sections.BUCKETS else [section.blobs]:
            damaged[blobs[0][0] + 2] ^= 0x55
    data.write_bytes(bytes(damaged))


def test_a_part_of_the_saved_state_found_damaged_mid_build_means_starting_over(site, monkeypatch, capsys):
    from site_builder import build as build_module, cli
    from site_builder.incremental.sections import Damaged

    assert build_site(site, BuildOptions()).ok
    path = site / CACHE_DIR / STATE_FILE
    _damaged(path, "pages")  # every page record's bucket: the edit below reads one
    one = site / "content/explainers/one.md"
    one.write_text(one.read_text() + "\nA new line.\n")
    loads, load = [], build_module.saved_state.load
    monkeypatch.setattr(build_module.saved_state, "load", lambda path: loads.append(path) or load(path))
    result = build_site(site, BuildOptions())  # (the state's head was read whole and good: the damage shows later)
    assert len(loads) == 2 and result.ok  # once, then again without the state
    assert len(result.rendered) == sum(1 for r in result.routes if r.kind != "asset")
    clean = build_site(site, BuildOptions(disk_cache=False), write=False)
    for rel, data in clean.outputs.items():
        if isinstance(data, bytes):
            assert (site / "output" / rel).read_bytes() == data, rel
    again = build_site(site, BuildOptions())  # the state saved after starting over is whole
    assert len(loads) == 3 and again.ok and again.rendered == [] and again.stats.written == 0

    monkeypatch.setattr(cli, "build_site", lambda *a, **k: (_ for _ in ()).throw(Damaged("found twice")))
    assert cli.main(["build", str(site)]) == 2  # (a state that could not be removed: said, not a traceback)
    assert "found twice; remove the folder .site-builder-cache" in capsys.readouterr().err


def test_a_part_of_the_saved_state_found_damaged_when_saving_or_loading_means_none_is_kept(site, monkeypatch):
    from site_builder.incremental import state as saved_state

    assert build_site(site, BuildOptions()).ok
    path = site / CACHE_DIR / STATE_FILE
    _damaged(path, "key_names")  # read to save (the numbers of the names), by no build that finds nothing changed
    loaded = saved_state.load(path)
    assert loaded.files.entries  # (the head and the tables it reads at once are good)
    saved_state.save(loaded, path)
    assert not path.exists()  # none kept, rather than a build done again
    assert build_site(site, BuildOptions()).ok and path.exists()
    _damaged(path, "pages")
    fill = saved_state._fill  # (which reads the records of pages that had problems as it loads)
    monkeypatch.setattr(saved_state, "_fill", lambda state, plain: (plain["pages"].get("explainers/one/index.html"),
                                                                    fill(state, plain)))
    loaded = saved_state.load(path)
    assert loaded.settings is None and not loaded.files.entries  # a fresh state, as for a damaged head



def test_a_build_with_nothing_changed_does_nothing_and_says_the_same(site, monkeypatch):
    monkeypatch.setattr(discover_module, "RACY_SECONDS", 0.0)  # trust time stamps at once (they tick in ns here)
    write_site(site, {"content/facts/sources/unused.yml": "title: Nobody cites me\n"})  # a warning to replay
    first = build_site(site, BuildOptions())
    assert first.ok and any("not cited anywhere" in d.message for d in first.diagnostics)
    output = files_of(site / "output")

    def no_work(*args, **kwargs):
        raise AssertionError("a file was parsed or a page rendered although nothing changed")

    for module, name in ((parse_module, "parse_document"), (parse_module, "parse_factsheet"),
                         (render_module, "render_route")):
        monkeypatch.setattr(module, name, no_work)
    second = build_site(site, BuildOptions())
    assert second.ok and second.rendered == [] and second.stats.written == 0
    assert [d.format() for d in second.diagnostics] == [d.format() for d in first.diagnostics]
    assert sum(1 for r in second.routes if r.kind != "asset") == sum(1 for r in first.routes if r.kind != "asset")
    assert files_of(site / "output") == output
    monkeypatch.undo()
    monkeypatch.setattr(discover_module, "RACY_SECONDS", 0.0)

    # any change to the site, the options or the output folder means work
    (site / "output/explainers/one/index.html").unlink()
    assert build_site(site, BuildOptions()).stats.written == 1
    assert files_of(site / "output") == output
    assert build_site(site, BuildOptions(strict=True)).ok is False  # other options: built, and failed
    path = site / "content/explainers/one.md"
    path.write_text(path.read_text().replace("First.", "The first."))
    changed = build_site(site, BuildOptions())
    assert changed.rendered and b"The first." in (site / "output/explainers/one/index.html").read_bytes()
    write_site(site, {"templates/404.html": "{% extends 'base.html' %}{% block main %}Gone.{% endblock %}"})
    assert build_site(site, BuildOptions()).ok
    assert b"Gone." in (site / "output/404.html").read_bytes()
    monkeypatch.setattr(render_module, "render_route", no_work)
    assert build_site(site, BuildOptions()).stats.written == 0  # and then nothing again


def test_a_file_saved_just_before_a_build_is_never_trusted_next_time(site):
    assert build_site(site, BuildOptions()).ok  # the files were written a moment ago
    path = site / "content/explainers/one.md"
    st = path.stat()
    path.write_text(path.read_text().replace("First.", "Later."))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old time stamp put back
    again = build_site(site, BuildOptions())
    assert again.rendered and b"Later." in (site / "output/explainers/one/index.html").read_bytes()


def test_writing_with_threads_gives_the_same_tree(site, monkeypatch):
    from site_builder.output import write as write_module
    serial = build_site(site, BuildOptions(disk_cache=False, out=site / "serial"))
    monkeypatch.setattr(write_module, "PARALLEL_WRITES_MIN", 1)
    threaded = build_site(site, BuildOptions(disk_cache=False, out=site / "threaded"))
    assert serial.ok and threaded.ok and threaded.stats.written == serial.stats.written
    assert files_of(site / "threaded") == files_of(site / "serial")


def test_an_incremental_write_hashes_only_the_pages_it_made(site, monkeypatch):
    from site_builder.output import write as write_module
    state = BuildState()
    assert build_site(site, BuildOptions(disk_cache=False), cache=state).ok
    hashed = []
    digest = write_module.digest_bytes
    monkeypatch.setattr(write_module, "digest_bytes", lambda data: hashed.append(1) or digest(data))
    path = site / "content/explainers/one.md"
    path.write_text(path.read_text() + "\nMore.\n")
    again = build_site(site, BuildOptions(disk_cache=False), cache=state)
    pages = sum(1 for p in again.outputs if p.endswith((".html", ".xml", ".json", ".txt")))
    assert again.ok and len(again.rendered) < pages
    copied = sum(1 for r in again.routes if r.kind == "asset")
    index = sum(1 for p in again.outputs if p.startswith("pagefind/"))  # the search index is made anew
    assert len(hashed) <= len(again.rendered) + copied + index


def test_writes_by_one_process_trust_its_own_last_write_while_the_manifests_are_its_own(site):
    options = BuildOptions(disk_cache=False)
    state = BuildState()
    path = site / "content/explainers/one.md"
    original = path.read_text()
    assert build_site(site, options, cache=state).ok
    for n in range(4):  # told builds that write: the live and spare trees take turns, both trusted
        before = files_of(site / "output")
        path.write_text(original + f"\nEdit {n}.\n")
        result = build_site(site, options, cache=state, changed=[str(path)])
        assert result.ok and result.rendered == ["explainers/one/index.html"]
        got = files_of(site / "output")
        differ = {rel for rel, data in got.items() if before.get(rel) != data and not rel.startswith(".")}
        assert "explainers/one/index.html" in differ and result.stats.written == len(differ)  # what changed, only
        assert state.process.written is not None and state.process.written.holds((site / "output").resolve())
        clean = build_site(site, options, write=False)
        assert {rel for rel in got if not rel.startswith((".", "pagefind/"))} == set(clean.outputs)
        for rel, data in clean.outputs.items():
            if isinstance(data, bytes):
                assert got[rel] == data, rel
    # another writer (here: a build with no state, after an edit) rewrites the manifest: no more trust
    path.write_text(original + "\nAnother writer's edit.\n")
    assert build_site(site, options).stats.written >= 1
    assert not state.process.written.holds((site / "output").resolve())
    (site / "output" / "notes.txt").write_text("mine")
    path.write_text(original + "\nOne more.\n")
    with pytest.raises(OutputRefused, match="did not write"):
        build_site(site, options, cache=state, changed=[str(path)])
    assert (site / "output" / "notes.txt").read_text() == "mine"


def test_a_trusted_write_still_refuses_to_write_over_a_file_it_did_not_make(site):
    options = BuildOptions(disk_cache=False)
    state = BuildState()
    path = site / "content/explainers/one.md"
    assert build_site(site, options, cache=state).ok
    path.write_text(path.read_text() + "\nEdit.\n")
    assert build_site(site, options, cache=state, changed=[str(path)]).ok  # now there is a spare tree
    spare = site / ".output.spare"
    (spare / "explainers/two").mkdir(parents=True)
    (spare / "explainers/two/index.html").write_text("mine")  # where a new page is about to go
    new = site / "content/explainers/two.md"
    new.write_text("---\ntitle: Two\nsummary: Second.\ndate: 2024-01-02\n---\n\nText.\n")
    with pytest.raises(OutputRefused, match="did not write"):
        build_site(site, options, cache=state, changed=[str(new)])
    assert (spare / "explainers/two/index.html").read_text() == "mine"


def test_a_build_that_changes_nothing_decodes_no_numbered_names(site, monkeypatch):
    """Page records keep their names as numbers; the lists that turn the numbers back into names (tens of
    thousands of names on a large site) are decoded only by a build that reads a record or saves, not by
    one that finds nothing changed."""
    from site_builder import build as build_module
    monkeypatch.setattr(discover_module, "RACY_SECONDS", 0.0)  # trust time stamps at once (they tick in ns here)
    assert build_site(site, BuildOptions()).ok
    loaded, load = [], build_module.saved_state.load
    monkeypatch.setattr(build_module.saved_state, "load", lambda path: loaded.append(load(path)) or loaded[-1])
    result = build_site(site, BuildOptions())
    assert result.ok and result.stats.written == 0 and result.rendered == []
    assert [callable(numbering._names) for numbering in loaded[0].numbers] == [True, True]
    (site / "content/explainers/one.md").write_text((site / "content/explainers/one.md").read_text() + "\nMore.\n")
    assert build_site(site, BuildOptions()).ok  # an edit reads them, and saves them with what it added
    assert not any(callable(numbering._names) for numbering in loaded[1].numbers)
    assert build_site(site, BuildOptions()).stats.written == 0


def test_a_loaded_state_saved_again_is_the_same_and_a_replaced_entry_is_saved_anew(site):
    from site_builder.incremental import sections, state as saved_state
    from site_builder.read.discover import Entry

    assert build_site(site, BuildOptions()).ok
    path = site / CACHE_DIR / STATE_FILE
    def read():
        plain, disk = sections.read(path, saved_state._FORMAT)
        return {k: dict(v.items()) if isinstance(v, sections.Buckets) else v() if isinstance(v, sections.Deferred)
                else v for k, v in plain.items()}, disk

    first, disk = read()
    loaded = saved_state.load(path)
    saved_state.save(loaded, path)  # entries, records and plan as loaded: their saved forms as they were
    again, after = read()
    assert again == first
    grown = {key for key, section in after.sections.items() if section.blobs != disk.sections[key].blobs}
    assert not {key for key in grown if after.sections[key].kind != sections.VALUE}  # no table or list saved again
    rel = "content/explainers/one.md"
    old = loaded.files.entries[rel]
    loaded.files.entries[rel] = Entry((1, 2, 3), old.file)
    record = loaded.pages.records["explainers/one/index.html"]
    loaded.pages.records["explainers/one/index.html"] = render_module.PageRecord(
        record.route_key, None, (), frozenset({"D\x1fsomething new"}), record.templates, "f" * 32)
    saved_state.save(loaded, path)
    again = saved_state.load(path)
    assert again.files.entries[rel].signature == (1, 2, 3)
    kept = again.pages.records["explainers/one/index.html"]
    assert kept.digest == "f" * 32 and kept.deps == frozenset({"D\x1fsomething new"})
    assert again.files.entries.keys() == loaded.files.entries.keys()


def test_a_page_rendered_again_moves_only_between_the_keys_that_differ(site):
    from site_builder.incremental import state as saved_state

    assert build_site(site, BuildOptions()).ok
    state = saved_state.load(site / CACHE_DIR / STATE_FILE)
    memory, out = state.pages, "explainers/one/index.html"
    old = memory.records[out]
    deps = old.deps
    same = render_module.PageRecord(old.route_key, None, (), deps, old.templates, "0" * 32)
    memory.note(out, old, same)
    assert dict.__len__(memory.dependents) == 0  # no key's list of readers was read, so none is saved anew
    gone, new = sorted(deps)[0], "D\x1fnot read before"
    moved = render_module.PageRecord(old.route_key, None, (), (deps - {gone}) | {new}, old.templates, "1" * 32)
    memory.note(out, same, moved)
    assert set(dict.keys(memory.dependents)) <= {gone, new}  # only those two were read (a list left empty goes)
    assert out not in memory.dependents.get(gone, set()) and memory.dependents[new] == {out}
    readers = {k for k, pages in memory.dependents.items() if out in pages}
    assert readers == moved.deps


def _package(tmp_path, monkeypatch):
    from site_builder.incremental import cache
    package = tmp_path / "package"
    (package / "pages").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "build.py").write_text("print('one')\n")
    (package / "pages" / "base.html").write_text("<p>theme</p>\n")
    (package / "__pycache__" / "build.pyc").write_bytes(b"compiled")
    monkeypatch.setattr(cache, "RACY_SECONDS", -1)  # (files made just now: taken as old enough to be vouched for)
    monkeypatch.setattr(cache, "PACKAGE", package)
    monkeypatch.setattr(cache, "_code_digest", None)
    return cache, package


def test_the_code_digest_is_kept_by_stat_and_read_again_when_a_file_changes(tmp_path, monkeypatch):
    cache, package = _package(tmp_path, monkeypatch)
    memo = tmp_path / "code"
    first = cache.code_digest(memo)
    assert memo.is_file()
    monkeypatch.setattr(cache, "_code_digest", None)
    (package / "__pycache__" / "build.pyc").write_bytes(b"other")  # compiled forms are not the code
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"read {self.name} again"))
    assert cache.code_digest(memo) == first  # every stat the same: nothing read
    monkeypatch.setattr(Path, "read_bytes", real_read)
    monkeypatch.setattr(cache, "_code_digest", None)
    (package / "pages" / "base.html").write_text("<p>changed</p>\n")
    changed = cache.code_digest(memo)
    assert changed != first
    monkeypatch.setattr(cache, "_code_digest", None)
    assert cache.code_digest() == changed  # the same digest without a memo
    monkeypatch.setattr(cache, "_code_digest", None)
    (package / "pages" / "base.html").write_text("<p>theme</p>\n")
    assert cache.code_digest(memo) == first  # content, not stats, makes the digest


def test_a_damaged_code_memo_is_not_believed(tmp_path, monkeypatch):
    cache, package = _package(tmp_path, monkeypatch)
    memo = tmp_path / "code"
    first = cache.code_digest(memo)
    memo.write_bytes(memo.read_bytes()[:-3] + b"xyz")
    monkeypatch.setattr(cache, "_code_digest", None)
    assert cache.code_digest(memo) == first
    monkeypatch.setattr(cache, "_code_digest", None)
    monkeypatch.setattr(cache, "RACY_SECONDS", 2.0)
    (package / "build.py").write_text("print('two')\n")  # just changed: its stat cannot vouch, nothing kept
    memo.unlink()
    cache.code_digest(memo)
    assert not memo.exists()
