"""The whole-build shortcut: skip a build whose inputs and output are exactly as last time.

Like ``make`` deciding a target is up to date, but on content rather than
timestamps.  After a successful ``sitegen build`` we keep a small manifest in
the cache folder: a digest of everything the build read, and the state of
every file it left in the output folder.  The next build first computes the
same two digests; when both match there is nothing to do, and it says so in
a fraction of a second instead of loading 1,000 cached analyses to find out
that no page changed.

What the input digest covers (anything else that could change the output
must be added here):

* every file (path and bytes) under ``content_dir``, ``templates_dir``,
  ``static_dir`` and ``data_dir``;
* the validated config values and the project root;
* the command-line choices that change the output: output folder, drafts,
  strict;
* sitegen itself: its version and the bytes of every file of the installed
  package (code, built-in theme);
* the NLP pipeline's name and version (read from its ``meta.json``, spaCy is
  not imported) and the versions of the libraries whose output reaches the
  pages (Jinja2, Markdown, trafilatura, PyYAML, Pagefind, …).

The output digest is the sorted list of (path, inode, size, mtime) of every
file in the output folder: a file edited, replaced, added or deleted there
since the last build makes it differ, and the build runs (and repairs the
output) as usual.  Bytes are compared for inputs, ``stat`` for outputs
(output files are hard links into the object store: their inode and mtime
change whenever their bytes do).

Only this module's standard-library imports are needed to decide: the build
modules (Jinja2, NumPy, spaCy) are imported only when the build runs.
Written by hand: no library keeps a content manifest of a build like this.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__

FORMAT = 2  # 2: files hashed by the digest of their bytes (sitegen.cache.hash_tree)
PACKAGE = Path(__file__).resolve().parent
# Libraries whose version can change what a build writes.
LIBRARIES = ("jinja2", "markdown", "trafilatura", "pyyaml", "pagefind_bin", "charset-normalizer", "numpy",
             "python-dateutil", "spacy")


def _library_versions() -> dict[str, str]:
    import importlib.metadata

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "-"
    return versions


def input_digest(config: Any, *, output: Path, drafts: bool, strict: bool) -> str:
    """A digest of everything a build of ``config`` into ``output`` reads."""
    from .cache import hash_tree, pipeline_fingerprint  # light: no spaCy, no NumPy

    h = hashlib.blake2b(digest_size=20)
    h.update(json.dumps({
        "format": FORMAT,
        "sitegen": __version__,
        "root": str(config.root),
        "config": dict(config.values),
        "output": str(output),
        "drafts": drafts,
        "strict": strict,
        "pipeline": pipeline_fingerprint(str(config["nlp.pipeline"])),
        "libraries": _library_versions(),
    }, sort_keys=True, default=str).encode())
    hash_tree(h, PACKAGE, skip_dirs=("__pycache__",))
    for key in ("content_dir", "templates_dir", "static_dir", "data_dir"):
        h.update(f"\0{key}\0".encode())
        hash_tree(h, config.folder(key))
    return h.hexdigest()


def output_digest(output: Path) -> str | None:
    """A digest of the output folder's files as they are on disk; None if there is no folder."""
    if not output.is_dir() or output.is_symlink():
        return None
    entries = []
    root = str(output)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        # Paths relative to the output by slicing (os.walk's paths all start with it):
        # os.path.relpath was two thirds of a warm build at 1,000 articles (13,000 files).
        prefix = dirpath[len(root) + 1:] + "/" if dirpath != root else ""
        for name in filenames:
            try:
                st = os.lstat(f"{dirpath}/{name}")
            except OSError:
                return None
            entries.append(f"{prefix}{name}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_mode}")
        for name in dirnames:
            entries.append(f"{prefix}{name}/")
    entries.sort()
    return hashlib.blake2b("\n".join(entries).encode(), digest_size=20).hexdigest()


def _manifest_path(cache_dir: Path, output: Path) -> Path:
    name = hashlib.blake2b(str(output).encode(), digest_size=10).hexdigest()
    return cache_dir / "builds" / f"{name}.json"


def load(cache_dir: Path, output: Path, inputs: str) -> dict[str, Any] | None:
    """The last build's result if its inputs were ``inputs`` and the output is as it left it."""
    try:
        manifest = json.loads(_manifest_path(cache_dir, output).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("inputs") != inputs:
        return None
    if manifest.get("output") != output_digest(output):
        return None
    result = manifest.get("result")
    return result if isinstance(result, dict) else None


def save(cache_dir: Path, output: Path, inputs: str, result: dict[str, Any],
         still: Callable[[], bool] = lambda: True) -> None:
    """Record a successful build (after the new output is in place); not if ``still()`` says, once the
    output's digest is made, that the output is no longer the build's."""
    path = _manifest_path(cache_dir, output)
    data = json.dumps({"format": FORMAT, "inputs": inputs, "output": output_digest(output), "result": result})
    if not still():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # no manifest: the next build just runs in full
