"""The preview server: build, serve, watch, rebuild, reload every open browser.

Modelled on MkDocs' ``livereload`` (its own small server rather than the
``livereload`` package, for the same reasons MkDocs gave: control over what is
served while a build runs, and a handler that tests can call directly):

* each build goes into a fresh folder; the server switches to it only when the
  build has succeeded, so a half-built site is never served, and a failed
  build leaves the last good site in place;
* file events are polled and debounced (an editor's save is several writes);
* every HTML page gets a small script before ``</body>`` that long-polls
  ``/livereload/EPOCH/ID`` and reloads the page when a rebuild has finished;
* after a failed build every page also shows the error as a notice, until
  the next good build clears it (MkDocs only logs it);
* it binds 127.0.0.1 by default and refuses paths that leave the site.
"""

from __future__ import annotations

import functools
import gc
import html
import logging
import mimetypes
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

log = logging.getLogger(__name__)

POLL_TIMEOUT = 60.0  # seconds a /livereload request waits before answering "no change"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
}


class BuildFailed(Exception):
    """A build failed; the message is what the reader of the terminal needs."""


# Build the site into the given (new) folder; may return a job to run once it is served
# (the search index), after which /pagefind/ is served from that folder.
Builder = Callable[[Path], Any]
# Pages of the edited files, made quickly against the last build ({site path: bytes}),
# or None when only a whole build can show the change (see sitegen/preview.py).
Previewer = Callable[[list[Path]], "dict[str, bytes] | None"]


