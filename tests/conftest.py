from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
DATA = SHARED / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true",
                     help="Rewrite tests/golden/expected from the current build (on purpose only).")


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS}")
    return SEEDS


@pytest.fixture
def seed_texts(seeds_dir: Path) -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))}
