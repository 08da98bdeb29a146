"""Full-text search: index the built site with Pagefind, in shards.

Pagefind (the ``pagefind-bin`` package ships its binary) reads the finished
HTML and writes a static index plus its UI into ``pagefind/``: search then
works on any static host with no server code.  Only the part of a page inside
an element marked ``data-pagefind-body`` is indexed (``base.html`` puts it on
``<main>`` of content pages: articles, actors, the timeline), less the parts
marked ``data-pagefind-ignore`` (text repeated from elsewhere: an article's
generated summary, an actor page's mentioning sentences, the timeline's
events).

**Shards.**  Pagefind holds the whole index of one run in memory (about
0.45 MB per article page: 450 MB at 1,000 articles, several GB at 10,000),
has no incremental mode, and takes time in proportion to the pages of a run.
So the site is indexed in shards, each a separate Pagefind run over a folder
of hard links to its pages: ``pagefind/articles-K/`` (articles,
``ARTICLES_PER_SHARD`` to a shard) and ``pagefind/actors-K/``, a page's
shard chosen by a hash of its path so that a shard's members do not move
when pages are added, at most ``MAX_SHARDS`` of a kind; and ``pagefind/``
(the primary bundle: every other page that has something to index, i.e.
the timeline's pages, whose events the theme leaves out of the index: an
event's text is a sentence of an article, indexed there).  The search page
merges them in the browser (Pagefind UI's ``mergeIndex``; results from all
bundles are ranked together).  Each shard's
output is cached under a key of its pages' bytes (for actor and
primary bundles, of the part of them Pagefind reads), so an edited article
re-indexes its own shard and the shards of the pages whose indexed text it
changed, not the whole site; and at most two Pagefind processes run at
once, which bounds the memory of the step.

The step runs on the temporary build folder before it is swapped in, so a
failed indexing run leaves the previous site as it was.  Sharding is
written here because Pagefind has no option for it; the indexing is
Pagefind's.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

OUTPUT = "pagefind"
# Pages per shard of each kind, and the most shards of a kind.  Small shards
# make an edit cheap (Pagefind's time follows the pages of the run: at 1,000
# articles 128 article pages took 0.13-0.26 s, 500 took 1.24 s).  Every
# shard is one more bundle for the search page to load and one more index
# where Pagefind, finding no word of the query, matches its longest indexed
# prefix (more bundles, more stray results: see docs/performance.md, session
# 8); the caps keep that bounded: at 10,000 articles 32 article shards as
# before.  Actor shards stay large: small ones put short actor pages matched
# that way at the top.
# Memory: an article page costs Pagefind about 0.45 MB while it runs, an
# actor page (its own text only) a few KB.
ARTICLES_PER_SHARD = 128
ACTORS_PER_SHARD = 5000
MAX_SHARDS = {"articles": 32, "actors": 32}
SHARDED = {"articles/": "articles", "actors/": "actors"}
# The timeline's pages are in the primary bundle (they had shards of their own,
# 8 pages a shard, until session 9): with their events left out of the index
# (timeline.html) a page indexes its title, and a new event changes no
# indexed part, so the bundle is not indexed again after an edit.
# Bundles keyed on the indexed part of their pages (see _indexed_digest): actor
# pages change with every new mention, timeline pages with every new event
# (their counts, their events), in parts the index leaves out.  Not articles:
# an edit changes the edited article's indexed text, and no other article page.
KEYED_ON_INDEXED_PART = {"actors", OUTPUT}
_SHARD_FOLDER = re.compile(r"(articles|actors|timeline)-\d+/")  # timeline-K: a site indexed before session 9
# Pagefind's files named by a hash of their content (a page's fragment, the
# index's and filters' chunks, a language's metadata): Pagefind does not write
# one that is already in its output folder (it stats it, and moves on).  The
# other files (pagefind.js, the UI, pagefind-entry.json) it writes every run.
_HASH_NAMED = re.compile(r"(?:fragment|index|filter)/[^/]+\.pf_(?:fragment|index|filter)|[^/]+\.pf_meta")


class SearchIndexError(Exception):
    """Pagefind ran and failed."""


def pagefind_executable() -> Path | None:
    """The Pagefind binary: from ``pagefind-bin`` if installed, else on PATH."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]

        return Path(get_executable())
    except (ImportError, FileNotFoundError):
        found = shutil.which("pagefind") or shutil.which("pagefind_extended")
        return Path(found) if found else None


