"""The saved state, a section at a time: only what changed is added, and a damaged file is never half read."""

from __future__ import annotations

import pytest

from site_builder.incremental import codec, sections

FMT = b"sb-test-sections-1\n"
KINDS = {"table": sections.TABLE, "names": sections.LIST, "frozen": sections.FROZEN}


def plain(n: int = 2000, extra: dict | None = None) -> dict:
    table = {f"page-{i:05d}": (i, f"digest-{i}") for i in range(n)}
    table.update(extra or {})
    return {"table": table, "names": [f"name-{i}" for i in range(n)], "frozen": ("routes", tuple(range(50))),
            "small": {"a": 1}}


def whole(read: dict) -> dict:
    """Sections as read, each list section read too (they are read when first used)."""
    return {k: v() if isinstance(v, sections.Deferred) else v for k, v in read.items()}


def data_files(folder):
    return sorted(p.name for p in folder.glob("state-*.data"))


def test_a_state_read_back_is_the_state_written_and_a_change_adds_only_a_patch(tmp_path):
    path = tmp_path / "state"
    first = plain()
    sections.write(path, FMT, first, KINDS, None)
    read, disk = sections.read(path, FMT)
    assert isinstance(read["names"], sections.Deferred) and whole(read) == first
    size = (tmp_path / disk.data).stat().st_size
    changed = dict(read["table"])
    changed["page-00007"] = (7, "new digest")
    del changed["page-00008"]
    changed["page-new"] = (0, "added")
    names = read["names"]() + ["name-new"]
    sections.write(path, FMT, {**read, "table": changed, "names": names}, KINDS, disk)
    again, after = sections.read(path, FMT)
    assert again["table"] == changed and again["names"]() == names and again["frozen"] == first["frozen"]
    assert (tmp_path / after.data).stat().st_size - size < 500  # a patch, not the table again
    assert len(after.sections["table"].blobs) == 2 and len(after.sections["names"].blobs) == 2
    assert after.sections["frozen"].blobs == disk.sections["frozen"].blobs


def test_what_a_killed_build_appended_is_ignored_and_then_cut(tmp_path):
    path = tmp_path / "state"
    sections.write(path, FMT, plain(), KINDS, None)
    read, disk = sections.read(path, FMT)
    with open(tmp_path / disk.data, "ab") as f:
        f.write(b"half a patch from a build that was killed")
    assert whole(sections.read(path, FMT)[0]) == whole(read)
    table = dict(read["table"], extra=(1, "x"))
    sections.write(path, FMT, {**read, "table": table}, KINDS, disk)
    assert sections.read(path, FMT)[0]["table"] == table
    assert b"killed" not in (tmp_path / disk.data).read_bytes()


def test_a_damaged_blob_or_a_head_naming_another_file_is_refused(tmp_path):
    path = tmp_path / "state"
    sections.write(path, FMT, plain(), KINDS, None)
    _, disk = sections.read(path, FMT)
    data = tmp_path / disk.data
    good = data.read_bytes()
    table = disk.sections["table"].blobs[0][0]
    data.write_bytes(good[:table + 100] + bytes([good[table + 100] ^ 1]) + good[table + 101:])
    assert sections.read(path, FMT) is None  # a table is read, and checked, with the head
    names = disk.sections["names"].blobs[0][0]
    data.write_bytes(good[:names + 100] + bytes([good[names + 100] ^ 1]) + good[names + 101:])
    read, _ = sections.read(path, FMT)  # a list, when first used
    assert read["table"] == plain()["table"]
    with pytest.raises(sections.Damaged):
        read["names"]()
    data.write_bytes(good)
    (tmp_path / "elsewhere.data").write_bytes(good)
    path.write_bytes(codec.pack(FMT, ("../elsewhere.data", len(good), {})))
    assert sections.read(path, FMT) is None
    path.write_bytes(b"sb-other-format\n")
    assert sections.read(path, FMT) is None


def test_a_data_file_replaced_since_it_was_read_is_written_anew_not_appended_to(tmp_path):
    path = tmp_path / "state"
    sections.write(path, FMT, plain(), KINDS, None)
    read, disk = sections.read(path, FMT)
    data, copy = tmp_path / disk.data, tmp_path / "copy"
    copy.write_bytes(data.read_bytes())
    copy.replace(data)  # the same bytes in another file (as another build could leave it)
    table = dict(read["table"], extra=(1, "x"))
    sections.write(path, FMT, {**read, "table": table}, KINDS, disk)
    again, after = sections.read(path, FMT)
    assert again["table"] == table and len(after.sections["table"].blobs) == 1  # whole, not a patch to it


