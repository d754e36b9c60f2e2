"""What the builder keeps between runs can only be refused, never run, and is never reached through a link;
and what it reads must be a regular file (a pipe, socket or device is an error, never a hang)."""

from __future__ import annotations

import marshal
import os
import pickle
import socket
import stat
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site
from site_builder.incremental import codec
from site_builder.incremental.cache import CACHE_DIR
from site_builder.incremental.state import STATE_FILE

from conftest import MINIMAL_SITE_YML, files_of, write_site

SITE = {
    "site.yml": MINIMAL_SITE_YML + "search: off\n",
    "content/facts/people/ada.yml": "name: Ada\nsummary: A person.\nrole: engineer\n",
    "content/explainers/one.md": "---\ntitle: One\nsummary: First.\ndate: 2024-01-01\n---\n\nAbout [[people/ada]].\n",
}


@pytest.fixture
def site(tmp_path):
    return write_site(tmp_path / "site", dict(SITE))


class _Boom:
    """Unpickling this runs code: it creates the file `pwned`."""

    def __init__(self, where: Path):
        self.where = where

    def __reduce__(self):
        return (open, (str(self.where), "w"))


def clean_output(site: Path) -> dict:
    result = build_site(site, BuildOptions(disk_cache=False), write=False)
    return {rel: data for rel, data in result.outputs.items() if isinstance(data, bytes)}


def assert_output_is_clean(site: Path) -> None:
    got = files_of(site / "output")
    for rel, data in clean_output(site).items():
        assert got[rel] == data, rel


def crafted(fmt: bytes, payload: bytes) -> bytes:
    """A file with the right format line and a right digest around any payload."""
    import hashlib
    return fmt + hashlib.blake2b(payload, digest_size=16).digest() + payload


def test_crafted_cache_and_state_files_are_ignored_and_never_run(site, tmp_path):
    assert build_site(site, BuildOptions()).ok
    pwned = tmp_path / "pwned"
    bomb = pickle.dumps(_Boom(pwned))
    code = marshal.dumps(compile(f"open({str(pwned)!r}, 'w')", "x", "exec"))
    cache = site / CACHE_DIR
    entries = [p for p in (cache / "parse").rglob("*") if p.is_file()]
    assert entries
    for n, entry in enumerate(entries):  # a pickle, and a code object behind the right header and digest
        entry.write_bytes(bomb if n % 2 else crafted(b"sb-parse-2\n", code))
    (cache / STATE_FILE).write_bytes(crafted((cache / STATE_FILE).read_bytes().split(b"\n")[0] + b"\n", code))
    (cache / "stamp.pickle").write_bytes(bomb)  # where an older builder kept a pickle
    (site / "output").rename(tmp_path / "old-output")
    result = build_site(site, BuildOptions())
    assert result.ok
    assert not pwned.exists()
    assert len(result.rendered) == sum(1 for r in result.routes if r.kind != "asset")  # the state was ignored
    assert_output_is_clean(site)


@pytest.mark.parametrize("value", [
    compile("1", "x", "eval"), (10_000, "x"), [(0,) * 3], {1: (5, "y")}, 1 + 2j,
])
def test_the_codec_refuses_anything_it_could_not_have_written(value):
    with pytest.raises(codec.Refused):
        codec.decode(codec.unpack(b"f\n", crafted(b"f\n", marshal.dumps(value))))


def _shards(cache: Path, elsewhere: Path) -> None:
    """Every shard folder of the parse cache made a link to `elsewhere`."""
    parse = cache / "parse"
    for entry in list(parse.iterdir()):
        for f in entry.iterdir():
            f.unlink()
        entry.rmdir()
    for n in range(256):
        (parse / f"{n:02x}").symlink_to(elsewhere, target_is_directory=True)