@lru_cache(maxsize=1 << 16)
def _kind(page: str) -> str | None:
    """The shard kind of a page: article and actor pages (not their listings); None for the primary bundle's."""
    for prefix, name in SHARDED.items():
        rest = page[len(prefix):]
        if page.startswith(prefix) and rest != "index.html" and "/" not in rest:
            return name
    return None


@lru_cache(maxsize=1 << 16)
def _bucket(page: str) -> int:
    """A page's place among its kind's shards, before the modulo: a hash of its path.

    Both this and :func:`_kind` are asked for every page of every build, twice in
    ``sitegen daemon`` (the index ahead, then the build): remembered per path.
    """
    return int.from_bytes(hashlib.blake2b(page.encode(), digest_size=4).digest(), "big")


def shard_plan(pages: Iterable[str]) -> dict[str, list[str]]:
    """Which HTML pages each search bundle indexes: {bundle folder: [page paths]}.

    ``pagefind`` (the primary bundle, always present) gets every page that
    is not an article or actor page (the timeline's pages; the listings and
    the home page: with the theme's templates, nothing to index); the others
    go to ``pagefind/articles-K`` and ``pagefind/actors-K`` by a hash of
    their path.  The number of shards of a kind is its page
    count over its shard size rounded up to a power of two, at most
    ``MAX_SHARDS[kind]``: a shard's members only move when that number changes
    (when the count crosses a power of two below the cap).
    """
    plan: dict[str, list[str]] = {OUTPUT: []}
    kinds: dict[str, list[str]] = {}
    for page in sorted(pages):
        if not page.endswith(".html"):
            continue
        name = _kind(page)
        if name is None:
            plan[OUTPUT].append(page)
        else:
            kinds.setdefault(name, []).append(page)
    sizes = {"articles": ARTICLES_PER_SHARD, "actors": ACTORS_PER_SHARD}
    for name, members in kinds.items():
        count = 1
        while count * sizes[name] < len(members) and count < MAX_SHARDS[name]:
            count *= 2
        for page in members:
            k = _bucket(page) % count
            plan.setdefault(f"{OUTPUT}/{name}-{k}", []).append(page)
    return plan


def bundles(pages: Iterable[str]) -> list[str]:
    """The bundle folders of a site with these pages, primary first (for the search page)."""
    return sorted(shard_plan(pages), key=lambda b: (b != OUTPUT, b))


_BODY = re.compile(rb"data-pagefind-body", re.IGNORECASE)


def _indexed_pages(folder: Path, pages: list[str], files: Mapping[str, Any]) -> list[str]:
    """The pages of the primary bundle that have ``data-pagefind-body``, if any has; else all of them.

    Pagefind drops every page without ``data-pagefind-body`` from a run in
    which some page has one (it said "Ignoring pages without this tag"), so
    leaving them out of the run changes nothing in the bundle, and keeps
    them out of its cache key: a changed home page or article list (which
    have nothing to index) no longer re-indexes the primary bundle.  The
    test is a plain search for the attribute's name: a page that merely
    mentions it is still given to Pagefind, which decides.
    """
    from .cache import remembered

    # sitegen serve, daemon: {a stored page's digest: whether it has the attribute}, the last build's.
    known = remembered("pagefind-body")
    now: dict[str, bool] = {}

    def has_body(rel: str) -> bool:
        value = files.get(rel)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return _BODY.search(value) is not None
        digest = getattr(value, "digest", None)
        found = known.get(digest) if known is not None and digest is not None else None
        if found is None:
            found = _BODY.search((folder / rel).read_bytes()) is not None
        if digest is not None:
            now[digest] = found
        return found

    kept = [rel for rel in pages if has_body(rel)]
    if known is not None:
        known.clear()
        known.update(now)
    return kept or pages  # none has one: Pagefind indexes their whole <body>, as it did before


