"""The preview server, with a fake builder: no spaCy, no browser."""

from __future__ import annotations

import http.client
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.server import BuildFailed, LiveServer, inject, respond

PAGE = "<!doctype html><html><head><title>t</title></head><body><p>{text}</p></body></html>"


class FakeProject:
    """Builds content/page.txt into index.html; a text of 'FAIL' fails the build."""

    def __init__(self, root: Path):
        self.root = root
        (root / "content").mkdir(parents=True)
        self.source = root / "content" / "page.txt"
        self.source.write_text("hello")
        self.calls = 0

    def build(self, out: Path) -> None:
        self.calls += 1
        text = self.source.read_text()
        if text == "FAIL":
            raise BuildFailed("content/page.txt:1: the <text> is FAIL")
        (out / "articles").mkdir(parents=True)
        (out / "index.html").write_text(PAGE.format(text=text))
        (out / "articles" / "index.html").write_text(PAGE.format(text="list"))
        (out / "404.html").write_text(PAGE.format(text="not here"))
        (out / "static.css").write_text("p{}")

    def watched(self) -> list[Path]:
        return [self.root / "content"]


@pytest.fixture
def project(tmp_path: Path) -> FakeProject:
    return FakeProject(tmp_path / "project")


@pytest.fixture
def server(project: FakeProject):
    s = LiveServer(project.build, project.watched, "127.0.0.1", 0, poll=0.05, debounce=0.05)
    s.start_background()
    yield s
    s.close()


def get(server: LiveServer, path: str) -> tuple[int, dict[str, str], str]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path)  # sent as given: http.client does not normalise '..'
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, dict(r.getheaders()), body


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_binds_loopback_by_default(project: FakeProject) -> None:
    s = LiveServer(project.build, project.watched, port=0)
    try:
        assert s.server_address[0] == "127.0.0.1"
    finally:
        s.server_close()


def test_inject_before_last_body_tag() -> None:
    out = inject(b"<body><p>x</p></body></html>", 3, None).decode()
    assert out.index("var epoch = 3") < out.index("</body>") and "sitegen-build-error" not in out
    out = inject(b"<body></body>", 1, "bad <thing>").decode()
    assert "bad &lt;thing&gt;" in out and 'role="alert"' in out
    assert inject(b"no body tag", 1, None).startswith(b"no body tag<script>")


def test_serves_pages_with_reload_script(server: LiveServer) -> None:
    status, headers, body = get(server, "/")
    assert status == 200 and "<p>hello</p>" in body and "/livereload/" in body
    assert headers["Content-Type"].startswith("text/html") and headers["Cache-Control"] == "no-store"
    status, headers, body = get(server, "/static.css")
    assert status == 200 and body == "p{}" and headers["Content-Type"].startswith("text/css")
    status, headers, _ = get(server, "/articles")
    assert status == 301 and headers["Location"] == "/articles/"
    status, _, body = get(server, "/missing.html")
    assert status == 404 and "not here" in body


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/articles/../../secret.txt",
                                  "/..%2fsecret.txt", "/%00", "/..\\secret.txt"])
def test_refuses_path_traversal(server: LiveServer, project: FakeProject, path: str) -> None:
    (server.workdir / "secret.txt").write_text("secret")
    (project.root / "secret.txt").write_text("secret")
    status, _, body = get(server, path)
    assert status in (400, 403, 404) and "secret" not in body


