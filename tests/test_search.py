"""The search index in shards (sitegen/search.py): which page goes where, and re-indexing only what changed."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sitegen import search
from sitegen.build import build
from sitegen.config import load_config
from sitegen.search import OUTPUT, bundles, shard_plan

from .test_incremental import stats, write_project


def site_pages(articles: int, actors: int) -> list[str]:
    return (["index.html", "articles/index.html", "articles/page/2.html", "actors/index.html",
             "actors/by-letter/a.html", "timeline/index.html", "search/index.html", "404.html",
             "feed.xml", "static/style.css"]
            + [f"articles/story-{i}.html" for i in range(articles)]
            + [f"actors/person-{i}.html" for i in range(actors)])


def test_plan_puts_articles_and_actors_in_shards_and_the_rest_in_the_primary_bundle() -> None:
    plan = shard_plan(site_pages(3, 4))
    assert plan[OUTPUT] == sorted(["index.html", "articles/index.html", "articles/page/2.html", "actors/index.html",
                                   "actors/by-letter/a.html", "timeline/index.html", "search/index.html", "404.html"])
    assert plan["pagefind/articles-0"] == [f"articles/story-{i}.html" for i in range(3)]
    assert plan["pagefind/actors-0"] == [f"actors/person-{i}.html" for i in range(4)]
    assert bundles(site_pages(3, 4)) == [OUTPUT, "pagefind/actors-0", "pagefind/articles-0"]


def test_shards_stay_small_and_stable_as_the_archive_grows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "ARTICLES_PER_SHARD", 100)
    plan = shard_plan(site_pages(1000, 0))
    shards = {b: pages for b, pages in plan.items() if b.startswith("pagefind/articles-")}
    assert len(shards) == 16  # 1,000 / 100 rounded up to a power of two
    assert sorted(p for pages in shards.values() for p in pages) == sorted(f"articles/story-{i}.html"
                                                                           for i in range(1000))
    assert max(len(pages) for pages in shards.values()) < 2 * 1000 / 16
    # One more article moves no other article to another shard.
    grown = shard_plan(site_pages(1001, 0))
    where = {p: b for b, pages in plan.items() for p in pages}
    assert all(where[p] == b for b, pages in grown.items() for p in pages if p in where)


@pytest.mark.slow
def test_an_edit_reindexes_only_the_shards_whose_pages_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    if search.pagefind_executable() is None:
        pytest.skip("pagefind-bin is not installed")
    monkeypatch.setattr(search, "ARTICLES_PER_SHARD", 1)  # three articles in four buckets
    write_project(tmp_path)
    build(load_config(root=tmp_path))
    out = tmp_path / "build"
    before, pages_before = stats(out / "pagefind"), stats(out / "articles")
    shards = sorted(p.name for p in (out / "pagefind").glob("articles-*"))
    assert len(shards) >= 2
    edited = tmp_path / "content" / "b.md"
    edited.write_text(edited.read_text().replace("flour", "rice"))
    caplog.set_level(logging.INFO, logger="sitegen.search")
    build(load_config(root=tmp_path))
    after, pages_after = stats(out / "pagefind"), stats(out / "articles")
    changed = [f"articles/{k}" for k, v in pages_after.items() if pages_before.get(k) != v and "/" not in k
               and k != "index.html"]
    assert len(changed) == 1  # the edited article's page
    plan = shard_plan(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    edited_shard = next(b for b, pages in plan.items() if changed[0] in pages)
    for shard in shards:
        files = {k: v for k, v in after.items() if k.startswith(f"{shard}/")}
        assert files
        same = all(before.get(k) == v for k, v in files.items())
        # The other articles' shards are linked from the store as they were: not indexed again.
        assert same == (f"pagefind/{shard}" != edited_shard), shard
    said = [r.getMessage() for r in caplog.records if "search index written" in r.getMessage()]
    assert said and said[-1].endswith(f"({len(plan)} bundle(s), 3 indexed again)")  # its shard, actors', primary
