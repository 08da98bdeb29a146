"""Key dates of a timeline, and the sentences that tell each one.

Date selection, as the timeline-summarisation literature does it: a date
matters when many sources report events on it.  Three signals, each of them
a published baseline or feature of date selection, are combined:

- **reports**: how many distinct articles report an event on the date,
  stating it ("On April 24, the WHO…") or, for a lead that merged with such
  an event, by its publication date.  This is the MentionCount baseline of
  Gholipour Ghalandari & Ifrim (2020, "Examining the State-of-the-Art in
  News Timeline Summarization", ACL) and a feature of their DATEWISE date
  classifier, counted per article so that one article repeating a date
  does not outweigh two reporting it;
- **publications**: how many articles were published on the date (their
  PubCount baseline: news appears the day something happens or the day
  after);
- **PageRank** over the date-reference graph, an edge from each article's
  publication date to every date it states (Tran et al. 2015, "Timeline
  Summarization from Relevant Headlines", ECIR; a DATEWISE feature too): a
  date referred back to from days that are themselves referred to ranks
  higher than one mentioned once on a quiet day.

Each signal is divided by its largest value among the candidates and the
three are summed with fixed weights, reports counting most (2, 1, 0.5):
MentionCount beats PubCount as a baseline (on Timeline17 H1N1 too, see
docs/timeline.md) and PageRank is unstable on a small corpus.  The weights are not fitted: there is no training data here,
and DATEWISE's classifier was itself trained on other collections.  A period
longer than a week ("April", "2023") has its reports discounted by
``1 / (1 + log2(days / 7))``: they are spread over its weeks, and the
literature scores days.

For each chosen date, :func:`date_summary` picks the events that tell it
best: close to the centroid of everything said about that date (Radev et
al. 2004, "Centroid-based summarization of multiple documents"; the
per-date summariser of DATEWISE) and to the centroid of the whole corpus
(on the topic), reported by many sources, with the date
stated in the sentence rather than inferred from the publication date, and
not repeating a sentence already chosen (the MMR redundancy check of
Carbonell & Goldstein 1998).

Pure Python on the merged :class:`sitegen.events.TimelineEvent` list: no
spaCy.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .events import TimelineEvent

Period = tuple[dt.date, dt.date]

REPORT_WEIGHT = 2.0
PUBLICATION_WEIGHT = 1.0
PAGERANK_WEIGHT = 0.5
DAMPING = 0.85


@dataclass(frozen=True)
class DateScore:
    """The evidence for one date (a day or a longer period)."""

    start: dt.date
    end: dt.date
    score: float
    reports: int  # distinct articles reporting an event on it
    mentions: int  # of them, those that state the date in their text
    publications: int  # articles published on it (days only)
    pagerank: float

    @property
    def period(self) -> Period:
        return (self.start, self.end)


def _discount(period: Period) -> float:
    """Reports of a period longer than a week are spread over its weeks."""
    days = (period[1] - period[0]).days + 1
    return 1.0 / (1.0 + math.log2(days / 7)) if days > 7 else 1.0


def _pagerank(edges: Mapping[tuple[Period, Period], float], iterations: int = 50) -> dict[Period, float]:
    """Weighted PageRank (power iteration); dangling nodes spread evenly.

    The edges' shares are added with numpy, but in the very operations and order
    of the plain loop it replaced (each share ``DAMPING * rank * w / out``
    rounded step by step, added to its node in the edges' order by
    ``np.add.at``; the dangling ranks summed by ``sum`` in node order), so the
    ranks are the same floats: 50 iterations in Python took 30 ms of a rebuild at
    1,000 articles.
    """
    import numpy as np  # here: the events module (which imports this one) is light to import

    nodes = sorted({n for e in edges for n in e})
    if not nodes:
        return {}
    out_weight: dict[Period, float] = defaultdict(float)
    for (a, _), w in edges.items():
        out_weight[a] += w
    index = {n: i for i, n in enumerate(nodes)}
    source = np.array([index[a] for a, _ in edges], dtype=np.intp)
    target = np.array([index[b] for _, b in edges], dtype=np.intp)
    weight = np.array([float(w) for w in edges.values()])
    out = np.array([out_weight[a] for a, _ in edges])
    dangling = np.array([i for i, n in enumerate(nodes) if not out_weight.get(n)], dtype=np.intp)
    count = len(nodes)
    rank = np.full(count, 1.0 / count)
    for _ in range(iterations):
        spread = sum(rank[dangling].tolist())
        new = np.full(count, (1.0 - DAMPING) / count + DAMPING * spread / count)
        np.add.at(new, target, DAMPING * rank[source] * weight / out)
        rank = new
    return dict(zip(nodes, rank.tolist()))


def rank_dates(
    events: Sequence[TimelineEvent],
    *,
    published: Mapping[str, dt.date | None] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    days_only: bool = False,
) -> list[DateScore]:
    """Dates of ``events`` (background left out), best first.

    ``published`` maps article slugs to publication dates; without it an
    article's publication date is known only from its publication-anchored
    lead event.  Only dates inside ``start``–``end`` are candidates (a
    period must lie wholly inside).  Ties go to finer, then earlier, dates.
    """
    pub: dict[str, dt.date] = {k: v for k, v in (published or {}).items() if v}
    for e in events:
        for s in e.sources:
            if s.anchor == "publication" and s.article not in pub:
                pub[s.article] = e.start

    def inside(p: Period) -> bool:
        return (start is None or p[0] >= start) and (end is None or p[1] <= end)

    mentions: dict[Period, set[str]] = defaultdict(set)
    reports: dict[Period, set[str]] = defaultdict(set)
    edges: Counter[tuple[Period, Period]] = Counter()
    for e in events:
        if e.background:
            continue
        period = (e.start, e.end)
        for s in e.sources:
            reports[period].add(s.article)
            if s.anchor == "text":
                mentions[period].add(s.article)
                day = pub.get(s.article)
                if day and (day, day) != period:
                    edges[((day, day), period)] += 1
    publications = Counter(pub.values())
    candidates = [p for p in reports if inside(p) and (not days_only or p[0] == p[1])]
    if not candidates:
        return []
    rank = _pagerank(edges)
    top_m = max(len(reports[p]) * _discount(p) for p in candidates) or 1.0
    top_p = max((publications[p[0]] for p in candidates if p[0] == p[1]), default=0) or 1.0
    top_r = max((rank.get(p, 0.0) * _discount(p) for p in candidates), default=0.0) or 1.0
    scores = []
    for p in candidates:
        n_pub = publications[p[0]] if p[0] == p[1] else 0
        r = rank.get(p, 0.0)
        score = _discount(p) * (REPORT_WEIGHT * len(reports[p]) / top_m + PAGERANK_WEIGHT * r / top_r) \
            + PUBLICATION_WEIGHT * n_pub / top_p
        scores.append(DateScore(p[0], p[1], score, len(reports[p]), len(mentions[p]), n_pub, r))
    scores.sort(key=lambda d: (-d.score, (d.end - d.start).days, d.start))
    return scores


# ---------------------------------------------------------------- sentences

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    "a about above after again against all also am an and any are as at be because been before being below "
    "between both but by can could did do does doing down during each few for from further had has have having "
    "he her here hers herself him himself his how i if in into is it its itself just me more most my myself no "
    "nor not now of off on once only or other our ours ourselves out over own same she should so some such than "
    "that the their theirs them themselves then there these they this those through to too under until up very "
    "was we were what when where which while who whom why will with would you your yours yourself yourselves "
    "said says say told".split()
)
REDUNDANCY = 0.8  # cosine above which a sentence repeats one already chosen
MIN_WORDS, MAX_WORDS = 6, 60  # shorter or longer "sentences" are mostly bylines and run-ons
_SENTENCE_END = re.compile(r"""[.!?]["'\u201d\u2019)]*\s*$""")


