"""The build cache: ingested articles and their analyses, kept on disk between builds.

An article's analysis is a pure function of the article, the analysis
settings (:attr:`sitegen.config.Config.analysis_key`), the NLP pipeline (name
and version) and the analysis code, so it is stored under a key made of all
of those.  A rebuild with nothing changed therefore runs no NLP at all (and
does not even import spaCy).  Ingestion (decoding, front matter, cleaning) is
cached the same way, keyed by the file's bytes and the ingestion code.

What goes into a key:

* the article: a digest of its ``repr`` (frozen dataclasses of strings,
  numbers, dates and tuples: the ``repr`` is complete and deterministic);
* ``config.analysis_key``;
* the pipeline's name, its package version (read from its ``meta.json``
  without loading it) and spaCy's version;
* sitegen's version, the ``ANALYSIS_VERSION`` constants, and a digest of the
  source of every sitegen module the analysis imports (found by following
  ``from .x import`` lines from ``analyse.py``), so that an edited rule
  invalidates the cache even when nobody bumped a version.

Entries are files ``<kind>/<2 hex>/<digest>`` holding ``MAGIC``, a 32-byte
BLAKE2b checksum of the payload, then the payload (a pickle of ``(key,
value)``).  A truncated, garbled or foreign entry (wrong magic, checksum, key
or anything that fails to unpickle) is reported at debug level and
recomputed; it never fails the build.  Entries are written atomically (temp
file, then ``os.replace``), so concurrent builds at worst both compute one.
The cache lives in the project (``build.cache_dir``, default
``.sitegen-cache``) and is written only by sitegen: pickle is safe here
because nothing else writes these files.  Delete the folder to clear it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import pickle
import re
import tempfile
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from . import __version__
from .model import Analysis, Article

log = logging.getLogger(__name__)

T = TypeVar("T")

MAGIC = b"SGCACHE1"
FORMAT = 1  # bump when the entry layout changes
PACKAGE = Path(__file__).resolve().parent


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


# -- keys ----------------------------------------------------------------------

_VERSION = re.compile(r"^ANALYSIS_VERSION\s*=\s*['\"]?([^'\"\n]+)", re.MULTILINE)


@lru_cache(maxsize=8)
def code_versions(entry: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Digest of ``sitegen/<entry>.py`` and every sitegen module it imports, and their versions.

    The versions are the ``ANALYSIS_VERSION`` constants of those modules; they
    are read from the source, so that computing a key never imports spaCy.
    """
    seen: dict[str, bytes] = {}
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = PACKAGE / f"{name}.py"
        try:
            source = path.read_bytes()
        except OSError:
            continue  # a subpackage or a missing file: sitegen's version covers it
        seen[name] = source
        todo.extend(_imported(source))
    h = hashlib.blake2b(digest_size=20)
    versions = []
    for name in sorted(seen):
        h.update(name.encode() + b"\0" + seen[name] + b"\0")
        found = _VERSION.search(seen[name].decode("utf-8", "replace"))
        if found:
            versions.append((name, found.group(1).strip()))
    return h.hexdigest(), tuple(versions)


# Import statements of sitegen modules: "from .x import y", "from . import x, (y)",
# "from sitegen.x import y", "import sitegen.x".  Each match ends at its own line's end
# (or its closing parenthesis): an earlier pattern ran into the next line, took its
# "from" and so skipped every other import (editing sitegen/events.py kept stale analyses).
# A regular expression rather than ast: parsing every module took 0.5 s of each build.
_IMPORT = re.compile(r"^[ \t]*from[ \t]+(?:\.|sitegen\.?)(\w*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)"
                     r"|^[ \t]*import[ \t]+sitegen\.(\w+)", re.MULTILINE)


def _imported(source: bytes) -> list[str]:
    """The sitegen modules ``source`` imports, wherever it does (functions too), by name."""
    out = []
    for module, names, plain in _IMPORT.findall(source.decode("utf-8", "replace")):
        if plain:
            out.append(plain)
        elif module:
            out.append(module)
        else:  # "from . import nlp, clean"
            out.extend(n.split(" as ")[0].strip() for n in names.strip("()").replace("\n", " ").split(",")
                       if n.strip())
    return out


