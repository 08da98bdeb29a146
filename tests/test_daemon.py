"""sitegen daemon: `sitegen build` handed to a warm process gives the site, messages and exit code
a build in its own process gives; refused without the key; stale code and idleness stop it."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen import daemon as daemon_module
from sitegen.cli import main
from sitegen.config import load_config

from .test_incremental import apply_edit, fresh_site, site_files, write_project

pytestmark = pytest.mark.slow


class Echo:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.err: list[str] = []

    def __call__(self, text: str, err: bool = False) -> None:
        (self.err if err else self.out).append(text)


@pytest.fixture
def running(tmp_path: Path):
    """A project and its daemon, a real background process (as `sitegen daemon start` makes it)."""
    project = tmp_path / "project"
    write_project(project)
    (project / ".build.spare-left").mkdir()  # a copy of the last site a killed daemon left
    (project / ".build.spare-left" / "index.html").write_text("old")
    config = load_config(root=project)
    pid, was_running = daemon_module.start(config, idle_minutes=10)
    assert not was_running
    try:
        yield project, config
    finally:
        daemon_module.stop(config)
        _wait_gone(pid)


def _wait_gone(pid: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:  # our child here (daemon.start ran in this process): reap it, or see it gone
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    raise AssertionError(f"the daemon {pid} did not stop")


def _build(config, **options) -> tuple[int | None, Echo]:
    echo = Echo()
    code = daemon_module.hand_over(config, {"output": None, "drafts": None, "strict": None, "force": False,
                                            "quiet": False, "verbose": 0, "jobs": None, **options}, echo)
    return code, echo


def test_builds_handed_to_the_daemon_are_the_sites_fresh_builds_make(running, tmp_path: Path) -> None:
    project, config = running
    deadline = time.monotonic() + 120
    while not daemon_module.status(config)["warm"]:  # its warm-up build, which also clears what a killed one left
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert not (project / ".build.spare-left").exists()
    code, echo = _build(config)
    assert code == 0, echo.err
    assert echo.out[-1].startswith("built 3 articles into ") and ", by sitegen daemon " in echo.out[-1], echo.out
    code, echo = _build(config)  # nothing changed: said as a build in its own process says it
    assert code == 0 and "is up to date (3 articles" in echo.out[-1], echo.out
    edits = [
        ("a", "talks would resume in Cairo.", "talks would resume in Cairo.\n\nShoukry met Antony Blinken on Tuesday."),
        ("d", "", ("---\ntitle: Shoukry in Jerusalem\ndate: 2024-03-04\nsource: Wire\n---\n\n"
                   "Sameh Shoukry met Benjamin Netanyahu in Jerusalem on Thursday, Israeli officials said.\n")),
        ("b", None, None),
    ]
    for i, (slug, old, new) in enumerate(edits, start=1):
        apply_edit(project, slug, old, new)
        if i == 2:
            # Another process builds the output meanwhile (`sitegen build --no-daemon`): the
            # daemon's copy of its last site, and the trust put in it, must not be used.
            result = CliRunner().invoke(main, ["build", "--no-daemon", "-q", "-c", str(project / "sitegen.yaml")])
            assert result.exit_code == 0, result.output
            apply_edit(project, "a", "Shoukry met Antony Blinken on Tuesday.", "Shoukry met Blinken on Friday.")
        code, echo = _build(config)
        assert code == 0, echo.err
        assert "by sitegen daemon" in echo.out[-1], echo.out
        got = site_files(project / "build")
        fresh = tmp_path / f"fresh-{i}"
        assert {k: v for k, v in got.items() if not k.startswith("pagefind/")} == fresh_site(project, fresh), i
        # Its search index too: the bundles left in place from the last build's copy, those made
        # again, and none left over, byte for byte those of the fresh build (no cache, no store).
        index = {k: v for k, v in got.items() if k.startswith("pagefind/")}
        assert index and index == {k: v for k, v in site_files(fresh / "build").items()
                                   if k.startswith("pagefind/")}, f"edit {i}"
    # The previous sites, swapped out, are removed after each build (not left beside build/).
    deadline = time.monotonic() + 10
    while any(p.name.startswith(".build.new-") or p.name.startswith(".build.old-") for p in project.iterdir()):
        assert time.monotonic() < deadline, sorted(p.name for p in project.iterdir())
        time.sleep(0.05)


def test_the_daemon_says_what_a_build_says_and_exits_as_it_does(running) -> None:
    project, config = running
    (project / "content" / "undated.md").write_text("---\ntitle: Undated\nsource: Wire\n---\n\n"
                                                    "Officials met in Cairo yesterday, the ministry said.\n")
    code, echo = _build(config)
    assert code == 0
    assert any(line.startswith("WARNING: content/undated.md") for line in echo.err), echo.err
    assert any("warning(s)" in line for line in echo.out), echo.out
    code, echo = _build(config, strict=True)  # --strict: the warning fails the build
    assert code == 1
    assert any("(--strict)" in line for line in echo.err), echo.err
    before = site_files(project / "build")
    (project / "content" / "bad.md").write_text("---\ndate: next Tuesday\n---\n\nText.\n")
    code, echo = _build(config)
    assert code == 1
    assert "error: content/bad.md:2: front matter 'date'" in "\n".join(echo.err), echo.err
    assert "the previous output was left as it was" in echo.err[-1]
    assert site_files(project / "build") == before
    # Through the command line, as a user runs it (another process, the real client).
    result = subprocess.run([sys.executable, "-m", "sitegen.cli", "build"], cwd=project, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 1
    assert "error: content/bad.md:2: front matter 'date'" in result.stderr
    (project / "content" / "bad.md").unlink()
    result = subprocess.run([sys.executable, "-m", "sitegen.cli", "build", "-q"], cwd=project, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    result = subprocess.run([sys.executable, "-m", "sitegen.cli", "daemon", "status"], cwd=project,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and "runs for" in result.stdout and "build(s)" in result.stdout


def test_a_daemon_running_other_code_stops_and_the_build_runs_here(running, monkeypatch: pytest.MonkeyPatch) -> None:
    project, config = running
    pid = json.loads(daemon_module.state_path(config).read_text())["pid"]
    monkeypatch.setattr(daemon_module, "code_signature", lambda: "an upgraded sitegen")
    code, echo = _build(config)
    assert code is None  # not built there
    assert any("stopped" in line and "building here" in line for line in echo.err), echo.err
    _wait_gone(pid)
    assert daemon_module.read_state(config) is None
    result = CliRunner().invoke(main, ["build", "-c", str(project / "sitegen.yaml")])
    assert result.exit_code == 0 and "by sitegen daemon" not in result.output, result.output


def test_without_a_daemon_the_build_runs_in_its_own_process(tmp_path: Path) -> None:
    write_project(tmp_path)
    config = load_config(root=tmp_path)
    assert daemon_module.hand_over(config, {}, Echo()) is None
    # A state file left by a killed daemon: nobody answers, the build runs here.
    daemon_module.state_path(config).parent.mkdir(parents=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    daemon_module.state_path(config).write_text(json.dumps(
        {"pid": 1, "port": port, "key": "00", "project": daemon_module.project_id(config)}))
    assert daemon_module.hand_over(config, {}, Echo()) is None
    result = CliRunner().invoke(main, ["build", "-c", str(tmp_path / "sitegen.yaml")])
    assert result.exit_code == 0 and "built 3 articles" in result.output and "by sitegen daemon" not in result.output
    result = CliRunner().invoke(main, ["daemon", "status", "-c", str(tmp_path / "sitegen.yaml")])
    assert result.exit_code == 1 and "no sitegen daemon" in result.output


def test_requests_without_the_key_are_refused_and_an_idle_daemon_stops(tmp_path: Path) -> None:
    write_project(tmp_path)
    config = load_config(root=tmp_path)
    d = daemon_module.Daemon(daemon_module.project_id(config), idle_minutes=1.0 / 60, warm_up=False)
    ready = threading.Event()
    thread = threading.Thread(target=d.serve, kwargs={"ready": ready.set}, daemon=True)
    thread.start()
    assert ready.wait(30)
    state = json.loads(daemon_module.state_path(config).read_text())
    assert stat.S_IMODE(daemon_module.state_path(config).stat().st_mode) == 0o600  # the key: the user's only
    assert state["pid"] == os.getpid() and state["port"] == d.port
    for wrong in ({**state, "key": "0" * 64}, {**state, "key": ""}):
        assert daemon_module._request(wrong, {"op": "status"}) is None
    assert daemon_module._request({**state, "key": "0" * 64}, {"op": "build", "signature": daemon_module.code_signature(),
                                                                "options": {}}) is None
    assert d.builds == 0 and not (tmp_path / "build").exists()  # nothing was built for them
    with socket.create_connection(("127.0.0.1", d.port)) as s:  # not JSON at all
        s.sendall(b"\x80\x04garbage\n")
        assert s.recv(10) == b""
    assert daemon_module.status(config)["builds"] == 0
    thread.join(10)  # idle for a second: it stops by itself
    assert not thread.is_alive()
    assert not daemon_module.state_path(config).exists()


def test_a_client_that_goes_away_does_not_stop_the_build(running) -> None:
    """Ctrl-C in `sitegen build`: the daemon makes the build all the same, and stays up."""
    project, config = running
    state = json.loads(daemon_module.state_path(config).read_text())
    channel = daemon_module._connect(state, {"op": "build", "signature": daemon_module.code_signature(),
                                             "options": {"force": True}})
    channel.close()  # gone before any answer
    deadline = time.monotonic() + 120
    while (daemon_module.status(config) or {}).get("builds", 0) < 1:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert (project / "build" / "index.html").is_file()
    code, echo = _build(config)  # and it answers the next one
    assert code == 0 and "by sitegen daemon" in echo.out[-1], echo.out


def test_a_daemon_build_leaves_the_unchanged_search_bundles_of_its_copy_in_place(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The next build starts from a copy of the last site, search index included
    (sitegen.writer.Spare): only the bundles whose pages changed are linked or indexed again."""
    from sitegen.pagecache import ObjectStore
    from sitegen.server import ProjectBuilder

    project = tmp_path / "project"
    write_project(project)
    placed: list[str] = []
    real_place = ObjectStore.place
    monkeypatch.setattr(ObjectStore, "place", lambda self, value, target: placed.append(str(target))
                        or real_place(self, value, target))
    builder = ProjectBuilder(str(project / "sitegen.yaml"))

    def build() -> list[str]:
        placed.clear()
        with builder.lock:
            _, after = builder.build_with_memory(builder.load())
        after()  # what the daemon runs once it has answered: the copy for the next build
        # Into the site (the edited article's shard is indexed ahead of the build, in a folder of its own).
        return [p for p in placed if "/pagefind/" in p and "/.pagefind-ahead-" not in p]

    assert build()  # the first: every bundle
    apply_edit(project, "b", "An aid convoy reached", "A second aid convoy reached")
    again = build()
    index = [p for p in site_files(project / "build") if p.startswith("pagefind/")]
    assert again and len(again) < len(index) / 2, (len(again), len(index))


