"""Rebuilds: nothing changed runs no NLP and rewrites no file; one edit redoes only that article."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitegen import nlp
from sitegen.build import build
from sitegen.config import load_config

pytestmark = pytest.mark.slow

TEXTS = {
    "a": ("Talks resume in Cairo", "2024-03-01",
          "Egypt's foreign minister Sameh Shoukry said on Monday that talks would resume in Cairo.\n\n"
          "Officials from Israel and Hamas are expected to attend, Shoukry told reporters in Cairo."),
    "b": ("Aid convoy reaches Gaza", "2024-03-02",
          "An aid convoy reached northern Gaza on Tuesday, the United Nations said.\n\n"
          "The World Food Programme said the convoy carried flour for 25,000 people."),
    "c": ("Blinken visits Israel", "2024-03-03",
          "Secretary of State Antony Blinken arrived in Israel on Wednesday for talks with Benjamin Netanyahu.\n\n"
          "Blinken said the United States wanted a ceasefire, according to the State Department."),
}


def write_project(root: Path) -> None:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "sitegen.yaml").write_text("site:\n  title: Test briefing\nbuild:\n  jobs: 1\n")
    for slug, (title, date, body) in TEXTS.items():
        (root / "content" / f"{slug}.md").write_text(
            f"---\ntitle: {title}\ndate: {date}\nsource: Wire\n---\n\n{body}\n")


class Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.parsed: list[str] = []
        real = nlp.parse

        def counting(text: str, name: str = nlp.DEFAULT_PIPELINE):  # type: ignore[no-untyped-def]
            self.parsed.append(text)
            return real(text, name)

        real_many = nlp.parse_many

        def counting_many(texts, name: str = nlp.DEFAULT_PIPELINE, batch_size: int = 32):  # type: ignore[no-untyped-def]
            texts = list(texts)  # analyse_batch: a chunk's texts in one nlp.pipe
            self.parsed.extend(texts)
            return real_many(texts, name, batch_size)

        monkeypatch.setattr(nlp, "parse", counting)
        monkeypatch.setattr(nlp, "parse_many", counting_many)


def stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path)
    return tmp_path


def test_rebuild_with_nothing_changed_runs_no_nlp(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(root=project)
    counter = Counter(monkeypatch)
    build(config)
    assert len(counter.parsed) == 3
    counter.parsed.clear()

    def no_pipeline(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the NLP pipeline was used on a rebuild with nothing changed")

    monkeypatch.setattr(nlp, "load_pipeline", no_pipeline)
    result = build(config)
    assert counter.parsed == []
    assert result.articles == 3


def test_unchanged_files_keep_their_inode_and_mtime(project: Path) -> None:
    config = load_config(root=project)
    build(config)
    before = stats(project / "build")
    build(config)
    after = stats(project / "build")
    assert before.keys() == after.keys()
    changed = [p for p in before if before[p] != after[p]]
    assert changed == []


def test_one_edit_reanalyses_and_rerenders_only_what_depends_on_it(project: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(root=project)
    build(config)
    before = stats(project / "build")
    counter = Counter(monkeypatch)
    path = project / "content" / "b.md"
    path.write_text(path.read_text() + "\nThe convoy returned empty on Wednesday, officials said.\n")
    build(config)
    assert len(counter.parsed) == 1 and "returned empty" in counter.parsed[0]
    after = stats(project / "build")
    changed = {p for p in after if before.get(p) != after[p]}
    assert "articles/aid-convoy-reaches-gaza.html" in changed
    assert "articles/talks-resume-in-cairo.html" not in changed
    assert "articles/blinken-visits-israel.html" not in changed
    assert "static/style.css" not in changed
    assert "briefing.json" in changed


def test_corrupt_cache_is_recomputed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(root=project)
    build(config)
    for entry in (project / ".sitegen-cache").rglob("*"):
        if entry.is_file() and "analysis" in entry.parts:
            entry.write_bytes(entry.read_bytes()[:40])
    counter = Counter(monkeypatch)
    build(config)
    assert len(counter.parsed) == 3
    assert (project / "build" / "index.html").is_file()


def test_cache_can_be_turned_off(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "sitegen.yaml").write_text("build:\n  cache: false\n  jobs: 1\n")
    config = load_config(root=project)
    build(config)
    counter = Counter(monkeypatch)
    build(config)
    assert len(counter.parsed) == 3
    assert not (project / ".sitegen-cache").exists()


def test_cache_dir_is_configurable(project: Path) -> None:
    (project / "sitegen.yaml").write_text("build:\n  cache_dir: var/cache\n  jobs: 1\n")
    build(load_config(root=project))
    assert (project / "var" / "cache").is_dir() and not (project / ".sitegen-cache").exists()
    assert os.listdir(project / "var" / "cache")


def test_assemble_from_the_cache_equals_assembling(project: Path) -> None:
    from sitegen.assemble import assemble
    from sitegen.build import load_articles
    from sitegen.cache import AnalysisCache, assemble_cached
    from sitegen.executor import analyse_all

    config = load_config(root=project)
    cache = AnalysisCache(config.folder("build.cache_dir"), config.analysis_key)
    articles, _, _ = load_articles(config, drafts=False, cache=cache)
    analyses = analyse_all(articles, config.analysis_key, cache, jobs=1)
    options = {"data_dir": config.folder("data_dir"), "overview_sentences": 2, "key_date_limit": 12}
    fresh = assemble(analyses, **options)
    first = assemble_cached(cache, analyses, **options)
    hits = cache.store.hits
    second = assemble_cached(cache, analyses, **options)
    assert cache.store.hits == hits + 1  # served from the cache
    assert first == fresh and second == fresh
    (project / "data").mkdir()
    (project / "data" / "actors.yaml").write_text("actors:\n  hamas:\n    description: A group.\n")
    hits = cache.store.hits
    assemble_cached(cache, analyses, **options)
    assert cache.store.hits == hits + 1  # the overview memo only: the data folder is part of the key


def test_serve_keeps_the_overview_memo_through_a_build_that_reused_the_overview(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit outside the overview's window reuses the last overview: the per-article
    memo it did not read must survive it, or the next edit inside the window redoes
    every article of the window (1.8 s at 1,000 articles instead of 0.1)."""
    from dataclasses import replace

    from sitegen import assemble as assemble_mod
    from sitegen import overview as overview_mod
    from sitegen.build import load_articles
    from sitegen.cache import AnalysisCache, Memory, assemble_cached, memory_kept
    from sitegen.executor import analyse_all

    monkeypatch.setattr(assemble_mod, "OVERVIEW_WINDOW", 2)  # "a", the oldest, is outside it
    config = load_config(root=project)
    cache = AnalysisCache(config.folder("build.cache_dir"), config.analysis_key)
    articles, _, _ = load_articles(config, drafts=False, cache=cache)
    analyses = {Path(a.article.path).stem: a for a in analyse_all(articles, config.analysis_key, cache, jobs=1)}
    options = {"data_dir": config.folder("data_dir"), "overview_sentences": 2, "key_date_limit": 12}
    made: list[str] = []
    real = overview_mod._article_candidates

    def counting(article: overview_mod.OverviewInput) -> object:
        made.append(next(k for k, a in analyses.items() if a.article.slug == article.slug))
        return real(article)

    monkeypatch.setattr(overview_mod, "_article_candidates", counting)

    def edited(slug: str, sentences: bool) -> None:
        a = analyses[slug]
        article = replace(a.article, meta=replace(a.article.meta, title=f"{a.article.meta.title} (updated)"))
        changed = (replace(a.sentences[0], text=a.sentences[0].text + " "),) + a.sentences[1:] if sentences else a.sentences
        analyses[slug] = replace(a, article=article, sentences=changed)

    memory = Memory()
    with memory_kept(memory):
        assemble_cached(cache, list(analyses.values()), **options)
        memory.sweep()
        made.clear()
        edited("a", sentences=False)  # outside the window: the last overview is reused
        assemble_cached(cache, list(analyses.values()), **options)
        memory.sweep()
        assert made == []
        edited("c", sentences=True)  # inside: only "c" is looked at again
        briefing = assemble_cached(cache, list(analyses.values()), **options)
        memory.sweep()
    assert made == ["c"]
    assert briefing.overview == assemble_mod.assemble(list(analyses.values()), **options).overview


