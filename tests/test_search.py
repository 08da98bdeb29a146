"""The search index in shards (sitegen/search.py): which page goes where, and re-indexing only what changed."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from sitegen import search
from sitegen.build import build
from sitegen.config import load_config
from sitegen.search import OUTPUT, bundles, shard_plan

from .test_incremental import stats, write_project


def site_pages(articles: int, actors: int, years: int = 0) -> list[str]:
    return (["index.html", "articles/index.html", "articles/page/2.html", "actors/index.html",
             "actors/by-letter/a.html", "timeline/index.html", "search/index.html", "404.html",
             "feed.xml", "static/style.css"]
            + [f"articles/story-{i}.html" for i in range(articles)]
            + [f"actors/person-{i}.html" for i in range(actors)]
            + [f"timeline/by-year/{2000 + i}.html" for i in range(years)])


def test_plan_puts_articles_and_actors_in_shards_and_the_rest_in_the_primary_bundle() -> None:
    plan = shard_plan(site_pages(3, 4, 2))
    # The listings, the home page and the timeline's pages stay in the primary bundle.
    assert plan[OUTPUT] == sorted(["index.html", "articles/index.html", "articles/page/2.html", "actors/index.html",
                                   "actors/by-letter/a.html", "timeline/index.html", "search/index.html", "404.html",
                                   "timeline/by-year/2000.html", "timeline/by-year/2001.html"])
    assert plan["pagefind/articles-0"] == [f"articles/story-{i}.html" for i in range(3)]
    assert plan["pagefind/actors-0"] == [f"actors/person-{i}.html" for i in range(4)]
    assert bundles(site_pages(3, 4, 2)) == [OUTPUT, "pagefind/actors-0", "pagefind/articles-0"]


def shards_of(plan: dict[str, list[str]], kind: str) -> dict[str, list[str]]:
    return {b: pages for b, pages in plan.items() if b.startswith(f"pagefind/{kind}-")}


def test_shards_stay_small_and_stable_as_the_archive_grows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "ARTICLES_PER_SHARD", 100)
    plan = shard_plan(site_pages(1000, 0))
    shards = shards_of(plan, "articles")
    assert len(shards) == 16  # 1,000 / 100 rounded up to a power of two
    assert sorted(p for pages in shards.values() for p in pages) == sorted(f"articles/story-{i}.html"
                                                                           for i in range(1000))
    assert max(len(pages) for pages in shards.values()) < 2 * 1000 / 16
    # One more article moves no other article to another shard.
    grown = shard_plan(site_pages(1001, 0))
    where = {p: b for b, pages in plan.items() for p in pages}
    assert all(where[p] == b for b, pages in grown.items() for p in pages if p in where)


def test_the_number_of_shards_is_capped_and_members_stay_put_above_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "ARTICLES_PER_SHARD", 10)
    monkeypatch.setattr(search, "ACTORS_PER_SHARD", 1)
    plan = shard_plan(site_pages(1000, 1000))
    assert len(shards_of(plan, "articles")) == search.MAX_SHARDS["articles"] == 32  # not 128
    assert len(shards_of(plan, "actors")) == search.MAX_SHARDS["actors"] == 32  # not 1,024
    # Above the cap the count no longer changes: adding pages moves none.
    grown = shard_plan(site_pages(3000, 3000))
    assert len(shards_of(grown, "articles")) == 32 and len(shards_of(grown, "actors")) == 32
    where = {p: b for b, pages in grown.items() for p in pages}
    assert all(where[p] == b for b, pages in plan.items() for p in pages)


def test_the_default_sizes_keep_the_ten_thousand_article_layout() -> None:
    """32 article shards at 10,000 articles as before the sizes were lowered; 8 at 1,000 (was 2)."""
    assert len(shards_of(shard_plan(site_pages(10_000, 0)), "articles")) == 32
    assert not shards_of(shard_plan(site_pages(10_000, 0, 250)), "timeline")  # the timeline: in the primary bundle
    assert len(shards_of(shard_plan(site_pages(1_000, 5_537, 25)), "articles")) == 8
    assert len(shards_of(shard_plan(site_pages(1_000, 5_537, 25)), "actors")) == 2


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
    # Its shard only: not the actors' (their pages changed only in what the index leaves out: the mentioning
    # sentences) nor the primary bundle (its pages that have anything to index, the timeline's, are unchanged;
    # the listings and the home page that changed have nothing to index).
    assert said and said[-1].endswith(f"({len(plan)} bundle(s), 1 indexed again)")


def page(body: str, searchable: bool = True) -> bytes:
    main = "<main data-pagefind-body>" if searchable else "<main>"
    return f"<!doctype html><html lang=en><head><title>t</title></head><body>{main}{body}</main></body></html>".encode()


@pytest.mark.slow
def test_pages_pagefind_would_drop_do_not_reindex_the_primary_bundle(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """A page without data-pagefind-body (the home page, a listing) is dropped by Pagefind from a run in which
    another page has one: it is left out of the run and of its cache key, so its changes re-index nothing."""
    if search.pagefind_executable() is None:
        pytest.skip("pagefind-bin is not installed")
    from sitegen.pagecache import ObjectStore

    store = ObjectStore(tmp_path / "cache" / "objects")
    files = {"index.html": page("Latest: the harbour reopened", searchable=False),
             "timeline/index.html": page("<h1>Timeline</h1><p>1 May: the harbour reopened.</p>"),
             "articles/harbour.html": page("<h1>Harbour</h1><p>The harbour reopened on Monday.</p>")}

    caplog.set_level(logging.INFO, logger="sitegen.search")

    def index(files: dict[str, bytes]) -> str:
        site = tmp_path / "site"
        shutil.rmtree(site, ignore_errors=True)
        for rel, data in files.items():
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_bytes(data)
        caplog.clear()
        assert search.index_site(site, files, store)
        assert all((site / b / "pagefind.js").is_file() for b in bundles(files))
        return next(r.getMessage() for r in caplog.records if "search index written" in r.getMessage())

    assert index(files).endswith("(2 bundle(s), 2 indexed again)")
    assert index({**files, "index.html": page("Latest: the ferry is late", searchable=False)}).endswith(
        "(2 bundle(s), 0 indexed again)")
    assert index({**files, "timeline/index.html": page("<h1>Timeline</h1><p>2 May: the ferry is late.</p>")}).endswith(
        "(2 bundle(s), 1 indexed again)")


def actor_page(mentions: str, role: str = "Mayor") -> bytes:
    return page(f'<h1>Ada Byron</h1><p class="dek">{role}</p><p><span data-pagefind-ignore="all">Mentioned {mentions} '
                f'times</span>; also called Ada.</p><section data-pagefind-ignore="all"><h2 id="in">In the articles'
                f'</h2><p>{mentions} sentences: the harbour reopened.</p></section>')


@pytest.mark.slow
def test_actor_shards_are_keyed_on_what_pagefind_indexes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A new mention changes an actor page only inside data-pagefind-ignore="all": its shard is not indexed
    again, and the bundle linked from the cache is byte for byte what Pagefind makes of the changed page."""
    if search.pagefind_executable() is None:
        pytest.skip("pagefind-bin is not installed")
    from sitegen.pagecache import ObjectStore

    store = ObjectStore(tmp_path / "cache" / "objects")
    base = {"timeline/index.html": page("<h1>Timeline</h1><p>1 May: the harbour reopened.</p>"),
            "actors/ada.html": actor_page("3"), "actors/bo.html": page("<h1>Bo</h1><p>A ferry captain.</p>")}
    caplog.set_level(logging.INFO, logger="sitegen.search")

    def index(files: dict[str, bytes], name: str, with_store: bool = True) -> tuple[str, dict[str, bytes]]:
        site = tmp_path / name
        for rel, data in files.items():
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_bytes(data)
        caplog.clear()
        assert search.index_site(site, files, store if with_store else None)
        said = next(r.getMessage() for r in caplog.records if "search index written" in r.getMessage())
        bundle = site / "pagefind" / "actors-0"
        return said, {p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*") if p.is_file()}

    assert index(base, "first")[0].endswith("2 indexed again)")
    mentioned = {**base, "actors/ada.html": actor_page("4")}
    said, linked = index(mentioned, "mentioned")
    assert said.endswith("(2 bundle(s), 0 indexed again)")
    assert linked == index(mentioned, "fresh", with_store=False)[1]  # what a run on the changed page writes
    # A change Pagefind sees (the role) indexes the shard again.
    assert index({**base, "actors/ada.html": actor_page("4", role="Poet")}, "role")[0].endswith(
        "(2 bundle(s), 1 indexed again)")


@pytest.mark.slow
def test_a_new_mention_of_an_actor_indexes_no_actor_shard_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """The actor page's counts and the sources beside its roles and quotes are outside the index (actor.html)."""
    if search.pagefind_executable() is None:
        pytest.skip("pagefind-bin is not installed")
    write_project(tmp_path)
    build(load_config(root=tmp_path))
    cairo = tmp_path / "build" / "actors" / "cairo.html"
    before = cairo.read_bytes()
    edited = tmp_path / "content" / "b.md"
    edited.write_text(edited.read_text() + "\nThe convoy was loaded in Cairo.\n")
    caplog.set_level(logging.DEBUG, logger="sitegen.search")
    build(load_config(root=tmp_path))
    assert cairo.read_bytes() != before and b"Mentioned 3 times" in cairo.read_bytes()
    ran = [r.getMessage().split("--output-path ")[1].split()[0] for r in caplog.records
           if r.getMessage().startswith("running ")]
    assert "articles-0" in [Path(b).name for b in ran]  # the edited article's shard
    assert not [b for b in ran if Path(b).name.startswith("actors-")], ran


def test_which_bundles_are_keyed_on_the_indexed_part_of_their_pages(tmp_path: Path) -> None:
    from sitegen.pagecache import ObjectStore

    store = ObjectStore(tmp_path / "cache" / "objects")

    def key(bundle: str, rel: str, data: bytes) -> str:
        return search._shard_key("1", bundle, [rel], {rel: data}, tmp_path, store)

    counts = [page(f'<p class="dek" data-pagefind-ignore="all">{n} of the {n + 40} dated events</p><p>1 May: '
                   'the harbour reopened.</p>') for n in (3, 4)]
    events = page('<p class="dek" data-pagefind-ignore="all">3 of the 43</p><p>2 May: the ferry is late.</p>')
    for bundle, rel in ((OUTPUT, "timeline/by-year/2024.html"), (OUTPUT, "timeline/index.html"),
                        ("pagefind/actors-1", "actors/ada.html")):
        assert key(bundle, rel, counts[0]) == key(bundle, rel, counts[1]), bundle
        assert key(bundle, rel, counts[0]) != key(bundle, rel, events), bundle
    # Article pages: keyed on their bytes (an edit changes what is indexed; parsing would not pay).
    assert key("pagefind/articles-0", "articles/a.html", counts[0]) != key("pagefind/articles-0", "articles/a.html",
                                                                         counts[1])


def indexed_text(bundle: Path) -> dict[str, str]:
    """What a Pagefind bundle indexed: {page URL: its content}, read from the bundle's fragments."""
    import gzip
    import json

    found = {}
    for fragment in (bundle / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        record = json.loads(data[len(b"pagefind_dcd"):])
        found[record["url"]] = record["content"]
    return found


@pytest.mark.slow
def test_the_timeline_indexes_its_titles_not_its_events_and_a_new_event_indexes_only_its_article(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An event's text is a sentence of an article: a search finds it once, in the article (timeline.html leaves
    the events out of the index); so a new event re-indexes the article's shard, not the primary bundle."""
    if search.pagefind_executable() is None:
        pytest.skip("pagefind-bin is not installed")
    write_project(tmp_path)
    build(load_config(root=tmp_path))
    out = tmp_path / "build"
    primary = indexed_text(out / OUTPUT)
    assert primary["/timeline/index.html"] == "Timeline."  # its title: the events are on the page, not in its index
    assert "northern Gaza" in (out / "timeline" / "index.html").read_text()
    articles = {url: text for shard in (out / OUTPUT).glob("articles-*") for url, text in indexed_text(shard).items()}
    assert "northern Gaza" in articles["/articles/aid-convoy-reaches-gaza.html"]
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / OUTPUT).glob("*") if p.is_file()}
    timeline_before = (out / "timeline" / "index.html").read_bytes()
    edited = tmp_path / "content" / "b.md"
    edited.write_text(edited.read_text() + "\nOn Thursday a second convoy crossed into the south, officials said.\n")
    caplog.set_level(logging.DEBUG, logger="sitegen.search")
    build(load_config(root=tmp_path))
    assert "second convoy crossed" in (out / "timeline" / "index.html").read_text()  # a new event on the timeline page
    assert (out / "timeline" / "index.html").read_bytes() != timeline_before
    ran = [Path(r.getMessage().split("--output-path ")[1].split()[0]).name for r in caplog.records
           if r.getMessage().startswith("running ")]
    assert ran and all(b.startswith("articles-") for b in ran), ran  # not the primary bundle ("pagefind")
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / OUTPUT).glob("*") if p.is_file()}
    assert after == before
    assert "second convoy crossed" in next(text for shard in (out / OUTPUT).glob("articles-*")
                                  for url, text in indexed_text(shard).items() if url == "/articles/aid-convoy-reaches-gaza.html")


