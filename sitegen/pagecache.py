"""Incremental rendering and writing: a render cache and a content-addressed file store.

**Render cache.**  Every page is rendered from a template and a context.  A
page's *input key* is a digest of everything it is rendered from: the
template set (project and built-in), the rendering code, the site-wide
context, the template name, the page's path, and its context (pickled, with
each :class:`~sitegen.model.Analysis` or :class:`~sitegen.model.Article`
replaced by its content hash, so the key costs far less than the render).  If
the previous build rendered the same path from the same key, the page is not
rendered again: its bytes are already in the store.  An edited article thus
re-renders its own page and the pages whose context it changes (listings,
the actors it names, the timeline), and nothing else.

**Store and writer.**  The bytes of every output file live once in
``<cache>/objects/`` under their digest.  The writer still builds the whole
new site in a temporary folder and swaps it in (never a half-built site), but
fills it with *hard links* to the store instead of writing: a file whose
bytes did not change keeps its inode and mtime from build to build (rsync,
browsers and file watchers see no change), and only new bytes are written,
once.  Hard links rather than writing in place with per-file ``os.replace``
because the atomic folder swap (and keeping the last good site while a
build fails) stays exactly as it was; the cost is one link per file.  When
the cache is on another file system (no hard links), files are copied.

Objects are written atomically and never modified; nothing may edit an
output file in place (Pagefind only adds files).  After each build, objects
that no page refers to and no site links (link count 1) are removed.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import logging
import os
import pickle
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from . import __version__
from .cache import Store, article_digest, code_versions, digest, hash_tree, in_memory, remembered
from .model import Analysis, Article
from .render import THEME, Renderer

log = logging.getLogger(__name__)


class CachedPage:
    """A page the render cache already has: its bytes are in the store under ``digest``."""

    __slots__ = ("digest", "size")

    def __init__(self, digest: str, size: int):
        self.digest = digest
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"CachedPage({self.digest[:12]}…)"


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _temp_beside(target: Path) -> Path:
    """A temporary name next to ``target``, unique per process and thread (collect() skips ``.tmp-`` names)."""
    return target.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{target.name}")


_HASHED: dict[str, tuple[int, int, int]] = {}  # object file -> its stat when this process hashed it


class ObjectStore:
    """Output files' bytes, stored once under their digest, hard-linked into sites."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.root = str(folder)
        self.used: set[str] = set()
        self.verified: set[str] = set()
        self.written = 0
        self.linked = 0
        self.served: tuple[str, Mapping[str, str]] | None = None  # see PageCache.trust

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / key[2:]

    def has(self, key: str, size: int | None = None) -> bool:
        """Whether the object is there and intact: its bytes hash to ``key``.

        Checking the size alone would hard-link a same-size damaged object
        into the site; each object is hashed at most once per build.
        """
        if key in self.verified:
            return True
        name = f"{self.root}/{key[:2]}/{key[2:]}"  # a string: pathlib costs more than the stat
        try:
            st = os.stat(name)
            if size is not None and st.st_size != size:
                return False
            # ``sitegen serve`` (cache entries kept in memory): an object this process
            # hashed is trusted again while its inode, size and mtime are the same.  Not
            # the ctime: linking the object into each new site (and removing old sites)
            # changes it, so every object was read and hashed again on every rebuild.
            signature = (st.st_ino, st.st_size, st.st_mtime_ns)
            if in_memory() and _HASHED.get(name) == signature:
                self.verified.add(key)
                return True
            with open(name, "rb") as f:
                intact = content_digest(f.read()) == key
        except OSError:
            return False
        if intact:
            self.verified.add(key)
            if in_memory():
                _HASHED[name] = signature
        return intact

    def add(self, data: bytes, key: str | None = None) -> str:
        """Store ``data`` (if it is not there yet); return its digest."""
        key = key or content_digest(data)
        target = self.path(key)
        if not self.has(key, len(data)):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = _temp_beside(target)
            # 0o666 and the umask: the site must be readable by a web server.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            self.written += 1
        self.used.add(key)
        return key

    def add_stream(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Store the bytes of ``chunks``, written as they come (never all in memory); return (digest, size)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = _temp_beside(self.folder / "stream")
        h = hashlib.blake2b(digest_size=20)  # as content_digest
        size = 0
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    h.update(chunk)
                    f.write(chunk)
                    size += len(chunk)
            key = h.hexdigest()
            if self.has(key, size):
                tmp.unlink()
            else:
                target = self.path(key)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
                self.written += 1
                self.verified.add(key)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.used.add(key)
        return key, size

    def adopt(self, file: Path) -> str:
        """Store a file that is already on disk (e.g. written by Pagefind) by linking it."""
        data = file.read_bytes()
        key = content_digest(data)
        if not self.has(key, len(data)):
            # Missing, or there but damaged: the file itself becomes the object.
            target = self.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = _temp_beside(target)
            try:
                os.link(file, tmp)
                os.replace(tmp, target)
            except OSError:
                tmp.unlink(missing_ok=True)
                self.add(data, key)
            self.verified.add(key)
        self.used.add(key)
        return key

    def key(self, value: bytes | CachedPage) -> str:
        """The digest of the file ``value``, stored if it is bytes (see :meth:`place`)."""
        if isinstance(value, CachedPage):
            self.used.add(value.digest)
            return value.digest
        return self.add(bytes(value))

    def place(self, value: bytes | CachedPage, target: Path | str) -> str:
        """Put the file ``value`` at ``target``: a hard link to its object, else a copy; return its digest."""
        if isinstance(value, CachedPage):
            key, data = value.digest, None
            self.used.add(key)
        else:
            data = bytes(value)
            key = self.add(data)
        try:
            os.link(f"{self.root}/{key[:2]}/{key[2:]}", target)  # strings: 13,000 files, pathlib costs
            self.linked += 1
            return key
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOENT, errno.EACCES):
                raise
            if data is None:
                if exc.errno == errno.ENOENT and self._restore(key):
                    try:
                        os.link(f"{self.root}/{key[:2]}/{key[2:]}", target)
                        self.linked += 1
                        return key
                    except OSError:
                        pass
                data = self.path(key).read_bytes()  # ENOENT here: the object vanished; fail loudly
        Path(target).write_bytes(data)
        return key

    def _restore(self, key: str) -> bool:
        """Put the object ``key`` back from the last served site (see :meth:`PageCache.trust`)
        if it is there intact; whether it was."""
        if self.served is None:
            return False
        site, placed = self.served
        rel = next((r for r, k in placed.items() if k == key), None)  # only when an object went missing
        if rel is None:
            return False
        try:
            data = Path(f"{site}/{rel}").read_bytes()
        except OSError:
            return False
        if content_digest(data) != key:
            return False
        self.verified.discard(key)
        self.add(data, key)
        log.warning("object store: %s was missing; restored from %s", key[:12], site)
        return True

    def collect(self) -> int:
        """Remove objects no longer used by this build and not linked into any site."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        for sub in self.folder.iterdir():
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub):
                key = sub.name + entry.name
                if key in self.used or entry.name.startswith(".tmp-"):
                    continue
                try:
                    if entry.stat(follow_symlinks=False).st_nlink == 1:
                        os.unlink(entry.path)
                        removed += 1
                except OSError:
                    continue
        return removed

    def collect_some(self, keys: Iterable[str]) -> tuple[int, set[str]]:
        """:meth:`collect` among ``keys`` only: (objects removed, keys kept because still linked)."""
        removed, linked = 0, set()
        for key in keys:
            if key in self.used:
                continue
            name = f"{self.root}/{key[:2]}/{key[2:]}"
            try:
                if os.stat(name, follow_symlinks=False).st_nlink == 1:  # linked into no site
                    os.unlink(name)
                    removed += 1
                else:
                    linked.add(key)
            except OSError:
                continue
        return removed, linked


def _templates_digest(folders: Iterable[Path]) -> str:
    h = hashlib.blake2b(digest_size=20)
    for folder in folders:
        hash_tree(h, folder)
    return h.hexdigest()


class PageCache:
    """The render cache: page path -> (input key, digest of the bytes), kept between builds."""

    INDEX = "index"

    def __init__(self, folder: Path, templates_dir: Path | None, config_values: Mapping[str, Any]):
        self.store = Store(folder)
        self.objects = ObjectStore(folder / "objects")
        self.previous: dict[str, tuple[str, str, int]] = {}
        loaded = self.store.get("pages", self.INDEX)
        if isinstance(loaded, dict):
            self.previous = loaded
        self.current: dict[str, tuple[str, str, int]] = {}
        self.env = digest(json.dumps({
            "sitegen": __version__,
            "code": code_versions("pages")[0],
            "templates": _templates_digest([p for p in (templates_dir, THEME / "templates") if p is not None]),
            "config": dict(config_values),
        }, sort_keys=True, default=str).encode())
        self._env = self.env  # without the site-wide context (see site_wide)
        self.setup = self.env  # the same: what the Jinja2 environment is made from is part of it
        self._keys: dict[int, str] = {}
        # Inside sitegen serve: path -> (env, template, dependencies, key) of the last build (known_key).
        self.known = remembered("page-keys")
        self.known_now: dict[str, tuple[str, str, tuple[Any, ...], str]] = {}
        self.rendered = 0
        self.reused = 0
        self.placed: Mapping[str, str] = {}  # see trust()

    # -- keys ---------------------------------------------------------------

    def site_wide(self, site: Mapping[str, Any]) -> None:
        """Key every page on the site-wide context too (every template may show it:
        the footer counts the articles)."""
        self.env = digest(json.dumps([self._env, dict(site)], sort_keys=True, default=str).encode())

    def _content_key(self, obj: Analysis | Article) -> str:
        found = self._keys.get(id(obj))
        if found is None:
            if isinstance(obj, Analysis):
                # An analysis is a function of its article, the settings (in the config, part
                # of ``env``) and the analysis code (imported by pages.py: in the code digest).
                found = "A" + article_digest(obj.article)
            else:
                found = "R" + article_digest(obj)
            self._keys[id(obj)] = found
        return found

    def input_key(self, template: str, path: str, context: Mapping[str, Any]) -> str | None:
        """The digest of everything the page is rendered from; None if it cannot be computed.

        Analyses and articles given directly in the context (or in a list or
        tuple there) stand as their content hash; everything else is pickled
        as it is (without a memo, so that the bytes do not depend on which
        equal objects happen to be shared).
        """
        items = []
        for name in sorted(context):
            value = context[name]
            if type(value) in (list, tuple) and value and type(value[0]) in (Analysis, Article):
                value = tuple(self._content_key(v) if type(v) in (Analysis, Article) else v for v in value)
            elif type(value) in (Analysis, Article):
                value = self._content_key(value)
            items.append((name, value))
        buf = io.BytesIO()
        pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = True
        try:
            pickler.dump((self.env, template, path, items))
        except Exception as exc:  # noqa: BLE001 - an unpicklable context: render it every time
            log.debug("render cache: %s cannot be keyed (%s)", path, exc)
            return None
        return content_digest(buf.getvalue())

    def known_key(self, template: str, path: str, dependencies: tuple[Any, ...],
                  inputs: Callable[[], Mapping[str, Any]], changes_with_any: bool = False) -> str | None:
        """:meth:`input_key` of ``inputs()``; inside ``sitegen serve``, the last build's key
        when the page's ``dependencies`` are the same objects (or equal ones).

        ``dependencies`` must be every (immutable) object ``inputs()`` is made
        from.  Between serve builds the unchanged ones are the very same
        objects (:func:`sitegen.cache.interned`, the analysis memo), so for
        most pages an edit leaves, this is a few identity checks instead of
        building the inputs and pickling them (0.5 s of a rebuild at 1,000
        articles).  A single build has no last key: it always computes it.

        ``changes_with_any``: the file changes whenever any dependency does
        (``briefing.json`` holds them all), so when one did, a new key is
        made up rather than computed (which would cost as much as the file).
        """
        last = self.known.get(path) if self.known is not None else None
        key: str | None
        if last is None or last[0] != self.env or last[1] != template:
            key = self.input_key(template, path, inputs())
        elif last[2] == dependencies:  # tuples compare each pair by identity first, then ==: in C
            key = last[3]
        elif changes_with_any:
            key = "changed-" + secrets.token_hex(16)  # matches no stored page: made again, kept under it
        else:
            key = self.input_key(template, path, inputs())
        if key is not None and self.known is not None:
            self.known_now[path] = (self.env, template, dependencies, key)
        return key

    # -- lookups --------------------------------------------------------------

    def trust(self, site: Path | str, placed: Mapping[str, str]) -> None:
        """``sitegen serve``: the last build's site is at ``site`` (path -> digest: ``placed``).

        Every object it placed was verified (hashed or found intact) by that
        build, and it is linked into that site, which is still served while
        this build renders (it is swapped out only after): the store's
        collection removes only objects linked into no site, so it is there.
        :meth:`lookup` then skips the ``stat`` (6,600 a rebuild at 1,000
        articles) for a page whose last object is the one placed at the
        same path.  Should the object have gone all the same (removed by
        hand), :meth:`ObjectStore.place` takes it back from that site.
        """
        self.placed = placed
        self.objects.served = (str(site), placed)

    def lookup(self, path: str, key: str | None) -> CachedPage | None:
        if key is None:
            return None
        prev = self.previous.get(path)
        if prev is None or prev[0] != key or (self.placed.get(path) != prev[1]
                                                and not self.objects.has(prev[1], prev[2])):
            return None
        self.current[path] = prev
        self.reused += 1
        return CachedPage(prev[1], prev[2])

    def record(self, path: str, key: str | None, data: bytes) -> bytes | CachedPage:
        """Keep a rendered page; return what stands for it in the site.

        With a key, the bytes go to the store at once and the site holds only
        a :class:`CachedPage`: a build never keeps every page in memory
        (gigabytes at 10,000 articles).
        """
        self.rendered += 1
        if key is None:
            return data
        digest = self.objects.add(data)
        self.current[path] = (key, digest, len(data))
        return CachedPage(digest, len(data))

    def file(self, path: str, make: Any, inputs: Callable[[], Mapping[str, Any]],
             dependencies: tuple[Any, ...]) -> bytes | CachedPage:
        """A file that is not a template page (``briefing.json``), made by ``make()`` from
        ``inputs()``, which are made from ``dependencies`` (see :meth:`known_key`)."""
        key = self.known_key("", path, dependencies, inputs, changes_with_any=True)
        hit = self.lookup(path, key)
        if hit is not None:
            return hit
        data = make()
        if isinstance(data, str):
            data = data.encode("utf-8")
        if isinstance(data, (bytes, bytearray)) or key is None:
            return self.record(path, key, data if isinstance(data, (bytes, bytearray)) else b"".join(data))
        # Chunks (briefing.json, hundreds of MB on a large site): streamed into the store.
        self.rendered += 1
        digest, size = self.objects.add_stream(data)
        self.current[path] = (key, digest, size)
        return CachedPage(digest, size)

    def save(self) -> None:
        """Keep this build's index (call after the site was written)."""
        self.store.put("pages", self.INDEX, self.current)
        if self.known is not None:  # what the next serve build compares with: this build's pages only
            self.known.clear()
            self.known.update(self.known_now)
        seen = remembered("objects-seen")
        if seen is not None and "used" in seen:
            # sitegen serve: only what the last build used and this one does not (or what
            # was still linked into a served site then) can have become garbage since.
            candidates = (seen["used"] - self.objects.used) | seen["linked"]
            removed, seen["linked"] = self.objects.collect_some(candidates)
        else:
            removed = self.objects.collect()
            if seen is not None:
                seen["linked"] = set()
        if seen is not None:
            seen["used"] = self.objects.used  # the set itself: the search index adds to it later
        log.info("render cache: %d page(s) rendered, %d reused; store: %d written, %d removed",
                 self.rendered, self.reused, self.objects.written, removed)


