"""Golden-site test (as in Pelican): build a small fixed site, compare every file.

After an intended change to the output, regenerate the expected files with
``pytest tests/test_golden.py --regen-golden`` and review the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config

GOLDEN = Path(__file__).parent / "golden"


# Pagefind's index is made by a third-party binary whose bytes change with its
# version (tests/test_browser.py checks that search works instead); static/
# holds verbatim copies of the theme's files (test_build checks the overrides).
SKIP = ("pagefind/", "static/")


def files_under(folder: Path) -> dict[str, bytes]:
    return {rel: p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not (rel := p.relative_to(folder).as_posix()).startswith(SKIP)}


@pytest.mark.slow
def test_golden_site(tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    site = tmp_path / "site"
    shutil.copytree(GOLDEN / "site", site)
    config = load_config(site / "sitegen.yaml")
    build(config)
    got = files_under(site / "build")
    expected_dir = GOLDEN / "expected"
    if request.config.getoption("--regen-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(site / "build", expected_dir, ignore=shutil.ignore_patterns("pagefind", "static"))
        pytest.skip("golden files regenerated")
    expected = files_under(expected_dir)
    assert sorted(got) == sorted(expected), "the set of output files changed"
    for name in expected:
        assert got[name] == expected[name], f"{name} differs from tests/golden/expected/{name}"
