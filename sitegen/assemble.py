"""The assemble stage: corpus-wide views built from every article's analysis.

Runs after every article is analysed and before anything is rendered: the
merged actors (with the editor's ``data/actors.yaml`` applied), the overview
of the whole story for the home page, and the links from actor mentions in
the text to actor pages.  No NLP happens here.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from .actor_model import Actor
from .actors import load_overrides, merge_actors
from .cache import by_identity, in_memory, interned, interned_values, remembered, same_as_last
from .events import TimelineEvent, corpus_period, key_dates, merge_events
from .model import Analysis, Problem, compact
from .overview import OverviewInput, overview


@compact
@dataclass(frozen=True, slots=True)
class OverviewItem:
    """One cited sentence of the home page's overview."""

    slug: str
    sentence: str
    text: str


@compact
@dataclass(frozen=True, slots=True)
class MentionLink:
    """A span of an article's text that names an actor with a page."""

    start: int
    end: int
    actor: str


@dataclass(frozen=True)
class Briefing:
    """Everything the renderer needs about the whole corpus."""

    analyses: tuple[Analysis, ...]  # newest first, undated last
    actors: tuple[Actor, ...]
    overview: tuple[OverviewItem, ...]
    links: dict[str, tuple[MentionLink, ...]] = field(default_factory=dict)  # slug -> spans
    timeline: tuple[TimelineEvent, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def analysis(self, slug: str) -> Analysis:
        return self._by_slug[slug]

    @cached_property
    def _by_slug(self) -> dict[str, Analysis]:
        # Looked up for every event source and overview item: a scan per call
        # made rendering quadratic in the number of articles.
        return {a.article.slug: a for a in self.analyses}

    @cached_property
    def mention_owners(self) -> dict[tuple[str, str, str], str]:
        """(article, sentence, mention text) -> corpus actor id (:func:`_owners`), made once.

        For ``sitegen serve``'s previews of edited articles (:func:`preview_links`),
        one briefing after another: 0.02 s at 1,000 articles, made in the
        background after the build (``sitegen.server._warm``).
        """
        return _owners(self.actors)

    @cached_property
    def actors_by_id(self) -> dict[str, Actor]:
        return {actor.id: actor for actor in self.actors}


def interned_briefing(briefing: Briefing) -> Briefing:
    """``briefing``; inside ``sitegen serve``, with each actor, timeline event and
    article's links that equals the last build's the very same object.

    Every build assembles them afresh (or loads them from the cache); the render
    step then tells the pages an edit left alone by their inputs' identity
    (:meth:`sitegen.pagecache.PageCache.known_key`).
    """
    if not in_memory():
        return briefing
    return replace(
        briefing,
        actors=interned("actors", briefing.actors, key=lambda x: x.id),
        timeline=interned("events", briefing.timeline, key=lambda e: e.id),
        links=interned_values("links", briefing.links),
    )


def sort_newest_first(analyses: Sequence[Analysis]) -> list[Analysis]:
    """Newest first; undated articles last, then by slug for a stable order."""
    return sorted(
        analyses,
        key=lambda a: (a.article.meta.date is None,
                       -(a.article.meta.date.toordinal() if a.article.meta.date else 0), a.article.slug),
    )


def _actors_as_last(ordered: list[Analysis]) -> list[Analysis]:
    """``ordered``; inside ``sitegen serve`` and ``sitegen daemon``, an article whose
    actors equal the last build's is given that build's very objects back.

    An edit made the article's analysis again, actors included; the steps after
    tell an unchanged input by identity (the merge, the links: see :func:`assemble`),
    so an edit that names no one new leaves the corpus actors as they were.  The
    analysis given out for an analysis is remembered, so that it stays the same
    object from build to build.
    """
    memo = remembered("article-actors")  # {slug: (the analysis, the one given out for it)}
    if memo is None:
        return ordered
    now: dict[str, tuple[Analysis, Analysis]] = {}
    out = []
    for a in ordered:
        slug = a.article.slug
        hit = memo.get(slug)
        given = a
        if hit is not None:
            if hit[0] is a:
                given = hit[1]
            elif hit[1].actors is not a.actors and hit[1].actors == a.actors:
                given = replace(a, actors=hit[1].actors)
        now[slug] = (a, given)
        out.append(given)
    memo.clear()
    memo.update(now)
    return out


def _owners(actors: Sequence[Actor]) -> dict[tuple[str, str, str], str]:
    """(article, sentence, mention text) -> corpus actor id."""
    owner: dict[tuple[str, str, str], str] = {}
    for actor in actors:
        for m in actor.mentions:
            owner.setdefault((m.article, m.sentence, m.text), actor.id)
    return owner


def actor_id_map(analyses: Sequence[Analysis], actors: Sequence[Actor],
                 owner: dict[tuple[str, str, str], str] | None = None) -> dict[tuple[str, str], str]:
    """(article slug, article actor id) -> corpus actor id, by their mentions.

    ``owner`` is :func:`_owners` of ``actors`` when the caller has it already.
    """
    return _id_map_and_links(analyses, _owners(actors) if owner is None else owner)[0]


def mention_links(analyses: Sequence[Analysis], actors: Sequence[Actor],
                  owner: dict[tuple[str, str, str], str] | None = None) -> dict[str, tuple[MentionLink, ...]]:
    """Spans of each article's text to link to actor pages.

    The corpus actors record their mentions as (article, sentence, text); an
    article actor's mention carries the character offsets.  Hidden actors have
    no corpus entry, so their mentions stay plain text.  ``owner`` is
    :func:`_owners` of ``actors`` when the caller has it already.
    """
    return _id_map_and_links(analyses, _owners(actors) if owner is None else owner)[1]


def _id_map_and_links(analyses: Sequence[Analysis], owner: dict[tuple[str, str, str], str],
                      last: dict[Any, Any] | None = None,
                      ) -> tuple[dict[tuple[str, str], str], dict[str, tuple[MentionLink, ...]]]:
    """:func:`actor_id_map` and :func:`mention_links` of ``analyses`` in one pass
    over their mentions (``owner``: :func:`_owners` of the corpus actors).

    Both follow from an article's actors and the corpus actor owning each of their
    mentions.  Inside ``sitegen serve`` (``last``: what the last build kept) an
    article whose actors are the very same objects as last build's and whose
    mentions have the same owners gets the last build's entries and links back
    (the links the very same tuple, so that interning them compares nothing):
    sorting and making the spans of every article was most of the 0.08 s both
    took at 1,000 articles.  When ``owner`` is the very map of the last build too (the
    corpus actors were not merged again: :func:`assemble`), the owners are not even
    looked up.
    """
    get = owner.get
    now: dict[Any, Any] = {_OWNER: owner}
    ids: dict[tuple[str, str], str] = {}
    links: dict[str, tuple[MentionLink, ...]] = {}
    same_owner = last is not None and last.get(_OWNER) is owner
    for a in analyses:
        slug = a.article.slug
        hit = last.get(slug) if last is not None else None
        if same_owner and hit is not None and hit[0] is a.actors:  # the very same inputs
            ids.update(hit[2])
            links[slug] = hit[3]
            now[slug] = hit
            continue
        found = [get((slug, m.sentence, m.text)) for article_actor in a.actors for m in article_actor.mentions]
        if hit is not None and hit[0] is a.actors and hit[1] == found:
            entries, spans = hit[2], hit[3]
        else:
            entries, spans = _article_links(slug, a, found)
        ids.update(entries)
        links[slug] = spans
        now[slug] = (a.actors, found, entries, spans)
    if last is not None:
        last.clear()
        last.update(now)
    return ids, links


_OWNER = object()  # the key of the owner map in _id_map_and_links's memo


def _article_links(slug: str, a: Analysis, found: list[str | None],
                   ) -> tuple[dict[tuple[str, str], str], tuple[MentionLink, ...]]:
    """One article's part of :func:`actor_id_map` and :func:`mention_links`, from the
    owners ``found`` of its actors' mentions (in order)."""
    entries: dict[tuple[str, str], str] = {}
    spans: list[tuple[int, int, str | None]] = []
    owners = iter(found)
    for article_actor in a.actors:
        votes: dict[str, int] = {}
        for m in article_actor.mentions:
            o = next(owners)
            if o is not None:
                votes[o] = votes.get(o, 0) + 1
                spans.append((m.start, m.end, o))
        if votes:  # the most votes, ties to the first named (as actor_id_map)
            entries[(slug, article_actor.id)] = (next(iter(votes)) if len(votes) == 1
                                                 else max(votes, key=votes.__getitem__))
    return entries, _spans(spans)


def preview_links(briefing: Briefing, analysis: Analysis) -> tuple[MentionLink, ...]:
    """Links for an article edited since ``briefing`` was assembled (``sitegen serve``'s preview).

    Its sentences may have moved, so its mentions are matched by the article
    actor they belong to (an id made from the name) rather than by sentence:
    each article actor keeps the corpus actor it had in the last build; an
    actor the article did not name then is not linked until the next build.
    """
    slug = analysis.article.slug
    try:
        before = briefing.analysis(slug)
    except KeyError:
        return ()
    corpus_id = actor_id_map([before], briefing.actors, briefing.mention_owners)
    return _spans((m.start, m.end, corpus_id.get((slug, article_actor.id)))
                  for article_actor in analysis.actors for m in article_actor.mentions)


def _spans(spans: Iterable[tuple[int, int, str | None]]) -> tuple[MentionLink, ...]:
    """The linked spans (those with an actor) in text order, without overlaps."""
    ordered = sorted((s for s in spans if s[2]), key=_text_order)
    kept: list[MentionLink] = []
    last_end = None
    for start, end, actor in ordered:
        if last_end is None or start >= last_end:
            kept.append(MentionLink(start, end, actor))  # type: ignore[arg-type]
            last_end = end
    return tuple(kept)


def _text_order(span: tuple[int, int, str | None]) -> tuple[int, int]:
    return span[0], -span[1]


# The overview is chosen among the newest this many articles: its cost grows
# with the square of its candidates (about five an article), which past a few
# hundred articles costs minutes and gigabytes for a story told by the latest.
OVERVIEW_WINDOW = 300


def assemble(analyses: Sequence[Analysis], *, data_dir: Path, overview_sentences: int,
             key_date_limit: int = 12, memo: MutableMapping[str, Any] | None = None) -> Briefing:
    """Merge actors, choose the overview, link mentions.

    Raises :class:`sitegen.actors.OverridesError` for an invalid
    ``actors.yaml`` (the build reports it with file and line).  ``memo``
    keeps per-article overview work between builds (see :func:`sitegen.overview.overview`).
    """
    ordered = _actors_as_last(sort_newest_first(analyses))
    overrides = load_overrides(data_dir / "actors.yaml")
    # Inside sitegen serve and daemon, an edit that left every article's actors as they
    # were (a typo fixed, a sentence added that names no one new) gets the last merge back.
    actors = same_as_last(
        "merged-actors", [a.actors for a in ordered], ([a.article.slug for a in ordered], overrides),
        lambda: merge_actors([(a.article.slug, a.actors) for a in ordered], overrides),
    )
    owner = same_as_last("actor-owners", [actors], None, lambda: _owners(actors))
    ids, links = _id_map_and_links(ordered, owner, remembered("article-links"))
    period = corpus_period(a.article.meta.date for a in ordered)
    timeline = merge_events(
        [(a.article.slug, a.events, a.sentences) for a in reversed(ordered)],  # oldest article first
        ids,
        corpus_start=period[0] if period else None,
        memo=by_identity("event-terms"),
    )
    keys = key_dates(timeline, key_date_limit, {a.article.slug: a.article.meta.date for a in ordered})
    # Only the few key events are copied (replace() on every event cost 30 ms at 1,000 articles).
    timeline = tuple(e if e.key == (e.id in keys) else replace(e, key=e.id in keys) for e in timeline)
    # Sources of one merged event report one fact: the overview keeps one of them.
    same_fact = [{(s.article, s.sentence) for s in e.sources} for e in timeline if len(e.sources) > 1]
    window = ordered[:OVERVIEW_WINDOW]
    inputs = [OverviewInput(a.article.slug, a.article.meta.date, a.sentences, a.summary) for a in window]
    # The overview reads only the window and the merged events that touch it: inside
    # sitegen serve, an edit elsewhere in the corpus gets the last overview back.
    in_window = {a.article.slug for a in window}
    touching = tuple(tuple(sorted(k for k in group if k[0] in in_window)) for group in same_fact
                     if any(k[0] in in_window for k in group))
    chosen = same_as_last(
        "overview", [x for a in window for x in (a.sentences, a.summary)],
        (overview_sentences, [(a.article.slug, a.article.meta.date) for a in window], touching),
        lambda: overview(inputs, overview_sentences, same_fact, memo),
    )
    picked = {slug for slug, _ in chosen}
    by_slug = {a.article.slug: {s.id: s for s in a.sentences} for a in ordered if a.article.slug in picked}
    items = tuple(OverviewItem(slug, sid, by_slug[slug][sid].text) for slug, sid in chosen)
    return Briefing(
        analyses=tuple(ordered),
        actors=actors,
        overview=items,
        links=links,
        timeline=timeline,
        warnings=tuple(overrides.warnings),
    )
