"""Files for hosts, crawlers and feed readers: Atom feed, sitemap, robots.txt, 404 page.

Decisions (documented in ``docs/publishing.md``):

* ``sitemap.xml`` needs absolute URLs, so it is written only when
  ``site.base_url`` is set; without it the build says so (at info level: a
  site meant for ``file://`` is a normal case, not a mistake).
* ``robots.txt`` is always written; it names the sitemap only when there is one.
* ``feed.xml`` (Atom, RFC 4287) is always written.  Atom wants absolute IRIs for
  ids: with a base URL the ids and links are absolute; without one the links
  are relative to the feed (valid Atom: they resolve against the feed's own
  address) and the ids are ``urn:uuid:`` names derived from the site title and
  the article slug, so they are stable from build to build.
* ``404.html`` is served by hosts for any missing path, at any depth, so with
  a base URL its links are absolute.  Without one they stay relative, like
  every other link (the site must work from ``file://``): right for missing
  pages in the top folder; deeper ones get the page unstyled.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .cache import by_identity, remembered
from .model import Analysis
from .render import Renderer, display_title
from .search import bundles
from .writer import SiteFiles

log = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Pages that are not content: no sitemap entry, never indexed.
NOT_CONTENT = ("404.html", "search/index.html")


def page_url(base_url: str, path: str) -> str:
    """The public URL of the page at ``path``: ``dir/index.html`` becomes ``dir/``."""
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return f"{base_url.rstrip('/')}/{path}"


def build_time(dates: Iterable[dt.date | None]) -> dt.datetime:
    """The feed's 'updated': the newest article date; else SOURCE_DATE_EPOCH; else now.

    Using content dates rather than the clock keeps builds reproducible.
    """
    known = [d for d in dates if d is not None]
    if known:
        return _midnight(max(known))
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc)


def _rfc3339(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(tag: str, text: str, **attrs: str) -> str:
    a = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    return f"<{tag}{a}>{escape(text)}</{tag}>"


def atom_feed(site: dict[str, Any], analyses: Sequence[Analysis], summaries: dict[str, str]) -> str:
    """The Atom feed of the articles, newest first (``analyses`` in that order).

    ``summaries`` maps a slug to the plain-text summary used as the entry's
    ``<summary>``.
    """
    base = site["base_url"].rstrip("/")
    title = site["title"]
    updated = build_time(a.article.meta.date for a in analyses)

    def ident(slug: str) -> str:
        if base:
            return page_url(base, f"articles/{slug}.html") if slug else page_url(base, "index.html")
        return uuid.uuid5(uuid.NAMESPACE_URL, f"sitegen:{title}:{slug}").urn

    def link(path: str) -> str:
        return page_url(base, path) if base else (path if path != "index.html" else "./")

    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="{ATOM_NS}" xml:lang={quoteattr(site["language"])}>',
           "  " + _el("title", title)]
    if site["description"]:
        out.append("  " + _el("subtitle", site["description"]))
    out += [
        "  " + _el("id", ident("")),
        "  " + _el("updated", _rfc3339(updated)),
        f'  <link rel="alternate" type="text/html" href={quoteattr(link("index.html"))}/>',
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(link("feed.xml"))}/>',
        "  <author>" + _el("name", site["author"] or title) + "</author>",
        "  " + _el("generator", "sitegen", version=site["version"]),
    ]
    # sitegen serve: each entry's text kept per analysis object (the same object while the
    # article is unchanged), for the same feed-wide values it was made with.
    kept = remembered("feed-entries")
    made: dict[int, tuple[Analysis, Any, str]] = {}
    for a in analyses:
        text = summaries.get(a.article.slug) or a.article.meta.dek or ""
        params = (base, title, updated, text)
        last = kept.get(id(a)) if kept is not None else None
        if last is not None and last[0] is a and last[1] == params:
            entry = last[2]
        else:
            entry = _entry(a, text, updated, ident, link)
        if kept is not None:
            made[id(a)] = (a, params, entry)
        out.append(entry)
    if kept is not None:
        kept.clear()
        kept.update(made)
    out.append("</feed>")
    return "\n".join(out) + "\n"


def _entry(a: Analysis, text: str, updated: dt.datetime, ident: Any, link: Any) -> str:
    """One article's ``<entry>`` of the Atom feed (its lines, joined); ``text``: its summary."""
    meta = a.article.meta
    slug = a.article.slug
    when = _midnight(meta.date) if meta.date else updated
    out = ["  <entry>",
           "    " + _el("title", display_title(a)),
           "    " + _el("id", ident(slug)),
           "    " + _el("updated", _rfc3339(when))]
    if meta.date:
        out.append("    " + _el("published", _rfc3339(when)))
    out.append(f'    <link rel="alternate" type="text/html" href={quoteattr(link(f"articles/{slug}.html"))}/>')
    if meta.url:
        out.append(f'    <link rel="related" type="text/html" href={quoteattr(meta.url)}/>')
    if meta.author:
        out.append("    <author>" + _el("name", meta.author) + "</author>")
    if meta.source:
        out.append("    <source>" + _el("title", meta.source) + "</source>")
    if text:
        out.append("    " + _el("summary", text))
    out.append("  </entry>")
    return "\n".join(out)