def test_refuses_symlink_out_of_site(server: LiveServer, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("secret")
    assert server.site is not None
    (server.site / "link.txt").symlink_to(tmp_path / "outside.txt")
    status, _, body = respond(server, "/link.txt")
    assert status == 403 and b"secret" not in body


def test_change_rebuilds_and_wakes_reload_requests(server: LiveServer, project: FakeProject) -> None:
    epoch = server.epoch
    answers: list[str] = []
    waiter = threading.Thread(target=lambda: answers.append(get(server, f"/livereload/{epoch}/1")[2]))
    waiter.start()
    time.sleep(0.2)
    project.source.write_text("edited")
    waiter.join(timeout=10)
    assert answers and int(answers[0]) > epoch
    wait_for(lambda: "<p>edited</p>" in get(server, "/")[2])


def test_failed_build_keeps_last_good_site_and_shows_error(server: LiveServer, project: FakeProject) -> None:
    good_site = server.site
    project.source.write_text("FAIL")
    wait_for(lambda: server.error is not None)
    assert server.site == good_site and good_site is not None and good_site.is_dir()
    status, _, body = get(server, "/")
    assert status == 200 and "<p>hello</p>" in body  # the last good build
    assert "sitegen-build-error" in body and "the &lt;text&gt; is FAIL" in body
    project.source.write_text("fixed")
    wait_for(lambda: server.error is None)
    status, _, body = get(server, "/")
    assert "<p>fixed</p>" in body and "sitegen-build-error" not in body


def test_first_build_failing_serves_the_error_then_recovers(project: FakeProject) -> None:
    project.source.write_text("FAIL")
    s = LiveServer(project.build, project.watched, "127.0.0.1", 0, poll=0.05, debounce=0.05)
    s.start_background()
    try:
        status, _, body = get(s, "/")
        assert status == 503 and "is FAIL" in body and "/livereload/" in body
        project.source.write_text("works")
        wait_for(lambda: s.site is not None)
        assert "<p>works</p>" in get(s, "/")[2]
    finally:
        s.close()


def test_debounce_one_build_per_burst_of_writes(server: LiveServer, project: FakeProject) -> None:
    server.debounce = 0.3
    before = project.calls
    for i in range(5):
        project.source.write_text(f"burst {i}")
        time.sleep(0.02)
    wait_for(lambda: "<p>burst 4</p>" in get(server, "/")[2])
    time.sleep(0.5)
    assert project.calls - before <= 2


def test_close_removes_builds_and_releases_port(project: FakeProject) -> None:
    s = LiveServer(project.build, project.watched, "127.0.0.1", 0, poll=0.05)
    s.start_background()
    workdir = s.workdir
    s.close()
    assert not workdir.exists()


class IndexedLater(FakeProject):
    """Like FakeProject, but the search index (pagefind/) is made by a job the server runs after the swap."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.release = threading.Event()
        self.release.set()

    def build(self, out: Path):  # type: ignore[override]
        super().build(out)
        text = self.source.read_text()

        def index() -> None:
            assert self.release.wait(10)
            tmp = out.parent / f".{out.name}-index"
            (tmp / "pagefind").mkdir(parents=True)
            (tmp / "pagefind" / "pagefind.js").write_text(f"// index of {text}")
            (tmp / "pagefind").rename(out / "pagefind")
            tmp.rmdir()

        return index


def test_search_index_follows_the_reload_and_the_previous_one_answers_meanwhile(tmp_path: Path) -> None:
    project = IndexedLater(tmp_path / "project")
    s = LiveServer(project.build, project.watched, "127.0.0.1", 0, poll=0.05, debounce=0.05)
    s.start_background()
    try:
        wait_for(lambda: get(s, "/pagefind/pagefind.js")[2] == "// index of hello")
        project.release.clear()  # the next index waits
        project.source.write_text("edited")
        wait_for(lambda: "<p>edited</p>" in get(s, "/")[2])  # the page is there before its index
        assert s.site is not None and not (s.site / "pagefind").exists()
        assert get(s, "/pagefind/pagefind.js")[:3:2] == (200, "// index of hello")  # the previous build's
        project.release.set()
        wait_for(lambda: get(s, "/pagefind/pagefind.js")[2] == "// index of edited")
        wait_for(lambda: s.search_site == s.site)  # set once the job has returned
    finally:
        project.release.set()
        s.close()


class SlowProject(FakeProject):
    """A build that waits for ``release``; a preview of the edited page made at once."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.release = threading.Event()
        self.release.set()
        self.previews: list[list[Path]] = []

    def build(self, out: Path) -> None:
        assert self.release.wait(10)
        super().build(out)

    def preview(self, paths: list[Path]) -> dict[str, bytes] | None:
        self.previews.append(paths)
        text = self.source.read_text()
        return None if text == "no preview" else {"index.html": PAGE.format(text=f"preview of {text}").encode()}


@pytest.fixture
def previewing(tmp_path: Path):
    project = SlowProject(tmp_path / "project")
    s = LiveServer(project.build, project.watched, "127.0.0.1", 0, poll=0.05, debounce=0.05, preview=project.preview)
    s.start_background()
    yield s, project
    project.release.set()
    s.close()


def test_edited_page_previewed_before_the_build_then_replaced_by_it(previewing) -> None:
    s, project = previewing
    epoch = s.epoch
    project.release.clear()  # the rebuild waits
    project.source.write_text("edited")
    wait_for(lambda: "<p>preview of edited</p>" in get(s, "/")[2])
    assert s.epoch == epoch + 1  # open pages reload to the preview
    assert project.previews == [[project.source]]
    assert "<p>list</p>" in get(s, "/articles/")[2]  # other pages: the last build's
    assert "livereload" in get(s, "/")[2]
    project.release.set()
    wait_for(lambda: "<p>edited</p>" in get(s, "/")[2])  # the build replaces the preview
    assert s.overlay is None and s.epoch == epoch + 2
    # A failed build drops the preview: the last good site, with the error.
    project.release.clear()
    project.source.write_text("FAIL")
    wait_for(lambda: "preview of FAIL" in get(s, "/")[2])
    project.release.set()
    wait_for(lambda: s.error is not None)
    body = get(s, "/")[2]
    assert "<p>edited</p>" in body and "sitegen-build-error" in body
    # While the last build is failing, no preview (it would hide the error's cause).
    project.source.write_text("fixed")
    wait_for(lambda: s.error is None)
    assert [p for p in project.previews if p] == [[project.source]] * 2
    # No preview, no extra reload.
    epoch = s.epoch
    project.source.write_text("no preview")
    wait_for(lambda: "<p>no preview</p>" in get(s, "/")[2])
    assert s.epoch == epoch + 1


def test_no_preview_when_files_are_added_or_removed(previewing) -> None:
    s, project = previewing
    builds = s.builds
    (project.root / "content" / "new.txt").write_text("new")
    wait_for(lambda: s.builds == builds + 1 and s.epoch >= 2)
    assert project.previews == []


# -- the watcher: file-system events, with polling as the fallback ------------------------

class WatchedProject(FakeProject):
    """FakeProject watching what a real project does: folders (one not made yet) and a config file."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.config = root / "sitegen.yaml"
        self.config.write_text("site: {}\n")
        self.data = root / "data" / "more"  # not there until a test makes it

    def watched(self) -> list[Path]:
        return [self.root / "content", self.data, self.config]


def events_only(project: FakeProject, **kwargs) -> LiveServer:
    """A server that polls once an hour: only a file-system event can wake it in a test."""
    s = LiveServer(project.build, project.watched, "127.0.0.1", 0, poll=3600, rescan=3600, **kwargs)
    s.start_background()
    assert s.ready.wait(10)  # the watcher waits for events
    assert s.events is not None
    return s


@pytest.fixture
def watching(tmp_path: Path):
    project = WatchedProject(tmp_path / "project")
    s = events_only(project)
    yield s, project
    s.close()


def test_events_wake_the_watcher(watching) -> None:
    s, project = watching
    builds = s.builds
    project.source.write_text("edited")
    wait_for(lambda: "<p>edited</p>" in get(s, "/")[2])
    assert s.builds == builds + 1
    # An editor's save: a temporary file renamed over the article.
    tmp = project.root / "content" / ".page.txt.tmp"
    tmp.write_text("renamed over")
    tmp.replace(project.source)
    wait_for(lambda: "<p>renamed over</p>" in get(s, "/")[2])
    # Touched: the same bytes, a new time (as the old poll saw it).
    os.utime(project.source, ns=(time.time_ns(), time.time_ns() + 10**9))
    wait_for(lambda: s.builds == builds + 3)
    # The config replaced the same way (a watch on the file itself would have died with it).
    tmp = project.root / ".sitegen.yaml.swp"
    tmp.write_text("site: {title: x}\n")
    tmp.replace(project.config)
    wait_for(lambda: s.builds == builds + 4)


def test_events_for_a_folder_made_after_the_start(watching) -> None:
    s, project = watching
    builds = s.builds
    project.data.parent.mkdir()
    time.sleep(0.3)  # its own event
    project.data.mkdir()
    (project.data / "people.yaml").write_text("a: 1\n")
    wait_for(lambda: s.builds == builds + 1)
    time.sleep(0.3)  # the new folder is watched from here on
    builds = s.builds
    (project.data / "people.yaml").write_text("a: 2\n")
    wait_for(lambda: s.builds == builds + 1)


def test_events_for_a_folder_removed_and_made_again(watching) -> None:
    import shutil

    s, project = watching
    shutil.rmtree(project.root / "content")  # as a checkout of a branch may do, at once
    (project.root / "content").mkdir()
    project.source.write_text("back")
    wait_for(lambda: "<p>back</p>" in get(s, "/")[2])
    time.sleep(0.3)
    project.source.write_text("and watched again")  # the new folder's watch, not the old one's
    wait_for(lambda: "<p>and watched again</p>" in get(s, "/")[2])


def test_events_for_unwatched_paths_build_nothing(watching) -> None:
    s, project = watching
    builds, calls = s.builds, project.calls
    assert s.events is not None
    wakes = s.events.wakes
    (project.root / "serve.log").write_text("a log beside the config")
    (project.root / "build").mkdir()
    (project.root / "build" / "index.html").write_text("the build's output")
    (project.root / "content" / ".page.txt.swp").write_text("an editor's swap file")
    (project.root / "content" / "page.txt~").write_text("an editor's backup")
    project.source.read_text()  # read, as the build does
    time.sleep(0.6)
    assert (s.builds, project.calls, s.events.wakes) == (builds, calls, wakes)  # not even woken
    with (project.root / "serve.log").open("a") as log, \
            (project.root / "content" / ".page.txt.swp").open("a") as swap:  # kept open
        log.write("more log")
        log.flush()
        swap.write("more swap")
        swap.flush()
        project.source.write_text("then an edit")  # and the watcher still answers
        wait_for(lambda: "<p>then an edit</p>" in get(s, "/")[2])
        assert s.events is not None and not s.events.writing()  # nothing held it


def test_events_a_burst_of_writes_builds_once(tmp_path: Path) -> None:
    project = WatchedProject(tmp_path / "project")
    s = events_only(project, settle=0.3)  # the quiet time, well above the gaps between writes
    try:
        builds = s.builds
        for i in range(20):  # as a git checkout: many writes, each an event
            project.source.write_text(f"burst {i}")
            (project.root / "content" / f"other{i}.txt").write_text("x")
            time.sleep(0.005)
        wait_for(lambda: "<p>burst 19</p>" in get(s, "/")[2])
        time.sleep(0.5)
        assert s.builds == builds + 1
    finally:
        s.close()


def test_events_a_pause_between_truncating_and_writing_builds_once(watching) -> None:
    s, project = watching
    builds = s.builds
    with project.source.open("w") as f:  # truncated: an event
        time.sleep(0.4)  # longer than the quiet time (a loaded machine)
        f.write("written after a pause")
    wait_for(lambda: "<p>written after a pause</p>" in get(s, "/")[2])
    time.sleep(0.3)
    assert s.builds == builds + 1 and s.error is None  # not a build of the empty file first


class ReadsFirst(FakeProject):
    """A build that reads the source, then waits for ``release``: a save meanwhile is not in it."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.release = threading.Event()
        self.release.set()
        self.reading = threading.Event()

    def build(self, out: Path) -> None:
        self.calls += 1
        text = self.source.read_text()
        self.reading.set()
        assert self.release.wait(10)
        (out / "articles").mkdir(parents=True)
        (out / "index.html").write_text(PAGE.format(text=text))


def test_events_a_save_during_a_build_is_built_after_it(tmp_path: Path) -> None:
    project = ReadsFirst(tmp_path / "project")
    s = events_only(project)
    try:
        builds = s.builds
        project.release.clear()  # the next build waits, with what it read
        project.reading.clear()
        project.source.write_text("first")
        assert project.reading.wait(10)
        project.source.write_text("saved while building")
        time.sleep(0.2)  # its events come while the build runs
        project.release.set()
        wait_for(lambda: "<p>saved while building</p>" in get(s, "/")[2])
        assert s.builds == builds + 2
    finally:
        project.release.set()
        s.close()


def test_close_stops_the_events_promptly(tmp_path: Path) -> None:
    project = WatchedProject(tmp_path / "project")
    s = events_only(project)
    events = s.events
    assert events is not None and events.observer.is_alive()
    started = time.monotonic()
    s.close()
    assert time.monotonic() - started < 2
    assert not events.observer.is_alive() and not any(e.is_alive() for e in events.observer.emitters)
    assert s._watcher is not None and not s._watcher.is_alive()


def _refuse_watches(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import server as server_module

    def refuse(self, paths):  # as inotify does past fs.inotify.max_user_watches
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(server_module.FileEvents, "sync", refuse)


@pytest.mark.parametrize("without", [
    pytest.param(lambda mp: mp.setitem(sys.modules, "watchdog.observers", None), id="no-watchdog"),  # import fails
    pytest.param(_refuse_watches, id="os-refuses-a-watch"),
])
def test_polls_without_file_system_events(project: FakeProject, monkeypatch: pytest.MonkeyPatch,
                                          without: Callable[[pytest.MonkeyPatch], None]) -> None:
    without(monkeypatch)
    s = LiveServer(project.build, project.watched, "127.0.0.1", 0, poll=0.05, debounce=0.05, rescan=3600)
    s.start_background()
    try:
        assert s.ready.wait(10)
        assert s.events is None
        project.source.write_text("polled")
        wait_for(lambda: "<p>polled</p>" in get(s, "/")[2])
    finally:
        s.close()


def test_snapshot_sees_files_not_editors_temporary_ones(tmp_path: Path) -> None:
    from sitegen.server import snapshot

    root = tmp_path / "content"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.md").write_text("a")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "b.md").write_text("b")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "c.pyc").write_text("c")
    for name in (".#a.md", "#a.md#", "a.md~", ".a.md.swp", "x.swx", "y.tmp"):
        (root / name).write_text("temporary")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "d.md").write_text("d")
    (root / "linked.md").symlink_to(tmp_path / "elsewhere" / "d.md")
    (root / "linked-folder").symlink_to(tmp_path / "elsewhere")  # not followed
    (root / "broken.md").symlink_to(tmp_path / "nowhere")
    config = tmp_path / "sitegen.yaml"
    config.write_text("site: {}\n")
    shot = snapshot([root, config, tmp_path / "missing"])
    assert sorted(Path(p).relative_to(tmp_path).as_posix() for p in shot) == [
        "content/.hidden/b.md", "content/linked.md", "content/sub/a.md", "sitegen.yaml"]
    st = (tmp_path / "elsewhere" / "d.md").stat()
    assert shot[str(root / "linked.md")] == (st.st_mtime_ns, st.st_size)
