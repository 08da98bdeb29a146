"""Events: sentences anchored to a resolved date, per article and merged.

Per article (in the cached analysis stage): every sentence that holds a
resolved DATE expression becomes an :class:`Event` dated by its most precise
expression; the article's lead sentence, when it has no date of its own,
is dated by the publication date (news reports what just happened: the
"publication date" anchor of timeline-summarisation systems such as
Tran et al. 2013 and Gholipour Ghalandari & Ifrim 2020).

Across the corpus (in the assemble stage): events whose dates are compatible
(the same day, or one period inside the other) and whose wording and actors
overlap are one event reported by several sources, kept once with every
source.  Key dates are then ranked by how many sources and sentences report
them, as date-selection timeline summarisers do.

Written by hand: no maintained library merges dated news events.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import math
import re
import threading
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

from .keydates import rank_dates
from .model import Sentence, compact

if TYPE_CHECKING:
    import numpy as np

# Finest first: the anchor of a sentence is its most precise expression.
PRECISION_ORDER = ("day", "week", "month", "season", "quarter", "half", "year", "decade", "century")
_RANKS = {p: i for i, p in enumerate(PRECISION_ORDER)}


@compact
@dataclass(frozen=True, slots=True)
class Event:
    """A sentence of one article anchored to a date."""

    sentence: str  # sentence id
    text: str
    value: str  # TIMEX3 value of the anchor, e.g. 2024-03-07, 2024-W13, 2024-SP
    precision: str  # day, week, month, season, quarter, year, decade, century
    start: dt.date  # the period the value covers
    end: dt.date
    timex: str  # the expression that dates it ("last week"), or "" for the publication date
    anchor: str  # "text" or "publication"
    actors: tuple[str, ...] = ()  # article actor ids named in the sentence
    future: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "sentence": self.sentence, "text": self.text, "value": self.value, "precision": self.precision,
            "start": self.start.isoformat(), "end": self.end.isoformat(), "timex": self.timex,
            "anchor": self.anchor, "actors": list(self.actors), "future": self.future,
        }


_SEASONS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "AU": (9, 11), "WI": (12, 2)}


def value_interval(value: str) -> tuple[dt.date, dt.date, str] | None:
    """The calendar period a TIMEX3 date value covers, with its precision.

    ``2024-03-07`` → that day; ``2024-W13`` → its Monday to Sunday;
    ``2024-03``; ``2024-SP`` (spring: March–May); ``2024-Q1``; ``2024-H1``;
    ``2024``; ``199`` (the 1990s); ``19`` (the 1900s).  Reference values
    (``PRESENT_REF``) and times of day below a day give None or their day.
    """
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:T.*)?", value):
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
            return d, d, "day"
        if m := re.fullmatch(r"(\d{4})-W(\d{2})(?:-WE)?", value):
            start = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return start, start + dt.timedelta(days=6), "week"
        if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
            y, mo = int(m[1]), int(m[2])
            return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1]), "month"
        if m := re.fullmatch(r"(\d{4})-(SP|SU|FA|AU|WI)", value):
            y = int(m[1])
            first, last = _SEASONS[m[2]]
            end_year = y + 1 if last < first else y
            return dt.date(y, first, 1), dt.date(end_year, last, calendar.monthrange(end_year, last)[1]), "season"
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
            y, q = int(m[1]), int(m[2])
            last = 3 * q
            return dt.date(y, last - 2, 1), dt.date(y, last, calendar.monthrange(y, last)[1]), "quarter"
        if m := re.fullmatch(r"(\d{4})-H([12])", value):
            y, h = int(m[1]), int(m[2])
            return (dt.date(y, 1, 1), dt.date(y, 6, 30), "half") if h == 1 else (
                dt.date(y, 7, 1), dt.date(y, 12, 31), "half")
        if re.fullmatch(r"\d{4}", value):
            y = int(value)
            return dt.date(y, 1, 1), dt.date(y, 12, 31), "year"
        if re.fullmatch(r"\d{3}", value):
            y = int(value) * 10
            return dt.date(y, 1, 1), dt.date(y + 9, 12, 31), "decade"
        if re.fullmatch(r"\d{2}", value):
            y = int(value) * 100
            return dt.date(max(1, y), 1, 1), dt.date(y + 99, 12, 31), "century"
    except ValueError:
        return None
    return None


def _rank(precision: str) -> int:
    return _RANKS.get(precision, len(PRECISION_ORDER))


def article_events(
    sentences: Sequence[Sentence],
    timexes: Sequence[object],
    publication: dt.date | None,
    actors: Sequence[object] = (),
) -> tuple[Event, ...]:
    """The dated events of one article.

    ``timexes`` are :class:`sitegen.temporal.Timex` (duck-typed: ``start``,
    ``end``, ``type``, ``value``, ``text``, ``resolved``); ``actors`` are
    :class:`sitegen.actor_model.ArticleActor` (``id`` and ``mentions`` with
    ``sentence``).
    """
    in_sentence: dict[str, list[str]] = {}
    for actor in actors:
        for m in getattr(actor, "mentions", ()):
            ids = in_sentence.setdefault(m.sentence, [])
            if actor.id not in ids:
                ids.append(actor.id)
    events: list[Event] = []
    k = 0
    ordered = sorted(timexes, key=lambda t: t.start)
    for s in sentences:
        best = None
        while k < len(ordered) and ordered[k].end <= s.start:
            k += 1
        j = k
        while j < len(ordered) and ordered[j].start < s.end:
            t = ordered[j]
            j += 1
            if t.type != "DATE" or not t.resolved or not t.value:
                continue
            interval = value_interval(t.value)
            if interval is None:
                continue
            if best is None or _rank(interval[2]) < _rank(best[1][2]):
                best = (t, interval)
        future = _is_future(s.text)
        if best is not None:
            t, (start, end, precision) = best
            events.append(Event(s.id, s.text, t.value, precision, start, end, t.text, "text",
                                tuple(in_sentence.get(s.id, ())), future))
        elif s.index == 1 and publication is not None and not future:
            events.append(Event(s.id, s.text, publication.isoformat(), "day", publication, publication, "",
                                "publication", tuple(in_sentence.get(s.id, ())), False))
    return tuple(events)


_FUTURE = re.compile(r"\b(?:will|would|shall|plans? to|is to|are to|is set to|are set to|expects? to|"
                     r"is expected to|are expected to|next)\b", re.I)


def _is_future(text: str) -> bool:
    return bool(_FUTURE.search(text))


# ---------------------------------------------------------------------------
# The corpus timeline


@compact
@dataclass(frozen=True, slots=True)
class Source:
    """One report of an event: an article's sentence."""

    article: str  # slug
    sentence: str
    text: str
    timex: str
    anchor: str