def test_serve_merges_the_actors_again_only_when_an_articles_actors_changed(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit that names no one new (the article analysed again, its actors equal)
    gets the last merge of the corpus actors back; one that changes an article's
    actors merges them again.  Either way the briefing is a fresh assemble's."""
    from dataclasses import replace

    from sitegen import assemble as assemble_mod
    from sitegen.build import load_articles
    from sitegen.cache import AnalysisCache, Memory, in_memory, memory_kept
    from sitegen.executor import analyse_all

    config = load_config(root=project)
    cache = AnalysisCache(config.folder("build.cache_dir"), config.analysis_key)
    articles, _, _ = load_articles(config, drafts=False, cache=cache)
    analyses = analyse_all(articles, config.analysis_key, cache, jobs=1)
    options = {"data_dir": config.folder("data_dir"), "overview_sentences": 2, "key_date_limit": 12}
    merged: list[int] = []
    real = assemble_mod.merge_actors
    monkeypatch.setattr(assemble_mod, "merge_actors",
                        lambda *a, **k: (merged.append(1) if in_memory() else None) or real(*a, **k))
    k = next(i for i, a in enumerate(analyses) if a.actors)
    memory = Memory()

    def served(analyses: list) -> object:
        with memory_kept(memory):
            briefing = assemble_mod.assemble(analyses, **options)
        memory.sweep()
        assert briefing == assemble_mod.assemble(analyses, **options)  # as without any memo
        return briefing

    first = served(analyses)
    merged.clear()
    # Analysed again, equal actors (new objects): no merge, the very same corpus actors.
    again = [replace(a, actors=tuple(replace(x) for x in a.actors)) if i == k else a for i, a in enumerate(analyses)]
    assert again[k].actors == analyses[k].actors and again[k].actors is not analyses[k].actors
    second = served(again)
    assert merged == [] and second.actors is first.actors
    served(again)  # the same objects given again: still no merge
    assert merged == []
    # One actor fewer: merged again.
    fewer = [replace(a, actors=a.actors[1:]) if i == k else a for i, a in enumerate(analyses)]
    third = served(fewer)
    assert merged and third.actors != first.actors


def test_serve_rebuilds_are_the_sites_fresh_builds_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sitegen serve keeps analyses and what was derived from them between builds
    (sitegen.cache.Memory: identity memos, the last overview); after each edit its
    site must be byte for byte what a fresh build without any cache makes."""
    from sitegen import assemble
    from sitegen.server import ProjectBuilder

    monkeypatch.setattr(assemble, "OVERVIEW_WINDOW", 2)  # "a", the oldest, is outside it
    project = tmp_path / "project"
    write_project(project)
    with (project / "sitegen.yaml").open("a") as f:  # every listing split into pages
        f.write(SPLIT)
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    builder(tmp_path / "serve-0")
    edits = [
        ("a", "talks would resume in Cairo.", "talks would resume in Cairo.\n\nShoukry met Antony Blinken on Tuesday."),
        ("c", "for talks with Benjamin Netanyahu.", "for talks with Benjamin Netanyahu and Sameh Shoukry."),
        ("c", "Secretary of State", "Diplomats gathered early in Jerusalem.\n\nSecretary of State"),  # ids move
        ("b", "An aid convoy reached", "A second aid convoy reached"),
        ("a", "Shoukry met Antony Blinken on Tuesday.", "Shoukry met Antony Blinken on Wednesday."),
    ]
    d = project / "content" / "d.md"
    edits += [  # an article added (every footer counts them), its date moved, one removed, a title changed
        ("d", "", ("---\ntitle: Shoukry in Jerusalem\ndate: 2024-03-04\nsource: Wire\n---\n\n"
                   "Sameh Shoukry met Benjamin Netanyahu in Jerusalem on Thursday, Israeli officials said.\n")),
        ("d", "date: 2024-03-04", "date: 2024-02-28"),
        ("b", None, None),
        ("c", "title: Blinken visits Israel", "title: Blinken in Israel"),
    ]
    for i, (slug, old, new) in enumerate(edits, start=1):
        apply_edit(project, slug, old, new)
        served = tmp_path / f"serve-{i}"
        builder(served)
        assert site_files(served) == fresh_site(project, tmp_path / f"fresh-{i}"), f"edit {i}"
    assert d.is_file()
    split = [k for k in site_files(served) if "/by-year/" in k or "/by-letter/" in k or "/page/" in k]
    assert len(split) > 5, split


def test_serve_renders_again_the_pages_showing_an_actors_counts_not_those_naming_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One more mention of Israel in article c changes Israel's counts: its page and the
    actor index show them and are made again; article a's page, which only names Israel,
    is not.  The site is a fresh build's."""
    from sitegen import pagecache
    from sitegen.server import ProjectBuilder

    project = tmp_path / "project"
    write_project(project)
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    builder(tmp_path / "serve-0")
    rendered: list[str] = []
    real = pagecache.PageCache.record
    monkeypatch.setattr(pagecache.PageCache, "record",
                        lambda self, path, key, data: rendered.append(path) or real(self, path, key, data))
    apply_edit(project, "c", "according to the State Department.",
               "according to the State Department.\n\nIsrael said it would attend the talks.")
    builder(tmp_path / "serve-1")
    assert site_files(tmp_path / "serve-1") == fresh_site(project, tmp_path / "fresh")
    assert "actors/israel.html" in rendered and "actors/index.html" in rendered
    assert "articles/blinken-visits-israel.html" in rendered, rendered
    assert "articles/talks-resume-in-cairo.html" not in rendered, rendered


SPLIT = "pages:\n  articles_per_page: 2\n  actors_per_page: 3\n  events_per_page: 2\n  home_articles: 2\n"


def apply_edit(project: Path, slug: str, old: str | None, new: str | None) -> None:
    """Edit ``content/SLUG.md``: remove it (``old`` None), write it (``old`` ""), or replace ``old`` by ``new``."""
    path = project / "content" / f"{slug}.md"
    if old is None:
        path.unlink()
    elif old == "":
        path.write_text(new or "")
    else:
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new or ""))


