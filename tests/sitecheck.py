"""Helpers for tests that inspect a built site: links, anchors, text."""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse_page(path: Path) -> PageParser:
    p = PageParser()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def page_text(path: Path) -> str:
    return re.sub(r"\s+", " ", "".join(parse_page(path).text))


def broken_links(site: Path) -> list[str]:
    """Every relative link or anchor in the site that points nowhere."""
    pages = {p.relative_to(site).as_posix(): parse_page(p) for p in site.rglob("*.html")}
    broken = []
    for name, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue
            if link.startswith("/"):
                broken.append(f"{name}: absolute link {link}")
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(parts.path))) if parts.path else name
            if not (site / target).is_file():
                broken.append(f"{name}: {link} -> missing {target}")
                continue
            if parts.fragment and target in pages and parts.fragment not in pages[target].ids:
                broken.append(f"{name}: {link} -> no anchor #{parts.fragment} in {target}")
    return broken


def article_body_text(path: Path) -> str:
    """The text of an article page's full-text section only."""
    html = path.read_text(encoding="utf-8")
    start = html.find('<section class="article-body"')
    if start < 0:
        return ""
    end = html.find("</section>", start)
    p = PageParser()
    p.feed(html[start:end])
    return re.sub(r"\s+", " ", "".join(p.text))