@compact
@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """An event as the timeline shows it, with every source that reports it."""

    id: str
    value: str
    precision: str
    start: dt.date
    end: dt.date
    text: str  # the wording of the best source
    sources: tuple[Source, ...]
    actors: tuple[str, ...]  # corpus actor ids
    background: bool = False  # long before the corpus period
    key: bool = False  # one of the key dates

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "value": self.value, "precision": self.precision, "start": self.start.isoformat(),
            "end": self.end.isoformat(), "text": self.text, "actors": list(self.actors),
            "background": self.background, "key": self.key,
            "sources": [{"article": s.article, "sentence": s.sentence, "text": s.text, "timex": s.timex,
                         "anchor": s.anchor} for s in self.sources],
        }


# (article slug, event, its sentence's terms, its corpus actor ids, the terms' idf weight,
#  its period: start and end ordinals and precision rank, its place in the merge)
_Period = tuple[int, int, int]
_Item = tuple[str, Event, frozenset[str], frozenset[str], float, _Period, int]


class _Cluster:
    """Events merged as one; ``best`` is the one whose date and wording the timeline shows
    (``terms`` and ``period`` are the best one's, read in the merge's inner loop)."""

    __slots__ = ("best", "events", "order", "period", "slugs", "terms")

    def __init__(self, order: int, first: _Item):
        self.order = order  # creation order: ties between candidate clusters go to the later one
        self.events = [first]
        self.slugs = {first[0]}
        self.best = first
        self.terms = first[2]
        self.period = first[5]

    @staticmethod
    def rank(e: _Item) -> tuple[bool, int, str, str]:
        # The most precise date from the text beats a publication-date anchor.
        return (e[1].anchor != "text", _rank(e[1].precision), e[0], e[1].sentence)

    def add(self, e: _Item) -> bool:
        """Add an event; return whether it became the best one (its date may differ)."""
        self.events.append(e)
        self.slugs.add(e[0])
        if self.rank(e) < self.rank(self.best):
            self.best = e
            self.terms = e[2]
            self.period = e[5]
            return True
        return False


# Sums of idf weights: exactly rounded, so the same whatever order a term set
# iterates in.  sum() depended on it (string hashes differ from process to
# process): two clusters could tie in one build and not in the next, and the
# timeline of a 1,000-article corpus changed between two builds of the same files.
_weight_sum = math.fsum


def _stem(term: str) -> str:
    """A crude prefix stem so that 'abstention' and 'abstain' meet."""
    return term[:5] if len(term) > 5 else term


MERGE_THRESHOLD = 0.3
_MERGE_RANK = _RANKS["season"]  # the coarsest period that merges
_MONTH_RANK = _RANKS["month"]  # one of the two periods must be this fine


def sentence_terms(sentences: Sequence[Sentence]) -> dict[str, frozenset[str]]:
    """Sentence id -> the stemmed terms events are compared by (numbers left out)."""
    return {s.id: frozenset(_stem(t) for t in s.terms if not t.isdigit()) for s in sentences}


def _count(terms_in: Sequence[Mapping[str, frozenset[str]]]) -> Counter[str]:
    """Document frequency over sentences, counted in C (Counter over one chained iterable)."""
    return Counter(chain.from_iterable(terms for of in terms_in for terms in of.values()))


class _Counted:
    """The document frequency of the last build and the articles' terms it counted."""

    __slots__ = ("df", "seen")

    def __init__(self) -> None:
        self.df: Counter[str] | None = None
        self.seen: dict[int, tuple[Mapping[str, frozenset[str]], int]] = {}  # id -> (terms, times)


_COUNTED = object()  # the memo's key for the _Counted of the last build


