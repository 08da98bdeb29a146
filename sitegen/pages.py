"""The site's pages: which pages exist and what each template is given.

Takes the assembled :class:`~sitegen.assemble.Briefing` and returns every
output file in memory (:class:`~sitegen.writer.SiteFiles`); only the writer
touches the disk.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from . import __version__
from .actor_model import Actor
from .aliases import alias_key
from .assemble import Briefing, MentionLink, preview_links
from .cache import by_identity, remembered
from .config import Config
from .events import TimelineEvent
from .feeds import add_publishing_files, summaries_of
from .model import Analysis
from .pagecache import CachingRenderer, PageCache
from .paginate import Page, paginate, split_by_group, split_by_letter
from .render import (
    THEME,
    Renderer,
    article_context,
    display_title,
    environment,
    format_date,
    memoise_partial,
    reading_minutes,
)
from .writer import SiteFiles, copy_tree_into

# Actor types in the order the index shows them, with their headings.
ACTOR_TYPES = (
    ("person", "People"),
    ("organisation", "Organisations"),
    ("country", "Countries"),
    ("place", "Places"),
    ("group", "Groups"),
)


def article_path(slug: str) -> str:
    return f"articles/{slug}.html"


def actor_path(actor_id: str) -> str:
    return f"actors/{actor_id}.html"


def listing_item(analysis: Analysis, config: Config) -> dict[str, Any]:
    memo = by_identity("listing-item")  # sitegen serve: derived once per analysis
    title, words, lede = memo.get(analysis, _listed) if memo is not None else _listed(analysis)
    return {
        "path": article_path(analysis.article.slug),
        "title": title,
        "meta": analysis.article.meta,
        "minutes": reading_minutes(words, config["build.words_per_minute"]),
        "lede": lede,
    }


def _listed(analysis: Analysis) -> tuple[str, int, str | None]:
    """An article's title, word count and lede (its dek, else its summary's first sentence)."""
    lede = analysis.article.meta.dek
    if not lede and analysis.summary:
        lede = next((s.text for s in analysis.sentences if s.id == analysis.summary[0]), lede)
    return display_title(analysis), analysis.word_count, lede


def overview_context(briefing: Briefing) -> list[dict[str, Any]]:
    """The home page's cited overview sentences."""
    items = []
    for item in briefing.overview:
        a = briefing.analysis(item.slug)
        date = a.article.meta.date
        short_date = f"{date.day} {date:%b}" if date else "undated"
        items.append({
            "text": item.text,
            "href": f"{article_path(item.slug)}#{item.sentence}",
            "cite": f"{a.article.meta.source or 'unnamed source'}, {short_date}",
            "label": f"{display_title(a)} ({a.article.meta.source or 'source not named'}, {format_date(date)})",
        })
    return items


def site_context(config: Config, article_count: int) -> dict[str, Any]:
    return {
        "title": config["site.title"],
        "description": config["site.description"],
        "language": config["site.language"],
        "base_url": config["site.base_url"].rstrip("/"),
        "author": config["site.author"],
        "version": __version__,
        "article_count": article_count,
        "nav": [
            {"label": "Articles", "path": "articles/index.html", "section": "articles"},
            {"label": "Actors", "path": "actors/index.html", "section": "actors"},
            {"label": "Timeline", "path": "timeline/index.html", "section": "timeline"},
        ],
    }


def briefing_json(config: Config, briefing: Briefing) -> str:
    """``briefing.json``: the whole site's data, for reuse."""
    return b"".join(briefing_json_chunks(config, briefing)).decode("utf-8")