def terms_of(text: str) -> Counter[str]:
    """Content words of ``text``, crudely stemmed (no spaCy needed here)."""
    return Counter(w[:6] for w in _WORD.findall(text.lower()) if w not in _STOP and not w.isdigit())


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def date_summary(
    events: Sequence[TimelineEvent],
    n: int,
    *,
    idf: Mapping[str, float] | None = None,
    topic: Mapping[str, float] | None = None,
) -> list[TimelineEvent]:
    """The ``n`` events (of one date) that tell it best, best first.

    Each event is scored by the cosine of its text to the TF-IDF centroid of
    everything its date's sources say, times its cosine to ``topic`` (the
    centroid of the whole timeline, from :func:`centroid_of`: what the
    corpus is about, standing in for the query keywords DATEWISE filters
    with), times ``1 + log(articles reporting it)``.  An event dated only by
    its article's publication date counts half, one that does not read as a
    sentence (under 6 or over 60 words, or no closing full stop: a dateline
    such as "MEXICO CITY, April 24 (Reuters) -") a tenth.  ``idf`` comes from
    :func:`idf_of` over the whole timeline; without it every term weighs 1.
    """
    if n <= 0 or not events:
        return []
    idf = idf or {}
    centroid: Counter[str] = Counter()
    vectors = {}
    for e in events:
        for s in e.sources:
            for t, c in terms_of(s.text).items():
                centroid[t] += c * idf.get(t, 1.0)
        vectors[e.id] = {t: c * idf.get(t, 1.0) for t, c in terms_of(e.text).items()}

    def score(e: TimelineEvent) -> float:
        value = _cosine(vectors[e.id], centroid) * (1.0 + math.log(len({s.article for s in e.sources})))
        if topic:
            value *= _cosine(vectors[e.id], topic)
        if all(s.anchor != "text" for s in e.sources):
            value *= 0.5
        if not _sentence_like(e.text):
            value *= 0.1
        return value

    ranked = sorted(events, key=lambda e: (-score(e), e.id))
    chosen: list[TimelineEvent] = []
    for e in ranked:
        if any(_cosine(vectors[e.id], vectors[c.id]) > REDUNDANCY for c in chosen):
            continue
        chosen.append(e)
        if len(chosen) == n:
            break
    return chosen