def _document_frequency(terms_in: Sequence[Mapping[str, frozenset[str]]], memo: Any) -> Counter[str]:
    """:func:`_count`, or inside ``sitegen serve`` the last build's counts with the
    articles' terms that left taken away and those that came added (the same
    integers: an edit recounted one article, not 20,000 sentences).

    Articles' terms are recognised by identity (the memo gives an unchanged
    article the very same dict); the last build's are held, so their ids
    cannot be taken by others meanwhile.
    """
    if memo is None:
        return _count(terms_in)
    state = memo.state(_COUNTED, _Counted)
    now: dict[int, tuple[Mapping[str, frozenset[str]], int]] = {}
    for of in terms_in:
        times = now.get(id(of), (of, 0))[1]
        now[id(of)] = (of, times + 1)
    last = state.seen
    gone = [(of, times - now.get(key, (of, 0))[1]) for key, (of, times) in last.items()
            if times > now.get(key, (of, 0))[1]]
    came = [(of, times - last.get(key, (of, 0))[1]) for key, (of, times) in now.items()
            if times > last.get(key, (of, 0))[1]]
    if state.df is None or len(gone) + len(came) > len(now) // 4:
        df = _count(terms_in)
    else:
        df = state.df.copy()
        for of, times in came:
            for _ in range(times):
                df.update(chain.from_iterable(of.values()))
        for of, times in gone:
            for _ in range(times):
                df.subtract(chain.from_iterable(of.values()))
            for terms in of.values():
                for t in terms:
                    if df.get(t) == 0:
                        del df[t]
    state.df, state.seen = df, now
    return df


def merge_events(
    per_article: Sequence[tuple[str, Sequence[Event], Sequence[Sentence]]],
    actor_ids: dict[tuple[str, str], str] | None = None,
    *,
    corpus_start: dt.date | None = None,
    memo: Any = None,
) -> tuple[TimelineEvent, ...]:
    """Merge the articles' events into the timeline.

    ``per_article``: (article slug, its events, its sentences).  ``actor_ids``
    maps (slug, article actor id) to the corpus actor id (hidden actors map to
    nothing).  Events before ``corpus_start`` minus a year are background.
    ``memo`` (a :class:`sitegen.cache.IdentityMemo`, in ``sitegen serve``)
    keeps each article's :func:`sentence_terms` between builds, and the last
    merge's state (document frequencies, steps to replay, timeline events).
    """
    if memo is None:
        return _merge(per_article, actor_ids or {}, corpus_start, None)
    with _MERGING:  # one merge at a time keeps the memo's state (serve warms it in the background)
        return _merge(per_article, actor_ids or {}, corpus_start, memo)


_MERGING = threading.Lock()


