"""sitegen deploy: to a folder, and to a git branch pushed to a local bare repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sitegen.deploy import DeployError, deploy_to_folder, deploy_to_git, is_remote

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no user git config
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.org")


def make_site(folder: Path, text: str = "first") -> Path:
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text("<!doctype html><title>home</title>")
    (folder / "articles" / "a.html").write_text(f"<!doctype html><title>{text}</title>")
    (folder / "briefing.json").write_text("{}\n")
    return folder


def make_repo(tmp_path: Path) -> tuple[Path, Path]:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    work = tmp_path / "project"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "sitegen.yaml").write_text("site:\n  title: T\n")
    (work / ".gitignore").write_text("build/\n*.json\n")  # ignore rules must not drop site files
    git(work, "add", "sitegen.yaml", ".gitignore")
    git(work, "commit", "-q", "-m", "project")
    git(work, "remote", "add", "origin", str(remote))
    return work, remote


def test_remote_targets_are_recognised() -> None:
    assert is_remote("user@host:/var/www") and is_remote("host:site")
    assert not is_remote("/var/www") and not is_remote("out/site") and not is_remote("C:\\site")


def test_folder_deploy_copies_and_deletes_on_request(tmp_path: Path) -> None:
    site = make_site(tmp_path / "build")
    target = tmp_path / "public"
    assert deploy_to_folder(site, target) == (3, 0)
    assert (target / "articles" / "a.html").read_text().endswith("first</title>")
    assert deploy_to_folder(site, target) == (0, 0)  # unchanged files are not rewritten
    (target / "stale.html").write_text("old")
    (site / "articles" / "a.html").write_text("changed")
    assert deploy_to_folder(site, target) == (1, 0)
    assert (target / "stale.html").exists()
    assert deploy_to_folder(site, target, delete=True) == (0, 1)
    assert not (target / "stale.html").exists()


def test_folder_deploy_refuses_nested_targets(tmp_path: Path) -> None:
    site = make_site(tmp_path / "build")
    with pytest.raises(DeployError):
        deploy_to_folder(site, site / "sub")
    with pytest.raises(DeployError):
        deploy_to_folder(site, tmp_path)
    with pytest.raises(DeployError, match="build the site first"):
        deploy_to_folder(tmp_path / "empty", tmp_path / "out")


def test_git_deploy_twice_to_a_bare_repository(tmp_path: Path) -> None:
    work, remote = make_repo(tmp_path)
    (work / "notes.txt").write_text("uncommitted work\n")
    git(work, "add", "notes.txt")  # staged, uncommitted: must survive the deploy
    status_before = git(work, "status", "--porcelain")
    head_before = git(work, "rev-parse", "HEAD")
    site = make_site(tmp_path / "build")

    first = deploy_to_git(site, work, message="first deploy")
    assert first.pushed and first.parent is None and first.commit
    assert git(remote, "rev-parse", "refs/heads/gh-pages") == first.commit
    files = git(remote, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert files == [".nojekyll", "articles/a.html", "briefing.json", "index.html"]

    (site / "articles" / "a.html").write_text("<!doctype html><title>second</title>")
    second = deploy_to_git(site, work)
    assert second.parent == first.commit  # history kept, fast-forward push
    assert git(remote, "rev-parse", "gh-pages") == second.commit
    assert git(remote, "show", "gh-pages:articles/a.html").endswith("second</title>")
    changed = git(remote, "diff", "--name-only", first.commit, second.commit).splitlines()
    assert changed == ["articles/a.html"]

    # The user's branch, index and working tree are as they were.
    assert git(work, "rev-parse", "HEAD") == head_before
    assert git(work, "status", "--porcelain") == status_before
    assert git(work, "symbolic-ref", "HEAD") == "refs/heads/main"

    third = deploy_to_git(site, work)  # nothing changed: no empty commit
    assert third.commit is None and git(remote, "rev-parse", "gh-pages") == second.commit


def test_git_deploy_builds_on_the_remote_branch(tmp_path: Path) -> None:
    """A clone that never deployed still fast-forwards the published branch."""
    work, remote = make_repo(tmp_path)
    site = make_site(tmp_path / "build")
    first = deploy_to_git(site, work)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    (site / "index.html").write_text("<!doctype html><title>new home</title>")
    second = deploy_to_git(site, clone, cname="news.example.org")
    assert second.parent == first.commit
    assert git(remote, "show", "gh-pages:CNAME") == "news.example.org"


def test_git_deploy_without_push_and_bad_remote(tmp_path: Path) -> None:
    work, remote = make_repo(tmp_path)
    site = make_site(tmp_path / "build")
    result = deploy_to_git(site, work, push=False, branch="site")
    assert not result.pushed and git(work, "rev-parse", "site") == result.commit
    assert subprocess.run(["git", "rev-parse", "--verify", "--quiet", "site"], cwd=remote).returncode != 0
    with pytest.raises(DeployError, match="cannot reach remote"):
        deploy_to_git(site, work, remote=str(tmp_path / "missing.git"))


def test_cli_deploy_to_folder_and_git(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sitegen.cli import main

    work, remote = make_repo(tmp_path)
    make_site(work / "build")
    cwd = os.getcwd()
    os.chdir(work)
    try:
        runner = CliRunner()
        r = runner.invoke(main, ["deploy", "--no-build", "--to", str(tmp_path / "www")])
        assert r.exit_code == 0, r.output
        assert (tmp_path / "www" / "index.html").exists()
        r = runner.invoke(main, ["deploy", "--no-build", "--git", "-m", "publish"])
        assert r.exit_code == 0, r.output
        assert git(remote, "log", "-1", "--format=%s", "gh-pages") == "publish"
        r = runner.invoke(main, ["deploy", "--no-build"])
        assert r.exit_code == 2 and "--to" in r.output
    finally:
        os.chdir(cwd)
