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
from itertools import chain
from typing import Any

import numpy as np

from .cache import by_identity
from .model import Sentence
from .summarise import DEFAULT, Params, Traits, assess, select, summarise

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
    # summarise (default params) assesses the sentences the same way: not done twice.
    same = traits if PARAMS.max_quote == DEFAULT.max_quote else None
    extra = [
        where[i]
        for i in summarise(article.sentences, len(summary) + RUNNERS_UP, traits=same)
        if where[i] not in summary
    ]
    out = [(k, 1.0 / math.sqrt(1 + rank)) for rank, k in enumerate(summary)]
    out.extend((k, 0.5 / math.sqrt(1 + rank)) for rank, k in enumerate(extra, start=len(summary)))
    return tuple(traits), out


def memo_key(article: OverviewInput) -> str:
    """What :func:`_article_candidates` depends on, as a digest (for ``memo``).

    The key names the content, not the objects: ``memo`` is also kept on disk
    between processes (:func:`sitegen.cache.assemble_cached`).  Hashing the
    ``repr`` of an article's sentences costs about 0.1 ms an article, 25 ms
    for a window of 300, on every call.  Inside ``sitegen serve`` the
    sentences of an unchanged article are the very same tuple build after
    build, so there the digest is kept per tuple in an identity memo
    (:func:`sitegen.cache.by_identity`).  That is exact: the memo holds the
    tuple with its digest, so its ``id`` cannot be taken by another object
    while the entry lives, and a tuple of frozen sentences (strings, numbers
    and tuples of strings) cannot change.  An edited article comes with a new
    tuple, hence a new digest.  The summary ids are few and cheap to spell out.
    """
    memo = by_identity("overview-sentences")
    sentences = (memo.get(article.sentences, sentences_digest) if memo is not None
                 else sentences_digest(article.sentences))
    return f"{sentences}{article.summary!r}"


def sentences_digest(sentences: tuple[Sentence, ...]) -> str:
    return hashlib.blake2b(repr(sentences).encode("utf-8"), digest_size=16).hexdigest()


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


@dataclass(frozen=True)
class _Vectors:
    """Unit TF-IDF rows kept sparse: one entry per (row, shared term), ordered by
    term (column), then row.  A candidate has 10 to 20 terms, a window a few
    thousand: a dense matrix would be over 99 % zeros."""

    rows: np.ndarray  # int: the row (candidate) of each entry
    weights: np.ndarray  # float: its weight, as the dense matrix held it
    columns: np.ndarray  # int: start of each column's entries, and the end
    size: int  # number of rows


def _vectors(articles: Sequence[OverviewInput], chosen: Sequence[Sentence]) -> _Vectors:
    """Unit TF-IDF rows for ``chosen``, idf over every sentence of the briefing.

    Only terms found in two or more of ``chosen`` can make two rows similar,
    so the columns are limited to those (the norms use every term).
    """
    everywhere = [s.terms for article in articles for s in article.sentences]
    total = len(everywhere)
    df = Counter(chain.from_iterable(map(set, everywhere)))  # counted in C: 8,600 sentences in 8 ms
    spread = Counter(chain.from_iterable(map(set, (s.terms for s in chosen))))
    shared = {t: i for i, t in enumerate(sorted(t for t, c in spread.items() if c > 1))}
    # The weights are those a dense matrix held: the same expressions, the norm's sum
    # in the same order.  A term's idf, the same in every row, is computed once.
    idf = {t: math.log((1 + total) / (1 + df[t])) + 1 for t in spread}
    entries: list[list[tuple[int, float]]] = [[] for _ in shared]
    for r, s in enumerate(chosen):
        weights = {t: (1 + math.log(tf)) * idf[t] for t, tf in Counter(s.terms).items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for t, w in weights.items():
            if t in shared:
                entries[shared[t]].append((r, w / norm))
    flat = [e for column in entries for e in column]
    return _Vectors(
        rows=np.array([r for r, _ in flat], dtype=np.intp),
        weights=np.array([w for _, w in flat], dtype=float),
        columns=np.cumsum([0] + [len(column) for column in entries], dtype=np.intp),
        size=len(chosen),
    )


def _similar_pairs(vectors: _Vectors) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(i, j, cosine, common)`` for each pair of rows ``i <= j`` that share a
    term: their dot product and how many terms they share.  Every other pair's
    dot product is 0.

    What ``vectors @ vectors.T`` gave for dense rows, made from the pairs of
    rows that share a term (each term's rows with one another) rather than
    from every pair and every column: about 160,000 products instead of
    1,500 x 1,500 x 3,000.  Each dot product is summed in column (term)
    order.  A dense matrix product sums in an order of its own, which depends
    on the BLAS build and the processor: on the 1,000-article test corpus
    about 1 % of the values differed from it in the last bit (at most
    4.4e-16), and no overview changed.
    """
    n = vectors.size
    rows, weights = vectors.rows, vectors.weights
    sizes = np.diff(vectors.columns)
    # Entry e, the p-th of its column of m, pairs with itself and the m - 1 - p after it.
    place = np.arange(len(rows)) - np.repeat(vectors.columns[:-1], sizes)
    partners = np.repeat(sizes, sizes) - place
    first = np.repeat(np.arange(len(rows)), partners)
    second = first + np.arange(len(first)) - np.repeat(np.cumsum(partners) - partners, partners)
    pair = rows[first] * n + rows[second]  # rows ascend within a column: i <= j
    # bincount adds in input order, so each pair's products are summed column by column.
    dot = np.bincount(pair, weights=weights[first] * weights[second], minlength=n * n)
    common = np.bincount(pair, minlength=n * n)
    found = np.flatnonzero(common)
    return found // n, found % n, dot[found], common[found]


def _redundancy(sentences: Sequence[Sentence], i: np.ndarray, j: np.ndarray, cosine: np.ndarray,
                common: np.ndarray) -> np.ndarray:
    """Cosine, raised to 1 where one sentence's terms mostly restate the other's
    (``i``, ``j``, ``cosine``, ``common``: see :func:`_similar_pairs`)."""
    sizes = np.array([len(set(s.terms)) for s in sentences], dtype=float)
    restated = (common >= MIN_SHARED) & (common >= CONTAINMENT * np.minimum(sizes[i], sizes[j]))
    value = np.where(restated, 1.0, cosine)
    redundancy = np.zeros((len(sentences), len(sentences)))
    redundancy[i, j] = value
    redundancy[j, i] = value
    return redundancy


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
    i, j, cosine, common = _similar_pairs(_vectors(articles, sentences))
    groups = [c.article for c in candidates]

    # corroboration: mean over the other articles of the best match in each
    # (0 where none shares a term: a dot product of 0)
    best = np.zeros((len(candidates), len(articles)))
    article = np.array(groups, dtype=np.intp)
    np.maximum.at(best, (i, article[j]), cosine)
    np.maximum.at(best, (j, article[i]), cosine)
    best[np.arange(len(candidates)), article] = 0.0
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

    redundancy = _redundancy(sentences, i, j, cosine, common)
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