@pytest.mark.slow
def test_a_shard_indexed_again_starts_from_its_last_files_and_ends_as_a_fresh_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pagefind does not write a hash-named file already in its output: a shard indexed again is seeded with
    its last version's fragments and chunks (the unchanged ones are not written again), and the ones the new
    index does not name are removed, so the bundle is byte for byte a fresh, unseeded run's."""
    if search.pagefind_executable() is None:
        pytest.skip("pagefind-bin is not installed")
    from .test_incremental import apply_edit, fresh_site, site_files

    project = tmp_path / "project"
    write_project(project)
    build(load_config(root=project))
    shard = project / "build" / OUTPUT / "articles-0"
    before = {p.relative_to(shard).as_posix(): p.stat().st_ino for p in shard.rglob("*") if p.is_file()}
    seeded: list[list[tuple[str, str, int]]] = []
    real = search._run_pagefind

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seeded.append(list(args[8]))
        return real(*args, **kwargs)

    monkeypatch.setattr(search, "_run_pagefind", spy)
    apply_edit(project, "b", "carried flour", "carried rice and flour")
    build(load_config(root=project))
    assert len(seeded) == 1 and seeded[0]  # the edited article's shard, seeded
    assert all(search._HASH_NAMED.fullmatch(rel) for rel, _, _ in seeded[0])
    after = {p.relative_to(shard).as_posix(): p.stat().st_ino for p in shard.rglob("*") if p.is_file()}
    kept = [rel for rel in after if rel.startswith("fragment/") and before.get(rel) == after[rel]]
    assert len(kept) == 2  # the other two articles' fragments: the seeds themselves, not written again
    gone = {rel for rel, _, _ in seeded[0]} - set(after)
    assert any(rel.startswith("fragment/") for rel in gone)  # the edited article's old fragment, removed
    fresh = tmp_path / "fresh"
    fresh_site(project, fresh)
    index = {k: v for k, v in site_files(project / "build").items() if k.startswith(f"{OUTPUT}/")}
    assert index == {k: v for k, v in site_files(fresh / "build").items() if k.startswith(f"{OUTPUT}/")}