def _merge(per_article: Sequence[tuple[str, Sequence[Event], Sequence[Sentence]]],
           actor_ids: dict[tuple[str, str], str], corpus_start: dt.date | None, memo: Any,
           ) -> tuple[TimelineEvent, ...]:
    terms_in = [memo.get(sentences, sentence_terms) if memo is not None else sentence_terms(sentences)
                for _, _, sentences in per_article]
    df = _document_frequency(terms_in, memo)
    n = max(1, sum(len(s) for _, _, s in per_article))
    idf = {t: math.log(1 + n / c) for t, c in df.items()}

    # Every event with what the merge compares it by.  A cluster's period is its best
    # event's, so the periods clusters can have are the events' own.
    weight_of = idf.__getitem__  # every term of every sentence has its idf
    weigh = _weight_sum
    ranks = _RANKS
    unranked = len(PRECISION_ORDER)
    events_in: list[tuple[str, Event, frozenset[str], frozenset[str], _Period]] = []
    for (slug, events, _), terms_of in zip(per_article, terms_in):
        for e in events:
            terms = terms_of.get(e.sentence, _EMPTY)
            actors = frozenset(a for a in (actor_ids.get((slug, x)) for x in e.actors) if a) if e.actors else _EMPTY
            events_in.append((slug, e, terms, actors,
                              (e.start.toordinal(), e.end.toordinal(), ranks.get(e.precision, unranked))))
    compatible = _compatible_periods({x[4] for x in events_in if x[4][2] <= _MERGE_RANK}, memo)

    # Inside sitegen serve, the last build's steps (see _Merged and _Replay): an event
    # that is one of the last merge's, whose candidates then are all clusters as they
    # were then and which no cluster changed since would be a candidate for, has the
    # same candidates now; only their scores are computed again (every idf weight
    # moves with the corpus), all at once (see _Merged.scores).  Only the events the
    # edit touches, and those near them in date and wording, are compared afresh.
    merged = memo.state(_MERGED, _Merged) if memo is not None else None
    plan = _Replay(merged, events_in, idf) if merged is not None and merged.events else None
    weights = plan.per_event if plan is not None else []
    old_of = plan.old_of if plan is not None else []
    items: list[_Item] = [
        (slug, e, terms, actors,
         weights[old_of[i]] if plan is not None and old_of[i] >= 0 else weigh(map(weight_of, terms)), period, i)
        for i, (slug, e, terms, actors, period) in enumerate(events_in)]

    # Clusters indexed by their best event's period; each event is compared with the
    # clusters of the periods compatible with its own only (comparing every event with
    # every cluster took minutes at 1,000 articles), and in a period of many clusters
    # (a busy day: up to 165 at 1,000 articles) with those that share a term with it.
    clusters: list[_Cluster] = []
    shelves: dict[_Period, _Shelf] = {}
    record = merged.recorder(idf) if merged is not None else None
    replayed = 0
    for i, item in enumerate(items):
        slug, e, terms, actors, weight, period, _ = item
        home = None
        best_order = -1
        j = -1
        if plan is not None:
            if i == plan.first_changed:
                plan.drop_removed()
            j = old_of[i]
        if j >= 0 and (period[2] > _MERGE_RANK or plan.replayable(j, item, compatible)):  # type: ignore[union-attr]
            # Replayed: the decision from the scores computed at once (a coarse period never merges).
            if period[2] <= _MERGE_RANK:
                home = plan.decide(j)  # type: ignore[union-attr]
            best_order = home.order if home is not None else -1
            assert record is not None
            record.copied(j, best_order)
            replayed += 1
        elif period[2] <= _MERGE_RANK:
            # The best cluster: the highest score at or above the threshold,
            # ties to the latest created (the order the candidates were once
            # sorted and scanned in), so no candidate list is built or sorted
            # and the order candidates come in does not matter.
            best_score = MERGE_THRESHOLD
            value = e.value
            disjoint = terms.isdisjoint
            no_shared_actor = actors.isdisjoint
            found = [] if record is not None else None
            for other_period in compatible[period]:
                shelf = shelves.get(other_period)
                if shelf is None:
                    continue
                by_term = shelf.by_term
                for cluster in (shelf.clusters if by_term is None
                                else set().union(*[by_term[t] for t in terms if t in by_term])):
                    other_terms = cluster.terms
                    # No shared term: the score is at most 0.1, below the threshold.
                    if disjoint(other_terms):
                        continue
                    _, other, _, other_actors, other_weight, _, where = cluster.best
                    # An article returns to an event with the same date expression.
                    if slug in cluster.slugs and value != other.value:
                        continue
                    # The idf weight they share over the smaller one's, +0.1 for a shared actor
                    smaller = weight if weight < other_weight else other_weight  # noqa: FURB136 - no call: hot loop
                    shared = terms & other_terms
                    score = weigh(map(weight_of, shared)) / smaller if smaller else 0.0
                    bonus = not no_shared_actor(other_actors)
                    if bonus:
                        score += 0.1
                    if found is not None:
                        found.append((cluster.order, where, shared, bonus))
                    if score > best_score or (score == best_score and cluster.order > best_order):
                        home, best_score, best_order = cluster, score, cluster.order
            if record is not None:
                record.step(terms, found, best_order)
        elif record is not None:
            record.step(terms, None, -1)
        if home is None:
            cluster = _Cluster(len(clusters), item)
            clusters.append(cluster)
            if period[2] <= _MERGE_RANK:  # a coarser period never merges: not indexed
                _shelf(shelves, period).add(cluster)
            if plan is not None:
                plan.settle(j, cluster, created=True)
        else:
            before, before_terms = home.period, home.terms
            if home.add(item):  # a new best: the cluster's period and terms are its
                shelves[before].remove(home, before_terms)
                _shelf(shelves, home.period).add(home)
            if plan is not None:
                plan.settle(j, home, created=False)
    if merged is not None and record is not None:
        merged.keep(events_in, record, replayed, plan)

    horizon = dt.date(corpus_start.year - 1, corpus_start.month, 1) if corpus_start else None
    made = _Made.of(memo, horizon)
    out = [made.event(cluster.events, cluster.best[1], horizon) for cluster in clusters]
    made.done()
    out.sort(key=lambda t: (t.start, _rank(t.precision), t.sources[0].article, t.sources[0].sentence))
    return tuple(out)


_INDEXED = 16  # clusters of one period past which they are also found by term


class _Shelf:
    """The clusters whose best event has one period, in the order they came; past
    ``_INDEXED`` of them also by each term of their best event (a dict lookup per
    term of the event beats testing every cluster of a busy day)."""

    __slots__ = ("by_term", "clusters")

    def __init__(self) -> None:
        self.clusters: list[_Cluster] = []
        self.by_term: dict[str, set[_Cluster]] | None = None

    def add(self, cluster: _Cluster) -> None:
        self.clusters.append(cluster)
        if self.by_term is not None:
            self._index(cluster)
        elif len(self.clusters) > _INDEXED:
            self.by_term = {}
            for c in self.clusters:
                self._index(c)

    def _index(self, cluster: _Cluster) -> None:
        by_term = self.by_term
        assert by_term is not None
        for t in cluster.terms:
            found = by_term.get(t)
            if found is None:
                by_term[t] = {cluster}
            else:
                found.add(cluster)

    def remove(self, cluster: _Cluster, terms: frozenset[str]) -> None:
        """Take out ``cluster``, which was here with ``terms``."""
        self.clusters.remove(cluster)
        if self.by_term is not None:
            for t in terms:
                self.by_term[t].discard(cluster)


def _shelf(shelves: dict[_Period, _Shelf], period: _Period) -> _Shelf:
    shelf = shelves.get(period)
    if shelf is None:
        shelf = shelves[period] = _Shelf()
    return shelf