def briefing_json_chunks(config: Config, briefing: Briefing) -> Iterator[bytes]:
    """``briefing.json`` piece by piece: exactly ``json.dumps`` of the whole (keys sorted, compact).

    At 10,000 articles the file is about 300 MB; built as one dict first it
    took over a gigabyte of Python objects, the build's memory peak.  Here
    one article, actor or event is encoded at a time.  Compact separators:
    with ``indent`` the json module falls back to its pure-Python encoder,
    ten times slower.
    """
    # sitegen serve: an unchanged article's analysis is the same object as in the last
    # build (sitegen.cache.AnalysisCache.get), and so is an unchanged actor or event
    # (sitegen.assemble.interned_briefing): their bytes are kept too.
    def encoded(kind: str, items: Iterable[Any], make: Callable[[Any], bytes]) -> Iterator[bytes]:
        memo = by_identity(kind)
        return (memo.get(x, make) for x in items) if memo is not None else map(make, items)

    def array(encoded: Iterable[bytes]) -> Iterator[bytes]:
        yield b"["
        for i, data in enumerate(encoded):
            yield b"," + data if i else data
        yield b"]"

    site = {k.split(".", 1)[1]: config[k] for k in ("site.title", "site.description", "site.base_url", "site.language")}
    # The top-level keys in sorted order, as sort_keys=True writes them.
    yield b'{"actors":'
    yield from array(encoded("actor-json", briefing.actors, _to_json_bytes))
    yield b',"articles":'
    yield from array(encoded("analysis-json", briefing.analyses, analysis_json))
    yield b',"generator":' + _json_bytes(f"sitegen {__version__}")
    yield b',"overview":' + _json_bytes([{"article": o.slug, "sentence": o.sentence, "text": o.text}
                                         for o in briefing.overview])
    yield b',"site":' + _json_bytes(site)
    yield b',"timeline":'
    yield from array(encoded("event-json", briefing.timeline, _to_json_bytes))
    yield b"}\n"


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _to_json_bytes(item: Actor | TimelineEvent) -> bytes:
    return _json_bytes(item.to_json())


def analysis_json(analysis: Analysis) -> bytes:
    """One article's entry in ``briefing.json``."""
    from .analyse import to_json  # imports spaCy: only when briefing.json is made again

    return _json_bytes(to_json(analysis))


def actor_summary(actor: Actor) -> dict[str, Any]:
    return {
        "id": actor.id,
        "name": actor.name,
        "type": actor.type,
        "role": actor.role,
        "path": actor_path(actor.id),
        "mentions": actor.mention_count,
        "articles": len(actor.articles),
        "quotes": len(actor.quotes),
    }


def actor_chip(actor: Actor) -> dict[str, Any]:
    """What a page that names an actor shows of it: a link and its role (the article's
    "who is in this article", an actor's "named alongside", an event's actors).

    Not its counts: they change with every mention added anywhere, and would change
    every page that merely names the actor (an edit naming the WHO once more made
    182 article pages and 109 actor pages again at 1,000 articles, for the same bytes).
    The actor index shows the counts (:func:`actor_summary`).
    """
    return {"id": actor.id, "name": actor.name, "type": actor.type, "role": actor.role, "path": actor_path(actor.id)}


def _chip_key(actor: Actor) -> tuple[str, str, str, str | None]:
    """The fields of :func:`actor_chip`, what a page naming ``actor`` depends on."""
    return actor.id, actor.name, actor.type, actor.role


class _Chips(dict):  # type: ignore[type-arg]
    """``actor id -> _chip_key(actor)`` (None for no such actor), made on first use.

    The dependencies of a page that names actors (:meth:`PageCache.known_key`): an
    actor whose counts changed, with the same chip, leaves the page as it was.  Inside
    ``sitegen serve`` an equal chip is the very tuple of the last build (compared by
    identity from then on).
    """

    def __init__(self, names: Mapping[str, Actor]):
        super().__init__()
        self.names = names
        self.last = remembered("actor-chips")  # {actor id: its chip}, kept from build to build

    def __missing__(self, actor_id: str) -> tuple[str, str, str, str | None] | None:
        actor = self.names.get(actor_id)
        chip = None if actor is None else _chip_key(actor)
        if chip is not None and self.last is not None:
            was = self.last.get(actor_id)
            if was == chip:
                chip = was
            else:
                self.last[actor_id] = chip
        self[actor_id] = chip
        return chip


