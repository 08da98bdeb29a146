"""The briefing overview: a few sentences chosen across all articles, each cited.

A multi-document extractive summary in the manner of MEAD (Dragomir Radev,
Hongyan Jing, Małgorzata Styś and Daniel Tam, "Centroid-based summarization of
multiple documents", Information Processing & Management 40(6), 2004):

* candidates are each article's summary sentences, plus two runners-up per
  article from :func:`sitegen.summarise.summarise` so that a small briefing
  still fills the overview;
* a candidate's score mixes its place in its own article (the summary's first
  sentence is the article's lede; runners-up count half) with corroboration:
  the mean, over the other articles, of its best TF-IDF cosine with that
  article's candidates.  A fact several sources report is central to the
  briefing (MEAD's centroid value, computed pairwise);
* candidates are picked greedily by MMR (Carbonell & Goldstein 1998), and one
  is never picked when it repeats a picked one: cosine at least
  ``DUPLICATE``, or at least ``MIN_SHARED`` shared terms covering
  ``CONTAINMENT`` of the shorter sentence's terms, which catches the same fact
  worded differently by two sources.  Each further pick from an article that
  already has one is discounted by ``SPREAD``, so the overview spans sources;
* the readability rules of :func:`sitegen.summarise.assess` apply (quotations
  whole, unresolved openers marked down unless their preceding sentence is
  picked);
* the picks are told in chronological order of their articles, then by their
  place in the article: the ordering Regina Barzilay, Noemie Elhadad and
  Kathleen McKeown ("Inferring Strategies for Sentence Ordering in
  Multidocument News Summarization", JAIR 17, 2002) found sound for news
  when publication dates are known.  Undated articles come last, in the order
  given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
from collections import Counter
from collections.abc import Collection, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import Sentence
from .summarise import Params, Traits, assess, select, summarise

log = logging.getLogger(__name__)

METHOD = "Cross-article centrality with MMR, chronological order (MEAD, Radev et al. 2004)"

DUPLICATE = 0.45  # cosine at which two sentences state the same thing
CONTAINMENT = 0.6  # share of the shorter sentence's terms found in the other
MIN_SHARED = 3  # ... counting only when at least this many terms are shared
SPREAD = 0.5  # relevance factor per sentence already taken from the same article
RUNNERS_UP = 2  # candidates per article beyond its summary
PARAMS = Params(mmr=0.8, duplicate=DUPLICATE, opener_penalty=0.6)


@dataclass(frozen=True)
class OverviewInput:
    """What the overview needs of one analysed article."""

    slug: str
    date: dt.date | None
    sentences: tuple[Sentence, ...]
    summary: tuple[str, ...]  # ids of its summary sentences


@dataclass(frozen=True)
class _Candidate:
    article: int  # position in the input
    position: int  # position in the article's sentences
    prior: float


def _article_candidates(article: OverviewInput) -> tuple[tuple[Traits, ...], list[tuple[int, float]]]:
    """One article's readability traits and its (position, prior) candidates."""
    traits = assess(article.sentences, PARAMS.max_quote)
    where = {s.id: k for k, s in enumerate(article.sentences)}
    summary = sorted(where[i] for i in article.summary if i in where)
    extra = [
        where[i]
        for i in summarise(article.sentences, len(summary) + RUNNERS_UP)
        if where[i] not in summary
    ]
    out = [(k, 1.0 / math.sqrt(1 + rank)) for rank, k in enumerate(summary)]
    out.extend((k, 0.5 / math.sqrt(1 + rank)) for rank, k in enumerate(extra, start=len(summary)))
    return tuple(traits), out


def memo_key(article: OverviewInput) -> str:
    """What :func:`_article_candidates` depends on, as a digest (for ``memo``)."""
    return hashlib.blake2b(repr((article.sentences, article.summary)).encode("utf-8"), digest_size=16).hexdigest()


def _candidates(articles: Sequence[OverviewInput], memo: MutableMapping[str, Any] | None = None,
                ) -> tuple[list[_Candidate], list[tuple[Traits, ...]]]:
    out: list[_Candidate] = []
    traits = []
    for a, article in enumerate(articles):
        # Per article and costly (a summariser run): a build keeps them between runs in ``memo``.
        key = memo_key(article) if memo is not None else ""
        found = memo.get(key) if memo is not None else None
        if found is None:
            found = _article_candidates(article)
            if memo is not None:
                memo[key] = found
        traits.append(found[0])
        out.extend(_Candidate(a, k, prior) for k, prior in found[1])
    return out, traits