class _Merged:
    """The steps of the last merge (``sitegen serve``), to replay where an edit changed
    nothing an event is compared with (see :class:`_Replay`).

    Per event, in merge order: the event as compared (slug, event, terms, corpus
    actors), the idf terms of its sentence, its candidates (the clusters that
    passed the date, term and article tests: creation order, the place of their
    best event, the terms shared with it, whether an actor is shared) and the
    cluster it joined (-1: a new one).  Terms are numbers of :attr:`terms` (they
    only ever grow); the per-event and per-candidate parts are flat arrays with
    start offsets, so that replaying sums them all at once.
    """

    def __init__(self) -> None:
        import numpy as np  # here: analysing an article imports this module, not numpy

        self.events: list[tuple[str, Event, frozenset[str], frozenset[str], _Period]] = []
        self.decisions: list[int] = []
        self.number: dict[str, int] = {}  # term -> its number
        self.terms: list[str] = []
        empty = np.zeros(1, dtype=np.intp)
        self.event_start, self.event_terms = empty, empty[:0]
        self.candidate_start = empty
        self.order, self.best, self.bonus = empty[:0], empty[:0], np.zeros(0, dtype=bool)
        self.shared_start, self.shared_terms = empty, empty[:0]
        self.replayed = 0  # in the last merge (for tests)

    def covers(self, count: int) -> bool:
        """Whether the last merge (kept here) saw ``count`` events."""
        return len(self.events) == count

    def same_events(self, events: list[tuple[str, Event, frozenset[str], frozenset[str], _Period]]) -> int:
        """How many of ``events``, from the first, are those of the last merge."""
        count = 0
        for now, was in zip(events, self.events):
            if not _same_event(now, was):
                break
            count += 1
        return count

    def same_tail(self, events: list[tuple[str, Event, frozenset[str], frozenset[str], _Period]], head: int) -> int:
        """How many of ``events``, from the last, are the last merge's last ones (at most
        as many as follow the first ``head`` in both)."""
        old = self.events
        limit = min(len(old), len(events)) - head
        count = 0
        while count < limit and _same_event(events[-1 - count], old[-1 - count]):
            count += 1
        return count

    def scores(self, steps: int, idf: Mapping[str, float],
               ) -> tuple[list[float], list[float], list[int], list[int]] | None:
        """For the first ``steps`` events, with the weights ``idf``: their weights, their
        candidates' scores and creation orders, and where each event's candidates start.

        The same floats as the merge's own: its sums are exactly rounded (fsum), and
        an exactly rounded sum does not depend on how it is found; here the
        weights, each a whole number of 2**-53 (an idf is at least log 2), are
        added as integers and rounded once.
        """
        import numpy as np

        weights = np.array([idf.get(t, 1.0) for t in self.terms])
        event_start = self.event_start[:steps + 1]
        candidate_start = self.candidate_start[:steps + 1]
        cands = int(candidate_start[-1])
        shared_start = self.shared_start[:cands + 1]
        per_event = _exact_sums(weights, self.event_terms[:int(event_start[-1])], event_start)
        shared = _exact_sums(weights, self.shared_terms[:int(shared_start[-1])], shared_start)
        owner = np.repeat(np.arange(steps), np.diff(candidate_start))
        smaller = np.minimum(per_event[owner], per_event[self.best[:cands]])
        score = np.zeros(cands)
        np.divide(shared, smaller, out=score, where=smaller != 0)
        score = np.where(self.bonus[:cands], score + 0.1, score)
        return per_event.tolist(), score.tolist(), self.order[:cands].tolist(), candidate_start.tolist()

    def recorder(self, terms: Iterable[str]) -> _Recorder:
        """A recorder for this merge, whose events' terms are all among ``terms``."""
        number, names = self.number, self.terms
        for t in sorted(set(terms) - number.keys()):  # sorted: the same numbers in every process
            number[t] = len(names)
            names.append(t)
        return _Recorder(number)

    def keep(self, events: list[tuple[str, Event, frozenset[str], frozenset[str], _Period]],
             record: _Recorder, replayed: int, plan: _Replay | None) -> None:
        """Keep this merge's steps: those ``record`` copied from the last merge's (their
        clusters' orders and best events' places as they are in this merge: ``plan``),
        and those it took as they came; ``replayed`` of them were replayed."""
        import numpy as np

        got = record.arrays()
        kinds = np.array(record.kinds, dtype=np.intp)
        copied = np.flatnonzero(kinds >= 0)
        fresh = np.flatnonzero(kinds < 0)
        old = kinds[copied]  # the last merge's steps copied, in this merge's order
        order_map = index_map = np.zeros(0, dtype=np.intp)
        if plan is not None and len(copied):
            order_map = np.array([c.order if c is not None else -1 for c in plan.mate], dtype=np.intp)
            old_of = np.array(plan.old_of, dtype=np.intp)
            mapped = old_of >= 0
            index_map = np.full(len(self.events), -1, dtype=np.intp)
            index_map[old_of[mapped]] = np.flatnonzero(mapped)

        def layout(counts_copied: np.ndarray, counts_fresh: np.ndarray, rows_copied: np.ndarray,
                   rows_fresh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """Start offsets of the rows' items, and where the copied and the fresh ones go."""
            counts = np.zeros(len(rows_copied) + len(rows_fresh), dtype=np.intp)
            counts[rows_copied] = counts_copied
            counts[rows_fresh] = counts_fresh
            start = np.zeros(len(counts) + 1, dtype=np.intp)
            np.cumsum(counts, out=start[1:])
            return start, _ranges(start, rows_copied)[0], _ranges(start, rows_fresh)[0]

        # Each event's terms.
        src, counts = _ranges(self.event_start, old)
        event_start, at_copied, at_fresh = layout(counts, got["event_counts"], copied, fresh)
        event_terms = np.empty(int(event_start[-1]), dtype=np.intp)
        event_terms[at_copied] = self.event_terms[src]
        event_terms[at_fresh] = got["event_terms"]
        # Each event's candidates: their clusters' orders and best events' places in this merge.
        cands, counts = _ranges(self.candidate_start, old)
        candidate_start, cand_copied, cand_fresh = layout(counts, got["candidate_counts"], copied, fresh)
        total = int(candidate_start[-1])
        order = np.empty(total, dtype=np.intp)
        order[cand_copied] = order_map[self.order[cands]]
        order[cand_fresh] = got["order"]
        best = np.empty(total, dtype=np.intp)
        best[cand_copied] = index_map[self.best[cands]]
        best[cand_fresh] = got["best"]
        bonus = np.empty(total, dtype=bool)
        bonus[cand_copied] = self.bonus[cands]
        bonus[cand_fresh] = got["bonus"]
        # Each candidate's shared terms.
        src, counts = _ranges(self.shared_start, cands)
        shared_start, at_copied, at_fresh = layout(counts, got["shared_counts"], cand_copied, cand_fresh)
        shared_terms = np.empty(int(shared_start[-1]), dtype=np.intp)
        shared_terms[at_copied] = self.shared_terms[src]
        shared_terms[at_fresh] = got["shared_terms"]
        if len(copied):
            assert (order[cand_copied] >= 0).all() and (best[cand_copied] >= 0).all()  # clean clusters only
        self.event_start, self.event_terms = event_start, event_terms
        self.candidate_start, self.order, self.best, self.bonus = candidate_start, order, best, bonus
        self.shared_start, self.shared_terms = shared_start, shared_terms
        self.decisions = record.all_decisions
        self.events = events
        self.replayed = replayed


class _Recorder:
    """The steps of the events a merge did not replay, as they come (made into
    :class:`_Merged`'s arrays at once by :meth:`arrays`)."""

    def __init__(self, number: dict[str, int]):
        self.number = number
        self.terms: list[frozenset[str]] = []
        self.found: list[list[tuple[int, int, frozenset[str], bool]]] = []
        self.kinds: list[int] = []  # per step: the last merge's step it copies, or -1 (taken here)
        self.all_decisions: list[int] = []  # per step: the cluster it joined (its order), -1 a new one

    def step(self, terms: frozenset[str], found: list[tuple[int, int, frozenset[str], bool]] | None,
             decision: int) -> None:
        self.terms.append(terms)
        self.found.append(found or _NO_CANDIDATES)
        self.kinds.append(-1)
        self.all_decisions.append(decision)

    def copied(self, old: int, decision: int) -> None:
        """The step replays the last merge's step ``old`` (the same candidates)."""
        self.kinds.append(old)
        self.all_decisions.append(decision)

    def arrays(self) -> dict[str, Any]:
        """The taken steps' parts as flat arrays (term numbers, candidates' orders, best
        events' places, shared actors, shared term numbers) with their counts."""
        import numpy as np

        number = self.number.__getitem__
        found = list(chain.from_iterable(self.found))
        order, best, shared, bonus = zip(*found) if found else ((), (), (), ())
        return {
            "event_terms": np.fromiter(map(number, chain.from_iterable(self.terms)), dtype=np.intp),
            "event_counts": np.fromiter(map(len, self.terms), dtype=np.intp, count=len(self.terms)),
            "order": np.array(order, dtype=np.intp),
            "best": np.array(best, dtype=np.intp),
            "bonus": np.array(bonus, dtype=bool),
            "candidate_counts": np.fromiter(map(len, self.found), dtype=np.intp, count=len(self.found)),
            "shared_terms": np.fromiter(map(number, chain.from_iterable(shared)), dtype=np.intp),
            "shared_counts": np.fromiter(map(len, shared), dtype=np.intp, count=len(shared)),
        }


_NO_CANDIDATES: list[tuple[int, int, frozenset[str], bool]] = []  # never changed


def _same_event(now: tuple[str, Event, frozenset[str], frozenset[str], _Period],
                was: tuple[str, Event, frozenset[str], frozenset[str], _Period]) -> bool:
    """Whether an event as the merge compares it is one of the last merge's (an article
    analysed again gives equal events, not the same objects)."""
    slug, e, terms, actors, _ = now
    was_slug, was_e, was_terms, was_actors, _ = was
    return ((e is was_e or e == was_e) and slug == was_slug and (terms is was_terms or terms == was_terms)
            and actors == was_actors)


def _ranges(start: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The places of the items of ``rows`` (row k's items are ``start[k]:start[k + 1]``),
    row after row, and each row's count."""
    import numpy as np

    lo = start[rows]
    counts = start[rows + 1] - lo
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.intp), counts
    ends = np.cumsum(counts)
    return np.repeat(lo - (ends - counts), counts) + np.arange(total), counts


_DIRTY_LIMIT = 64  # clusters changed since the last merge past which nothing more is replayed


class _Replay:
    """Which of a merge's events replay the last merge's steps (``sitegen serve``).

    The events are the last merge's but for one stretch (the edit): those before
    it and those after it are the last merge's (``old_of``: the last merge's place
    of each, -1 for a new one).  A cluster is *clean* while it holds the events its
    counterpart in the last merge (``mate``, by that one's creation order) held at
    the same point, and *dirty* once it differs (an event the edit added, removed
    or moved joined it, or one decided otherwise than last time).  An event of the
    last merge whose candidates then were all clean clusters, and for which no
    dirty cluster passes the candidate tests (period, a shared term, the article
    rule), has the very same candidates now: its decision is made from their
    scores, computed again with this merge's idf (the same floats as comparing
    afresh).  Clean clusters keep their relative creation order, so ties break as
    then.  Written by hand: an incremental form of this module's own clustering.
    """

    __slots__ = ("created", "decisions", "dirty", "first", "first_changed", "mate", "old_of", "orders",
                 "per_event", "removed", "score")

    def __init__(self, merged: _Merged, events: list[tuple[str, Event, frozenset[str], frozenset[str], _Period]],
                 idf: Mapping[str, float]):
        old_count, count = len(merged.events), len(events)
        head = merged.same_events(events)
        tail = merged.same_tail(events, head)
        self.first_changed = head
        self.old_of = [*range(head), *([-1] * (count - tail - head)), *range(old_count - tail, old_count)]
        self.removed = range(head, old_count - tail)
        self.decisions = merged.decisions
        self.created: list[int] = []  # per old step: the order of the cluster it created, or -1
        made = 0
        for d in self.decisions:
            self.created.append(made if d == -1 else -1)
            made += d == -1
        self.mate: list[_Cluster | None] = [None] * made
        self.dirty: set[_Cluster] = set()
        self.per_event, self.score, self.orders, self.first = merged.scores(old_count, idf)

    def drop_removed(self) -> None:
        """The clusters that events gone since the last merge joined are dirty."""
        for r in self.removed:
            d = self.decisions[r]
            if d >= 0 and self.mate[d] is not None:
                self.dirty.add(self.mate[d])  # type: ignore[arg-type]

    def replayable(self, j: int, item: _Item, compatible: Mapping[_Period, tuple[_Period, ...]]) -> bool:
        """Whether the event ``item``, the last merge's step ``j``, has the candidates it had then."""
        dirty, mate, orders = self.dirty, self.mate, self.orders
        if len(dirty) > _DIRTY_LIMIT:
            return False
        for k in range(self.first[j], self.first[j + 1]):
            c = mate[orders[k]]
            if c is None or c in dirty:
                return False
        if dirty:
            slug, e, terms, _, _, period, _ = item
            near = compatible[period]
            for c in dirty:
                if (c.period in near and not terms.isdisjoint(c.terms)
                        and not (slug in c.slugs and e.value != c.best[1].value)):
                    return False
        return True

    def decide(self, j: int) -> _Cluster | None:
        """The cluster step ``j``'s event joins now (None: a new one), as the merge decides:
        the highest score at or above the threshold, ties to the latest created."""
        best_score = MERGE_THRESHOLD
        best = -1
        score, orders = self.score, self.orders
        for k in range(self.first[j], self.first[j + 1]):
            if score[k] > best_score or (score[k] == best_score and orders[k] > best):
                best_score, best = score[k], orders[k]
        return self.mate[best] if best >= 0 else None

    def settle(self, j: int, cluster: _Cluster, *, created: bool) -> None:
        """The event of step ``j`` (-1: new to this merge) joined ``cluster`` (or made it)."""
        if j >= 0:
            d = self.decisions[j]
            if created and d == -1:
                self.mate[self.created[j]] = cluster  # as last time: clean
                return
            if not created and d >= 0 and self.mate[d] is cluster:
                return  # joined the cluster it joined last time: clean if it was (dirt stays)
            if d >= 0 and self.mate[d] is not None:
                self.dirty.add(self.mate[d])  # type: ignore[arg-type]  # the one it left
        if cluster.period[2] <= _MERGE_RANK:  # a coarser one is never a candidate
            self.dirty.add(cluster)


_EXACT_LIMIT = 63  # terms summed as integers at most (each below 2**57: no overflow)


def _exact_sums(weights: np.ndarray, terms: np.ndarray, start: np.ndarray) -> np.ndarray:
    """``math.fsum`` of ``weights[terms[start[k]:start[k + 1]]]`` for each k: exactly rounded.

    Each weight at least 0.5 and below 16 is a whole number of 2**-53 below
    2**57: up to 63 of them add up exactly in 64-bit integers, and converting the
    total to a float rounds it once, to nearest, as ``fsum`` does.  Other sums
    are left to ``fsum``.
    """
    import numpy as np

    counts = np.diff(start)
    out = np.zeros(len(counts))
    if not len(counts):
        return out
    if len(weights) and weights.min() >= 0.5 and weights.max() < 16.0 and counts.max() <= _EXACT_LIMIT:
        scaled = np.ldexp(weights, 53).astype(np.int64)
        filled = counts > 0
        if filled.any():
            totals = np.add.reduceat(scaled[terms], start[:-1][filled])
            out[filled] = np.ldexp(totals.astype(np.float64), -53)
        return out
    values = weights.tolist()
    bounds = start.tolist()
    picked = terms.tolist()
    return np.array([math.fsum(values[t] for t in picked[bounds[k]:bounds[k + 1]]) for k in range(len(counts))])


def _compatible_periods(periods: set[_Period], memo: Any) -> dict[_Period, tuple[_Period, ...]]:
    """For each of ``periods``, those a cluster of its events may join one of: the same,
    or one inside the other (a day inside its week); and one of the two must be a
    month or finer (a season does not make two sentences one event).

    Computed once per build for the few thousand distinct periods rather than for
    every event and every period near it; inside ``sitegen serve`` (``memo``) kept
    while the set of periods is the same.
    """
    last = memo.state(_PERIODS, _new_box) if memo is not None else None
    if last is not None and last[0] is not None and last[0][0] == periods:
        return last[0][1]
    ordered = sorted(periods)
    starts = [p[0] for p in ordered]
    # A period inside another starts at most the longest period before it (the periods
    # that merge are at most a season long).
    longest = max((end - start for start, end, _ in ordered), default=0)
    out = {}
    for p in ordered:
        start, end, rank = p
        fine = rank <= _MONTH_RANK
        near = ordered[bisect_left(starts, start - longest):bisect_right(starts, end)]
        out[p] = tuple(q for q in near if ((start >= q[0] and end <= q[1]) or (q[0] >= start and q[1] <= end))
                       and (fine or q[2] <= _MONTH_RANK))
    if last is not None:
        last[0] = (periods, out)
    return out


def _new_box() -> list[Any]:
    return [None]


_PERIODS = object()  # the memo's key for the last build's compatible periods
_MERGED = object()  # ... for the last build's steps (a _Merged)


def merged_before(memo: Any, count: int) -> bool:
    """Whether ``memo`` holds the state of a merge of ``count`` events (see :func:`merge_events`)."""
    with _MERGING:
        state = memo.states.get(_MERGED)
        return state is not None and state.covers(count)
_MADE = object()  # ... for the last build's timeline events


class _Made:
    """Timeline events made from clusters; inside ``sitegen serve``, the last build's
    event for a cluster of the very same events (by identity, with the same slugs
    and corpus actors) and the same horizon is that event again.

    Most clusters come out of a rebuild as they were, and their events are then
    neither made again (their sources, their id's SHA-1) nor compared field by
    field when interned (:func:`sitegen.cache.interned`).  A cluster's best event,
    and so everything shown, follows from its events in order.
    """

    __slots__ = ("box", "horizon", "last", "now")

    def __init__(self, box: list[Any] | None, horizon: dt.date | None):
        self.box = box
        self.horizon = horizon
        last = box[0] if box is not None else None
        self.last: dict[int, tuple[list[_Item], TimelineEvent]] = (
            last[1] if last is not None and last[0] == horizon else {})
        self.now: dict[int, tuple[list[_Item], TimelineEvent]] = {}

    @classmethod
    def of(cls, memo: Any, horizon: dt.date | None) -> _Made:
        return cls(memo.state(_MADE, _new_box) if memo is not None else None, horizon)

    def event(self, members: list[_Item], best: Event, horizon: dt.date | None) -> TimelineEvent:
        if self.box is None:
            return _timeline_event(members, best, horizon)
        key = id(members[0][1])
        hit = self.last.get(key)
        if hit is not None:
            was = hit[0]
            if len(was) == len(members) and all(
                    a[1] is b[1] and a[0] == b[0] and a[3] == b[3] for a, b in zip(members, was)):
                self.now[key] = hit
                return hit[1]
        event = _timeline_event(members, best, horizon)
        self.now[key] = (members, event)
        return event

    def done(self) -> None:
        # Clusters hold their events' objects, so the ids keyed on cannot be reused meanwhile.
        if self.box is not None:
            self.box[0] = (self.horizon, self.now)


def _timeline_event(members: list[_Item], best: Event, horizon: dt.date | None) -> TimelineEvent:
    """The timeline's event for a cluster's events (in the order they joined it) and its best one."""
    if len(members) == 1:  # most events are reported once: nothing to order or pool
        s, e, _, ids, _, _, _ = members[0]
        sources: tuple[Source, ...] = (Source(s, e.sentence, e.text, e.timex, e.anchor),)
        actors = sorted(ids)
    else:
        sources = tuple(Source(s, e.sentence, e.text, e.timex, e.anchor)
                        for s, e, *_ in sorted(members, key=_source_order))
        actors = []
        for _, _, _, ids, _, _, _ in members:
            actors.extend(a for a in sorted(ids) if a not in actors)
    return TimelineEvent(
        id=_event_id(best.value, sources[0]), value=best.value, precision=best.precision,
        start=best.start, end=best.end, text=best.text, sources=sources, actors=tuple(actors),
        background=bool(horizon and best.end < horizon),
    )


_EMPTY: frozenset[str] = frozenset()


def _source_order(item: _Item) -> tuple[bool, str]:
    """Sources from the text first, then by article."""
    return item[1].anchor != "text", item[0]


def _event_id(value: str, first: Source) -> str:
    """A stable id (the page anchor): from the date and the first source.

    Not a running number, so that a new event elsewhere leaves the others'
    ids, and the pages that show them, unchanged (incremental builds).
    """
    digest = hashlib.sha1(f"{value}|{first.article}|{first.sentence}".encode()).hexdigest()
    return f"e-{digest[:10]}"


def key_dates(
    events: Sequence[TimelineEvent],
    limit: int,
    published: Mapping[str, dt.date | None] | None = None,
) -> set[str]:
    """Ids of the events on the most reported dates: at most ``limit``, and at
    most a third of the dates, so that "key" keeps its meaning in a small corpus.

    Dates are ranked by :func:`sitegen.keydates.rank_dates` (articles
    reporting them, articles published on them, PageRank over the
    date-reference graph); ``published`` maps article slugs to their
    publication dates.
    """
    ranked = rank_dates(events, published=published)
    chosen = {d.period for d in ranked[:min(limit, max(1, len(ranked) // 3))]}
    return {e.id for e in events if not e.background and (e.start, e.end) in chosen}


def corpus_period(dates: Iterable[dt.date | None]) -> tuple[dt.date, dt.date] | None:
    known = sorted(d for d in dates if d)
    return (known[0], known[-1]) if known else None
