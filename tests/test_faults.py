"""Faults: killed and interrupted builds, concurrent builds, stale temporary
folders, and reproducible output (issue 8: nothing lost).

The kill tests run ``sitegen build`` in a subprocess and kill it (SIGKILL,
SIGINT, SIGTERM) at spread-out moments, with the writer slowed down
(``SITEGEN_TEST_WRITE_DELAY``) so that some kills land inside the write and
swap phase.  After each kill the output folder must be exactly the previous
site or exactly the complete new one, never a mix and never missing.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitegen.build import OutputLockedError, build
from sitegen.config import load_config
from sitegen.lock import BuildLocked, OutputLock, lock_path
from sitegen.writer import clean_stale, write_site

EPOCH = "1700000000"
ARTICLE = ("---\ntitle: {title}\ndate: 2024-01-0{n}\nsource: Example\nurl: https://example.org/{n}\n---\n"
           "The minister said on Monday that talks on the {title} would continue next week in Cairo.\n\n"
           "Officials from both sides met for three hours and agreed to meet again soon, the ministry said.\n\n"
           "A spokesman for the delegation said the talks had been useful and that progress was made.\n")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def digests(folder: Path) -> dict[str, str]:
    """Each file's SHA-256: equal digests are byte-identical sites, and a failing
    comparison names the files (pytest's diff of whole sites' bytes takes minutes)."""
    return {name: hashlib.sha256(data).hexdigest() for name, data in snapshot(folder).items()}


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process builds compared byte for byte must not depend on the clock
    # (the feed's <updated> would differ between two builds a second apart).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def make_project(root: Path, titles: list[str]) -> Path:
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    for old in content.glob("*.txt"):
        old.unlink()
    for n, title in enumerate(titles, start=1):
        (content / f"a{n}.txt").write_text(ARTICLE.format(title=title, n=n))
    return root


def run_cli(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "sitegen.cli", "build", *args], cwd=project, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith(".build."))


# ---- the writer ---------------------------------------------------------------

def test_exception_before_swap_leaves_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write_site({"index.html": b"old", "a/b.html": b"old b"}, out)
    before = snapshot(out)

    def boom(folder: Path) -> None:
        assert (folder / "index.html").read_bytes() == b"new"
        raise RuntimeError("indexer failed")

    with pytest.raises(RuntimeError):
        write_site({"index.html": b"new"}, out, before_swap=boom)
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["build"]  # no temporary folder left


def test_keyboard_interrupt_while_writing_leaves_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write_site({"index.html": b"old"}, out)

    class Interrupting(dict):
        def __getitem__(self, key: str) -> bytes:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_site(Interrupting({"index.html": b"new"}), out)
    assert snapshot(out) == {"index.html": b"old"}
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_output_folder_is_world_readable(tmp_path: Path) -> None:
    """The swapped-in folder keeps the umask's permissions, not mkdtemp's 0700."""
    out = tmp_path / "build"
    old = os.umask(0o022)
    try:
        write_site({"index.html": b"x"}, out)
        write_site({"index.html": b"y"}, out)
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o755


def test_stale_temporary_folders_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write_site({"index.html": b"site"}, out)
    (tmp_path / ".build.new-1234abcd" / "articles").mkdir(parents=True)
    (tmp_path / ".build.new-1234abcd" / "articles" / "x.html").write_text("half")
    (tmp_path / ".build.old-99").mkdir()
    (tmp_path / ".other.new-1").mkdir()  # another output's folder: not ours
    removed = clean_stale(out)
    assert sorted(p.name for p in removed) == [".build.new-1234abcd", ".build.old-99"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.new-1", "build"]
    assert snapshot(out) == {"index.html": b"site"}


def test_site_left_between_two_renames_is_restored(tmp_path: Path) -> None:
    """Where the swap is two renames, a kill between them is repaired by the next build."""
    out = tmp_path / "build"
    (tmp_path / ".build.old-1" / "site").mkdir(parents=True)
    (tmp_path / ".build.old-1" / "site" / "index.html").write_text("previous")
    (tmp_path / ".build.new-2").mkdir()
    clean_stale(out)
    assert snapshot(out) == {"index.html": b"previous"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_a_build_cleans_up_after_a_killed_one(tmp_path: Path) -> None:
    project = make_project(tmp_path, ["Cairo talks"])
    (project / ".build.new-deadbeef").mkdir()
    (project / ".build.new-deadbeef" / "index.html").write_text("half a site")
    build(load_config(root=project))
    assert leftovers(project) == []
    assert not lock_path(project / "build").exists()


# ---- the lock -------------------------------------------------------------------

def test_second_build_fails_fast_naming_the_holder(tmp_path: Path) -> None:
    project = make_project(tmp_path, ["Cairo talks"])
    out = project / "build"
    with OutputLock(out):
        assert lock_path(out).read_text().strip() == str(os.getpid())
        started = time.monotonic()
        with pytest.raises(OutputLockedError) as info:
            build(load_config(root=project))
        assert time.monotonic() - started < 5  # fails fast, does not wait
        message = str(info.value)
        assert f"process {os.getpid()}" in message and ".build.lock" in message
        with pytest.raises(BuildLocked):
            OutputLock(out).acquire()
    assert not out.exists()  # the refused build wrote nothing
    assert not lock_path(out).exists()  # released and removed
    build(load_config(root=project))  # and the next build runs
    assert (out / "index.html").is_file()


def test_lock_of_a_killed_holder_is_not_stale(tmp_path: Path) -> None:
    out = tmp_path / "build"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from sitegen.lock import OutputLock\n"
        f"l = OutputLock(Path({str(out)!r})); l.acquire(); print('locked', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(BuildLocked) as info:
            OutputLock(out).acquire()
        assert info.value.holder == str(holder.pid)
    finally:
        holder.kill()
        holder.wait()
    assert lock_path(out).exists()  # the killed holder left its file ...
    with OutputLock(out):  # ... but not its lock
        pass


@pytest.mark.slow
def test_two_cli_builds_at_once(tmp_path: Path) -> None:
    """The second of two simultaneous builds exits 4 naming the first; the site is whole."""
    project = make_project(tmp_path, ["Cairo talks", "Doha talks"])
    first = run_cli(project, "-q", env={"SITEGEN_TEST_WRITE_DELAY": "0.3"})
    deadline = time.monotonic() + 60
    while not lock_path(project / "build").exists():
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
        time.sleep(0.02)
    second = run_cli(project, "-q")
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 4, err2
    assert f"process {first.pid}" in err2 and "wait for it to finish" in err2
    assert (project / "build" / "articles" / "doha-talks.html").is_file()
    assert leftovers(project) == []


# ---- killed builds ----------------------------------------------------------------

@pytest.mark.slow
def test_killed_builds_leave_old_or_new_site_whole(tmp_path: Path) -> None:
    project = make_project(tmp_path, ["Cairo talks", "Doha talks"])
    # The two complete sites a killed build may leave: the previous one, or the new one.
    proc = run_cli(project, "-q")
    assert proc.wait(timeout=120) == 0, proc.communicate()
    old_site = snapshot(project / "build")
    make_project(project, ["Cairo talks", "Doha talks", "Geneva talks"])
    proc = run_cli(project, "-q", "-o", "expected-new")
    assert proc.wait(timeout=120) == 0, proc.communicate()
    new_site = snapshot(project / "expected-new")
    assert new_site != old_site

    # How long a build takes here, to spread the kills over all its phases.
    started = time.monotonic()
    proc = run_cli(project, "-q", "-o", "timing", env={"SITEGEN_TEST_WRITE_DELAY": "0.02"})
    assert proc.wait(timeout=120) == 0
    duration = time.monotonic() - started

    rng = random.Random(8)
    signals = [signal.SIGKILL] * 4 + [signal.SIGINT, signal.SIGTERM]
    outcomes = []
    for n, sig in enumerate(signals):
        restore(project / "build", old_site)  # the previous site, as its build left it
        delay = duration * (0.1 + 0.9 * (n + rng.random()) / len(signals))
        proc = run_cli(project, "-q", env={"SITEGEN_TEST_WRITE_DELAY": "0.02"})
        time.sleep(delay)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        site = snapshot(project / "build")
        assert site in (old_site, new_site), f"{sig.name} after {delay:.2f}s: a mixed site ({err})"
        if sig != signal.SIGKILL and proc.returncode != 0:
            # Interrupted cleanly (130), or killed by the signal before Python could handle it.
            assert proc.returncode in (130, -sig), err
            if proc.returncode == 130:
                assert leftovers(project) == [], f"{sig.name} left {leftovers(project)}"
        outcomes.append((sig.name, round(delay, 2), proc.returncode, "old" if site == old_site else "new"))
        # The next build cleans up whatever the kill left, and succeeds.
        proc = run_cli(project, "-q")
        assert proc.wait(timeout=120) == 0, proc.communicate()
        assert snapshot(project / "build") == new_site
        assert leftovers(project) == [] and not lock_path(project / "build").exists()
    print(outcomes)
    assert "old" in {o[3] for o in outcomes}


def restore(folder: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)


# ---- reproducible output --------------------------------------------------------

@pytest.mark.slow
def test_builds_are_byte_identical_with_source_date_epoch(tmp_path: Path) -> None:
    """Two builds (separate processes: other hash seeds) give the same bytes, every file.

    An undated article, a base URL (sitemap, absolute links) and Pagefind's
    index are included.
    """
    project = make_project(tmp_path, ["Cairo talks", "Doha talks"])
    (project / "content" / "undated.txt").write_text(
        "The minister said on Monday that talks would continue next week in Cairo.\n"
        "Officials from both sides met for three hours and agreed to meet again.\n")
    (project / "sitegen.yaml").write_text("site:\n  base_url: https://example.org/briefing\n")
    sites = []
    for name, seed in (("one", "1"), ("two", "2")):
        proc = run_cli(project, "-q", "-o", name, env={"PYTHONHASHSEED": seed})
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        sites.append(snapshot(project / name))
    assert sites[0].keys() == sites[1].keys()
    different = [k for k in sites[0] if sites[0][k] != sites[1][k]]
    assert different == []
    assert any(k.startswith("pagefind/") for k in sites[0]) and "sitemap.xml" in sites[0]


def test_feed_time_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen.feeds import build_time

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert build_time([None]).isoformat() == "2023-11-14T22:13:20+00:00"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build_time([None]).year >= 2024  # the clock, only without it


# ---- a damaged cache ---------------------------------------------------------------

def cache_files(project: Path) -> list[Path]:
    return sorted(p for p in (project / ".sitegen-cache").rglob("*") if p.is_file())


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":  # same size, other bytes: only a checksum can tell
        path.write_bytes(bytes((b + 1) % 256 for b in data))


@pytest.mark.slow
@pytest.mark.parametrize("how, where", [
    ("truncated", ""), ("empty", ""), ("garbage", "entries"),
    ("garbage", "objects"),
])
def test_damaged_cache_is_rebuilt_not_trusted(tmp_path: Path, how: str, where: str) -> None:
    """Every cache file damaged: the next build neither crashes nor serves stale or damaged bytes.

    ``where``: all cache files (""), the checksummed analysis/ingest/render
    entries only, or the output file store (``objects/``) only.
    """
    project = make_project(tmp_path, ["Cairo talks", "Doha talks"])
    (project / "sitegen.yaml").write_text("build:\n  jobs: 1\n")
    build(load_config(project / "sitegen.yaml"), output=project / "reference")
    reference = digests(project / "reference")
    build(load_config(project / "sitegen.yaml"))
    assert digests(project / "build") == reference
    files = cache_files(project)
    assert files, "the build wrote no cache"
    shutil.rmtree(project / "build")  # the site's hard links would share the damage: test the cache alone
    for f in files:
        is_object = "objects" in f.relative_to(project / ".sitegen-cache").parts
        if where == "" or (where == "objects") == is_object:
            damage(f, how)
    build(load_config(project / "sitegen.yaml"))
    assert digests(project / "build") == reference


@pytest.mark.slow
def test_cache_of_another_pipeline_or_code_version_is_not_used(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import cache as cache_module

    project = make_project(tmp_path, ["Cairo talks"])
    (project / "sitegen.yaml").write_text("build:\n  jobs: 1\n")
    build(load_config(project / "sitegen.yaml"))
    calls: list[str] = []
    import sitegen.analyse as analyse_module

    real = analyse_module._analysis

    def counting(article, doc, settings):  # type: ignore[no-untyped-def]
        calls.append(article.path)
        return real(article, doc, settings)

    # jobs: 1 analyses in this process; analyse and analyse_batch both make each analysis here
    monkeypatch.setattr(analyse_module, "_analysis", counting)
    build(load_config(project / "sitegen.yaml"))
    assert calls == []  # a good cache: no analysis at all
    cache_module.pipeline_fingerprint.cache_clear()
    monkeypatch.setattr(cache_module, "pipeline_fingerprint", lambda name: f"{name}:another-version")
    build(load_config(project / "sitegen.yaml"))
    assert calls == ["content/a1.txt"]  # another pipeline version: analysed again
    calls.clear()
    monkeypatch.setattr(cache_module, "FORMAT", cache_module.FORMAT + 1)
    build(load_config(project / "sitegen.yaml"))
    assert calls == ["content/a1.txt"]  # another cache format: analysed again
