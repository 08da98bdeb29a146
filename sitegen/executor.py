"""The analysis map: run :func:`sitegen.analyse.analyse` over many articles.

Three ways, one interface (:func:`analyse_many`, yielding ``(index,
analysis)`` as results arrive):

* in-process (``jobs=1``, or too few articles for a pool to pay off: starting
  a worker costs about as much as analysing a few dozen articles);
* a local process pool (``--jobs N``, default the number of cores).  Workers
  are started with ``spawn`` (``sitegen serve`` rebuilds from a thread, and
  forking a threaded process can deadlock) and load the spaCy pipeline once
  each, in the pool initializer;
* a Dask distributed cluster (``--scheduler tcp://HOST:PORT``), for archives
  beyond one machine: the same chunks are mapped over the cluster's workers,
  each of which loads the pipeline once (``nlp.load_pipeline`` is cached per
  process).  Needs the optional ``dask`` extra.

Articles travel in chunks (fewer, larger messages; a chunk's texts are
parsed with one ``nlp.pipe``) and come back without their article (the
caller has it already), so only the analysis crosses the process boundary.
Chunks are submitted a few at a time, so memory stays bounded by the chunks
in flight, not by the corpus.  The pool gets ever smaller chunks towards
the end, so that its workers finish together rather than one of them
analysing a last full chunk alone.

A cold build starts its workers before it reads the articles
(:func:`early_workers`): loading spaCy in each worker (1-2 s) then overlaps
the main process's reading and parsing of the articles.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import replace
from typing import Any, Self

from .model import Analysis, Article

log = logging.getLogger(__name__)

# Below this many articles to analyse, a pool costs more to start than it saves.
MIN_PARALLEL = 48
CHUNK = 8  # articles per task
IN_FLIGHT = 4  # tasks in flight per worker


class SchedulerError(RuntimeError):
    """The Dask scheduler cannot be reached, or Dask is not installed."""


def job_count(jobs: int | None) -> int:
    """``--jobs`` as given, or (None, 0 or less) the number of cores."""
    return default_jobs() if jobs is None or jobs < 1 else jobs


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# -- worker side ----------------------------------------------------------------

def _init_worker(pipeline: str, level: int) -> None:
    """Pool initializer: load the spaCy pipeline once for this worker."""
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s")
    from . import nlp

    nlp.load_pipeline(pipeline)


def _ready() -> None:
    """A task that does nothing: submitted once per worker to start them all (see Workers)."""


def analyse_chunk(articles: Sequence[Article], settings: Mapping[str, Any]) -> list[Analysis]:
    """Analyse ``articles``; the results leave out the article (the caller has it)."""
    from .analyse import analyse_batch

    return [replace(analysis, article=None) for analysis in analyse_batch(articles, settings)]


# -- the map ----------------------------------------------------------------------

def _chunks(items: Sequence[tuple[int, Article]], size: int) -> Iterator[list[tuple[int, Article]]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def _balanced_chunks(items: Sequence[tuple[int, Article]], jobs: int) -> Iterator[list[tuple[int, Article]]]:
    """Chunks for ``jobs`` workers, shrinking towards the end.

    Each chunk takes at most half of a worker's share of what is left (and
    at most ``CHUNK``): the last chunks are single articles, so the workers
    run out of work within about one article of each other rather than one
    chunk.  (Guided self-scheduling; written here because
    ``ProcessPoolExecutor.map`` has one fixed chunk size.)  The articles
    keep their order: longest first would balance better still, but then
    both workers parse the longest articles at the same time and their
    memory peaks add up (tried: at 1,000 articles, with the longest two
    parsed together too, the build's peak went from 1,037 to 1,599 MiB).
    """
    i = 0
    while i < len(items):
        size = max(1, min(CHUNK, (len(items) - i) // (2 * jobs)))
        yield list(items[i:i + size])
        i += size


class Workers:
    """A local process pool whose workers are started at once (each loads the spaCy pipeline).

    ``ProcessPoolExecutor`` with ``spawn`` starts a worker when a task is
    submitted and none is idle: one no-op task per worker starts them all.
    """

    def __init__(self, pipeline: str, jobs: int):
        self.jobs = jobs
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_init_worker,
                                        initargs=(pipeline, logging.getLogger().getEffectiveLevel()))
        for _ in range(jobs):
            self.pool.submit(_ready)

    def close(self, wait: bool = False) -> None:
        """Stop the pool; with ``wait``, once every worker has exited.

        Without it the caller goes on at once (0.1-0.2 s sooner) while idle
        workers exit by themselves.
        """
        self.pool.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(wait=exc[0] is not None)


def early_workers(settings: Mapping[str, Any], cache: Any, files: int, jobs: int | None) -> Workers | None:
    """Workers started before the articles are read, if a pool will surely be needed; else None.

    ``files`` is the number of article files.  Every article that has no
    analysis stored must be analysed, so at least ``files`` less the number
    of analyses stored (of any settings, counted on disk; all of them
    without a cache) will be: when that is ``MIN_PARALLEL`` or more the
    build will run a pool anyway, and its workers can load spaCy while the
    main process reads the articles.  Not in ``sitegen serve``, whose cache
    writes wait in memory (a count of the disk would be low), nor with one
    job.  If fewer articles than counted turn out to need analysing (drafts,
    errors), the workers analyse those, or are stopped unused.
    """
    from .cache import in_memory

    jobs = job_count(jobs)
    jobs = min(jobs, max(1, files // CHUNK))
    if jobs == 1 or files < MIN_PARALLEL or in_memory():
        return None
    limit = files - MIN_PARALLEL + 1
    stored = cache.stored(limit) if cache is not None else 0
    if stored >= limit:
        return None
    log.info("starting %d worker processes while the articles are read (%d of %d analyses stored)",
             jobs, stored, files)
    return Workers(str(settings["nlp.pipeline"]), jobs)


def analyse_many(
    articles: Sequence[tuple[int, Article]],
    settings: Mapping[str, Any],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    on_start: Callable[[str], None] | None = None,
    workers: Workers | None = None,
) -> Iterator[tuple[int, Analysis]]:
    """Analyse ``(index, article)`` pairs; yield ``(index, analysis)`` as they finish.

    The order of the results is not the order of the input.  Exceptions
    raised by the analysis (e.g. :class:`sitegen.nlp.PipelineError`) reach
    the caller unchanged.  ``workers`` (started early, :func:`early_workers`)
    are used whatever the number of articles, and closed.
    """
    if not articles:
        if workers is not None:
            workers.close()
        return
    jobs = job_count(jobs)
    if scheduler:
        if workers is not None:
            workers.close()
        mode = f"Dask cluster at {scheduler}"
        runner = _dask(articles, settings, scheduler)
    elif workers is not None:
        mode = f"{workers.jobs} worker processes"
        runner = _pool(articles, settings, workers)
    elif jobs == 1 or len(articles) < MIN_PARALLEL:
        mode = "in-process"
        runner = _serial(articles, settings)
    else:
        jobs = min(jobs, max(1, len(articles) // CHUNK))
        mode = f"{jobs} worker processes"
        runner = _pool(articles, settings, Workers(str(settings["nlp.pipeline"]), jobs))
    log.info("analysing %d article(s): %s", len(articles), mode)
    if on_start is not None:
        on_start(mode)
    for index, analysis in runner:
        yield index, analysis


def _serial(articles: Sequence[tuple[int, Article]], settings: Mapping[str, Any]) -> Iterator[tuple[int, Analysis]]:
    from .analyse import analyse_batch

    for chunk in _chunks(articles, CHUNK):  # parsed a chunk at a time, as the workers do
        yield from zip((i for i, _ in chunk), analyse_batch([a for _, a in chunk], settings), strict=True)


def _attach(chunk: list[tuple[int, Article]], results: list[Analysis]) -> Iterator[tuple[int, Analysis]]:
    for (index, article), analysis in zip(chunk, results, strict=True):
        yield index, replace(analysis, article=article)


def _pool(articles: Sequence[tuple[int, Article]], settings: Mapping[str, Any],
          workers: Workers) -> Iterator[tuple[int, Analysis]]:
    with workers:
        pool, jobs = workers.pool, workers.jobs
        pending: dict[Future[list[Analysis]], list[tuple[int, Article]]] = {}
        chunks = _balanced_chunks(articles, jobs)
        try:
            for chunk in chunks:
                pending[pool.submit(analyse_chunk, [a for _, a in chunk], settings)] = chunk
                if len(pending) >= jobs * IN_FLIGHT:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield from _attach(pending.pop(future), future.result())
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield from _attach(pending.pop(future), future.result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _dask(articles: Sequence[tuple[int, Article]], settings: Mapping[str, Any],
          scheduler: str) -> Iterator[tuple[int, Analysis]]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise SchedulerError("--scheduler needs Dask: pip install 'sitegen[dask]'") from exc
    try:
        client = Client(scheduler, timeout=10)
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        chunks = list(_chunks(articles, CHUNK))
        futures = [client.submit(analyse_chunk, [a for _, a in chunk], dict(settings), pure=False)
                   for chunk in chunks]
        index_of = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            chunk = chunks[index_of[future.key]]
            yield from _attach(chunk, future.result())
    finally:
        client.close()


# -- the analysis stage, with the cache ---------------------------------------------

def analyse_all(
    articles: Sequence[Article],
    settings: Mapping[str, Any],
    cache: Any = None,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Any = None,
    workers: Workers | None = None,
) -> list[Analysis]:
    """Every article's analysis, in order: from ``cache`` when it has it, else computed.

    ``cache`` is a :class:`sitegen.cache.AnalysisCache` (or None); computed
    analyses are stored in it as they arrive, so an interrupted build keeps
    what it finished.  ``progress`` is a :class:`sitegen.progress.Progress`.
    ``workers`` (:func:`early_workers`) are used if anything is to be
    computed, and closed in any case.
    """
    results: list[Analysis | None] = [None] * len(articles)
    todo: list[tuple[int, Article]] = []
    try:
        for i, article in enumerate(articles):
            hit = cache.get(article) if cache is not None else None
            if hit is None:
                todo.append((i, article))
            else:
                results[i] = hit
    except BaseException:
        if workers is not None:
            workers.close()
        raise
    log.info("analyses: %d from the cache, %d to compute", len(articles) - len(todo), len(todo))
    if not todo and workers is not None:
        workers.close()
    if todo:
        if progress is not None:
            progress.start("analysing", len(todo))
        try:
            for i, analysis in analyse_many(todo, settings, jobs=jobs, scheduler=scheduler, workers=workers):
                results[i] = analysis
                if cache is not None:
                    cache.put(articles[i], analysis)
                if progress is not None:
                    progress.advance()
        finally:
            if progress is not None:
                progress.stop()
    return [r for r in results if r is not None]