def site_as_fresh(project: Path, fresh: Path) -> dict[str, bytes]:
    """The project's built site, checked byte for byte against a fresh build's (search index included)."""
    got = site_files(project / "build")
    assert {k: v for k, v in got.items() if not k.startswith("pagefind/")} == fresh_site(project, fresh)
    assert {k: v for k, v in got.items() if k.startswith("pagefind/")} == {
        k: v for k, v in site_files(fresh / "build").items() if k.startswith("pagefind/")}
    return got


def _builder_build(builder, **options):  # type: ignore[no-untyped-def]
    """A daemon build in-process: the build, then what the daemon runs once it has answered."""
    with builder.lock:
        result, after = builder.build_with_memory(builder.load(), skip_unchanged=True, **options)
        if result.record is not None:
            result.record()
    after()
    return result


@pytest.mark.parametrize("guess", ["right", "wrong"])
def test_the_edited_articles_shard_is_indexed_ahead_of_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture,
                                                                  guess: str) -> None:
    """The edited article's page, made as sitegen serve previews it, is indexed while the build runs; the
    build links what that made when its own page is the same (right), and indexes the shard itself when
    it is not (wrong): either way the site, search index included, is a fresh build's."""
    import logging

    import sitegen.preview
    from sitegen import search
    from sitegen.server import ProjectBuilder

    if search.pagefind_executable() is None:
        pytest.skip("pagefind-bin is not installed")
    project = tmp_path / "project"
    write_project(project)
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    _builder_build(builder)
    _builder_build(builder)  # nothing changed: the daemon's usual state, a copy of the last site made
    if guess == "wrong":
        real = sitegen.preview.preview_pages

        def other(*args, **kwargs):  # type: ignore[no-untyped-def]
            pages = real(*args, **kwargs)
            return {rel: data.replace(b"</main>", b"<p>Not what the build makes.</p></main>")
                    for rel, data in (pages or {}).items()}

        monkeypatch.setattr(sitegen.preview, "preview_pages", other)
    apply_edit(project, "b", "An aid convoy reached", "A second aid convoy reached")
    caplog.set_level(logging.DEBUG, logger="sitegen.search")
    _builder_build(builder)
    ran = [r for r in caplog.records if r.getMessage().startswith("running ")]
    ahead = [r for r in ran if "/.pagefind-ahead-" in r.getMessage()]
    assert len(ahead) == 1 and "articles-0" in ahead[0].getMessage()  # the edited article's shard, ahead
    said = next(r.getMessage() for r in caplog.records if "search index written" in r.getMessage())
    # right: the build's index step linked what the run ahead made; wrong: it indexed the shard itself.
    assert said.endswith("0 indexed again)" if guess == "right" else "1 indexed again)"), said
    assert len(ran) == (1 if guess == "right" else 2)
    got = site_as_fresh(project, tmp_path / "fresh")
    assert "second aid convoy" in got["articles/aid-convoy-reaches-gaza.html"].decode()
    assert not list(project.glob(".pagefind-ahead-*"))