def actor_context(actor: Actor, briefing: Briefing, names: dict[str, Actor],
                  events: Sequence[TimelineEvent] | None = None,
                  texts: _SentenceTexts | None = None, chips: _Chips | None = None) -> dict[str, Any]:
    """What the actor page shows: roles, quotes, articles, related actors.

    ``events`` are the timeline events naming the actor, if the caller has
    them indexed already (one scan of the timeline per actor is quadratic);
    ``texts`` a :class:`_SentenceTexts` shared by every actor page of a build.
    """
    texts = texts if texts is not None else _SentenceTexts(_AnalysisLookup(briefing))
    by_slug = texts.analyses
    mentions: dict[str, list[str]] = {}
    for m in actor.mentions:
        ids = mentions.setdefault(m.article, [])
        if m.sentence not in ids:
            ids.append(m.sentence)
    articles = []
    for slug in actor.articles:
        a = by_slug[slug]
        articles.append({
            "title": display_title(a),
            "path": article_path(slug),
            "meta": a.article.meta,
            "sentences": [{"href": f"{article_path(slug)}#{sid}", "text": texts[slug].get(sid, "")}
                          for sid in mentions.get(slug, [])],
        })
    return {
        "actor": actor,
        "type_label": dict(ACTOR_TYPES).get(actor.type, actor.type.title()),
        "roles": [{"text": r.text, "href": f"{article_path(r.article)}#{r.sentence}",
                   "source": display_title(by_slug[r.article])} for r in actor.roles if r.article in by_slug],
        "quotes": [{"text": q.text, "href": f"{article_path(q.article)}#{q.sentence}",
                    "source": display_title(by_slug[q.article]), "meta": by_slug[q.article].article.meta}
                   for q in actor.quotes if q.article in by_slug],
        "articles": articles,
        "related": [actor_chip(names[i]) for i in actor.related[:10] if i in names],
        "events": [event_context(e, briefing, names, chips)
                   for e in (events if events is not None else briefing.timeline) if actor.id in e.actors],
    }


class _AnalysisLookup(dict):  # type: ignore[type-arg]
    """``slug -> Analysis`` of a briefing, filled on first use of each slug."""

    def __init__(self, briefing: Briefing):
        super().__init__()
        self.briefing = briefing

    def __missing__(self, slug: str) -> Analysis:
        a = self[slug] = self.briefing.analysis(slug)
        return a

    def __contains__(self, slug: object) -> bool:
        try:
            self[slug]  # type: ignore[index]
        except KeyError:
            return False
        return True


class _SentenceTexts(dict):  # type: ignore[type-arg]
    """``slug -> {sentence id: text}``, made only for the articles asked for."""

    def __init__(self, analyses: _AnalysisLookup):
        super().__init__()
        self.analyses = analyses

    def __missing__(self, slug: str) -> dict[str, str]:
        texts = self[slug] = {s.id: s.text for s in self.analyses[slug].sentences}
        return texts


def article_actors(names: dict[str, Actor], links: Sequence[MentionLink]) -> list[dict[str, Any]]:
    """The actors an article's ``links`` name, most mentioned first."""
    counts = Counter(link.actor for link in links)
    return [actor_chip(names[i]) | {"here": n} for i, n in counts.most_common() if i in names]


# Above this many events the timeline opens on its key dates.
KEY_DATES_FROM = 30


def event_context(event: TimelineEvent, briefing: Briefing, names: dict[str, Actor],
                  chips: _Chips | None = None) -> dict[str, Any]:
    """One timeline entry: date label, text, actor chips and source links.

    Inside ``sitegen serve`` the very same dict as in the last build (or
    earlier in this one) while the event, its actors and its sources'
    analyses are the same objects: the timeline and actor pages share it,
    and its HTML is rendered once (:func:`sitegen.render.memoise_partial`).
    """
    memo = _event_items()
    if memo is None:
        return _event_context(event, briefing, names)
    analysis = briefing._by_slug.get
    chip = (chips if chips is not None else _Chips(names)).__getitem__
    dependencies = (*map(chip, event.actors), *(analysis(s.article) for s in event.sources))
    return memo.context(event, dependencies, lambda: _event_context(event, briefing, names))