class CachingRenderer(Renderer):
    """A :class:`~sitegen.render.Renderer` that skips pages whose inputs did not change."""

    def __init__(self, env: Any, site: Mapping[str, Any], cache: PageCache):
        super().__init__(env, site)
        self.cache = cache
        cache.site_wide(site)

    def page(self, template: str, path: str, **context: Any) -> Any:  # bytes or CachedPage
        key = self.cache.input_key(template, path, context)
        hit = self.cache.lookup(path, key)
        if hit is not None:
            return hit
        return self.cache.record(path, key, super().page(template, path, **context))

    def page_from(self, template: str, path: str, make: Any, inputs: Callable[[], Mapping[str, Any]],
                  dependencies: tuple[Any, ...]) -> Any:
        """Like :meth:`page` with ``make()`` as the context, keyed on ``inputs()``.

        For pages whose context is costly to build but a pure function of a
        few inputs (an article page: its analysis, links and actors): on a
        hit the context is never built.  ``dependencies``: the objects the
        inputs are made from (see :meth:`PageCache.known_key`).
        """
        cache = self.cache
        known = cache.known
        last = known.get(path) if known is not None else None
        if last is not None and last[0] == cache.env and last[1] == template and last[2] == dependencies:
            # known_key's first case inline (6,600 pages a serve rebuild, most unchanged)
            key: str | None = last[3]
            cache.known_now[path] = (last[0], template, dependencies, key)
        else:
            key = cache.known_key(template, path, dependencies, lambda: {"__inputs__": True, **inputs()})
        hit = cache.lookup(path, key)
        if hit is not None:
            return hit
        return self.cache.record(path, key, super().page(template, path, **make()))