def snapshot(paths: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file under ``paths``, skipping editors' temp files."""
    out: dict[str, tuple[int, int]] = {}
    for root in paths:
        candidates = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for p in candidates:
            name = p.name
            if name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")) or "__pycache__" in p.parts:
                continue
            try:
                st = p.stat()
            except OSError:
                continue  # removed while we looked
            if p.is_file():
                out[str(p)] = (st.st_mtime_ns, st.st_size)
    return out


RELOAD_SCRIPT = """<script>
(function () {
  var epoch = %d;
  function poll() {
    fetch("/livereload/" + epoch + "/" + Date.now(), { cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (t) { if (parseInt(t, 10) > epoch) { location.reload(); } else { poll(); } })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
"""

ERROR_NOTICE = """<div id="sitegen-build-error" role="alert" style="position:fixed;left:0;right:0;bottom:0;\
z-index:2147483647;max-height:50vh;overflow:auto;margin:0;padding:0.9rem 1.2rem;background:#7a0010;color:#fff;\
font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;\
border-top:4px solid #ffb3bd"><strong>sitegen: the last build failed; this is the last good build.</strong>
%s</div>
"""


class LiveServer(ThreadingHTTPServer):
    """Serves the last good build and rebuilds it when watched files change."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, builder: Builder, watched: Callable[[], list[Path]], host: str = "127.0.0.1",
                 port: int = 8000, *, poll: float = 0.3, debounce: float = 0.25, preview: Previewer | None = None):
        self.builder = builder
        self.watched = watched
        self.preview = preview
        # Pages previewed over the last good build while the next one runs ({path: page});
        # cleared whenever a build ends, under the same lock as ``site``.
        self.overlay: dict[str, bytes] | None = None
        self.poll = poll
        self.debounce = debounce
        self.workdir = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
        self.site: Path | None = None  # the last good build
        self.search_site: Path | None = None  # the last build whose search index is complete
        self._index_lock = threading.Lock()
        self.error: str | None = None  # the error of the last build, if it failed
        self.epoch = 0  # bumped after every build, good or failed
        self.builds = 0
        self.cond = threading.Condition()
        self.stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._thread: threading.Thread | None = None
        try:
            super().__init__((host, port), Handler)
        except BaseException:
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    # -- building ---------------------------------------------------------

    def rebuild(self) -> bool:
        """Build into a new folder; switch to it only if the build succeeded."""
        self.builds += 1
        out = self.workdir / f"site-{self.builds}"
        started = time.perf_counter()
        try:
            after = self.builder(out)
        except Exception as exc:  # noqa: BLE001 - any failure must keep the server up
            message = str(exc) if isinstance(exc, BuildFailed) else f"{type(exc).__name__}: {exc}"
            log.error("build failed; still serving the last good build:\n%s", message)
            shutil.rmtree(out, ignore_errors=True)
            with self.cond:
                self.error = message
                self.overlay = None  # the last good build, as it was, with the error
                self.epoch += 1
                self.cond.notify_all()
            return False
        with self.cond:
            old, self.site = self.site, out
            was_failing, self.error = self.error is not None, None
            self.overlay = None
            self.epoch += 1
            self.cond.notify_all()
        log.info("built in %.1f s%s; reloading open pages", time.perf_counter() - started,
                 " (error cleared)" if was_failing else "")
        if callable(after):
            threading.Thread(target=self._after_build, args=(out, after), name="sitegen-search", daemon=True).start()
        elif (out / "pagefind").is_dir():
            with self.cond:
                self.search_site = out
        # The folder before the previous one can go: requests still reading the
        # previous one finish undisturbed.  So can older ones, but for the one
        # whose search index is served until the new one is ready.
        for folder in self.workdir.glob("site-*"):
            if folder not in (out, old, self.search_site):
                shutil.rmtree(folder, ignore_errors=True)
        return True

    def _after_build(self, out: Path, job: Callable[[], Any]) -> None:
        """Run a build's after-job (its search index) unless a newer build came meanwhile."""
        with self._index_lock:
            with self.cond:
                if self.site != out or self.stopping.is_set():
                    return
            started = time.perf_counter()
            try:
                job()
            except Exception as exc:  # noqa: BLE001 - the preview goes on without a fresh index
                log.warning("search index not updated (search shows the previous build's): %s", exc)
                return
            if (out / "pagefind").is_dir():
                with self.cond:
                    self.search_site = out
                log.info("search index updated in %.1f s", time.perf_counter() - started)

    def watch(self, baseline: dict[str, tuple[int, int]] | None = None) -> None:
        """Poll the watched files; after a change has settled, rebuild.

        ``baseline`` is the state the last build saw; taken before that build,
        so that a save made during or just after it is not missed.
        """
        last = baseline if baseline is not None else snapshot(self.watched())
        while not self.stopping.wait(self.poll):
            now = snapshot(self.watched())
            if now == last:
                continue
            # Debounce: an editor's save (or a git checkout) is many writes.
            while not self.stopping.wait(self.debounce):
                again = snapshot(self.watched())
                if again == now:
                    break
                now = again
            if self.stopping.is_set():
                return
            changed = sorted(set(now.items()) ^ set(last.items()))
            log.info("changed: %s", ", ".join(sorted({Path(p).name for p, _ in changed})[:5]) or "?")
            edited = sorted({p for p, _ in changed})
            if all(p in last and p in now for p in edited):  # edited, none added or removed
                self.show_preview([Path(p) for p in edited])
            last = now
            self.rebuild()

    def show_preview(self, paths: list[Path]) -> bool:
        """Serve the edited pages over the last good build now, before the rebuild (see sitegen/preview.py)."""
        with self.cond:
            site, failing = self.site, self.error is not None
        if self.preview is None or site is None or failing:
            return False
        started = time.perf_counter()
        try:
            pages = self.preview(paths)
        except Exception as exc:  # noqa: BLE001 - the build that follows reports it properly
            log.debug("no preview of %s: %s", ", ".join(p.name for p in paths), exc)
            return False
        if not pages:
            return False
        with self.cond:
            if self.site != site:
                return False
            self.overlay = pages
            self.epoch += 1
            self.cond.notify_all()
        log.info("previewed %s in %.2f s; building the whole site", ", ".join(sorted(pages)),
                 time.perf_counter() - started)
        return True

    # -- running ----------------------------------------------------------

    def start(self) -> None:
        """First build, then the watcher thread (the caller serves)."""
        baseline = snapshot(self.watched())
        self.rebuild()
        self._watcher = threading.Thread(target=self.watch, args=(baseline,), name="sitegen-watch", daemon=True)
        self._watcher.start()

    def start_background(self) -> None:
        """Build, watch and serve from background threads (for tests)."""
        self.start()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="sitegen-serve", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop watching and serving; wake waiting reload requests; remove the builds."""
        self.stopping.set()
        with self.cond:
            self.cond.notify_all()
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        self.server_close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def wait_for_change(self, epoch: int, timeout: float = POLL_TIMEOUT) -> int:
        with self.cond:
            self.cond.wait_for(lambda: self.epoch > epoch or self.stopping.is_set(), timeout=timeout)
            return self.epoch


class Handler(BaseHTTPRequestHandler):
    server: LiveServer
    server_version = "sitegen"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:  # noqa: N802
        self.handle_get(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self.handle_get(head=False)

    def handle_get(self, head: bool) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/livereload/"):
            self.livereload(path)
            return
        status, headers, body = self.server_response(path)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def livereload(self, path: str) -> None:
        parts = path.strip("/").split("/")
        try:
            epoch = int(parts[1])
        except (IndexError, ValueError):
            self.send_error(HTTPStatus.BAD_REQUEST, "expected /livereload/EPOCH/ID")
            return
        current = self.server.wait_for_change(epoch)
        body = str(current).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def server_response(self, url_path: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for ``url_path`` (the request handler's logic)."""
        return respond(self.server, url_path)


def respond(server: LiveServer, url_path: str) -> tuple[int, dict[str, str], bytes]:
    """Map a URL path to (status, headers, body); pure enough to test directly."""
    with server.cond:
        site, error, epoch, search = server.site, server.error, server.epoch, server.search_site
        overlay = server.overlay
    decoded = unquote(url_path)
    parts = decoded.replace("\\", "/").split("/")
    if "\x00" in decoded or any(p == ".." for p in parts) or not decoded.startswith("/"):
        return _text(HTTPStatus.BAD_REQUEST, "bad path")
    if site is None:  # no good build yet: say why, and reload when there is one
        page = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title>"
                "</head><body><h1>The site could not be built</h1></body></html>")
        return (HTTPStatus.SERVICE_UNAVAILABLE, {"Content-Type": CONTENT_TYPES[".html"]},
                inject(page.encode(), epoch, error or "the first build has not finished"))
    try:
        root = site.resolve()
        if (search is not None and search != site and decoded.startswith("/pagefind/")
                and not (root / "pagefind").is_dir()):
            # The new build's index is still being made: the previous one answers meanwhile.
            root = search.resolve()
        target = (root / decoded.lstrip("/")).resolve()
        if target != root and root not in target.parents:  # e.g. a symlink that leaves the site
            return _text(HTTPStatus.FORBIDDEN, "outside the site")
        if target.is_dir():
            if not url_path.endswith("/"):
                # One leading slash: "//host/" in a Location header would send the browser to another site.
                return HTTPStatus.MOVED_PERMANENTLY, {"Location": "/" + quote(decoded.lstrip("/")) + "/"}, b""
            target = target / "index.html"
        if overlay and (page := overlay.get(target.relative_to(root).as_posix())) is not None:
            # An edited page, previewed while the site builds again.
            return HTTPStatus.OK, {"Content-Type": CONTENT_TYPES[".html"]}, inject(page, epoch, error)
        status = HTTPStatus.OK
        if not target.is_file():
            status, target = HTTPStatus.NOT_FOUND, root / "404.html"
            if not target.is_file():
                return _text(status, "not found")
        body = target.read_bytes()
    except (OSError, RuntimeError, ValueError):  # a name too long, a symlink loop, a build removed meanwhile
        return _text(HTTPStatus.NOT_FOUND, "not found")
    ctype = CONTENT_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix == ".html":
        body = inject(body, epoch, error)
    return status, {"Content-Type": ctype}, body


