"""Rendering: the assembled site model to HTML pages with Jinja2.

Theme lookup as in Pelican and MkDocs: a project's ``templates/`` first, then
the built-in theme shipped in the package; ``{% extends "!default/base.html" %}``
reaches the built-in file of the same name.  Autoescape is on and undefined
variables are errors (``StrictUndefined``): article text comes from the web.
Every link is relative (``root`` is the path from a page back to the site's
top), so the site works from ``file://`` and under any sub-path.
"""

from __future__ import annotations

import datetime as dt
import math
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes

from .model import Analysis, Sentence

THEME = Path(__file__).parent / "theme"


def environment(project_templates: Path | None) -> jinja2.Environment:
    """The Jinja2 environment with the theme lookup chain."""
    builtin = jinja2.FileSystemLoader(str(THEME / "templates"))
    loaders: list[jinja2.BaseLoader] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(project_templates)))
    loaders.append(jinja2.PrefixLoader({"!default": builtin}, delimiter="/"))
    loaders.append(builtin)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # An environment serves one build (or, in sitegen serve, builds with the very same
        # template files: pages.render_site): no stat of the template file on every include.
        auto_reload=False,
    )
    env.filters["date"] = format_date
    env.filters["period"] = lambda e: format_period(e.value, e.precision, e.start)
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    return env


def format_date(value: dt.date | None, empty: str = "undated") -> str:
    """'26 March 2024', or ``empty`` for a missing date."""
    if value is None:
        return empty
    return f"{value.day} {value:%B %Y}"


_SEASON_NAMES = {"SP": "spring", "SU": "summer", "FA": "autumn", "AU": "autumn", "WI": "winter"}


def format_period(value: str, precision: str, start: dt.date) -> str:
    """A date at its precision: '7 March 2024', 'week of 25 March 2024', 'spring 2024'."""
    if precision == "day":
        return format_date(start)
    if precision == "week":
        return f"week of {format_date(start)}"
    if precision == "month":
        return f"{start:%B %Y}"
    if precision == "season":
        return f"{_SEASON_NAMES.get(value[-2:], 'season')} {start.year}"
    if precision == "quarter":
        return f"Q{value[-1]} {start.year}"
    if precision == "half":
        return f"{'first' if value.endswith('1') else 'second'} half of {start.year}"
    if precision == "year":
        return str(start.year)
    if precision == "decade":
        return f"the {start.year}s"
    if precision == "century":
        return f"the {start.year // 100 + 1}th century"
    return value


def relative_root(page_path: str) -> str:
    """The relative path from ``page_path`` back to the site's top folder."""
    depth = page_path.count("/")
    return "../" * depth if depth else ""


def relative_url(target: str, folder: str, folder_parts: Sequence[str]) -> str:
    """``posixpath.relpath(target, folder)``; ``folder_parts``: ``folder.split("/")``, [] for ``"."``.

    A page links hundreds of times (an actor page with 250 events: 30 ms of
    ``relpath``, which makes both paths absolute first).  The site's own paths
    are already normal (``a/b.html#s1``: no empty, ``.`` or ``..`` part), and
    for those this is relpath's algorithm on the parts (same result, tested
    against it); anything else goes to relpath itself.
    """
    parts = target.split("/")
    if not target or "" in parts or "." in parts or ".." in parts:
        return posixpath.relpath(target, folder)
    i = 0
    for a, b in zip(folder_parts, parts):
        if a != b:
            break
        i += 1
    rel = [".."] * (len(folder_parts) - i) + parts[i:]
    return "/".join(rel) if rel else "."


def reading_minutes(words: int, words_per_minute: int) -> int:
    return max(1, math.ceil(words / max(1, words_per_minute)))


@dataclass(frozen=True)
class Segment:
    """Part of a sentence: plain text, or a mention linked to an actor page."""

    text: str
    actor: str | None = None


@dataclass(frozen=True)
class Piece:
    """A run of text in a paragraph: a sentence (with id) or the gap between."""

    text: str
    sentence: Sentence | None = None
    in_summary: bool = False
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class RenderedBlock:
    kind: str
    id: str
    text: str
    pieces: tuple[Piece, ...] = ()


def segments(text: str, start: int, end: int, links: Sequence[Any]) -> tuple[Segment, ...]:
    """Split ``text[start:end]`` at the linked mentions inside it.

    ``links`` are non-overlapping spans with ``start``, ``end`` and ``actor``,
    sorted by start.
    """
    out: list[Segment] = []
    pos = start
    for link in links:
        if link.start < pos or link.end > end:
            continue
        if link.start > pos:
            out.append(Segment(text[pos:link.start]))
        out.append(Segment(text[link.start:link.end], link.actor))
        pos = link.end
    if pos < end:
        out.append(Segment(text[pos:end]))
    return tuple(out)


