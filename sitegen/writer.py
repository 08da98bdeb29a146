"""The writer: the only code that touches the output folder.

The whole site is collected in memory as ``{relative path: bytes}`` (refusing
to write one path twice, as Pelican's writer does, naming both sources), then
written into a temporary sibling folder and swapped in at the end.  A build
that fails before the swap leaves the previous output untouched.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

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
        safe = safe_relative(path)
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


def safe_relative(path: str) -> str:
    """Normalise ``path`` and refuse anything that would leave the output folder."""
    p = PurePosixPath(path.replace("\\", "/"))
    if p.is_absolute() or any(part in ("..", "") for part in p.parts) or not p.parts:
        raise ValueError(f"refusing to write outside the output folder: {path!r}")
    return str(p)


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


def write_site(files: Mapping[str, bytes], output: Path,
               before_swap: Callable[[Path], None] | None = None) -> None:
    """Write ``files`` into ``output`` atomically: temp folder, then swap.

    The new site is written into a temporary folder beside ``output`` and
    renamed into place; the old one is removed only after the swap.
    ``before_swap(folder)`` runs on the complete temporary folder (the search
    indexer adds its files there); if it raises, nothing is swapped in.
    """
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        for rel in sorted(files):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[rel])
        if before_swap is not None:
            before_swap(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
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
            shutil.rmtree(old, ignore_errors=True)