def inject(page: bytes, epoch: int, error: str | None) -> bytes:
    """Add the reload script (and the error notice, if any) before ``</body>``."""
    extra = RELOAD_SCRIPT % epoch
    if error:
        extra = ERROR_NOTICE % html.escape(error) + extra
    data = extra.encode("utf-8")
    at = page.lower().rfind(b"</body>")
    return page[:at] + data + page[at:] if at >= 0 else page + data


def _text(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "text/plain; charset=utf-8"}, (message + "\n").encode()


# -- the project's builder, for ``sitegen serve`` ------------------------------

def project_builder(config_file: str | None, *, drafts: bool | None = None) -> tuple[Builder, Callable[[], list[Path]]]:
    """A builder that reloads the config and builds the whole project, and the paths to watch.

    The builder also has a ``preview`` method (a :data:`Previewer`) for :class:`LiveServer`.
    """
    builder = ProjectBuilder(config_file, drafts=drafts)
    return builder, builder.watched


class ProjectBuilder:
    """``sitegen serve``'s builds of one project, one after another in one process."""

    def __init__(self, config_file: str | None, *, drafts: bool | None = None):
        from .cache import Memory

        self.config_file = config_file
        self.drafts = drafts
        # Rebuild after rebuild in one process: the cache's articles and analyses stay in memory.
        self.memory = Memory()
        self.preloading = threading.Event()
        self.watch_paths: list[Path] | None = None
        self.last: tuple[Any, Any, bool] | None = None  # the last good build's (config, briefing, drafts)
        self.env: Any = None  # its Jinja2 environment, made by the first preview

    def load(self) -> Any:
        from .config import ConfigError, load_config

        try:
            config = load_config(self.config_file)
        except ConfigError as exc:
            raise BuildFailed("\n".join(f"{exc.path}: {e}" for e in exc.errors)) from exc
        paths = [config.folder(k) for k in ("content_dir", "templates_dir", "static_dir", "data_dir")]
        self.watch_paths = [*paths, config.path or config.root / "sitegen.yaml"]
        return config

    def __call__(self, out: Path) -> Any:
        from .build import BuildError, build
        from .cache import memory_kept
        from .nlp import PipelineError

        self.last = self.env = None
        self.memory.flush()  # the last build's cache entries, if its after-job did not run
        config = self.load()
        try:
            # The page reloads first; Pagefind indexes the new build after it is served.
            with memory_kept(self.memory):
                result = build(config, output=out, drafts=self.drafts, search_later=True, keep_briefing=True)
        except BuildError as exc:
            raise BuildFailed("\n".join(str(p) for p in exc.problems)) from exc
        except PipelineError as exc:
            raise BuildFailed(str(exc)) from exc
        self.memory.sweep()
        self.last = (config, result.briefing, config["build.drafts"] if self.drafts is None else self.drafts)
        log.info("built %d articles into %d pages", result.articles, result.pages)
        if not self.preloading.is_set():
            # The first edit after starting should not wait for spaCy to load (about a second):
            # load it now, in the background (it is kept for the life of the process).
            self.preloading.set()
            threading.Thread(target=_preload, args=(config["nlp.pipeline"],), daemon=True).start()
        return functools.partial(_after_serve, result.index_search, functools.partial(
            _warm, self.memory, result.briefing), self.memory.flush, result.prepare_next)

    def preview(self, paths: list[Path]) -> dict[str, bytes] | None:
        """The edited articles' pages against the last good build (:mod:`sitegen.preview`), or None."""
        from .build import gc_paused
        from .cache import memory_kept
        from .preview import preview_pages
        from .render import environment

        if self.last is None:
            return None
        config, briefing, drafts = self.last
        if self.env is None:  # the last build's, if it kept one (the same templates): compiled already
            self.env = self.memory.dicts.get("jinja-env", {}).get("env") or environment(config.folder("templates_dir"))
        with memory_kept(self.memory), gc_paused():
            return preview_pages(config, briefing, paths, drafts=drafts, env=self.env)

    def watched(self) -> list[Path]:
        if self.watch_paths is None:
            try:
                self.load()
            except BuildFailed:
                cfg = Path(self.config_file) if self.config_file else Path.cwd() / "sitegen.yaml"
                return [cfg]
        return self.watch_paths or []