def fresh_site(project: Path, fresh: Path) -> dict[str, bytes]:
    """The files of a build of ``project``'s content made afresh, with the cache off (but the search index)."""
    import shutil

    shutil.copytree(project / "content", fresh / "content")
    if (project / "templates").is_dir():
        shutil.copytree(project / "templates", fresh / "templates")
    config = (project / "sitegen.yaml").read_text().replace("build:\n", "build:\n  cache: false\n", 1)
    (fresh / "sitegen.yaml").write_text(config)
    build(load_config(root=fresh))
    return {k: v for k, v in site_files(fresh / "build").items() if not k.startswith("pagefind/")}


def site_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cached_rebuilds_after_adding_and_removing_articles_are_fresh_builds(project: Path, tmp_path: Path) -> None:
    """The footer of every page counts the articles: the render cache must not keep
    pages made when there were more (or fewer)."""
    build(load_config(root=project))
    (project / "content" / "b.md").unlink()
    build(load_config(root=project))
    got = {k: v for k, v in site_files(project / "build").items() if not k.startswith("pagefind/")}
    assert got == fresh_site(project, tmp_path / "fresh-removed")
    write_project(project)  # b again
    build(load_config(root=project))
    got = {k: v for k, v in site_files(project / "build").items() if not k.startswith("pagefind/")}
    assert got == fresh_site(project, tmp_path / "fresh-added")


