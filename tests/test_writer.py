"""The writer's spare folder (sitegen serve): a copy of the last site the next build starts from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitegen.pagecache import ObjectStore
from sitegen.writer import Spare, write_site


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def folders_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


def written(tmp_path: Path, name: str, files: dict[str, bytes], store: ObjectStore,
            start_from: Spare | None = None) -> tuple[Path, dict[str, str]]:
    out = tmp_path / name
    placed = write_site(files, out, store=store, start_from=start_from)
    return out, placed


@pytest.mark.parametrize("second", [
    {"index.html": b"home 2", "a/b/c.html": b"c", "a/d.html": b"d 2", "n/new.html": b"new"},  # changed, added
    {"index.html": b"home", "a/d.html": b"d"},  # a/b/ emptied: removed, as a fresh build has no such folder
    {"index.html": b"home", "a/b": b"a file where a folder was", "a/d.html": b"d"},
    {"index.html": b"home", "a/b/c.html/x.html": b"a folder where a file was", "a/d.html": b"d"},
])
def test_a_site_made_from_the_spare_is_the_site_written_afresh(tmp_path: Path, second: dict[str, bytes]) -> None:
    store = ObjectStore(tmp_path / "objects")
    first = {"index.html": b"home", "a/b/c.html": b"c", "a/d.html": b"d"}
    site1, placed = written(tmp_path, "site-1", first, store)
    assert set(placed) == set(first)
    spare = Spare(site1, placed)
    assert spare.make()
    linked = []
    real = store.place
    store.place = lambda value, target: linked.append(target) or real(value, target)  # type: ignore[method-assign]
    site2, _ = written(tmp_path, "site-2", second, store, start_from=spare)
    fresh, _ = written(tmp_path, "fresh", second, ObjectStore(tmp_path / "objects-2"))
    assert files_of(site2) == second == files_of(fresh)
    assert folders_of(site2) == folders_of(fresh)
    assert files_of(site1) == first  # the served site is never touched
    for rel, data in second.items():
        if first.get(rel) == data:  # unchanged: the same inode as in the last site, not linked again
            assert os.stat(site2 / rel).st_ino == os.stat(site1 / rel).st_ino
    if "a/b" not in second and "a/b/c.html/x.html" not in second:
        assert len(linked) == sum(1 for rel in second if first.get(rel) != second[rel])
    assert [p.name for p in tmp_path.iterdir() if ".spare-" in p.name or ".new-" in p.name] == []


def test_a_spare_not_ready_is_dropped_and_the_site_written_in_full(tmp_path: Path) -> None:
    store = ObjectStore(tmp_path / "objects")
    site1, placed = written(tmp_path, "site-1", {"index.html": b"home", "a/b.html": b"b"}, store)
    spare = Spare(site1, placed)  # never made: the next build does not wait for it
    site2, _ = written(tmp_path, "site-2", {"index.html": b"home 2", "a/b.html": b"b"}, store, start_from=spare)
    assert files_of(site2) == {"index.html": b"home 2", "a/b.html": b"b"}
    assert not spare.make()  # too late: not made for nobody
    assert [p.name for p in tmp_path.iterdir() if ".spare-" in p.name] == []


def test_a_failed_write_from_the_spare_leaves_nothing_behind(tmp_path: Path) -> None:
    store = ObjectStore(tmp_path / "objects")
    site1, placed = written(tmp_path, "site-1", {"index.html": b"home", "a/b.html": b"b"}, store)
    spare = Spare(site1, placed)
    assert spare.make()

    def fail(folder: Path) -> None:
        raise RuntimeError("indexer failed")

    with pytest.raises(RuntimeError):
        write_site({"index.html": b"home 2"}, tmp_path / "site-2", fail, store=store, start_from=spare)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["objects", "site-1"]
    assert files_of(site1) == {"index.html": b"home", "a/b.html": b"b"}
