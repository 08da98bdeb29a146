"""Full-text search: index the built site with Pagefind.

Pagefind (the ``pagefind-bin`` package ships its binary) reads the finished
HTML and writes a static index plus its UI into ``pagefind/``: search then
works on any static host with no server code.  Only the part of a page inside
an element marked ``data-pagefind-body`` is indexed (``base.html`` puts it on
``<main>`` of content pages: articles, and actors and events as they land).

The step runs on the temporary build folder before it is swapped in, so a
failed indexing run leaves the previous site as it was.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

OUTPUT = "pagefind"


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


def index_site(folder: Path) -> bool:
    """Index the site in ``folder``; return False (and warn) if Pagefind is missing.

    Raise SearchIndexError if Pagefind fails.
    """
    exe = pagefind_executable()
    if exe is None:
        log.warning("Pagefind is not installed (pip install pagefind-bin): the site has no search index")
        return False
    # --keep-index-url: result links name index.html, as every link of the
    # site does, so they work on hosts that serve no folder index pages.
    cmd = [str(exe), "--site", str(folder), "--output-subdir", OUTPUT, "--keep-index-url", "--quiet"]
    log.debug("running %s", " ".join(cmd))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexError(f"search index: could not run Pagefind ({exc})") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-10:])
        raise SearchIndexError(f"search index: Pagefind failed (exit {proc.returncode}): {tail}")
    if not (folder / OUTPUT / "pagefind.js").is_file():
        raise SearchIndexError("search index: Pagefind ran but wrote no pagefind/pagefind.js")
    log.info("search index written to %s/", OUTPUT)
    return True