def test_serve_rebuild_builds_only_the_pages_an_edit_touches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside sitegen serve a page whose inputs are the very objects of the last build
    is not even keyed: its context is never built (sitegen.pagecache.PageCache.known_key)."""
    from sitegen import pages
    from sitegen.server import ProjectBuilder

    project = tmp_path / "project"
    write_project(project)
    built: list[str] = []
    real_actor, real_article = pages.actor_context, pages.article_context
    monkeypatch.setattr(pages, "actor_context", lambda actor, *a, **k: built.append(actor.id) or real_actor(actor, *a, **k))
    monkeypatch.setattr(pages, "article_context", lambda a, *r, **k: built.append(a.article.slug) or real_article(a, *r, **k))
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    builder(tmp_path / "serve-0")
    assert built.count("aid-convoy-reaches-gaza") == 1 and built.count("antony-blinken") == 1  # each built once
    built.clear()
    path = project / "content" / "b.md"
    path.write_text(path.read_text().replace("An aid convoy reached", "A second aid convoy reached"))
    builder(tmp_path / "serve-1")
    assert "aid-convoy-reaches-gaza" in built  # the edited article's page
    untouched = {"talks-resume-in-cairo", "blinken-visits-israel", "antony-blinken", "sameh-shoukry", "cairo"}
    assert not untouched & set(built), built
    assert site_files(tmp_path / "serve-1") == fresh_site(project, tmp_path / "fresh")


def test_serve_removes_the_objects_no_site_uses_any_more(tmp_path: Path) -> None:
    """sitegen serve checks only the objects its last build used (or a served site still
    linked) when it collects the store: what an edit replaced goes once no site links it."""
    import shutil

    from sitegen.server import ProjectBuilder

    project = tmp_path / "project"
    write_project(project)
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    path = project / "content" / "b.md"
    objects = project / ".sitegen-cache" / "objects"
    for i, word in enumerate(("A second", "A third", "A fourth")):
        builder(tmp_path / f"serve-{i}")
        if i >= 2:
            shutil.rmtree(tmp_path / f"serve-{i - 2}")  # as the server does: the one before the last goes
        path.write_text(path.read_text().replace("An aid convoy" if i == 0 else ("A second", "A third")[i - 1], word))
    builder(tmp_path / "serve-3")
    shutil.rmtree(tmp_path / "serve-1")
    shutil.rmtree(tmp_path / "serve-2")
    builder(tmp_path / "serve-4")
    stored = [p for p in objects.rglob("*") if p.is_file()]
    assert len(stored) > 10
    assert [p for p in stored if p.stat().st_nlink == 1] == []  # every object left is linked into serve-3 or serve-4


def test_serve_builds_from_the_last_sites_copy_are_fresh_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a site is served, sitegen serve copies it (hard links) for the next build, which
    then links only the files that changed (sitegen.writer.Spare); its site must still be
    byte for byte a fresh build's, with no folder a fresh build does not have."""
    from sitegen import build as build_module
    from sitegen.pagecache import ObjectStore
    from sitegen.server import ProjectBuilder

    monkeypatch.setattr(build_module, "_later_index", lambda *a, **k: lambda: True)  # no Pagefind here
    placed: list[str] = []
    real_place = ObjectStore.place
    monkeypatch.setattr(ObjectStore, "place", lambda self, value, target: placed.append(target)
                        or real_place(self, value, target))
    project = tmp_path / "project"
    write_project(project)
    with (project / "sitegen.yaml").open("a") as f:
        f.write(SPLIT)
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    builder(tmp_path / "serve-0")()  # built, then what the server runs once it is served
    edits = [
        ("b", "An aid convoy reached", "A second aid convoy reached"),
        ("d", "", ("---\ntitle: Shoukry in Jerusalem\ndate: 2024-03-04\nsource: Wire\n---\n\n"
                   "Sameh Shoukry met Benjamin Netanyahu in Jerusalem on Thursday, Israeli officials said.\n")),
        ("b", None, None),
        ("d", None, None),
    ]
    for i, (slug, old, new) in enumerate(edits, start=1):
        apply_edit(project, slug, old, new)
        served = tmp_path / f"serve-{i}"
        placed.clear()
        builder(served)()
        got = site_files(served)
        assert got == fresh_site(project, tmp_path / f"fresh-{i}"), f"edit {i}"
        before = site_files(tmp_path / f"serve-{i - 1}")
        # Only the files that changed were linked: the rest were in the copy already.
        assert len(placed) == sum(1 for k, v in got.items() if before.get(k) != v), f"edit {i}"
        if i == 1:
            assert 0 < len(placed) < len(got) / 2
        fresh_folders = {p.relative_to(tmp_path / f"fresh-{i}" / "build") for p in (tmp_path / f"fresh-{i}" / "build").rglob("*")
                         if p.is_dir() and "pagefind" not in p.parts}
        assert {p.relative_to(served) for p in served.rglob("*") if p.is_dir()} == fresh_folders, f"edit {i}"


