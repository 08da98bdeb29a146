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
    targets = [directory / p.relative_to(SCAFFOLD) for p in sources]
    existing = [t for t in targets if t.exists()]
    if existing:
        raise ScaffoldError(f"{existing[0]} already exists; choose an empty or new folder")
    created = []
    for source, target in zip(sources, targets):
        # "dot-gitignore" ships as a plain name: packaging tools drop dotfiles.
        if target.name.startswith("dot-"):
            target = target.with_name("." + target.name[4:])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        created.append(target)
    for folder in ("templates", "static"):
        (directory / folder).mkdir(exist_ok=True)
    return created
