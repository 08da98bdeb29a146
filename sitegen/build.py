"""The build: load -> analyse -> assemble -> render -> write.

As in MkDocs' ``build()``, everything is gathered from every file first and
only then written: the home page, the actor index and the timeline need the
whole corpus.  Errors from every article are collected before the build
stops, and a failed build never touches the previous output.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import uptodate
from .config import Config
from .lock import BuildLocked, OutputLock
from .model import Article, Problem
from .progress import Progress
from .writer import clean_stale

# The build's own modules (Jinja2, NumPy, the analysis) are imported in
# ``_build``: a build found up to date (sitegen/uptodate.py) never needs them.

log = logging.getLogger(__name__)


class BuildError(Exception):
    """The build failed; ``problems`` lists every error found."""

    def __init__(self, problems: Sequence[Problem | str]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class BuildResult:
    """What a build did, for the command line and the tests."""

    output: Path
    articles: int = 0
    pages: int = 0
    files: int = 0
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    # (article path, noise line removed by cleaning), for --verbose
    removed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # corpus-wide warnings (actors.yaml), as said
    unchanged: bool = False  # nothing changed since the last build: nothing was done
    # With build(search_later=True): the search index, still to make (call it; it adds output/pagefind).
    index_search: Callable[[], bool] | None = None
    # With build(keep_briefing=True): the assembled corpus (sitegen serve previews edits against it).
    briefing: Any = None
    # sitegen serve: makes the next build's folder from this site, once it is served (writer.Spare).
    prepare_next: Callable[[], Any] | None = None
    # sitegen daemon (memory kept, an output folder of the user's): the previous site, swapped out,
    # removed by this rather than before the build returns (0.2-0.5 s at 1,000 articles).
    remove_old: Callable[[], Any] | None = None
    # build(record_later=True): records the build for sitegen.uptodate (call it once the answer is out).
    record: Callable[[], Any] | None = None


def display_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def load_articles(config: Config, *, drafts: bool, cache: Any = None,
                  files: list[tuple[str, Any]] | None = None) -> tuple[list[Article], list[Problem], list[Problem]]:
    """Read every article; return (articles, errors, warnings) for all of them.

    With a ``cache`` (:class:`sitegen.cache.AnalysisCache`), an article whose
    file is unchanged is not parsed again.  ``files`` is the content folder's
    :func:`sitegen.ingest.article_files` if the caller listed it already.
    """
    from .cache import SETTLED_NS, read_article_cached, remembered
    from .ingest import IngestError, article_files

    articles: list[Article] = []
    errors: list[Problem] = []
    warnings: list[Problem] = []
    content = config.folder("content_dir")
    if not content.is_dir():
        errors.append(Problem(display_path(content, config.root), "content folder not found"))
        return articles, errors, warnings
    if files is None:
        files = article_files(content)
    if not files:
        errors.append(Problem(display_path(content, config.root), "no articles (.txt, .md, .html) found"))
    # sitegen serve: an article whose file has the same inode, size, mtime and ctime as
    # when it was read is not read again (its bytes hashed for the cache's key).
    read = remembered("article-files") if cache is not None and cache.folder is not None else None
    last: dict[str, Any] = read.get("files", {}) if read is not None else {}
    now: dict[str, Any] = {}
    root, env = str(config.root), cache.ingest_env if cache is not None else None
    for name, st in files:
        signature = (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns, root, env)
        known = last.get(name)
        if known is not None and known[0] == signature:
            article = known[1]
            now[name] = known
        else:
            path = Path(name)
            started = time.time_ns()
            try:
                article = read_article_cached(path, display_path(path, config.root), cache)
            except IngestError as exc:
                errors.extend(exc.problems)
                continue
            # Kept only if the file was last changed well before it was read: a later
            # change then gets a later mtime, even with a coarse file-system clock.
            if read is not None and max(st.st_mtime_ns, st.st_ctime_ns) < started - SETTLED_NS:
                now[name] = (signature, article)
        if article.meta.draft and not drafts:
            log.info("%s: draft, skipped (build with --drafts to include it)", article.path)
            continue
        warnings.extend(article.warnings)
        articles.append(article)
    if read is not None:
        read["files"] = now
    seen: dict[str, Article] = {}
    for article in articles:
        if article.slug in seen:
            errors.append(Problem(article.path, f"slug {article.slug!r} is also used by {seen[article.slug].path}: "
                                  "set a different 'slug:' in the front matter of one of them"))
        else:
            seen[article.slug] = article
    return articles, errors, warnings


class OutputLockedError(BuildError):
    """Another build is writing the same output folder (CLI exit code 4)."""


def build(config: Config, *, output: Path | None = None, drafts: bool | None = None,
          strict: bool | None = None, jobs: int | None = None, scheduler: str | None = None,
          progress: Progress | None = None, skip_unchanged: bool = False,
          search_later: bool = False, keep_briefing: bool = False, record_later: bool = False) -> BuildResult:
    """Build the site described by ``config``; raise BuildError on failure.

    Explicit arguments override the config (None means: use the config).
    ``jobs`` and ``scheduler`` say where articles are analysed (see
    :mod:`sitegen.executor`); ``progress`` shows a bar on long builds.
    One build at a time per output folder: a second one raises
    OutputLockedError at once (see :mod:`sitegen.lock`).  Holding the lock,
    the build first removes what interrupted builds left beside the output.

    With ``skip_unchanged`` (what ``sitegen build`` does) a build whose
    inputs and output are exactly as the last build left them returns that
    build's result without doing anything (:mod:`sitegen.uptodate`);
    ``BuildResult.removed`` is then empty and ``BuildResult.unchanged`` true.

    With ``search_later`` (what ``sitegen serve`` does) the site is swapped in
    without its search index, and ``BuildResult.index_search`` makes it: the
    preview reloads without waiting for Pagefind.  With ``keep_briefing``
    (``sitegen serve`` too) ``BuildResult.briefing`` is the assembled corpus.
    With ``record_later`` (``sitegen daemon``) the record of a ``skip_unchanged``
    build (a digest of the 13,000 files of a 1,000-article site: 0.05 s) is
    left to ``BuildResult.record``, which makes it unless another build
    replaced the output since (see :func:`_record_later`).
    """
    out = (output or config.folder("output_dir")).resolve()
    if out == config.root or out in config.folder("content_dir").parents or out == config.folder("content_dir"):
        raise BuildError([Problem(str(out), "output folder would overwrite the project or its content")])
    try:
        lock = OutputLock(out)
        lock.acquire()
    except BuildLocked as exc:
        raise OutputLockedError([str(exc)]) from exc
    try:
        clean_stale(out)
        started = time.perf_counter()
        drafts = config["build.drafts"] if drafts is None else drafts
        strict = config["build.strict"] if strict is None else strict
        manifest = config.folder("build.cache_dir") if skip_unchanged and config["build.cache"] else None
        inputs = ""
        if manifest is not None:
            inputs = uptodate.input_digest(config, output=out, drafts=drafts, strict=strict)
            last = uptodate.load(manifest, out, inputs)
            if last is not None:
                return _replay(last, out, started)
        from .cache import digests_remembered

        with gc_paused(), digests_remembered() as forget_digests:
            result = _build(config, out, drafts=drafts, strict=strict, jobs=jobs, scheduler=scheduler,
                            progress=progress, search_later=search_later, keep_briefing=keep_briefing,
                            forget_digests=forget_digests)
        if manifest is not None:
            record = functools.partial(uptodate.save, manifest, out, inputs, {
                "articles": result.articles, "pages": result.pages, "files": result.files,
                "warnings": [[w.path, w.message, w.line, w.field] for w in result.warnings],
                "notes": result.notes,
            })
            if record_later:
                result.record = _record_later(out, record)
            else:
                record()
        return result
    finally:
        lock.release()


def _record_later(out: Path, record: Callable[..., Any]) -> Callable[[], None]:
    """``record`` (:func:`sitegen.uptodate.save` of the build that just swapped ``out`` in), to call later.

    It records nothing if ``out`` is no longer that build's folder (a build swaps in
    a new one: another inode), checked before the output's digest is made and
    after (the digest would then be of a mix, or of the other build's site).  Not
    under the output's lock: a build started meanwhile in another process would
    find it held and fail; such a build records its own result.
    """
    def state() -> tuple[int, int] | None:
        try:
            st = out.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    left = state()

    def record_now() -> None:
        if left is not None and state() == left:
            record(still=lambda: state() == left)

    return record_now


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's automatic *full* garbage collections off while a build runs.

    A build holds hundreds of thousands of live objects, and each automatic
    full collection scans them all: 0.8 s of a 5.7 s rebuild of a
    1,000-article site in ``sitegen serve`` (timed with ``gc.callbacks``).
    Young collections go on (cheap: they scan only new objects), so the
    reference cycles libraries leave behind while an article is read are
    still freed at once; cycles among long-lived objects wait for the
    build's end (``sitegen build`` collects before Pagefind, ``sitegen
    serve`` after the reload).  Only the threshold of the oldest generation
    is changed: loading a spaCy pipeline calls ``gc.enable()`` (srsly), so
    ``gc.disable()`` would not hold.
    """
    global _paused, _thresholds
    with _gc_lock:  # builds in two threads (sitegen serve's tests): the last one out restores
        if _paused == 0:
            _thresholds = gc.get_threshold()
            gc.set_threshold(_thresholds[0], _thresholds[1], _NEVER)
        _paused += 1
    try:
        yield
    finally:
        with _gc_lock:
            _paused -= 1
            if _paused == 0:
                gc.set_threshold(*_thresholds)


_NEVER = 1 << 30  # young collections before a full one: never, within a build
_gc_lock = threading.Lock()
_paused = 0
_thresholds = gc.get_threshold()


def _replay(last: dict[str, Any], out: Path, started: float) -> BuildResult:
    """The result of a build found up to date: its warnings are said again, as the build said them."""
    warnings = [Problem(*w) for w in last.get("warnings", [])]
    for w in warnings:
        log.warning("%s", w)
    for note in last.get("notes", []):
        log.warning("%s", note)
    log.info("nothing changed since the last build: %s is up to date", out)
    return BuildResult(output=out, articles=last.get("articles", 0), pages=last.get("pages", 0),
                       files=last.get("files", 0), warnings=warnings, seconds=time.perf_counter() - started,
                       notes=list(last.get("notes", [])), unchanged=True)


def _build(config: Config, out: Path, *, drafts: bool, strict: bool, jobs: int | None = None,
           scheduler: str | None = None, progress: Progress | None = None, search_later: bool = False,
           keep_briefing: bool = False, forget_digests: Callable[[], None] = lambda: None) -> BuildResult:
    import jinja2

    from .actors import ActorIdError, OverridesError
    from .cache import AnalysisCache, assemble_cached, remembered
    from .executor import analyse_all, early_workers, job_count
    from .ingest import article_files
    from .pagecache import PageCache
    from .pages import render_site
    from .search import SearchIndexError, index_site
    from .writer import OutputConflict, Spare, write_site

    started = time.perf_counter()

    settings = config.analysis_key
    cache = AnalysisCache(config.folder("build.cache_dir") if config["build.cache"] else None, settings)
    jobs = config["build.jobs"] if jobs is None else jobs
    scheduler = (config["build.scheduler"] or None) if scheduler is None else scheduler
    content = config.folder("content_dir")
    listed = article_files(content) if content.is_dir() else None
    # A cold build: the analysis workers load spaCy while the articles are read.
    workers = early_workers(settings, cache, len(listed), jobs) if listed and not scheduler else None
    try:
        articles, errors, warnings = load_articles(config, drafts=drafts, cache=cache, files=listed)
        if errors or (strict and warnings):
            raise BuildError(errors + ([Problem(w.path, f"{w.message} (--strict)", w.line) for w in warnings]
                                       if strict else []))
    except BaseException:
        if workers is not None:
            workers.close()
        raise
    for w in warnings:
        log.warning("%s", w)

    analyses = analyse_all(articles, settings, cache, jobs=jobs, scheduler=scheduler, progress=progress,
                           workers=workers)

    for a in analyses:
        # Never guessed: relative dates in an undated article stay unresolved.
        unresolved = [t.text for t in a.timexes if not t.resolved]
        if unresolved:
            problem = Problem(a.article.path, f"{len(unresolved)} relative date expression(s) cannot be resolved "
                              f"without a publication date: {', '.join(repr(u) for u in unresolved[:5])}"
                              f"{', …' if len(unresolved) > 5 else ''}", None, "date")
            warnings.append(problem)
            log.warning("%s", problem)

    try:
        briefing = assemble_cached(cache, analyses, **assemble_options(config))
    except OverridesError as exc:
        raise BuildError(list(exc.problems)) from exc
    except ActorIdError as exc:
        raise BuildError([str(exc)]) from exc
    for w in briefing.warnings:
        log.warning("%s", w)
    notes = [str(w) for w in briefing.warnings]
    if id_errors := actor_id_problems(briefing.actors, config):
        raise BuildError(id_errors)

    try:
        pages = (PageCache(config.folder("build.cache_dir"), config.folder("templates_dir"), config.values)
                 if config["build.cache"] else None)
        served = remembered("site-spare")  # sitegen serve: the last site (see PageCache.trust)
        if pages is not None and served is not None and (last_site := served.get("next")) is not None:
            pages.trust(last_site.site, last_site.placed)
        files = render_site(config, briefing, cache=pages)
    except OutputConflict as exc:
        raise BuildError([str(exc)]) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise BuildError([Problem(exc.filename or exc.name or "template", f"template syntax error: {exc.message}",
                                  exc.lineno)]) from exc
    except jinja2.TemplateNotFound as exc:
        where = _template_location(exc)  # the template that asked for it, with the line
        templates = display_path(config.folder("templates_dir"), config.root)
        raise BuildError([Problem(templates if where == "template" else where,
                                  f"template not found: {exc.name} (looked in {templates}/ and the "
                                  "built-in theme)")]) from exc
    except jinja2.UndefinedError as exc:
        raise BuildError([Problem(_template_location(exc), f"template error: {exc.message}")]) from exc
    # The analyses and the assembled briefing are not needed any more: at
    # 10,000 articles they are 1.3 GB of the build's memory, held while two
    # Pagefind processes run beside it (measured: 1,287 MB before, 348 MB after).
    count = len(analyses)
    removed = [(a.article.path, line) for a in analyses for line in a.article.removed]
    kept = briefing if keep_briefing else None
    del analyses, briefing
    forget_digests()
    spares = served  # sitegen serve, sitegen daemon: the last site's copy, made after it was served
    if not search_later and spares is None:
        gc.collect()  # sitegen serve and daemon collect after the site is served
    try:
        # Pagefind indexes the finished pages in the temporary folder, before the swap.
        store = pages.objects if pages else None
        index_jobs = job_count(jobs)
        start = spares.pop("next", None) if spares is not None else None
        old_sites: list[Path] | None = [] if spares is not None else None
        bundles: dict[str, Any] = {}  # the search index's bundles (sitegen daemon: the next build leaves them)

        ahead = spares.pop("ahead", ()) if spares is not None else ()  # sitegen daemon: see ProjectBuilder._index_ahead

        def index(folder: Path) -> None:
            present = start.bundles if start is not None and start.used else None
            index_site(folder, files.files, store, jobs=index_jobs, present=present, made=bundles, ahead=ahead)

        placed = write_site(files.files, out, store=store, start_from=start, old_sites=old_sites,
                            before_swap=None if search_later else index)
        if spares is not None and store is not None:
            extra = {f"{bundle}/{rel}": d for bundle, (_, manifest) in bundles.items() for rel, d, _ in manifest}
            spares["next"] = Spare(out, placed, extra=extra, bundles=bundles)
        if pages is not None:
            pages.save()
    except SearchIndexError as exc:
        raise BuildError([str(exc)]) from exc
    return BuildResult(output=out, articles=count, pages=sum(1 for f in files.files if f.endswith(".html")),
                       files=len(files), warnings=warnings, seconds=time.perf_counter() - started,
                       removed=removed, notes=notes, briefing=kept,
                       index_search=_later_index(out, files.files, store, index_jobs) if search_later else None,
                       prepare_next=spares["next"].make if spares is not None and store is not None else None,
                       remove_old=functools.partial(_remove_all, old_sites) if old_sites else None)


def _remove_all(folders: list[Path]) -> None:
    import shutil

    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def assemble_options(config: Config) -> dict[str, Any]:
    """What :func:`sitegen.assemble.assemble` is given besides the analyses."""
    return {"data_dir": config.folder("data_dir"), "overview_sentences": config["summary.overview_sentences"],
            "key_date_limit": config["timeline.key_dates"]}


def _later_index(out: Path, files: Any, store: Any, jobs: int) -> Callable[[], bool]:
    """The search index of the site in ``out``, made after it was swapped in (``sitegen serve``).

    It is made beside the site and moved into ``out/pagefind`` in one rename,
    so nobody reads a half-written index.  Raises SearchIndexError.
    """
    def index_search() -> bool:
        import shutil
        import tempfile

        from .search import OUTPUT, index_site

        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.search-", dir=out.parent))
        try:
            if not index_site(out, files, store, jobs=jobs, output=tmp):
                return False
            (tmp / OUTPUT).rename(out / OUTPUT)
            return True
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return index_search


# Actor ids name files (actors/ID.html): these cannot be one.
_DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def actor_id_problems(actors: Sequence[Any], config: Config) -> list[Problem]:
    """Every actor whose id cannot be a page name, each with the way out."""
    overrides = config.folder("data_dir") / "actors.yaml"
    where = display_path(overrides, config.root) if overrides.is_file() else "actors"
    problems = []
    for actor in actors:
        why = ("is empty" if not actor.id else "is the actor index's own name" if actor.id == "index"
               else "is a file name Windows reserves" if actor.id.lower() in _DEVICE_NAMES else None)
        if why:
            problems.append(Problem(where, f"actor {actor.name!r} gets the id {actor.id!r}, which {why}: "
                                    f"give it another name (name: …) in {display_path(overrides, config.root)}"))
    return problems


def _template_location(exc: BaseException) -> str:
    """'file:line' of the innermost template frame in a Jinja2 traceback.

    Jinja2 rewrites tracebacks so that template frames carry the template's
    file name and line number.
    """
    tb = exc.__traceback__
    where = "template"
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<"):
            where = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
