"""The writer: the only code that touches the output folder.

The whole site is collected in memory as ``{relative path: bytes}`` (refusing
to write one path twice, as Pelican's writer does, naming both sources), then
written into a temporary sibling folder and swapped in at the end.  A build
that fails before the swap leaves the previous output untouched.

On Linux the swap is one ``renameat2(RENAME_EXCHANGE)`` call, so even a
``kill -9`` at any moment leaves either the whole previous site or the whole
new one at the output path.  Elsewhere it is two renames; a build killed
between them leaves the previous site in ``.NAME.old-*/site``, which the next
build puts back (:func:`clean_stale`).  Temporary folders of killed builds
are removed by the next build of the same output.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import itertools
import logging
import os
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

log = logging.getLogger(__name__)


class OutputConflict(Exception):
    """Two sources want to write the same output file."""


class SiteFiles:
    """The files of a site, keyed by their path relative to the output folder."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.sources: dict[str, str] = {}

    def add(self, path: str, data: bytes | str, source: str) -> None:
        """Add one file; ``source`` names what made it, for conflict errors."""
        try:
            safe = safe_relative(path)
        except ValueError as exc:
            raise OutputConflict(f"{source}: {exc}") from exc
        if safe in self.files:
            raise OutputConflict(
                f"{source} and {self.sources[safe]} would both write {safe}: give one of them another slug"
            )
        self.files[safe] = data.encode("utf-8") if isinstance(data, str) else data
        self.sources[safe] = source

    def __contains__(self, path: str) -> bool:
        return path in self.files

    def __len__(self) -> int:
        return len(self.files)


# File names Windows reserves (with any extension): a site holding them cannot
# be copied to, or served from, a Windows machine.
_DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


@functools.lru_cache(maxsize=1 << 16)  # the same 13,000 paths every build of sitegen serve
def safe_relative(path: str) -> str:
    """Normalise ``path`` and refuse anything that would leave the output folder.

    Also refused: a page with an empty name (``actors/.html`` is what an
    empty id makes) and Windows device names (``CON``, ``NUL``, ``COM1`` …,
    with any extension).
    """
    parts = path.split("/")
    if "\\" in path or ":" in path or "" in parts or "." in parts or ".." in parts:
        # Not already normal (a plain a/b/c.html, as every generated path is): pathlib says what it is.
        p = PurePosixPath(path.replace("\\", "/"))
        if p.is_absolute() or any(part in ("..", "") for part in p.parts) or not p.parts or ":" in path:
            raise ValueError(f"refusing to write outside the output folder: {path!r}")
        path, parts = str(p), list(p.parts)
    if parts[-1].lower() in (".html", ".json", ".xml", ".txt"):
        raise ValueError(f"refusing to write {path!r}: the file name is empty")
    for part in parts:
        if part.split(".", 1)[0].lower() in _DEVICE_NAMES:
            raise ValueError(f"refusing to write {path!r}: Windows reserves the name {part.split('.', 1)[0]!r}")
    return path


