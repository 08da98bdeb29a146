"""Publishing a built site: to a folder, an rsync target, or a git branch.

The git deploy works like ``mkdocs gh-deploy`` (ghp-import): the site becomes
one commit on a branch (default ``gh-pages``) whose parent is the branch as
published on the remote, then it is pushed.  It is done with git plumbing and
a temporary index file (``hash-object``, ``update-index``, ``write-tree``,
``commit-tree``, ``update-ref``), so the user's working tree, index and
checked-out branch are never touched, and ignore rules or line-ending filters
cannot drop or alter a file of the site.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__

log = logging.getLogger(__name__)

# user@host:path or host:path (but not C:\path or ./a:b)
REMOTE_TARGET = re.compile(r"^(?:[^@/\s]+@)?[^/:\s]{2,}:")


class DeployError(Exception):
    """Publishing failed; the message says why and what to do."""


def is_remote(target: str) -> bool:
    return bool(REMOTE_TARGET.match(target)) and not Path(target).exists()


def site_files(site: Path) -> list[str]:
    """Every file of the built site, as sorted POSIX paths relative to it."""
    if not (site / "index.html").is_file():
        raise DeployError(f"{site} has no index.html: build the site first (sitegen build)")
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


# -- folder and rsync ----------------------------------------------------------

def deploy_to_folder(site: Path, target: Path, *, delete: bool = False) -> tuple[int, int]:
    """Copy the site into ``target``; with ``delete``, remove files the site no longer has.

    Returns (files copied or updated, files removed).  Unchanged files are not rewritten.
    """
    site, target = site.resolve(), target.resolve()
    if target == site or site in target.parents or target in site.parents:
        raise DeployError(f"refusing to deploy {site} into {target}: one contains the other")
    names = site_files(site)
    target.mkdir(parents=True, exist_ok=True)
    copied = removed = 0
    for rel in names:
        src, dst = site / rel, target / rel
        data = src.read_bytes()
        if dst.is_file() and dst.stat().st_size == len(data) and dst.read_bytes() == data:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.sitegen-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dst)  # a reader never sees half a file
        copied += 1
    if delete:
        keep = set(names)
        for p in sorted(target.rglob("*"), reverse=True):
            rel = p.relative_to(target).as_posix()
            if p.is_file() and rel not in keep:
                p.unlink()
                removed += 1
            elif p.is_dir() and not any(p.iterdir()):
                p.rmdir()
    return copied, removed


def deploy_with_rsync(site: Path, target: str, *, delete: bool = False, dry_run: bool = False) -> list[str]:
    """Publish with rsync to ``user@host:path``; return the command that ran."""
    rsync = shutil.which("rsync")
    if rsync is None:
        raise DeployError(f"rsync is not installed: install it to publish to {target}, "
                          "or deploy to a local folder with --to DIR")
    site_files(site)
    # -rltz, not -a: the files get the receiver's default permissions (the
    # build folder itself is private to its owner).
    cmd = [rsync, "-rltz", "--human-readable", "--exclude=.*"]
    if delete:
        cmd.append("--delete")
    if dry_run:
        cmd.append("--dry-run")
    cmd += [f"{site}/", target]
    log.info("running %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise DeployError(f"rsync failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return cmd


# -- git -----------------------------------------------------------------------

@dataclass
class GitDeployResult:
    branch: str
    commit: str | None  # None when the site had not changed
    parent: str | None
    pushed: bool
    files: int


def _git(repo: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["git", *args], cwd=repo, env=env, input=stdin, capture_output=True, text=True,
                          check=False)
    if check and proc.returncode != 0:
        raise DeployError(f"git {' '.join(args[:2])} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc


def deploy_to_git(site: Path, repo: Path, *, branch: str = "gh-pages", remote: str = "origin",
                  message: str | None = None, push: bool = True, cname: str | None = None,
                  nojekyll: bool = True) -> GitDeployResult:
    """Commit ``site`` as the new tip of ``branch`` in ``repo`` and push it to ``remote``."""
    if shutil.which("git") is None:
        raise DeployError("git is not installed")
    names = site_files(site)
    top = _git(repo, "rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0:
        raise DeployError(f"{repo} is not in a git repository: run 'git init' and add a remote first")
    repo = Path(top.stdout.strip())
    ref = f"refs/heads/{branch}"
    if _git(repo, "check-ref-format", ref, check=False).returncode != 0:
        raise DeployError(f"not a valid branch name: {branch!r}")

    # The parent: the branch as the remote has it (so the push fast-forwards),
    # else the local branch, else none (the first deploy).
    parent = None
    remote_has_branch = False
    if push:
        listed = _git(repo, "ls-remote", "--heads", remote, ref, check=False)
        if listed.returncode != 0:
            raise DeployError(f"cannot reach remote {remote!r}: {listed.stderr.strip()}")
        if listed.stdout.strip():
            remote_has_branch = True
            _git(repo, "fetch", "--quiet", remote, f"{ref}")
            parent = _git(repo, "rev-parse", "--verify", "FETCH_HEAD^{commit}").stdout.strip()
    if parent is None:
        local = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        parent = local.stdout.strip() or None

    with tempfile.TemporaryDirectory(prefix="sitegen-deploy-") as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=str(Path(tmp) / "index"))
        # Blobs straight from the files: no filters, no ignore rules.
        shas = _git(repo, "hash-object", "-w", "--no-filters", "--stdin-paths", env=env,
                    stdin="".join(f"{site / n}\n" for n in names)).stdout.split()
        entries = [f"100644 {sha}\t{name}" for sha, name in zip(shas, names, strict=True)]
        extra = {}
        if nojekyll and ".nojekyll" not in names:
            extra[".nojekyll"] = ""  # GitHub Pages: serve the files as they are
        if cname:
            extra["CNAME"] = cname.strip() + "\n"
        for name, text in extra.items():
            sha = _git(repo, "hash-object", "-w", "--stdin", env=env, stdin=text).stdout.strip()
            entries.append(f"100644 {sha}\t{name}")
        _git(repo, "update-index", "--add", "--index-info", env=env, stdin="\n".join(entries) + "\n")
        tree = _git(repo, "write-tree", env=env).stdout.strip()

    if parent and _git(repo, "rev-parse", f"{parent}^{{tree}}").stdout.strip() == tree:
        log.info("the site has not changed since the last deploy (%s)", parent[:12])
        _git(repo, "update-ref", ref, parent)
        pushed = False
        if push and not remote_has_branch:  # deployed before with --no-push
            _push(repo, remote, ref)
            pushed = True
        return GitDeployResult(branch, None, parent, pushed, len(names))

    if message is None:
        head = _git(repo, "rev-parse", "--short", "HEAD", check=False).stdout.strip()
        message = f"Deployed {head or 'site'} with sitegen {__version__}"
    args = ["commit-tree", tree, "-m", message]
    if parent:
        args[2:2] = ["-p", parent]
    commit_proc = _git(repo, *args, check=False)
    if commit_proc.returncode != 0:
        raise DeployError(f"git commit-tree failed: {commit_proc.stderr.strip()} "
                          "(set user.name and user.email with git config)")
    commit = commit_proc.stdout.strip()
    _git(repo, "update-ref", "-m", "sitegen deploy", ref, commit)
    pushed = False
    if push:
        _push(repo, remote, ref)
        pushed = True
    return GitDeployResult(branch, commit, parent, pushed, len(names))


def _push(repo: Path, remote: str, ref: str) -> None:
    proc = _git(repo, "push", "--quiet", remote, f"{ref}:{ref}", check=False)
    if proc.returncode != 0:
        raise DeployError(f"git push to {remote!r} failed: {proc.stderr.strip()}")
