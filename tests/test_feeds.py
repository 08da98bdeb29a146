"""Feed, sitemap, robots.txt, 404 and head tags of a built site."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.feeds import page_url, robots_txt, sitemap_xml

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

ARTICLE = """---
title: Talks resume in Cairo
date: 2024-03-02
source: Example News
author: A. Writer
---
The minister said on Monday that talks would continue in Cairo next week.
Officials from both sides met for three hours and agreed to meet again.
"""
UNDATED = """---
title: Ceasefire proposal & reply
source: Other Paper
---
Negotiators exchanged a written proposal on the ceasefire terms.
The reply is expected within days, according to two officials.
"""


def project(tmp_path: Path, base_url: str = "") -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "talks.md").write_text(ARTICLE)
    (tmp_path / "content" / "reply.md").write_text(UNDATED)
    (tmp_path / "sitegen.yaml").write_text(f"site:\n  title: Test briefing\n  base_url: '{base_url}'\n")
    return tmp_path


def test_page_url_drops_index_html() -> None:
    assert page_url("https://e.org/b/", "index.html") == "https://e.org/b/"
    assert page_url("https://e.org/b", "articles/index.html") == "https://e.org/b/articles/"
    assert page_url("https://e.org", "articles/x.html") == "https://e.org/articles/x.html"


def test_robots_names_sitemap_only_with_base_url() -> None:
    assert "Sitemap" not in robots_txt("", False)
    assert "Sitemap: https://e.org/sitemap.xml" in robots_txt("https://e.org", True)


def test_sitemap_is_well_formed() -> None:
    import datetime as dt

    root = ET.fromstring(sitemap_xml("https://e.org", ["index.html", "articles/a.html"],
                                     {"articles/a.html": dt.date(2024, 1, 2)}))
    locs = [u.find(f"{SM}loc").text for u in root]
    assert locs == ["https://e.org/articles/a.html", "https://e.org/"]
    assert root[0].find(f"{SM}lastmod").text == "2024-01-02"


@pytest.mark.slow
def test_without_base_url(tmp_path: Path) -> None:
    site = project(tmp_path)
    build(load_config(root=site))
    out = site / "build"
    assert not (out / "sitemap.xml").exists()  # a sitemap needs absolute URLs
    assert (out / "robots.txt").read_text() == "User-agent: *\nAllow: /\n"
    feed = ET.parse(out / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text.startswith("urn:uuid:")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Talks resume in Cairo", "Ceasefire proposal & reply"]
    for e in entries:  # every entry has what RFC 4287 requires
        assert e.find(f"{ATOM}id").text and e.find(f"{ATOM}updated").text and e.find(f"{ATOM}link") is not None
    assert entries[0].find(f"{ATOM}link").get("href") == "articles/talks-resume-in-cairo.html"
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "A. Writer"
    assert entries[1].find(f"{ATOM}published") is None  # undated: no invented date
    page = (out / "articles" / "talks-resume-in-cairo.html").read_text()
    assert 'rel="canonical"' not in page and "og:url" not in page
    assert '<meta property="og:title" content="Talks resume in Cairo' in page
    assert '<meta property="og:type" content="article">' in page
    assert 'href="../feed.xml"' in page
    assert "data-pagefind-body" in page
    assert "data-pagefind-body" not in (out / "index.html").read_text()
    not_found = (out / "404.html").read_text()
    assert "Page not found" in not_found and 'href="static/style.css"' in not_found


@pytest.mark.slow
def test_with_base_url(tmp_path: Path) -> None:
    site = project(tmp_path, "https://example.org/briefing/")
    build(load_config(root=site))
    out = site / "build"
    assert "Sitemap: https://example.org/briefing/sitemap.xml" in (out / "robots.txt").read_text()
    urls = [u.find(f"{SM}loc").text for u in ET.parse(out / "sitemap.xml").getroot()]
    assert "https://example.org/briefing/" in urls
    assert "https://example.org/briefing/articles/talks-resume-in-cairo.html" in urls
    assert not any("404" in u or "search" in u for u in urls)
    feed = ET.parse(out / "feed.xml").getroot()
    assert feed.find(f"{ATOM}id").text == "https://example.org/briefing/"
    assert feed.find(f"{ATOM}entry/{ATOM}link").get("href") == \
        "https://example.org/briefing/articles/talks-resume-in-cairo.html"
    page = (out / "articles" / "talks-resume-in-cairo.html").read_text()
    assert '<link rel="canonical" href="https://example.org/briefing/articles/talks-resume-in-cairo.html">' in page
    assert '<meta property="og:url" content="https://example.org/briefing/articles/talks-resume-in-cairo.html">' in page
    home = (out / "index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/briefing/">' in home
    # The 404 page is served at any depth: with a base URL its links are absolute.
    assert 'href="https://example.org/briefing/static/style.css"' in (out / "404.html").read_text()


@pytest.mark.slow
def test_search_index_is_built(tmp_path: Path) -> None:
    from sitegen.search import pagefind_executable

    if pagefind_executable() is None:
        pytest.skip("pagefind-bin is not installed")
    site = project(tmp_path)
    build(load_config(root=site))
    out = site / "build"
    assert (out / "pagefind" / "pagefind.js").is_file()
    assert (out / "pagefind" / "pagefind-ui.js").is_file()
    assert 'src="../pagefind/pagefind-ui.js"' in (out / "search" / "index.html").read_text()
    assert not list(site.glob(".build.new-*"))  # indexed in the temp folder, then swapped


@pytest.mark.slow
def test_failed_search_index_keeps_previous_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import search
    from sitegen.build import BuildError

    site = project(tmp_path)
    build(load_config(root=site))
    before = (site / "build" / "index.html").read_bytes()
    fake = tmp_path / "fake-pagefind"
    fake.write_text("#!/bin/sh\necho 'boom' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_executable", lambda: fake)
    (site / "content" / "talks.md").write_text(ARTICLE.replace("Cairo", "Doha"))
    with pytest.raises(BuildError, match="Pagefind failed"):
        build(load_config(root=site))
    assert (site / "build" / "index.html").read_bytes() == before