def code_digest(entry: str) -> str:
    return code_versions(entry)[0]


@lru_cache(maxsize=8)
def pipeline_fingerprint(name: str) -> str:
    """Name and version of the spaCy pipeline ``name``, without loading it (or spaCy).

    An installed pipeline package carries a ``meta.json`` beside its
    ``__init__.py``; a pipeline given as a folder has one inside.  If neither
    is found the pipeline is loaded and :func:`sitegen.nlp.pipeline_version`
    asked.
    """
    try:
        spacy_version = importlib.metadata.version("spacy")
    except importlib.metadata.PackageNotFoundError:
        spacy_version = "?"
    meta_path: Path | None = None
    if Path(name).is_dir():
        meta_path = Path(name) / "meta.json"
    else:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            meta_path = Path(spec.origin).parent / "meta.json"
    if meta_path is not None and meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            return f"{name}:{meta.get('lang', 'xx')}_{meta.get('name', name)}-{meta.get('version', '?')}+spacy-{spacy_version}"
        except (OSError, ValueError):
            pass
    from . import nlp  # imports spaCy: only for pipelines we cannot identify otherwise

    return f"{name}:{nlp.pipeline_version(name)}"


def analysis_versions() -> dict[str, str]:
    """The code versions an analysis depends on: sitegen's, the source digest, the constants."""
    source, constants = code_versions("analyse")
    return {"sitegen": __version__, "source": source} | {f"{m}.ANALYSIS_VERSION": v for m, v in constants}


def _env_digest(parts: Mapping[str, Any]) -> str:
    return digest(json.dumps(parts, sort_keys=True, default=str).encode())