def _sentence_like(text: str) -> bool:
    """Not a byline, dateline or run-on: 6 to 60 words, ending as a sentence ends."""
    return MIN_WORDS <= len(text.split()) <= MAX_WORDS and bool(_SENTENCE_END.search(text))


def idf_of(events: Sequence[TimelineEvent]) -> dict[str, float]:
    """Inverse document frequency of terms over the events' texts."""
    df: Counter[str] = Counter()
    for e in events:
        df.update(set(terms_of(e.text)))
    n = max(1, len(events))
    return {t: math.log(1 + n / c) for t, c in df.items()}


def centroid_of(events: Sequence[TimelineEvent], idf: Mapping[str, float]) -> dict[str, float]:
    """The TF-IDF centroid of the events' texts (background left out)."""
    total: Counter[str] = Counter()
    for e in events:
        if not e.background:
            for t, c in terms_of(e.text).items():
                total[t] += c * idf.get(t, 1.0)
    return dict(total)


def timeline(
    events: Sequence[TimelineEvent],
    dates: int,
    sentences: int,
    *,
    published: Mapping[str, dt.date | None] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[tuple[dt.date, list[TimelineEvent]]]:
    """A day-by-day summary: the ``dates`` best days, ``sentences`` events each,
    in date order (the task of Timeline17 and of the key-dates view)."""
    ranked = rank_dates(events, published=published, start=start, end=end, days_only=True)
    by_day: dict[dt.date, list[TimelineEvent]] = defaultdict(list)
    for e in events:
        if e.start == e.end and not e.background:
            by_day[e.start].append(e)
    idf = idf_of(events)
    topic = centroid_of(events, idf)
    out = [(d.start, date_summary(by_day[d.start], sentences, idf=idf, topic=topic)) for d in ranked[:dates]]
    return sorted(out, key=lambda x: x[0])