def test_serve_keeps_event_html_only_for_the_same_event_template(tmp_path: Path) -> None:
    """sitegen serve renders each timeline event's HTML once and keeps it
    (sitegen.render.memoise_partial): a user's own partials/event.html, an edit of
    it, and one that reads more than its event must all give a fresh build's site."""
    from sitegen.server import ProjectBuilder

    project = tmp_path / "project"
    write_project(project)
    with (project / "sitegen.yaml").open("a") as f:
        f.write(SPLIT)
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    builder(tmp_path / "serve-0")
    partial = project / "templates" / "partials" / "event.html"
    partial.parent.mkdir(parents=True)
    body = project / "content" / "b.md"
    versions = [
        '<li class="mine">V1 {{ item.event.text }} <a href="{{ url(item.sources[0].href) }}">s</a></li>\n',
        '<li class="mine">V2 {{ item.event.text }} <a href="{{ url(item.sources[0].href) }}">s</a></li>\n',
        '<li class="mine">V3 {{ item.event.text }} on {{ page_path }}</li>\n',  # differs page by page
    ]
    for i, text in enumerate(versions, start=1):
        partial.write_text(text)
        body.write_text(body.read_text().replace("convoy reached", f"convoy {i} reached"))  # an event changes
        served = tmp_path / f"serve-{i}"
        builder(served)
        got = site_files(served)
        fresh = fresh_site(project, tmp_path / f"fresh-{i}")
        assert got == fresh, f"version {i}"
        assert text.split()[1].encode() in got["timeline/index.html"]