def _after_serve(index_search: Callable[[], Any] | None, warm: Callable[[], None],
                 flush: Callable[[], None] = lambda: None, prepare_next: Callable[[], Any] | None = None) -> Any:
    """What follows a build once its site is served: collect, copy the site for the
    next build to start from (:class:`sitegen.writer.Spare`), warm the memos, write
    the cache entries the build kept in memory (:meth:`sitegen.cache.Memory.flush`),
    the search index.

    The build ran with automatic garbage collection paused (see
    :func:`sitegen.build.gc_paused`); what cycles it left are collected here,
    after the reload rather than before it.
    """
    gc.collect()
    if prepare_next is not None:
        prepare_next()
    warm()  # first: an edit soon after the start should find the memos filled
    flush()
    return index_search() if index_search is not None else None


def _warm(memory: Any, briefing: Any) -> None:
    """Derive now, in the background, what the next rebuild derives from every article.

    A build whose briefing came whole from the cache (the first one, when
    ``sitegen serve`` starts on a built site) leaves the per-article memos
    of the corpus-wide steps empty (:func:`sitegen.cache.by_identity`): the
    first edit would pay for all articles (0.8 s at 1,000), later ones for
    the edited article only.  Here they are filled for every article.
    """
    from .events import sentence_terms
    from .overview import sentences_digest
    from .pages import analysis_json

    terms, data = memory.memo("event-terms"), memory.memo("analysis-json")
    digests = memory.memo("overview-sentences")
    for a in briefing.analyses:
        terms.get(a.sentences, sentence_terms)
        data.get(a, analysis_json)
        digests.get(a.sentences, sentences_digest)


def _preload(pipeline: str) -> None:
    try:
        from .nlp import load_pipeline

        load_pipeline(pipeline)
    except Exception as exc:  # noqa: BLE001 - the next build reports a missing pipeline properly
        log.debug("could not preload the pipeline %s: %s", pipeline, exc)


def serve(builder: Builder, watched: Callable[[], list[Path]], host: str = "127.0.0.1", port: int = 8000) -> None:
    """Build, serve and watch until Ctrl-C."""
    server = LiveServer(builder, watched, host, port, preview=getattr(builder, "preview", None))
    if threading.current_thread() is threading.main_thread():
        # `kill` (SIGTERM) stops as cleanly as Ctrl-C.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.start()
        log.warning("serving on %s (watching for changes; Ctrl-C to stop)", server.url)
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        log.warning("stopped")
    finally:
        flush = getattr(getattr(builder, "memory", None), "flush", None)
        if flush is not None:  # what the last build left for after its reload (sitegen.cache.Memory)
            flush()
        server.stopping.set()
        with server.cond:
            server.cond.notify_all()
        server.server_close()
        shutil.rmtree(server.workdir, ignore_errors=True)