def test_patches_give_way_to_the_whole_table_and_garbage_to_a_new_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sections, "SLACK", 0)
    path = tmp_path / "state"
    state = plain(200)
    sections.write(path, FMT, state, KINDS, None)
    read, disk = sections.read(path, FMT)
    first_file = disk.data
    for n in range(40):  # each build changes a tenth of the table
        table = dict(read["table"])
        for i in range(n % 10, 200, 10):
            table[f"page-{i:05d}"] = (n, f"digest {n}")
        sections.write(path, FMT, {**read, "table": table, "small": {"n": n}}, KINDS, disk)
        read, disk = sections.read(path, FMT)
        assert read["table"] == table and read["small"] == {"n": n}
        assert sum(b[1] for b in disk.sections["table"].blobs[1:]) <= disk.sections["table"].blobs[0][1] // 2
    assert disk.data != first_file and data_files(tmp_path) == [disk.data]  # the old file went with its garbage


def test_a_lazy_table_names_what_was_read_set_or_removed_and_no_other_entry(tmp_path):
    from site_builder.incremental.lazy import LazyDict

    saved = {f"k{i}": str(i).encode() for i in range(100)}
    table = LazyDict(dict(saved), lambda b: int(b))
    assert table["k1"] == 1 and table.get("k2") == 2
    table["k3"] = 33
    table["new"] = 7
    del table["k4"]
    assert table.pop("k5") == 5
    table["k4"] = 44  # removed, then set again
    changed, removed = table.changes(lambda v: str(v).encode())
    assert changed == {"k1": b"1", "k2": b"2", "k3": b"33", "new": b"7", "k4": b"44"} and removed == ["k5"]
    path = tmp_path / "state"
    sections.write(path, FMT, {"table": saved}, KINDS, None)
    read, disk = sections.read(path, FMT)
    whole = lambda: table.saved(lambda v: str(v).encode())  # noqa: E731
    sections.write(path, FMT, {"table": sections.Changes(changed, removed, whole)}, KINDS, disk)
    again, after = sections.read(path, FMT)
    assert again["table"] == whole() and len(after.sections["table"].blobs) == 2


def test_buckets_are_read_when_a_key_of_theirs_is_looked_up_and_saved_by_the_buckets_touched(tmp_path):
    from site_builder.incremental.lazy import LazyDict

    path, kinds = tmp_path / "state", {"links": sections.BUCKETS}
    saved = {f"item-{i}": f"links of {i}".encode() for i in range(3000)}
    sections.write(path, FMT, {"links": saved}, kinds, None)
    read, disk = sections.read(path, FMT)
    buckets = read["links"]
    assert isinstance(buckets, sections.Buckets) and len(buckets) == 3000
    table = LazyDict(buckets, bytes.decode)
    assert table["item-7"] == "links of 7" and "item-8" in table and "nothing" not in table
    read_now = sum(part is not None for part in buckets.pristine)
    assert 1 <= read_now <= 3  # (the buckets of item-7, item-8 and 'nothing')
    table["item-9"] = "new links"
    del table["item-10"]
    touched = {sections.bucket_of(k) for k in ("item-7", "item-9", "item-10")}
    changes = sections.Changes(*table.changes(str.encode), lambda: table.saved(str.encode))
    sections.write(path, FMT, {"links": changes}, kinds, disk)
    again, after = sections.read(path, FMT)
    grown = {i for i, blobs in enumerate(after.sections["links"].blobs) if len(blobs) > 1}
    assert grown <= touched and sections.bucket_of("item-9") in grown  # (item-7 was read, not changed)
    expected = dict(saved, **{"item-9": b"new links"})
    del expected["item-10"]
    assert dict(again["links"].items()) == expected and len(again["links"]) == len(expected)
    data = tmp_path / after.data
    damaged = bytearray(data.read_bytes())
    offset = after.sections["links"].blobs[5][0][0]
    damaged[offset + 3] ^= 1
    data.write_bytes(bytes(damaged))
    late = sections.read(path, FMT)[0]["links"]  # a bucket is checked when it is read, when first looked up
    fine = next(k for k in expected if sections.bucket_of(k) != 5)
    assert late.get(fine) == expected[fine]
    with pytest.raises(sections.Damaged):
        late.get(next(k for k in expected if sections.bucket_of(k) == 5))