def test_the_daemon_records_its_build_after_answering_unless_another_build_replaced_the_output(
        tmp_path: Path) -> None:
    """sitegen.uptodate's record of a daemon build is made once the client has its answer (BuildResult.record);
    if another build swapped its own site in meanwhile, nothing is recorded (it records its own)."""
    from sitegen import uptodate
    from sitegen.build import build
    from sitegen.server import ProjectBuilder

    project = tmp_path / "project"
    write_project(project)
    builder = ProjectBuilder(str(project / "sitegen.yaml"))
    config = load_config(root=project)
    cache, out = config.folder("build.cache_dir"), (project / "build").resolve()

    def recorded() -> bool:
        inputs = uptodate.input_digest(config, output=out, drafts=False, strict=False)
        return uptodate.load(cache, out, inputs) is not None

    with builder.lock:
        result, after = builder.build_with_memory(builder.load(), skip_unchanged=True)
    assert result.record is not None and not recorded()  # left for later
    result.record()
    assert recorded()
    after()
    apply_edit(project, "b", "An aid convoy reached", "A second aid convoy reached")
    with builder.lock:
        result, after = builder.build_with_memory(builder.load(), skip_unchanged=True)
    apply_edit(project, "b", "A second aid convoy", "A third aid convoy")
    build(config, skip_unchanged=True)  # another build (sitegen build --no-daemon) swaps its site in meanwhile
    manifest = uptodate._manifest_path(cache, out)
    before = manifest.read_bytes()
    result.record()
    assert manifest.read_bytes() == before  # the other build's record stands
    assert recorded()
    after()


def test_an_article_saved_is_prepared_before_the_build_is_asked_for(running, tmp_path: Path) -> None:
    """The daemon watches the content folder: a saved article's analysis and search shard are made at once
    (ProjectBuilder.prepare), and the build asked for afterwards is still byte for byte a fresh build."""
    project, config = running
    deadline = time.monotonic() + 120
    while not daemon_module.status(config)["warm"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    code, echo = _build(config)
    assert code == 0, echo.err
    before = daemon_module.status(config)["prepared"]
    apply_edit(project, "c", "arrived in Israel on Wednesday", "arrived in Israel on Thursday")
    deadline = time.monotonic() + 30
    while daemon_module.status(config)["prepared"] == before:
        assert time.monotonic() < deadline, "the edit was not prepared"
        time.sleep(0.1)
    said = CliRunner().invoke(main, ["daemon", "status", "-c", str(project / "sitegen.yaml")]).output.strip()
    assert f"{before + 1} saved edit(s) prepared" in said and said.endswith("; warm"), said
    code, echo = _build(config)
    assert code == 0, echo.err
    got = site_as_fresh(project, tmp_path / "fresh")
    assert "on Thursday" in got["articles/blinken-visits-israel.html"].decode()
