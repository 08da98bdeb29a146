"""Shared by the real-browser and HTML-checker tests: the seed site, a static
server for it, Chromium, Java.

When a tool is missing these tests skip with the reason, except under CI
(``CI`` set), where they fail: a check that silently did not run is worse
than a red build.  ``./run test`` installs Chromium and Java on Debian.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def missing(what: str) -> None:
    """Skip (or, under CI, fail) because ``what`` is not available."""
    message = f"{what}; on Debian run ./run test as root, or: apt-get install -y chromium default-jre-headless"
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


def chromium_path() -> str:
    for candidate in (os.environ.get("SITEGEN_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    missing("Chromium is not installed (set SITEGEN_CHROMIUM to its path)")
    raise AssertionError  # unreachable


def java_path() -> str:
    java = shutil.which("java")
    if not java:
        missing("Java is not installed (the Nu HTML checker needs it)")
    return str(java)


def build_seed_site(out: Path) -> Path:
    """Build the repository's own content with its sitegen.yaml into ``out``."""
    from sitegen.build import build
    from sitegen.config import load_config

    build(load_config(ROOT / "sitegen.yaml"), output=out)
    return out


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_site(tmp_path_factory.mktemp("seed") / "build")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve_folder(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="session")
def site_url(seed_build: Path) -> Iterator[str]:
    """The seed site on a plain static server (as a host would serve it)."""
    server, url = serve_folder(seed_build)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not p.relative_to(site).as_posix().startswith("pagefind/"))