def sitemap_xml(base_url: str, pages: Sequence[str], lastmod: dict[str, dt.date]) -> str:
    """A sitemap of ``pages`` (paths relative to the site) under ``base_url``."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for path in sorted(pages):
        out.append("  <url>")
        out.append("    " + _el("loc", page_url(base_url, path)))
        if path in lastmod:
            out.append("    " + _el("lastmod", lastmod[path].isoformat()))
        out.append("  </url>")
    out.append("</urlset>")
    return "\n".join(out) + "\n"


def robots_txt(base_url: str, has_sitemap: bool) -> str:
    lines = ["User-agent: *", "Allow: /"]
    if has_sitemap and base_url:
        lines += ["", f"Sitemap: {page_url(base_url, 'sitemap.xml')}"]
    return "\n".join(lines) + "\n"


def not_found_page(renderer: Renderer) -> bytes:
    """``404.html``, with links that work at whatever depth the host serves it."""
    base = renderer.site["base_url"].rstrip("/")
    if not base:
        return renderer.page("404.html", "404.html", section="404")
    root = f"{base}/"

    def url(target: str) -> str:
        return root + target

    html = renderer.env.get_template("404.html").render(
        site=renderer.site, page_path="404.html", root=root, url=url, section="404")
    return html.encode("utf-8")


def add_publishing_files(files: SiteFiles, renderer: Renderer, analyses: Sequence[Analysis],
                         summaries: dict[str, str]) -> None:
    """Add the search page, 404 page, feed, sitemap and robots.txt to ``files``.

    Call it after every HTML page is in ``files``: the sitemap lists them.
    """
    site = renderer.site
    base = site["base_url"].rstrip("/")
    # The search index is in shards (sitegen/search.py): the page merges them.
    merged = _bundles([*files.files, "search/index.html", "404.html"])[1:]
    files.add("search/index.html", renderer.page("search.html", "search/index.html", section="search",
                                                 title="Search", search_bundles=merged), "search page")
    files.add("404.html", not_found_page(renderer), "404 page")
    files.add("feed.xml", atom_feed(site, analyses, summaries), "Atom feed")
    pages = [p for p in files.files if p.endswith(".html") and p not in NOT_CONTENT]
    if base:
        lastmod = {f"articles/{a.article.slug}.html": a.article.meta.date for a in analyses if a.article.meta.date}
        files.add("sitemap.xml", sitemap_xml(base, pages, lastmod), "sitemap")
    else:
        log.info("site.base_url is not set: no sitemap.xml (a sitemap needs absolute URLs)")
    files.add("robots.txt", robots_txt(base, bool(base)), "robots.txt")


def _bundles(paths: list[str]) -> list[str]:
    """:func:`sitegen.search.bundles`; in ``sitegen serve`` the last build's while the paths are equal
    (hashing 13,000 paths into shards took 0.01 s a build)."""
    kept = remembered("search-bundles")
    if kept is not None and kept.get("paths") == paths:
        return kept["bundles"]
    found = bundles(paths)
    if kept is not None:
        kept.update(paths=paths, bundles=found)
    return found


def summaries_of(analyses: Sequence[Analysis]) -> dict[str, str]:
    """Each article's summary as plain text (editor's summary first)."""
    memo = by_identity("feed-summary")  # sitegen serve: once per analysis object
    if memo is None:
        return {a.article.slug: _summary(a) for a in analyses}
    return {a.article.slug: memo.get(a, _summary) for a in analyses}


def _summary(a: Analysis) -> str:
    if a.article.meta.summary:
        return " ".join(a.article.meta.summary)
    by_id = {s.id: s.text for s in a.sentences}
    return " ".join(by_id[i] for i in a.summary if i in by_id)