class IdentityMemo:
    """Values computed from objects, found again by the object's identity.

    For ``sitegen serve``: between its builds an unchanged article's analysis
    parts are the very same objects (:class:`Memory`), so what a corpus-wide
    step derives from one of them (an event's terms, a JSON fragment) need
    not be derived again.  The object is held with its value, so its ``id``
    cannot be reused by another; :meth:`sweep` keeps what the last build
    that asked used.
    """

    def __init__(self) -> None:
        self.values: dict[int, tuple[Any, Any]] = {}
        self.used: set[int] = set()
        self.states: dict[Hashable, Any] = {}  # see state

    def state(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept under ``key`` (made by ``make`` the first time): what a
        corpus-wide step keeps of its last run to start the next from.

        Sweeps leave it alone (its owner replaces what it holds on every run): a
        build that did not run the step, with nothing changed, must not lose it
        because others used the memo meanwhile (``sitegen serve``'s warming).
        """
        found = self.states.get(key)
        if found is None:
            found = self.states[key] = make()
        return found

    def get(self, obj: Any, make: Callable[[Any], Any]) -> Any:
        key = id(obj)
        hit = self.values.get(key)
        if hit is None or hit[0] is not obj:
            hit = self.values[key] = (obj, make(obj))
        self.used.add(key)
        return hit[1]

    def sweep(self) -> None:
        """Drop what was not used since the last sweep; a build that did not ask
        at all (its briefing came whole from the cache) leaves the memo as it was."""
        if self.used:
            self.values = {k: v for k, v in self.values.items() if k in self.used}
            self.used = set()


def article_digest(article: Article) -> str:
    """The content hash of an ingested article (everything the analysis may read).

    Within :func:`digests_remembered` each article object is hashed once.
    """
    memo = _DIGESTS
    return memo.get(article, _hash_article) if memo is not None else _hash_article(article)


def _hash_article(article: Article) -> str:
    return digest(repr(article).encode("utf-8"))


_DIGESTS: IdentityMemo | None = None  # while a build runs (see digests_remembered)


@contextmanager
def digests_remembered() -> Iterator[Callable[[], None]]:
    """Within the block, :func:`article_digest` hashes each article object once.

    A build asks for an article's digest three times (the analysis cache,
    the briefing's key, the page keys): 0.3 s of a rebuild at 1,000
    articles.  Inside ``sitegen serve`` (:func:`memory_kept`) the digests are
    kept between builds.  The block yields a function that forgets them
    early (the memo holds the articles).
    """
    global _DIGESTS
    previous = _DIGESTS
    _DIGESTS = _MEMORY.memo("article-digest") if _MEMORY is not None else IdentityMemo()

    def forget() -> None:
        global _DIGESTS
        _DIGESTS = previous

    try:
        yield forget
    finally:
        forget()


def by_identity(kind: str) -> IdentityMemo | None:
    """The identity memo named ``kind`` inside ``sitegen serve`` (:func:`memory_kept`), else None.

    A single build derives each value once anyway: it keeps no memo (at
    10,000 articles it would hold hundreds of megabytes to no use).
    """
    memory = _MEMORY
    return memory.memo(kind) if memory is not None else None


def same_as_last(kind: str, objects: Sequence[Any], values: Any, make: Callable[[], Any]) -> Any:
    """``make()``, or inside ``sitegen serve`` the value it made last time for the
    very same ``objects`` (by identity) and equal ``values``.

    For a corpus-wide step whose inputs one edit often leaves alone (the
    overview reads only the newest articles).  Outside serve: ``make()``.
    """
    memory = _MEMORY
    if memory is None:
        return make()
    last = memory.lasts.get(kind)
    if (last is not None and len(last[0]) == len(objects) and last[1] == values
            and all(a is b for a, b in zip(last[0], objects))):
        return last[2]
    result = make()
    memory.lasts[kind] = (tuple(objects), values, result)
    return result


def interned(kind: str, values: Sequence[T], key: Callable[[T], Hashable]) -> tuple[T, ...]:
    """``values``; inside ``sitegen serve``, each one equal to the value with the same
    ``key`` in the last build is that very object.

    For corpus-wide results made afresh by every build (merged actors, timeline
    events, mention links): what one edit left equal is then identical to
    last time, so the steps after can tell unchanged inputs by identity
    (:meth:`sitegen.pagecache.PageCache.known_key`).  Outside serve: unchanged.

    Each key also remembers the value last given for it: when the next build
    gives that very object again (an actor the merge reused, an article's links
    kept), it is known equal without comparing (comparing a few thousand
    actors field by field took 0.05-0.07 s of a rebuild at 1,000 articles).
    Values are frozen, so an object once found equal stays equal.
    """
    if _MEMORY is None:
        return tuple(values)
    return tuple(_intern(kind, map(key, values), values))


def interned_values(kind: str, values: Mapping[Hashable, T]) -> dict[Hashable, T]:
    """:func:`interned` for the values of a dict, under their keys."""
    if _MEMORY is None:
        return dict(values)
    return dict(zip(values, _intern(kind, values.keys(), values.values())))


def _intern(kind: str, keys: Iterable[Hashable], values: Iterable[T]) -> list[T]:
    memory = _MEMORY
    assert memory is not None
    with memory.lock:
        last = memory.interned.get(kind, {})
    out = []
    now: dict[Hashable, tuple[Any, Any]] = {}
    for k, value in zip(keys, values):
        hit = last.get(k)  # (the value given out, the last value found equal to it)
        if hit is not None and (hit[1] is value or hit[0] is value or hit[0] == value):
            out.append(hit[0])
            now[k] = (hit[0], value)
        else:
            out.append(value)
            now[k] = (value, value)
    with memory.lock:
        memory.interned[kind] = now
    return out


def remembered(kind: str) -> dict[Any, Any] | None:
    """A dict named ``kind`` kept between the builds of ``sitegen serve``; None outside it.

    Its owner replaces its content each build (see :class:`sitegen.pagecache.PageCache`).
    """
    memory = _MEMORY
    if memory is None:
        return None
    with memory.lock:
        return memory.dicts.setdefault(kind, {})


# -- storage -------------------------------------------------------------------

class Memory:
    """Cache entries kept in this process between builds (``sitegen serve``).

    A long-running process that builds again and again need not read and
    unpickle every article and analysis from disk each time (about 1.5 s at
    1,000 articles).  Entries are the same objects the disk holds (values are
    never mutated once stored); :meth:`sweep` after each build drops those
    the build did not use, so memory follows the site, not its history.
    """

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], Any] = {}
        self.used: set[tuple[str, str, str]] = set()
        self.memos: dict[str, IdentityMemo] = {}  # see by_identity
        self.lasts: dict[str, tuple[tuple[Any, ...], Any, Any]] = {}  # see same_as_last
        self.interned: dict[str, dict[Any, Any]] = {}  # see interned
        self.dicts: dict[str, dict[Any, Any]] = {}  # see remembered
        self.pending: list[tuple[Store, str, str, Any]] = []  # see write_later
        self.lock = threading.Lock()
        self.flushing = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> Any | None:
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.used.add(key)
            return value

    def put(self, key: tuple[str, str, str], value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            self.used.add(key)

    def write_later(self, store: Store, kind: str, key: str, value: Any) -> None:
        """Queue a disk write of a cache entry this process keeps anyway (see :meth:`flush`)."""
        with self.lock:
            self.pending.append((store, kind, key, value))

    def flush(self) -> None:
        """Write the queued cache entries to disk, oldest first.

        ``sitegen serve`` calls this once the rebuilt site is served (and
        before the next build, and when it stops): pickling and writing the
        edited article's entries, the assembled briefing and the render
        cache's index took 0.2 s of a rebuild at 1,000 articles, and only a
        later ``sitegen build`` reads them.  Values are never mutated once
        stored, so writing them later writes what the build made.
        """
        with self.flushing:  # two flushes at once would write one key's entries out of order
            with self.lock:
                todo, self.pending = self.pending, []
            for store, kind, key, value in todo:
                store.write(kind, key, value)

    def memo(self, kind: str) -> IdentityMemo:
        """The identity memo named ``kind`` (see :func:`by_identity`)."""
        with self.lock:
            return self.memos.setdefault(kind, IdentityMemo())

    def sweep(self) -> None:
        with self.lock:
            self.entries = {k: v for k, v in self.entries.items() if k in self.used}
            self.used = set()
            for memo in self.memos.values():
                memo.sweep()


_MEMORY: Memory | None = None


@contextmanager
def memory_kept(memory: Memory) -> Iterator[None]:
    """Within the block, cache reads and writes also go through ``memory`` (one build at a time)."""
    global _MEMORY
    previous, _MEMORY = _MEMORY, memory
    try:
        yield
    finally:
        _MEMORY = previous


def in_memory() -> bool:
    return _MEMORY is not None


class Store:
    """Checksummed pickle entries in a folder; every failure reads as a miss."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self.bad = 0

    def _path(self, kind: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / kind / key[:2] / key

    def count(self, kind: str, limit: int) -> int:
        """How many entries of ``kind`` are on disk, counting up to ``limit`` (then ``limit``)."""
        if self.folder is None:
            return 0
        n = 0
        try:
            with os.scandir(self.folder / kind) as groups:
                for group in groups:
                    with os.scandir(group.path) as entries:
                        n += sum(1 for e in entries if not e.name.startswith("."))
                    if n >= limit:
                        return limit
        except OSError:  # no such folder yet (or unreadable: every entry then reads as a miss)
            pass
        return n

    def get(self, kind: str, key: str) -> Any | None:
        if self.folder is None:
            return None
        memory = _MEMORY
        if memory is not None:
            found = memory.get((str(self.folder), kind, key))
            if found is not None:
                self.hits += 1
                return found
        path = self._path(kind, key)
        try:
            data = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        value = self._decode(data, key, path)
        if value is None:
            self.bad += 1
            self.misses += 1
        else:
            self.hits += 1
            if memory is not None:
                memory.put((str(self.folder), kind, key), value)
        return value

    @staticmethod
    def _decode(data: bytes, key: str, path: Path) -> Any | None:
        n = len(MAGIC)
        if len(data) < n + 32 or data[:n] != MAGIC:
            log.debug("cache: %s is not a sitegen cache entry; recomputing", path)
            return None
        check, payload = data[n:n + 32], data[n + 32:]
        if hashlib.blake2b(payload, digest_size=32).digest() != check:
            log.debug("cache: %s is corrupt (checksum); recomputing", path)
            return None
        try:
            stored_key, value = pickle.loads(payload)
        except Exception as exc:  # noqa: BLE001 - any unreadable entry is a miss
            log.debug("cache: %s cannot be read (%s); recomputing", path, exc)
            return None
        if stored_key != key:
            log.debug("cache: %s belongs to another key; recomputing", path)
            return None
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        if self.folder is None:
            return
        memory = _MEMORY
        if memory is not None:  # sitegen serve: kept now, written after the reload (Memory.flush)
            memory.put((str(self.folder), kind, key), value)
            memory.write_later(self, kind, key, value)
            return
        self.write(kind, key, value)

    def write(self, kind: str, key: str, value: Any) -> None:
        """Write one entry to disk (atomically; a failure is logged, never raised)."""
        assert self.folder is not None
        payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        data = MAGIC + hashlib.blake2b(payload, digest_size=32).digest() + payload
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:  # a read-only or full disk slows builds down, never fails them
            log.warning("cache: cannot write %s (%s); continuing without caching it", path, exc)


class AnalysisCache:
    """Cached analyses (and ingested articles) for one build's settings."""

    def __init__(self, folder: Path | None, settings: Mapping[str, Any]):
        self.store = Store(folder)
        self.settings = dict(settings)
        env = {
            "format": FORMAT,
            "settings": self.settings,
            "pipeline": pipeline_fingerprint(str(self.settings.get("nlp.pipeline"))),
            "versions": analysis_versions(),
        }
        self.env = _env_digest(env)
        self.ingest_env = _env_digest({"format": FORMAT, "sitegen": __version__, "source": code_digest("ingest")})

    @property
    def folder(self) -> Path | None:
        return self.store.folder

    def key(self, article: Article) -> str:
        """The cache key of ``article``'s analysis under this build's settings."""
        return digest(f"{self.env}\0{article_digest(article)}".encode())

    def get(self, article: Article) -> Analysis | None:
        value = self.store.get("analysis", self.key(article))
        if not isinstance(value, Analysis):
            return None
        joined = by_identity("analysis")
        if joined is None:
            return replace(value, article=article)
        # sitegen serve: the same entry and article give the same Analysis object build after
        # build, so what is derived from an analysis can be found again by its identity.
        analysis = joined.get(value, lambda v: replace(v, article=article))
        return analysis if analysis.article is article else replace(value, article=article)

    def stored(self, limit: int) -> int:
        """How many analyses (of any settings) are on disk, counting up to ``limit``."""
        return self.store.count("analysis", limit)

    def put(self, article: Article, analysis: Analysis) -> None:
        # The article is stored once, by the ingest cache; the entry holds the rest.
        self.store.put("analysis", self.key(article), replace(analysis, article=None))

    # -- ingestion ---------------------------------------------------------

    def ingest_key(self, data: bytes, display_path: str, suffix: str, stem: str) -> str:
        return digest(f"{self.ingest_env}\0{display_path}\0{suffix}\0{stem}\0".encode() + data)

    def get_article(self, key: str) -> Article | None:
        value = self.store.get("article", key)
        return value if isinstance(value, Article) else None

    def put_article(self, key: str, article: Article) -> None:
        self.store.put("article", key, article)


def read_article_cached(path: Path, display_path: str, cache: AnalysisCache | None) -> Article:
    """:func:`sitegen.ingest.read_article`, served from the cache when the file's bytes are known."""
    from .ingest import IngestError, parse_article, read_article
    from .model import Problem

    if cache is None or cache.folder is None:
        return read_article(path, display_path=display_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError([Problem(display_path, f"cannot read file: {exc.strerror}")]) from exc
    suffix, stem = path.suffix.lower(), path.stem
    key = cache.ingest_key(data, display_path, suffix, stem)
    article = cache.get_article(key)
    if article is None:
        article = parse_article(data, display_path, suffix=suffix, stem=stem)
        cache.put_article(key, article)
    return article


# -- the assemble stage ----------------------------------------------------------

class _UsedKeys(dict):  # type: ignore[type-arg]
    """A memo that remembers which entries were asked for (to drop the others)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.used: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.used.add(key)
        return super().get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.used.add(key)
        super().__setitem__(key, value)


# A file last changed this long before it was read has settled: a later change gets
# a later mtime, whatever the file system's clock granularity (see hash_tree).
SETTLED_NS = 2_000_000_000


def hash_tree(h: Any, folder: Path, skip_dirs: tuple[str, ...] = ()) -> None:
    """Feed every file under ``folder`` (relative path and the digest of its bytes, in a
    fixed order) to the hash ``h``.

    Inside ``sitegen serve`` and ``sitegen daemon`` a file whose inode, size, mtime
    and ctime are as when its bytes were hashed is not read again, if it had settled
    then (last changed over two seconds before it was read, as
    :func:`sitegen.build.load_articles` trusts an article's stat): a later change
    gets a later mtime, even with a coarse file-system clock.  Reading and hashing
    every content and package file was 0.04 s of each rebuild at 1,000 articles.
    """
    if not folder.is_dir():
        h.update(b"<none>\0")
        return
    memo = remembered("file-digests")
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs)
        rel_dir = os.path.relpath(dirpath, folder)
        for name in sorted(filenames):
            h.update(f"{rel_dir}/{name}\0".encode())
            path = os.path.join(dirpath, name)
            try:
                if memo is not None:
                    st = os.stat(path)
                    signature = (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                    known = memo.get(path)
                    if known is not None and known[0] == signature:
                        h.update(known[1] + b"\0")
                        continue
                    started = time.time_ns()
                with open(path, "rb") as f:
                    file_digest = hashlib.blake2b(f.read(), digest_size=20).digest()
                if memo is not None and max(st.st_mtime_ns, st.st_ctime_ns) < started - SETTLED_NS:
                    memo[path] = (signature, file_digest)
                h.update(file_digest)
            except OSError as exc:  # unreadable now: the build will say so; never equal to a readable file
                h.update(f"<unreadable {exc.errno}>".encode())
            h.update(b"\0")


def _folder_digest(folder: Path) -> str:
    h = hashlib.blake2b(digest_size=20)
    hash_tree(h, folder)
    return h.hexdigest()


def assemble_cached(cache: AnalysisCache | None, analyses: Any, *, again: bool = False, **options: Any) -> Any:
    """:func:`sitegen.assemble.assemble`, from the cache when nothing it reads changed.

    The key covers every analysis (by its cache key, in order), the options,
    the files of ``data_dir`` (``actors.yaml``) and the assemble code.  On a
    miss, the per-article part of the overview is still taken from a memo
    kept in the cache, so one edited article does not redo it for all.

    ``again`` (``sitegen serve``'s warm-up, :meth:`sitegen.server.ProjectBuilder.warm`):
    assemble even on a hit, storing nothing, for the serve memos it fills.
    """
    from .assemble import Briefing, assemble, interned_briefing

    if cache is None or cache.folder is None:
        return interned_briefing(assemble(analyses, **options))
    code = code_versions("assemble")[0]
    parts = {
        "env": cache.env,
        "code": code,
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in sorted(options.items())},
        "data": _folder_digest(Path(options["data_dir"])) if "data_dir" in options else "",
        "analyses": [cache.key(a.article) for a in analyses],
    }
    key = _env_digest(parts)
    store = cache.store
    keep = not again
    hit = store.get("briefing", key) if keep else None
    if isinstance(hit, tuple) and len(hit) == 2:
        slugs, fields = hit
        by_slug = {a.article.slug: a for a in analyses}
        if sorted(slugs) == sorted(by_slug):
            return interned_briefing(Briefing(analyses=tuple(by_slug[s] for s in slugs), **fields))
    memo_key = digest(f"overview-memo\0{cache.env}\0{code}".encode())
    loaded = store.get("briefing", memo_key)
    memo = _UsedKeys(loaded if isinstance(loaded, dict) else {})
    briefing = interned_briefing(assemble(analyses, memo=memo, **options))
    if not keep:
        return briefing
    if memo.used:  # the overview was made: keep what it read (a reused overview reads nothing)
        store.put("briefing", memo_key, {k: v for k, v in memo.items() if k in memo.used})
    fields = {f.name: getattr(briefing, f.name) for f in dataclass_fields(briefing) if f.name != "analyses"}
    store.put("briefing", key, (tuple(a.article.slug for a in briefing.analyses), fields))
    return briefing
