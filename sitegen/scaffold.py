"""``sitegen new DIR``: create a briefing project from the files in ``scaffold/``."""

from __future__ import annotations

import shutil
from pathlib import Path

SCAFFOLD = Path(__file__).parent / "scaffold"


class ScaffoldError(Exception):
    """The project cannot be created where asked."""


def create_project(directory: Path) -> list[Path]:
    """Copy the scaffold into ``directory``; refuse to overwrite any file."""
    sources = sorted(p for p in SCAFFOLD.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    # "dot-gitignore" ships as a plain name: packaging tools drop dotfiles.
    targets = [_target(directory, p.relative_to(SCAFFOLD)) for p in sources]
    existing = [t for t in targets if t.exists()]
    if existing:
        raise ScaffoldError(f"{existing[0]} already exists; choose an empty or new folder")
    created = []
    for source, target in zip(sources, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        created.append(target)
    for folder in ("templates", "static"):
        (directory / folder).mkdir(exist_ok=True)
    return created


def _target(directory: Path, relative: Path) -> Path:
    target = directory / relative
    return target.with_name("." + target.name[4:]) if target.name.startswith("dot-") else target