def copy_tree_into(files: SiteFiles, folder: Path, prefix: str, source: str) -> None:
    """Add every file under ``folder`` as ``prefix/relative/path``."""
    if not folder.is_dir():
        return
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            rel = p.relative_to(folder).as_posix()
            target = f"{prefix}/{rel}" if prefix else rel
            if target not in files:
                files.add(target, p.read_bytes(), f"{source}/{rel}")


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new empty folder ``prefix-XXXX`` in ``parent``, with the usual permissions.

    Unlike ``tempfile.mkdtemp`` (mode 0700) it honours the umask: the site is
    meant to be read by a web server.
    """
    for _ in range(100):
        folder = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            folder.mkdir(0o777)
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"cannot create a temporary folder in {parent}")


def _libc_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


# Test hook (tests/test_faults.py): seconds to pause after each file and before
# the swap, so that a test can kill a build inside the write phase.
_FAULT_DELAY = float(os.environ.get("SITEGEN_TEST_WRITE_DELAY") or 0)

_RENAMEAT2 = _libc_renameat2()
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap the paths ``a`` and ``b`` in one atomic step; False if the system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot; fall back
        return False
    raise OSError(err, os.strerror(err), str(a))


def clean_stale(output: Path) -> list[Path]:
    """Remove what killed builds of ``output`` left beside it; return what was removed.

    Call it only while holding the output's lock (:mod:`sitegen.lock`): then
    no other build is using these folders.  If the output folder itself is
    missing and a killed swap left the previous site in ``.NAME.old-*/site``,
    that site is put back first.
    """
    output = output.resolve()
    parent = output.parent
    if not parent.is_dir():
        return []
    if not output.exists():
        for old in sorted(parent.glob(f".{output.name}.old-*")):
            if (old / "site").is_dir():
                os.replace(old / "site", output)
                log.warning("restored %s from an interrupted build", output)
                break
    removed = []
    for pattern in (f".{output.name}.new-*", f".{output.name}.old-*"):
        for stale in sorted(parent.glob(pattern)):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale)
                log.info("removed %s, left by an interrupted build", stale.name)
    return removed


class Spare:
    """``sitegen serve``: the next build's folder, made in the background from the site just served.

    Linking 13,000 files into a new folder took 0.08 s of every rebuild at
    1,000 articles, though an edit changes a few of them.  After a build is
    served, :meth:`make` hard-links every file of that site (``placed``:
    path -> object digest, what :func:`write_site` returned) into a new
    hidden folder beside it; the next build (:func:`write_site` with
    ``start_from``) renames that folder to its temporary name and changes
    only the files whose digest differs, so the new site is still complete
    before the swap and the served folders are never touched.  A spare that
    is not finished when the next build wants it is dropped (that build
    links every file, as before).
    """

    def __init__(self, site: Path, placed: dict[str, str], *, extra: Mapping[str, str] | None = None,
                 bundles: Mapping[str, Any] | None = None):
        """``extra`` (``sitegen daemon``): files of the site besides ``placed`` (path -> digest: its
        search index) to copy too; ``bundles``: what :func:`sitegen.search.index_site` says of them
        (given to the next build's index, which then leaves the unchanged bundles in place)."""
        self.site = site
        self.placed = placed
        self.extra = dict(extra or {})
        self.bundles = dict(bundles or {})
        self.used = False  # set by write_site: the next build's folder started from this copy
        self.folder: Path | None = None
        self.folders: set[str] = {""}  # the folders it holds ("" the top)
        self.state = "new"  # -> making -> ready -> claimed; or dropped
        self.lock = threading.Lock()

    def make(self) -> bool:
        """Make the folder (once); False if it could not be made or is no longer wanted."""
        with self.lock:
            if self.state != "new":
                return False
            self.state = "making"
        folder = None
        try:
            folder = _new_folder(self.site.parent, f".{self.site.name}.spare-")
            root, site = str(folder), str(self.site)
            made = self.folders
            for rel in itertools.chain(self.placed, self.extra):
                parent = rel.rpartition("/")[0]
                if parent not in made:
                    os.makedirs(f"{root}/{parent}", exist_ok=True)
                    made.add(parent)
                # From the served site, not the store: the same inode, whatever the store does meanwhile.
                os.link(f"{site}/{rel}", f"{root}/{rel}")
        except OSError as exc:
            log.debug("no spare folder for the next build: %s", exc)
            with self.lock:
                self.state = "dropped"
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            return False
        with self.lock:
            if self.state == "making":
                self.state, self.folder = "ready", folder
                return True
        shutil.rmtree(folder, ignore_errors=True)  # dropped while it was made
        return False

    def claim(self) -> Path | None:
        """The finished folder, now the caller's; None (and dropped) if it is not ready."""
        with self.lock:
            if self.state == "ready":
                self.state = "claimed"
                return self.folder
            self.state = "dropped"
            return None

    def drop(self) -> None:
        folder = self.claim()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def write_site(files: Mapping[str, Any], output: Path,
               before_swap: Callable[[Path], Any] | None = None, *, store: Any = None,
               start_from: Spare | None = None, old_sites: list[Path] | None = None) -> dict[str, str]:
    """Write ``files`` into ``output`` atomically: temp folder, then swap.

    The new site is written into a temporary folder beside ``output`` and
    swapped into place; the old one is removed only after the swap.
    ``before_swap(folder)`` runs on the complete temporary folder (the search
    indexer adds its files there); if it raises, nothing is swapped in.

    With a ``store`` (:class:`sitegen.pagecache.ObjectStore`) each file is a
    hard link to its bytes in the store (values may then be
    :class:`~sitegen.pagecache.CachedPage`): unchanged files keep their inode
    and mtime from build to build, and only new bytes are written.
    (The search indexer keeps what it adds in the store itself: see
    :func:`sitegen.search.index_site`.)  Returns each file's object digest
    (path -> digest; empty without a store).

    ``start_from`` (with a store; ``sitegen serve``): a :class:`Spare` copy of
    the last site; if it is ready, the temporary folder is that copy with only
    the files that differ replaced, added or removed.

    ``old_sites`` (``sitegen daemon``): the previous site, once swapped out,
    is appended to it rather than removed; the caller removes it later
    (a killed process leaves it for :func:`clean_stale`).
    """
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp, old, folders = None, {}, set()
    base = start_from.claim() if start_from is not None else None
    if base is not None:
        if store is not None:
            try:
                tmp = output.parent / f".{output.name}.new-{secrets.token_hex(4)}"
                os.rename(base, tmp)
                old, folders = start_from.placed, start_from.folders  # type: ignore[union-attr]
            except OSError as exc:
                log.debug("spare folder not used: %s", exc)
                tmp = None
        if tmp is None:
            shutil.rmtree(base, ignore_errors=True)
    if tmp is None:
        tmp = _new_folder(output.parent, f".{output.name}.new-")
    placed: dict[str, str] = {}
    try:
        root = str(tmp)  # paths as strings: pathlib costs more than the link (13,000 files at 1,000 articles)
        if old and not _update(files, old, folders, root, store, placed):
            shutil.rmtree(tmp, ignore_errors=True)
            tmp = _new_folder(output.parent, f".{output.name}.new-")
            root, old = str(tmp), {}
        if not old:
            made: set[str] = set()
            for rel in sorted(files):
                folder = rel.rpartition("/")[0]
                if folder not in made:
                    os.makedirs(f"{root}/{folder}", exist_ok=True)
                    made.add(folder)
                target = f"{root}/{rel}"
                if store is not None:
                    placed[rel] = store.place(files[rel], target)
                else:
                    with open(target, "wb") as f:
                        f.write(files[rel])
                if _FAULT_DELAY:
                    time.sleep(_FAULT_DELAY)
        if start_from is not None:
            start_from.used = bool(old)  # the folder holds the copy (and its extra files)
        if before_swap is not None:
            before_swap(tmp)
        if _FAULT_DELAY:
            time.sleep(_FAULT_DELAY)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _swap(tmp, output, old_sites)
    return placed


def _update(files: Mapping[str, Any], old: Mapping[str, str], made: set[str], root: str, store: Any,
            placed: dict[str, str]) -> bool:
    """Make the folder ``root``, which holds the files ``old`` (path -> digest) in the
    folders ``made``, hold ``files``.

    False (nothing changed) if a new file would stand where the old site has a
    folder or a folder where it has a file: then the folder is made afresh.
    """
    made = set(made)
    added = files.keys() - old.keys()
    for rel in added:
        folder = rel.rpartition("/")[0]
        if rel in made or (folder not in made and any(f in old for f in _folders(folder))):
            return False
    for rel, value in files.items():
        key = store.key(value)
        placed[rel] = key
        had = old.get(rel)
        if had == key:
            continue
        target = f"{root}/{rel}"
        if had is not None:
            os.unlink(target)
        else:
            folder = rel.rpartition("/")[0]
            if folder not in made:
                os.makedirs(f"{root}/{folder}", exist_ok=True)
                made.add(folder)
        store.place(value, target)
        if _FAULT_DELAY:
            time.sleep(_FAULT_DELAY)
    for rel in old.keys() - files.keys():
        os.unlink(f"{root}/{rel}")
        for folder in _folders(rel.rpartition("/")[0]):  # a fresh build has no empty folders
            try:
                os.rmdir(f"{root}/{folder}")
            except OSError:
                break
    return True


def _folders(folder: str) -> list[str]:
    """``a/b/c`` -> ``[a/b/c, a/b, a]``."""
    out = []
    while folder:
        out.append(folder)
        folder = folder.rpartition("/")[0]
    return out


def _swap(tmp: Path, output: Path, old_sites: list[Path] | None = None) -> None:
    """Put the complete folder ``tmp`` at ``output`` (see the module's docstring); the previous
    site is removed, or appended to ``old_sites``."""
    try:
        if output.is_dir() and not output.is_symlink() and exchange(tmp, output):
            # ``tmp`` now holds the previous site.
            if old_sites is not None:
                old_sites.append(tmp)
            else:
                _remove(tmp)
            return
    except BaseException:
        # Interrupted around the swap: ``tmp`` holds the new site (not swapped
        # in) or the previous one (swapped out); either way it goes.
        _remove(tmp)
        raise
    old = None
    if output.exists() or output.is_symlink():
        old = _new_folder(output.parent, f".{output.name}.old-")
        os.replace(output, old / "site")
    try:
        os.replace(tmp, output)
    except BaseException:
        if old is not None:  # put the previous site back
            os.replace(old / "site", output)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is not None:
            if old_sites is not None:
                old_sites.append(old)
            else:
                _remove(old)


def _remove(folder: Path) -> None:
    """Remove a folder the build no longer needs, even if Ctrl-C or SIGTERM arrives meanwhile.

    The new site is in place by then: an interrupt during the removal
    finishes it first (so a cleanly interrupted build leaves nothing behind),
    then goes on.
    """
    try:
        shutil.rmtree(folder, ignore_errors=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