def _vectors(articles: Sequence[OverviewInput], chosen: Sequence[Sentence]) -> np.ndarray:
    """Unit TF-IDF rows for ``chosen``, idf over every sentence of the briefing.

    Only terms found in two or more of ``chosen`` can make two rows similar,
    so the columns are limited to those (the norms use every term).
    """
    df: Counter[str] = Counter()
    total = 0
    for article in articles:
        for s in article.sentences:
            df.update(set(s.terms))
            total += 1
    spread = Counter(t for s in chosen for t in set(s.terms))
    shared = {t: i for i, t in enumerate(sorted(t for t, c in spread.items() if c > 1))}
    rows = np.zeros((len(chosen), max(1, len(shared))))
    for r, s in enumerate(chosen):
        weights = {
            t: (1 + math.log(tf)) * (math.log((1 + total) / (1 + df[t])) + 1)
            for t, tf in Counter(s.terms).items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for t, w in weights.items():
            if t in shared:
                rows[r, shared[t]] = w / norm
    return rows


def _redundancy(sentences: Sequence[Sentence], vectors: np.ndarray, cosine: np.ndarray | None = None) -> np.ndarray:
    """Cosine, raised to 1 where one sentence's terms mostly restate the other's."""
    if cosine is None:
        cosine = vectors @ vectors.T
    # Shared terms are all among the columns.  Counts of them are small whole numbers,
    # exact in float32, whose product takes half the time of float64's.
    present = (vectors > 0).astype(np.float32)
    common = present @ present.T
    sizes = np.array([len(set(s.terms)) for s in sentences], dtype=float)
    smaller = np.minimum.outer(sizes, sizes)
    restated = (common >= MIN_SHARED) & (common >= CONTAINMENT * smaller)
    return np.where(restated, 1.0, cosine)


def overview(
    articles: Sequence[OverviewInput],
    count: int = 6,
    same_fact: Sequence[Collection[tuple[str, str]]] = (),
    memo: MutableMapping[str, Any] | None = None,
) -> tuple[tuple[str, str], ...]:
    """Up to ``count`` ``(slug, sentence id)`` pairs telling the briefing's story.

    ``same_fact`` lists groups of ``(slug, sentence id)`` already known to
    report one fact (the timeline's merged events): at most one sentence of a
    group is picked, however differently the sources word it.  Fewer come back
    only when the articles do not hold ``count`` usable, non-repeating
    sentences.
    """
    if count <= 0 or not articles:
        return ()
    candidates, traits = _candidates(articles, memo)
    if not candidates:
        return ()
    sentences = [articles[c.article].sentences[c.position] for c in candidates]
    vectors = _vectors(articles, sentences)
    cosine = vectors @ vectors.T
    groups = [c.article for c in candidates]

    # corroboration: mean over the other articles of the best match in each
    best = np.zeros((len(candidates), len(articles)))
    for j, c in enumerate(candidates):
        best[:, c.article] = np.maximum(best[:, c.article], cosine[:, j])
    for i, c in enumerate(candidates):
        best[i, c.article] = 0.0
    others = max(1, len(articles) - 1)
    support = best.sum(axis=1) / others
    if support.max() > 0:
        support = support / support.max()
    prior = np.array([c.prior for c in candidates])
    scores = 0.5 * prior + 0.5 * support

    # readability traits, with quotation units mapped onto candidate positions
    slot = {(c.article, c.position): k for k, c in enumerate(candidates)}
    cand_traits: list[Traits] = []
    adjacent: list[int | None] = []
    for c in candidates:
        t = traits[c.article][c.position]
        unit = tuple(slot.get((c.article, k), -1) for k in t.unit)
        usable = t.usable and -1 not in unit
        cand_traits.append(Traits(usable, unit if usable else (slot[(c.article, c.position)],), t.opener, t.reason))
        adjacent.append(slot.get((c.article, c.position - 1)))

    redundancy = _redundancy(sentences, vectors, cosine)
    fact_of = {key: g for g, group in enumerate(same_fact) for key in group}
    facts = [fact_of.get((articles[c.article].slug, sentences[k].id)) for k, c in enumerate(candidates)]
    members: dict[int, list[int]] = {}
    for i, fi in enumerate(facts):
        if fi is not None:
            members.setdefault(fi, []).append(i)
    for idx in members.values():  # candidates reporting one fact repeat each other
        if len(idx) > 1:
            block = np.ix_(idx, idx)
            diagonal = redundancy[idx, idx].copy()
            redundancy[block] = 1.0
            redundancy[idx, idx] = diagonal

    chosen = select(
        scores,
        redundancy,
        cand_traits,
        count,
        PARAMS,
        adjacent=adjacent,
        groups=groups,
        spread=SPREAD,
    )
    log.debug("overview: %d of %d candidates from %d articles", len(chosen), len(candidates), len(articles))

    def story_order(k: int) -> tuple[bool, dt.date, int, int]:
        c = candidates[k]
        date = articles[c.article].date
        if isinstance(date, dt.datetime):
            date = date.date()
        return (date is None, date or dt.date.min, c.article, c.position)

    return tuple(
        (articles[candidates[k].article].slug, sentences[k].id) for k in sorted(chosen, key=story_order)
    )