def test_serve_warms_what_a_briefing_from_the_cache_left_empty(tmp_path: Path) -> None:
    """sitegen serve starting on a built site takes its briefing whole from the cache:
    the corpus-wide steps' memos stay empty and the first edit would redo every
    article.  The warm-up after that build assembles once more, storing nothing;
    the edit then merges only what changed, and its site is a fresh build's."""
    from sitegen import events
    from sitegen.server import ProjectBuilder

    project = tmp_path / "project"
    write_project(project)
    build(load_config(root=project))  # the briefing is in the cache now
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    builder(tmp_path / "serve-0")
    memory = builder.memory
    assert not memory.dicts.get("article-links") and not memory.dicts.get("actor-votes")  # from the cache
    stored = sorted(p for p in (project / ".sitegen-cache").rglob("*") if p.is_file())
    config, briefing, _ = builder.last
    builder.warm(config, briefing)
    assert memory.dicts.get("article-links") and memory.dicts.get("actor-votes")
    merged = memory.memo("event-terms").state(events._MERGED, events._Merged)
    assert merged.covers(sum(len(a.events) for a in briefing.analyses))
    memory.flush()
    assert sorted(p for p in (project / ".sitegen-cache").rglob("*") if p.is_file()) == stored  # stored nothing
    path = project / "content" / "b.md"
    path.write_text(path.read_text().replace("An aid convoy reached", "A second aid convoy reached"))
    builder(tmp_path / "serve-1")
    assert merged.replayed > 0  # the events before the edited article's: replayed
    assert site_files(tmp_path / "serve-1") == fresh_site(project, tmp_path / "fresh")