def _tool_version(exe: Path) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("pagefind_bin")
    except importlib.metadata.PackageNotFoundError:
        return str(exe)


def index_site(folder: Path, files: Mapping[str, Any], store: Any = None, jobs: int = 2,
               output: Path | None = None, *, present: Mapping[str, tuple[str, list[Any]]] | None = None,
               made: dict[str, tuple[str, list[Any]]] | None = None,
               ahead: Iterable[Future[Any]] = ()) -> bool:
    """Index the site in ``folder``, shard by shard; return False (and warn) if Pagefind is missing.

    ``files`` are the site's files as the writer got them ({path: bytes or
    CachedPage}).  With a ``store``
    (:class:`sitegen.pagecache.ObjectStore`) a shard whose pages are all as
    in an earlier build is not indexed again: its files are linked from the
    store.  The bundles go to ``output/pagefind`` (default: ``folder``'s own).
    Raise SearchIndexError if Pagefind fails.

    ``present`` (``sitegen daemon``, whose next site starts from a copy of
    the last one, search index included: :class:`sitegen.writer.Spare`):
    the bundles already in the output folder, {bundle: (key, files)}, as
    ``made`` gave them last time; a bundle with the same key is left as it
    is (7,000 files at 1,000 articles need not be linked again), the files
    of one that changed or went are removed first.  ``made``, if given, is
    filled with this build's bundles.  ``ahead``: runs of :func:`index_ahead`
    to wait for before the cache is looked up (what they made is found there).
    """
    exe = pagefind_executable()
    if exe is None:
        log.warning("Pagefind is not installed (pip install pagefind-bin): the site has no search index")
        return False
    plan = shard_plan(files)
    plan[OUTPUT] = _indexed_pages(folder, plan[OUTPUT], files)
    version = _tool_version(exe)
    out = output or folder
    work = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=folder.parent))
    try:
        seeds: dict[str, list[tuple[str, str, int]]] = {}

        def run(item: tuple[str, list[str], str]) -> bool:
            bundle, pages, key = item
            seed = seeds.get(bundle)
            if seed is None and store is not None:
                seed = _seed_bundle(store, version, bundle, out / bundle)
            _run_pagefind(exe, folder, bundle, pages, store, key, work, out, seed or [], version)
            return True

        # The shards to index start first, longest first, at most two Pagefind
        # processes; meanwhile this thread links the unchanged ones from the store
        # (thousands of files: as long as a small shard's run).
        keys = {bundle: _shard_key(version, bundle, pages, files, folder, store) if store is not None else ""
                for bundle, pages in plan.items()}
        for run_ahead in ahead:
            try:
                run_ahead.result()
            except Exception as exc:  # noqa: BLE001 - a guess that failed: the shard is indexed here
                log.debug("search index ahead of the build failed: %s", exc)
        kept = _keep_present(store, present or {}, keys, out, seeds) if store is not None else {}
        manifests = {bundle: _manifest(store, key) if store is not None else None for bundle, key in keys.items()
                     if bundle not in kept}
        todo = sorted((b for b in manifests if manifests[b] is None), key=lambda b: -len(plan[b]))
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, 2))) as pool:
            running = [pool.submit(run, (b, plan[b], keys[b])) for b in todo]
            for bundle, manifest in manifests.items():
                if manifest is not None and seeds.get(bundle):  # linked, not indexed: no seed wanted
                    for rel, _, _ in seeds.pop(bundle):
                        os.unlink(out / bundle / rel)
                if manifest is not None and not _link_bundle(store, manifest, out / bundle):
                    running.append(pool.submit(run, (bundle, plan[bundle], keys[bundle])))
            ran = sum(f.result() for f in running)
        if made is not None and store is not None:
            made.clear()
            made.update(kept)
            for bundle in plan:
                if bundle not in kept:
                    manifest = _manifest(store, keys[bundle])
                    if manifest is not None:
                        made[bundle] = (keys[bundle], manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("search index written to %s/ (%d bundle(s), %d indexed again)", OUTPUT, len(plan), ran)
    return True


def index_ahead(site: Path, placed: Mapping[str, str], pages: Mapping[str, bytes], store: Any,
                work_parent: Path) -> list[Future[Any]]:
    """``sitegen daemon``: index the article shards of ``pages`` now, as the build about to run will find them.

    ``pages`` are edited articles' pages made against the last build
    (:mod:`sitegen.preview`), most often byte for byte the pages the build
    then makes; ``placed`` is the last site (``site``): {path: object
    digest}.  Each article shard holding one of them is indexed as it will
    be (the last site's pages, these in place of theirs) in a background
    thread, and its files stored under the key the build computes if the
    pages come out the same: :func:`index_site` then links them, and
    Pagefind ran beside the build's corpus-wide steps, on the other core,
    instead of after them.  If the build's pages differ, so does the key,
    and the build indexes the shard itself: the work here is lost, nothing
    else.  The other pages are linked from ``store`` by digest, so the key
    always names the bytes that were indexed.  Returns the runs (futures).
    """
    exe = pagefind_executable()
    if exe is None or store is None or not pages:
        return []
    if any(_kind(p) != "articles" or p not in placed for p in pages):
        return []  # only pages of articles the last site had (an existing article edited)
    plan = shard_plan(placed)
    wanted = {bundle: members for bundle, members in plan.items()
              if bundle != OUTPUT and any(p in pages for p in members)}
    version = _tool_version(exe)

    def run(bundle: str, members: list[str]) -> None:
        from .pagecache import CachedPage

        files = {rel: pages[rel] if rel in pages else CachedPage(placed[rel], 0) for rel in members}
        key = _shard_key(version, bundle, members, files, site, store)
        if _manifest(store, key) is not None:
            return  # made already (the same pages were indexed before)
        tmp = Path(tempfile.mkdtemp(prefix=".pagefind-ahead-", dir=work_parent))
        try:
            folder = tmp / "site"
            for rel in members:
                target = folder / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if rel in pages:
                    target.write_bytes(pages[rel])
                else:
                    os.link(store.path(placed[rel]), target)  # the object: the bytes the key names
            output = tmp / "out"
            seeded = _seed_bundle(store, version, bundle, output / bundle)
            _run_pagefind(exe, folder, bundle, members, store, key, tmp / "work", output, seeded, version,
                          background=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitegen-search-ahead")
    runs = [pool.submit(run, bundle, members) for bundle, members in wanted.items()]
    pool.shutdown(wait=False)
    return runs


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are one file (False if either is gone)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _leave_a_core(pid: int) -> None:
    """Keep the Pagefind process ``pid`` (its threads) off the first CPU, at the lowest priority.

    A run ahead of a build (:func:`index_ahead`) shares the machine with the
    build's own work; Pagefind starts a thread per core, and on two cores
    the build's corpus-wide steps slowed by as much as Pagefind saved.
    Measured at 1,000 articles in-process, 14 edits each, alternating:
    median build 1.12 s with the run ahead as is, 0.99 s with it on the other
    core and niced, 1.16 s with no run ahead.  Linux only (elsewhere the
    run is left as it is); threads Pagefind starts later inherit both.
    """
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return
    if len(cpus) < 2:
        return
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        threads = [pid]
    for tid in threads:
        try:
            os.sched_setaffinity(tid, cpus[1:])
            os.setpriority(os.PRIO_PROCESS, tid, 19)
        except OSError:
            pass  # gone already, or not allowed


def _shard_key(version: str, bundle: str, pages: list[str], files: Mapping[str, Any], folder: Path,
               store: Any) -> str:
    """The cache key of a shard's output: Pagefind's version, the bundle, and each page's path and bytes.

    For a kind in ``KEYED_ON_INDEXED_PART`` the bytes are those of the page less
    its ``data-pagefind-ignore="all"`` elements (:func:`_indexed_digest`), each
    remembered by page digest in the cache (one entry per bundle), so only a
    changed page is parsed.
    """
    from .cache import Store
    from .pagecache import CachedPage, content_digest

    def digest(rel: str) -> str:
        value = files[rel]
        return value.digest if isinstance(value, CachedPage) else content_digest(bytes(value))

    h = hashlib.blake2b(digest_size=20)
    h.update(f"pagefind\0{version}\0{bundle}\0".encode())
    if (OUTPUT if bundle == OUTPUT else bundle.rpartition("/")[2].rpartition("-")[0]) in KEYED_ON_INDEXED_PART:
        h.update(b"indexed part\0")
        memo_key = hashlib.blake2b(f"indexed-part\0{bundle}".encode(), digest_size=20).hexdigest()
        entries = Store(store.folder.parent)
        stored = entries.get("derived", memo_key)
        known = stored if isinstance(stored, dict) else {}
        now: dict[str, str] = {}
        for rel in pages:
            d = digest(rel)
            indexed = known.get(d)
            if indexed is None:
                value = files[rel]
                indexed = _indexed_digest(bytes(value) if not isinstance(value, CachedPage)
                                          else (folder / rel).read_bytes())
            now[d] = indexed
            h.update(f"{rel}\0{indexed}\0".encode())
        if now != stored:
            entries.put("derived", memo_key, now)  # this build's pages only: the entry stays the site's size
    else:
        for rel in pages:
            h.update(f"{rel}\0{digest(rel)}\0".encode())
    return h.hexdigest()


def _indexed_digest(data: bytes) -> str:
    """A digest of the page less its ``data-pagefind-ignore="all"`` elements (and what they hold).

    Pagefind reads nothing inside such an element (no text, anchor, meta,
    filter or image: checked by running it on pages that differ only there,
    byte for byte the same bundle), and everything else is kept: the head,
    the attributes, the text outside them.  So pages with the same digest
    give Pagefind the same input.  Parsed with lxml (libxml2's HTML parser):
    the theme's pages are valid HTML (tests/test_html_valid.py), on which it
    and Pagefind's parser agree where an element ends.
    """
    import lxml.html

    from .pagecache import content_digest

    try:
        doc = lxml.html.document_fromstring(data)
    except (ValueError, lxml.etree.ParserError):
        return content_digest(data)  # unparsable: keyed on its bytes, as every page was
    for element in doc.xpath('//*[@data-pagefind-ignore="all"]'):
        element.drop_tree()
    return content_digest(lxml.html.tostring(doc, encoding="utf-8"))


def _keep_present(store: Any, present: Mapping[str, tuple[str, list[Any]]], keys: Mapping[str, str],
                  out: Path, seeds: dict[str, list[tuple[str, str, int]]]) -> dict[str, tuple[str, list[Any]]]:
    """The bundles already in ``out`` with this build's key, left as they are; the files of the others
    (changed, or no longer in the plan) removed, so that they are linked or indexed afresh.

    A changed bundle keeps its hash-named files, as the seed of its Pagefind run
    (``seeds``, see :func:`_seed_bundle`)."""
    kept = {}
    for bundle, (key, manifest) in present.items():
        if keys.get(bundle) == key:
            kept[bundle] = (key, manifest)
            store.used.update(d for _, d, _ in manifest)  # still used: the store's collection keeps them
            continue
        root = f"{out}/{bundle}"
        seed = seeds.setdefault(bundle, []) if bundle in keys else None
        for rel, d, size in manifest:
            if seed is not None and _HASH_NAMED.fullmatch(rel):
                seed.append((rel, d, size))
                continue
            try:
                os.unlink(f"{root}/{rel}")
            except FileNotFoundError:
                pass
        if bundle != OUTPUT and bundle not in keys:  # a shard gone: its folders too (the primary holds the shards)
            shutil.rmtree(root, ignore_errors=True)
    return kept


def _seed_bundle(store: Any, version: str, bundle: str, target: Path) -> list[tuple[str, str, int]]:
    """Link the hash-named files of the bundle's last version into ``target`` before Pagefind runs there.

    Pagefind names a page's fragment and the index's chunks by a hash of their
    bytes and does not write one that is already there: after an edit most
    of them are the same (one page of 128 changed), and a run seeded with
    them takes about half the time (0.15 instead of 0.28 s for a 133-article
    shard: fewer files compressed and written).  Only files of the same
    Pagefind version are seeded; the ones the new index does not name are
    removed after the run (:func:`_referenced`), so the bundle is byte for
    byte what an unseeded run writes.  Returns the seeded files.
    """
    from .pagecache import CachedPage

    last = _last_version(store, bundle)
    if last is None or last[0] != version:
        return []
    seeded = []
    for rel, d, size in last[1]:
        if _HASH_NAMED.fullmatch(rel) and store.has(d, size):
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            store.place(CachedPage(d, size), path)
            seeded.append((rel, d, size))
    return seeded


def _last_version(store: Any, bundle: str) -> tuple[str, list[tuple[str, str, int]]] | None:
    """(Pagefind version, files) of the bundle as Pagefind last wrote it, or None."""
    from .cache import Store

    last = Store(store.folder.parent).get("derived", _last_key(bundle))
    return last if isinstance(last, tuple) and len(last) == 2 and isinstance(last[1], list) else None


def _last_key(bundle: str) -> str:
    return hashlib.blake2b(f"pagefind-last\0{bundle}".encode(), digest_size=20).hexdigest()


def _cbor_text(name: str) -> bytes:
    """``name`` as a CBOR text string (RFC 8949: major type 3, its length, its UTF-8 bytes)."""
    data = name.encode()
    n = len(data)
    head = bytes([0x60 + n]) if n < 24 else bytes([0x78, n]) if n < 256 else bytes([0x79]) + n.to_bytes(2, "big")
    return head + data


def _referenced(target: Path) -> dict[str, bytes] | None:
    """The decompressed metadata of each language of the bundle in ``target``, by file name; None if unreadable.

    Pagefind's ``pagefind-entry.json`` names each language's metadata file,
    ``pagefind.HASH.pf_meta``: a gzip of ``pagefind_dcd`` and a CBOR record
    that lists every fragment (page) and every index and filter chunk of the
    language by name.  A hash-named file belongs to the bundle if its name
    is in one of them as a CBOR string.  Written by hand: no library reads
    Pagefind's files, and this reads only their names.
    """
    import gzip
    import json

    try:
        entry = json.loads((target / "pagefind-entry.json").read_text(encoding="utf-8"))
        metas = {}
        for language in entry["languages"].values():
            name = f"pagefind.{language['hash']}.pf_meta"
            data = gzip.decompress((target / name).read_bytes())
            if not data.startswith(b"pagefind_dcd"):
                return None
            metas[name] = data
        return metas
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _manifest(store: Any, key: str) -> list[tuple[str, str, int]] | None:
    """The files an earlier run wrote for this key: [(path in the bundle, digest, size)], or None."""
    from .cache import Store

    manifest = Store(store.folder.parent).get("derived", key)
    return manifest if isinstance(manifest, list) else None


def _link_bundle(store: Any, manifest: list[tuple[str, str, int]], target: Path) -> bool:
    """Link a bundle's files from the store into ``target``; False (nothing linked) if one is missing or damaged."""
    from .pagecache import CachedPage

    if not all(store.has(d, size) for _, d, size in manifest):
        return False
    # Thousands of files (a fragment per page): one mkdir per folder, string paths
    # (pathlib and a mkdir per file were two thirds of linking an unchanged bundle).
    root, made = str(target), set()
    for rel, d, size in manifest:
        folder_of = rel.rpartition("/")[0]
        if folder_of not in made:
            os.makedirs(f"{root}/{folder_of}" if folder_of else root, exist_ok=True)
            made.add(folder_of)
        store.place(CachedPage(d, size), f"{root}/{rel}")
    return True


def _run_pagefind(exe: Path, folder: Path, bundle: str, pages: list[str], store: Any, key: str, work: Path,
                  output: Path, seeded: list[tuple[str, str, int]] | None = None, version: str = "",
                  background: bool = False) -> None:
    """Index one shard of ``folder`` into ``output/bundle`` with Pagefind; with a store, keep its files under ``key``.

    ``seeded``: hash-named files of the bundle's last version already in
    ``output/bundle`` (see :func:`_seed_bundle`); those the new index does
    not name are removed after the run.  ``background``: a run beside a build
    (:func:`index_ahead`), which leaves the build a core (:func:`_leave_a_core`).
    """
    from .cache import Store
    from .pagecache import CachedPage

    target = output / bundle
    # A folder of hard links to this shard's pages, at their paths in the site:
    # Pagefind then gives results the same URLs as the full site.
    site = work / bundle.replace("/", "_")
    for rel in pages:
        link = site / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(folder / rel, link)
        except OSError:
            shutil.copyfile(folder / rel, link)
    if not pages:
        site.mkdir(parents=True, exist_ok=True)
    # --keep-index-url: result links name index.html, as every link of the
    # site does, so they work on hosts that serve no folder index pages.
    cmd = [str(exe), "--site", str(site), "--output-path", str(target), "--keep-index-url", "--quiet"]
    log.debug("running %s", " ".join(cmd))
    try:
        if background:
            with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as running:
                _leave_a_core(running.pid)
                try:
                    out, err = running.communicate(timeout=600)
                except subprocess.TimeoutExpired:
                    running.kill()
                    raise
            proc = subprocess.CompletedProcess(cmd, running.returncode, out, err)
        else:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexError(f"search index: could not run Pagefind ({exc})") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-10:])
        raise SearchIndexError(f"search index: Pagefind failed (exit {proc.returncode}): {tail}")
    if not (target / "pagefind.js").is_file():
        raise SearchIndexError(f"search index: Pagefind ran but wrote no {bundle}/pagefind.js")
    shutil.rmtree(site, ignore_errors=True)
    known: dict[str, tuple[str, int]] = {}  # seeded files Pagefind left as they were: {path: (digest, size)}
    if seeded:
        metas = _referenced(target)
        for rel, d, size in seeded:
            if metas is not None and (rel in metas if rel.endswith(".pf_meta") else
                                      any(_cbor_text(rel.rpartition("/")[2].rpartition(".")[0]) in meta
                                          for meta in metas.values())):
                known[rel] = (d, size)
            else:
                (target / rel).unlink(missing_ok=True)
    if store is not None:
        made = []
        for path in sorted(target.rglob("*")):
            rel = path.relative_to(target).as_posix()
            # The primary bundle's folder holds the shards' folders: not its files.
            if path.is_file() and not (bundle == OUTPUT and _SHARD_FOLDER.match(rel)):
                seed = known.get(rel)
                if seed is not None and _same_file(path, store.path(seed[0])):
                    store.used.add(seed[0])
                    made.append((rel, seed[0], seed[1]))  # the seed itself: Pagefind did not write it
                    continue
                d, size = store.adopt(path), path.stat().st_size
                # Bytes the store already had (Pagefind's UI files, the same in every
                # bundle and every run): the site gets the store's file, so an unchanged
                # file keeps its inode from build to build.
                if not os.path.samefile(path, store.path(d)):
                    path.unlink()
                    store.place(CachedPage(d, size), path)
                made.append((rel, d, size))
        Store(store.folder.parent).put("derived", key, made)
        Store(store.folder.parent).put("derived", _last_key(bundle), (version, made))