class _EventItems:
    """``sitegen serve``: each timeline event's template dict and the HTML made from it,
    kept from build to build while the event is on the timeline (not just while the
    pages that show it are rendered again, as an :class:`~sitegen.cache.IdentityMemo` would)."""

    def __init__(self) -> None:
        self.by_event: dict[int, tuple[TimelineEvent, tuple[Any, ...], dict[str, Any]]] = {}
        self.html: dict[int, tuple[dict[str, Any], dict[Any, str]]] = {}  # see memoise_partial

    def context(self, event: TimelineEvent, dependencies: tuple[Any, ...],
                make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        last = self.by_event.get(id(event))
        if (last is not None and last[0] is event and len(last[1]) == len(dependencies)
                and all(a is b for a, b in zip(last[1], dependencies))):
            return last[2]
        item = make()
        self.by_event[id(event)] = (event, dependencies, item)
        return item

    def get(self, item: dict[str, Any], make: Callable[[Any], dict[Any, str]]) -> dict[Any, str]:
        """The rendered HTML of ``item`` (:func:`sitegen.render.memoise_partial`'s memo)."""
        found = self.html.get(id(item))
        if found is None or found[0] is not item:
            found = self.html[id(item)] = (item, make(item))
        return found[1]

    def keep(self, events: Iterable[TimelineEvent]) -> None:
        """Forget the events no longer on the timeline (and what was made from them)."""
        kept = {}
        for e in events:
            last = self.by_event.get(id(e))
            if last is not None and last[0] is e:
                kept[id(e)] = last
        self.by_event = kept
        self.html = {id(v[2]): h for v in kept.values() if (h := self.html.get(id(v[2]))) is not None
                     and h[0] is v[2]}


def _event_items() -> _EventItems | None:
    kept = remembered("event-items")
    return kept.setdefault("memo", _EventItems()) if kept is not None else None


def _event_context(event: TimelineEvent, briefing: Briefing, names: dict[str, Actor]) -> dict[str, Any]:
    sources = []
    for s in event.sources:
        a = briefing.analysis(s.article)
        how = f"“{s.timex}”" if s.timex else "publication date"
        sources.append({
            "href": f"{article_path(s.article)}#{s.sentence}",
            "label": a.article.meta.source or display_title(a),
            "title": display_title(a),
            "how": how,
            "slug": s.article,
        })
    return {
        "event": event,
        "actors": [actor_chip(names[i]) for i in event.actors if i in names],
        "sources": sources,
    }


def timeline_context(briefing: Briefing, names: dict[str, Actor],
                     events: Sequence[TimelineEvent] | None = None, first: bool = True,
                     chips: _Chips | None = None) -> dict[str, Any]:
    """Events grouped by year and month; background apart; filter choices.

    ``events``: the main (not background) events of this page of a split
    timeline (default: all); the background goes on the ``first`` page.
    """
    everything = [e for e in briefing.timeline if not e.background]
    main = everything if events is None else list(events)
    background = [e for e in briefing.timeline if e.background] if first else []
    years: list[dict[str, Any]] = []
    for e in main:
        year = e.start.year
        month = None if e.precision in ("year", "decade", "century", "half") else e.start.month
        if not years or years[-1]["year"] != year:
            years.append({"year": year, "months": []})
        months = years[-1]["months"]
        label = f"{e.start:%B %Y}" if month else f"{year}, no month given"
        if not months or months[-1]["label"] != label:
            months.append({"label": label, "id": f"m-{year}-{month or 0:02d}", "events": []})
        months[-1]["events"].append(event_context(e, briefing, names, chips))
    # The filter's actors: those of the most events here first (not the corpus's counts,
    # which every edit naming them changes: see actor_chip).
    on_page = Counter(i for e in main for i in dict.fromkeys(e.actors) if i in names)
    actor_choices = sorted((names[i] for i in on_page), key=lambda x: (-on_page[x.id], x.name, x.id))
    source_slugs = {s.article for e in main for s in e.sources}
    sources = [{"slug": a.article.slug, "label": f"{display_title(a)} ({a.article.meta.source or 'source not named'})"}
               for a in briefing.analyses if a.article.slug in source_slugs]
    period = [a.article.meta.date for a in briefing.analyses if a.article.meta.date]
    return {
        "years": years,
        "background": [event_context(e, briefing, names, chips) for e in background],
        "background_before": min(period).year - 1 if period else None,
        "event_count": len(main),
        # On the first page only: every page showing it would change with every event added.
        "total_events": len(everything) if first else None,
        "key_count": sum(1 for e in main if e.key),
        # Not on a page without key dates (a year of a split timeline): it would open empty.
        "key_first": len(everything) > KEY_DATES_FROM and any(e.key for e in main),
        "actor_choices": [{"id": x.id, "name": x.name} for x in actor_choices[:60]],
        "source_choices": sources,
        "undated": [display_title(a) for a in briefing.analyses if not a.article.meta.date] if first else [],
    }


def _page(renderer: Renderer, template: str, path: str, make: Callable[[], dict[str, Any]],
          inputs: Callable[[], dict[str, Any]], dependencies: tuple[Any, ...]) -> Any:
    """``renderer.page(template, path, **make())``; a caching renderer keys it on ``inputs()``,
    which must be a function of ``dependencies`` alone (see :meth:`PageCache.known_key`)."""
    if isinstance(renderer, CachingRenderer):
        return renderer.page_from(template, path, make, inputs, dependencies)
    return renderer.page(template, path, **make())


def _once(make: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """``make`` called at most once (``functools.cache`` costs more to make: 6,600 a build)."""
    made: list[dict[str, Any]] = []

    def once() -> dict[str, Any]:
        if not made:
            made.append(make())
        return made[0]
    return once


class _Refs:
    """``sitegen serve``: what each page's dependencies are looked up by (actor ids,
    article slugs), kept per page while the objects they are read from are the same,
    so that an unchanged page's dependency tuple is made with ``map`` in C."""

    def __init__(self) -> None:
        kept = remembered("page-refs")
        self.last: dict[str, tuple[Any, ...]] = kept.get("last", {}) if kept is not None else {}
        self.now: dict[str, tuple[Any, ...]] | None = {} if kept is not None else None
        if kept is not None:
            kept["last"] = self.now

    def get(self, path: str, *sources: Any) -> tuple[Any, ...] | None:
        """The refs kept for ``path`` if ``sources`` are the same objects (or equal ones) as then."""
        last = self.last.get(path)
        if last is not None and last[0] == sources:
            if self.now is not None:
                self.now[path] = last
            return last[1]
        return None

    def put(self, path: str, sources: tuple[Any, ...], refs: tuple[Any, ...]) -> tuple[Any, ...]:
        if self.now is not None:
            self.now[path] = (sources, refs)
        return refs


def _article_page(renderer: Renderer, a: Analysis, links: Sequence[MentionLink], names: dict[str, Actor],
                  wpm: int, refs: _Refs | None = None, chips: _Chips | None = None) -> Any:
    path = article_path(a.article.slug)
    chips = chips if chips is not None else _Chips(names)
    ids = refs.get(path, links) if refs is not None else None
    if ids is None:
        ids = tuple(dict.fromkeys(link.actor for link in links))
        if refs is not None:
            refs.put(path, (links,), ids)
    linked = tuple(map(chips.__getitem__, ids))

    def article_page() -> dict[str, Any]:
        ctx = article_context(a, wpm, links)
        description = a.article.meta.dek or " ".join(s.text for s in ctx["summary_sentences"])[:300]
        return dict(section="articles", title=display_title(a), description=description,
                    actors=article_actors(names, links), actor_path=actor_path, **ctx)

    # The page is a function of these inputs alone: with the render cache, its context
    # (the article split into sentence pieces) is built only when they changed.
    return _page(renderer, "article.html", path, article_page,
                 lambda: {"analysis": a, "wpm": wpm, "links": links, "actors": article_actors(names, links)},
                 (a, links, *linked))


def _actor_page(renderer: Renderer, actor: Actor, briefing: Briefing, names: dict[str, Actor],
                events: Sequence[TimelineEvent], texts: _SentenceTexts, chips: _Chips,
                refs: _Refs | None = None) -> Any:
    """An actor's page: its context (roles, quotes, articles, events) is built only
    when one of the objects it reads changed (with the render cache)."""
    path = actor_path(actor.id)
    events = tuple(events)
    found = refs.get(path, actor, events) if refs is not None else None
    if found is None:
        found = (
            (*actor.related[:10], *(i for e in events for i in e.actors)),
            (*actor.articles, *(r.article for r in actor.roles), *(q.article for q in actor.quotes),
             *(s.article for e in events for s in e.sources)),
        )
        if refs is not None:
            refs.put(path, (actor, events), found)
    ids, slugs = found
    # The actor, its events, the actors it names (related, its events': their chips), the
    # analyses of its articles, roles, quotes and events' sources.
    dependencies = (actor, *events, *map(chips.__getitem__, ids), *map(briefing._by_slug.get, slugs))

    # Keyed on it and rendered from it: built once.
    context = _once(lambda: dict(section="actors", **actor_context(actor, briefing, names, events, texts, chips)))
    return _page(renderer, "actor.html", path, context, context, dependencies)


def _timeline_page(renderer: Renderer, tp: Page, first: bool, briefing: Briefing, names: dict[str, Actor],
                   total: int, background: Sequence[TimelineEvent], start: Any, undated: Sequence[Analysis],
                   chips: _Chips) -> Any:
    """A page of the timeline; its context is built only when what it reads changed
    (with the render cache): its events and the background on the first page, their
    sources' articles and their actors, the corpus's event count, first date and
    undated articles."""
    events = tuple(tp.items) if tp.pager else None
    shown = (*(events if events is not None else (e for e in briefing.timeline if not e.background)),
             *(background if first else ()))
    analysis = briefing._by_slug.get
    # Later pages show neither the event count nor the background (which the first date dates).
    dependencies = (tp.pager, first, total if first else total > KEY_DATES_FROM, start if first else None,
                    *shown, None,
                    *map(chips.__getitem__, (i for e in shown for i in e.actors)), None,
                    *(analysis(s.article) for e in shown for s in e.sources), None, *(undated if first else ()))
    # Keyed on it and rendered from it: built once.
    context = _once(lambda: dict(section="timeline", pager=tp.pager,
                                 **timeline_context(briefing, names, events, first=first, chips=chips)))
    return _page(renderer, "timeline.html", tp.path, context, context, dependencies)


def article_preview(config: Config, briefing: Briefing, analysis: Analysis,
                    env: Any = None) -> tuple[str, bytes]:
    """(path, page) of one article edited since ``briefing`` was assembled.

    ``sitegen serve`` shows this while it builds the whole site again (as
    Hugo's server renders the changed page first).  The page is made by the
    same code as in a build; only the corpus around it is the last build's:
    its mentions link to the actors the article named then
    (:func:`sitegen.assemble.preview_links`), an actor new to the corpus is
    linked once the whole build is done.
    """
    env = env or environment(config.folder("templates_dir"))
    renderer = Renderer(env, site_context(config, len(briefing.analyses)))
    names = briefing.actors_by_id
    links = preview_links(briefing, analysis)
    page = _article_page(renderer, analysis, links, names, config["build.words_per_minute"])
    return article_path(analysis.article.slug), page


def _environment(config: Config, cache: PageCache | None) -> Any:
    """The Jinja2 environment; inside ``sitegen serve`` the last build's while the template
    files, the config and the code are the same (``PageCache.setup``): its templates are
    compiled already (0.05 s a build)."""
    kept = remembered("jinja-env") if cache is not None else None
    if kept is not None and kept.get("key") == cache.setup:  # type: ignore[union-attr]
        return kept["env"]
    env = environment(config.folder("templates_dir"))
    if kept is not None:
        kept.update(key=cache.setup, env=env)  # type: ignore[union-attr]
    return env


def render_site(config: Config, briefing: Briefing, cache: PageCache | None = None) -> SiteFiles:
    """Every output file of the site, in memory.

    With a ``cache`` (:mod:`sitegen.pagecache`) a page whose inputs did not
    change since the last build is not rendered again: it stands in the
    result as a :class:`~sitegen.pagecache.CachedPage`.
    """
    ordered: Sequence[Analysis] = briefing.analyses
    env = _environment(config, cache)
    if (event_items := _event_items()) is not None:  # sitegen serve: each event's dict and HTML kept
        event_items.keep(briefing.timeline)
        memoise_partial(env, "partials/event.html", event_items)
    site = site_context(config, len(ordered))
    renderer = CachingRenderer(env, site, cache) if cache is not None else Renderer(env, site)
    files = SiteFiles()
    items = [listing_item(a, config) for a in ordered]
    names = {actor.id: actor for actor in briefing.actors}
    chips = _Chips(names)

    # The home page shows the latest articles; the listing is split into pages (sitegen/paginate.py).
    files.add("index.html", renderer.page("index.html", "index.html", section="home",
                                          articles=items[:config["pages.home_articles"]], total_articles=len(items),
                                          overview=overview_context(briefing)), "home page")
    for listing in paginate(items, config["pages.articles_per_page"], "articles/index.html"):
        files.add(listing.path, renderer.page("articles.html", listing.path, section="articles",
                                              articles=list(listing.items), total=len(items), pager=listing.pager),
                  "article listing")
    wpm = config["build.words_per_minute"]
    refs = _Refs() if cache is not None else None
    for a in ordered:
        links = briefing.links.get(a.article.slug, ())
        files.add(article_path(a.article.slug),
                  _article_page(renderer, a, links, names, wpm, refs, chips), a.article.path)

    # Above pages.actors_per_page actors the index is split by initial letter.
    if len(briefing.actors) > config["pages.actors_per_page"]:
        actor_pages = split_by_letter(sorted(briefing.actors, key=lambda x: (alias_key(x.name), x.id)),
                                      lambda x: x.name, "actors/index.html", config["pages.actors_per_page"])
    else:
        actor_pages = [Page("actors/index.html", briefing.actors, None)]
    for index_page in actor_pages:
        groups = []
        for kind, label in ACTOR_TYPES:
            members = [actor_summary(x) for x in index_page.items if x.type == kind]
            if members:
                groups.append({"type": kind, "label": label, "actors": members})
        files.add(index_page.path, renderer.page("actors.html", index_page.path, section="actors", groups=groups,
                                                 total=len(briefing.actors), pager=index_page.pager),
                  "actor index")
    events_of: dict[str, list[TimelineEvent]] = {}
    for event in briefing.timeline:
        for actor_id in dict.fromkeys(event.actors):
            events_of.setdefault(actor_id, []).append(event)
    texts = _SentenceTexts(_AnalysisLookup(briefing))
    for actor in briefing.actors:
        files.add(actor_path(actor.id), _actor_page(renderer, actor, briefing, names, events_of.get(actor.id, ()),
                                                    texts, chips, refs), f"actor {actor.name!r}")

    # Above pages.events_per_page events the timeline is split by year (a long year continues).
    main_events = [e for e in briefing.timeline if not e.background]
    if len(main_events) > config["pages.events_per_page"]:
        timeline_pages = split_by_group(main_events, lambda e: str(e.start.year), "timeline/index.html",
                                        config["pages.events_per_page"], folder="by-year")
    else:
        timeline_pages = [Page("timeline/index.html", main_events, None)]
    background = tuple(e for e in briefing.timeline if e.background)
    period = [a.article.meta.date for a in ordered if a.article.meta.date]
    undated = tuple(a for a in ordered if not a.article.meta.date)
    for i, tp in enumerate(timeline_pages):
        files.add(tp.path, _timeline_page(renderer, tp, i == 0, briefing, names, len(main_events), background,
                                          min(period) if period else None, undated, chips), "timeline")
    if cache is not None:
        files.add("briefing.json", cache.file(
            "briefing.json", lambda: briefing_json_chunks(config, briefing),
            lambda: {"analyses": briefing.analyses, "overview": briefing.overview, "actors": briefing.actors,
                     "timeline": briefing.timeline},
            (*briefing.analyses, None, *briefing.overview, None, *briefing.actors, None, *briefing.timeline)),
            "briefing data")
    else:
        files.add("briefing.json", briefing_json(config, briefing), "briefing data")
    # Search page, 404, Atom feed, sitemap, robots.txt (after every HTML page: the sitemap lists them).
    add_publishing_files(files, renderer, list(ordered), summaries_of(list(ordered)))
    # Static files: the project's own first, then the built-in theme's.
    copy_tree_into(files, config.folder("static_dir"), "static", "static")
    copy_tree_into(files, THEME / "static", "static", "theme static")
    return files