def body_blocks(analysis: Analysis, links: Sequence[Any] = ()) -> list[RenderedBlock]:
    """The article's blocks, paragraphs split into sentence pieces.

    Mentions in ``links`` (see :class:`sitegen.assemble.MentionLink`) become
    segments linked to their actor's page.
    """
    text = analysis.article.text
    summary = set(analysis.summary)
    by_block: dict[int, list[Sentence]] = {}
    for s in analysis.sentences:
        by_block.setdefault(s.paragraph, []).append(s)
    out: list[RenderedBlock] = []
    p = h = 0
    for block in analysis.article.blocks:
        if block.kind == "heading":
            h += 1
            out.append(RenderedBlock("heading", f"h{h}", block.text))
            continue
        pieces: list[Piece] = []
        pos = block.start
        for s in by_block.get(p, []):
            if s.start > pos:
                pieces.append(Piece(text[pos:s.start]))
            inside = [m for m in links if s.start <= m.start and m.end <= s.end]
            pieces.append(Piece(s.text, s, s.id in summary, segments(text, s.start, s.end, inside)))
            pos = s.end
        if pos < block.end:
            pieces.append(Piece(text[pos:block.end]))
        p += 1
        out.append(RenderedBlock("paragraph", f"p{p}", block.text, tuple(pieces)))
    return out


# What a memoised partial may read from its context (see memoise_partial): the item and
# the page's links; of the environment's globals the pure ones (not lipsum: random text).
_KEYABLE = frozenset({"item", "url"})
_PURE_GLOBALS = frozenset({"range", "dict", "namespace", "cycler", "joiner"})


def memoise_partial(env: jinja2.Environment, name: str, memo: Any) -> bool:
    """Render the partial ``name`` once per ``item`` object and page folder (``sitegen serve``).

    A timeline page includes ``partials/event.html`` for each of its
    hundreds of events, and an actor page for each of the actor's events;
    when one event changes, the page is rendered again with the others'
    HTML the same.  With this, the included template's output is kept in
    ``memo`` (a :class:`sitegen.cache.IdentityMemo`) under the ``item`` it
    was given (``pages.event_context`` returns the very same dict while the
    event, its actors and its sources' analyses are the same objects), the
    page's folder (``url`` makes links relative to it) and the template's
    source, so a user's own ``partials/event.html`` is memoised under its
    own text, and an edit of it is seen at once.  Only a template that reads
    nothing but ``item`` and ``url`` (and pure globals) and includes,
    imports or extends nothing is memoised; any other is rendered each time
    as before.  Returns whether it is memoised.  The include in the page is
    unchanged (Jinja2 calls the included template's ``root_render_func``,
    which is wrapped here), so the output is the same bytes.
    """
    try:
        template = env.get_template(name)
        if getattr(template.root_render_func, "memo", None) is memo:
            # An environment kept from the last build (the same template files: sitegen.pages'
            # _environment), its partial checked and wrapped then: not parsed again.
            return True
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    except jinja2.TemplateNotFound:
        return False
    tree = env.parse(source)
    if next(tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)), None) is not None:
        return False
    if not meta.find_undeclared_variables(tree) <= _KEYABLE:  # (globals are not among these)
        return False
    if {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"} & (env.globals.keys() - _PURE_GLOBALS):
        return False
    render = template.root_render_func
    concat = env.concat
    template_key = (filename, source)

    def new_fragments(item: Any) -> dict[Any, str]:
        return {}

    def root(context: Any) -> Any:
        item, url = context.get("item"), context.get("url")
        folder = getattr(url, "folder", None)
        if folder is None or type(item) is not dict:
            yield from render(context)
            return
        fragments = memo.get(item, new_fragments)
        key = (template_key, folder)
        html = fragments.get(key)
        if html is None:
            html = fragments[key] = concat(render(context))
        yield html

    root.memo = memo  # type: ignore[attr-defined]
    template.root_render_func = root
    return True


class Renderer:
    """Renders pages; one instance per build."""

    def __init__(self, env: jinja2.Environment, site: Mapping[str, Any]):
        self.env = env
        self.site = site

    def page(self, template: str, path: str, **context: Any) -> bytes:
        """Render ``template`` as the page at ``path`` (relative to the site)."""
        root = relative_root(path)

        folder = posixpath.dirname(path) or "."
        folder_parts = folder.split("/") if folder != "." else []

        def url(target: str) -> str:
            # Links between pages are relative to this page's folder.
            return relative_url(target, folder, folder_parts)

        url.folder = folder  # type: ignore[attr-defined]  # what its links depend on (memoise_partial)

        html = self.env.get_template(template).render(
            site=self.site, page_path=path, root=root, url=url, **context
        )
        return html.encode("utf-8")


def article_context(analysis: Analysis, words_per_minute: int, links: Sequence[Any] = ()) -> dict[str, Any]:
    """What the article template needs, beyond the site-wide context."""
    by_id = {s.id: s for s in analysis.sentences}
    return {
        "article": analysis.article,
        "meta": analysis.article.meta,
        "analysis": analysis,
        "blocks": body_blocks(analysis, links),
        "summary_sentences": [by_id[i] for i in analysis.summary if i in by_id],
        "reading_minutes": reading_minutes(analysis.word_count, words_per_minute),
    }


def display_title(analysis: Analysis, limit: int = 12) -> str:
    """The headline, or the article's opening words when it has none."""
    if analysis.article.meta.title:
        return analysis.article.meta.title
    first: Sequence[Sentence] = analysis.sentences[:1]
    if not first:
        return analysis.article.slug
    ws = first[0].text.split()
    return " ".join(ws[:limit]).rstrip(",;:") + ("…" if len(ws) > limit else "")