@pytest.fixture
def elsewhere(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    for n in range(256):  # names that look like cache entries of every shard
        (folder / f"{n:02x}{'0' * 38}").write_text("precious")
    (folder / "notes.txt").write_text("precious")
    return folder


def snapshot(folder: Path) -> dict:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_links_among_the_cache_shards_are_removed_as_links_and_nothing_behind_them_is_touched(site, elsewhere):
    assert build_site(site, BuildOptions()).ok
    _shards(site / CACHE_DIR, elsewhere)
    before = snapshot(elsewhere)
    path = site / "content/explainers/one.md"
    for n in range(2):  # reads, writes, a removed entry and a prune of the whole cache
        path.write_text(path.read_text() + f"\nEdit {n}.\n")
        (site / "content/facts/people/ada.yml").write_text(f"name: Ada {n}\nsummary: A person.\nrole: engineer\n")
        assert build_site(site, BuildOptions()).ok
    assert snapshot(elsewhere) == before
    for entry in (site / CACHE_DIR / "parse").iterdir():
        assert not entry.is_symlink()
    assert_output_is_clean(site)


@pytest.mark.parametrize("where", [CACHE_DIR, f"{CACHE_DIR}/parse", f"{CACHE_DIR}/{STATE_FILE}"])
def test_a_cache_folder_or_state_file_that_is_a_link_is_never_followed(site, elsewhere, where):
    assert build_site(site, BuildOptions()).ok
    link = site / where
    if link.is_dir():
        import shutil
        shutil.rmtree(link)
    else:
        link.unlink()
    link.parent.mkdir(parents=True, exist_ok=True)
    target = elsewhere if where != f"{CACHE_DIR}/{STATE_FILE}" else elsewhere / "notes.txt"
    link.symlink_to(target, target_is_directory=target.is_dir())
    before = snapshot(elsewhere)
    for n in range(2):
        path = site / "content/explainers/one.md"
        path.write_text(path.read_text() + f"\nEdit {n}.\n")
        assert build_site(site, BuildOptions()).ok
    assert snapshot(elsewhere) == before
    assert_output_is_clean(site)


def test_a_link_at_a_temporary_name_is_refused_not_written_through(tmp_path):
    """Every file the builder keeps is written under a temporary name and renamed: a link planted at that
    name (the name is predictable) fails the write rather than sending the bytes wherever it points."""
    from site_builder.files import atomic_write
    outside = tmp_path / "outside.txt"
    outside.write_text("not the builder's", "utf-8")
    target = tmp_path / "kept.bin"
    (tmp_path / f".kept.bin.{os.getpid()}.tmp").symlink_to(outside)
    with pytest.raises(OSError):
        atomic_write(target, b"cache bytes")
    assert outside.read_text("utf-8") == "not the builder's" and not target.exists()
    atomic_write(target, b"cache bytes")  # (the failed write took its temporary name away with it)
    assert target.read_bytes() == b"cache bytes" and outside.read_text("utf-8") == "not the builder's"


def test_a_cache_entry_that_is_a_pipe_is_a_miss_not_a_hang(site):
    assert build_site(site, BuildOptions()).ok
    for entry in [p for p in (site / CACHE_DIR / "parse").rglob("*") if p.is_file()]:
        entry.unlink()
        os.mkfifo(entry)
    (site / CACHE_DIR / STATE_FILE).unlink()
    os.mkfifo(site / CACHE_DIR / STATE_FILE)
    (site / "output").rename(site / "old-output")
    assert build_site(site, BuildOptions()).ok
    assert_output_is_clean(site)


def _make_special(path: Path, kind: str):
    if kind == "fifo":
        os.mkfifo(path)
        return None
    if kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        return sock
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a device like /dev/null
    except PermissionError:
        pytest.skip("making a device needs privileges")
    return None


@pytest.mark.parametrize("kind", ["fifo", "socket", "device"])
@pytest.mark.parametrize("where", ["content/media/x.jpg", "content/pages/x.md", "content/facts/people/x.yml",
                                   "templates/page.html"])
def test_pipes_sockets_and_devices_in_the_site_are_located_errors(site, kind, where):
    path = site / where
    path.parent.mkdir(parents=True, exist_ok=True)
    held = _make_special(path, kind)
    try:
        result = build_site(site, BuildOptions(), write=False)
    finally:
        if held is not None:
            held.close()
    lines = [d.format().splitlines()[0] for d in result.diagnostics]
    assert f"{where}: error: this is not a regular file (a pipe, socket or device)" in lines
    assert not result.ok


def test_init_git_ignores_the_cache_and_the_trees_beside_the_output(tmp_path):
    from site_builder.scaffold import init_site

    init_site(tmp_path / "new")
    from fnmatch import fnmatch

    patterns = [line.rstrip("/") for line in (tmp_path / "new/.gitignore").read_text().split()
                if not line.startswith("#")]
    for name in (".site-builder-cache", "output", ".output.spare", ".output.lock", ".output.staging-1"):
        assert any(fnmatch(name, pattern) for pattern in patterns), name  # as git reads a pattern without '/'

