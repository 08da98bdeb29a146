"""Benchmark sitegen's timeline (key dates and their sentences) on Timeline17.

    .venv/bin/python bench/timeline.py [--topics H1N1_bbc,...] [--limit N] [--no-cache]

For each topic of ``/work/shared/data/t17-dev/`` (Tran et al. 2013's
Timeline17; articles with their publication dates, and one or more timelines
written by journalists) the articles go through sitegen's own pipeline:
spaCy parse (:func:`sitegen.nlp.parse_many`), sentences
(:func:`sitegen.nlp.sentences_of`), temporal expressions resolved against the
publication date (:func:`sitegen.temporal.extract_timexes`), events per
article (:func:`sitegen.events.article_events`) and merged across articles
(:func:`sitegen.events.merge_events`).  The machine-extracted ``dates`` field
of the data set is not used.

Setting (Martschat & Markert 2018; Gholipour Ghalandari & Ifrim 2020): each
reference timeline of a topic is one test case; the system makes a timeline of
``k`` days, ``k`` = the number of days of the reference, with ``n`` sentences a
day, ``n`` = the reference's mean sentences a day (rounded), and only days
between the reference's first and last day are candidates.

Scores, as the ``tilse`` package computes them (tilse itself needs the Perl
ROUGE-1.5.5 through its own fork of ``pyrouge``, so its measures are
re-implemented here on ``rouge-score``'s tokenizer and Porter stemmer, with
stop words removed as tilse's ``Rouge155(stem=True, ignore_stopwords=True)``
does; the stop list is spaCy's, not ROUGE's SMART list):

- **Date-F1**: precision and recall of the system's days against the
  reference's days (tilse ``evaluation.dates``);
- **R1 concat**: ROUGE-1 F1 of all system sentences against all reference
  sentences (tilse ``evaluate_concat``);
- **R1 agree**: ROUGE-1 F1 counting only words of the same day (tilse
  ``evaluate_agreement``);
- **R1 align+ m:1**: each day is aligned to the day of the other timeline that
  costs least (date distance times content difference), and its ROUGE-1 hits
  are discounted by ``1 / (days apart + 1)`` (tilse
  ``evaluate_align_date_content_costs_many_to_one``, Martschat & Markert 2017).

Systems, on the same merged events:

- ``sitegen``: :func:`sitegen.keydates.rank_dates` and
  :func:`sitegen.keydates.date_summary`, what the site uses;
- ``mentions``: days ranked by the number of sentences anchored to them
  (MentionCount), the sentences reported by most sources;
- ``pubcount``: days ranked by the number of articles published on them
  (PubCount), most-reported sentences;
- ``oracle``: not a system but the ceiling of date selection on these
  events: every reference day that is among the candidate days (some day
  that the temporal tagger resolved some sentence to) first, sitegen's
  sentences.

Parses are cached (sentences and timexes, pickled, not Docs) under
``$XDG_CACHE_HOME/sitegen-bench/timeline``, keyed by the text, the DCT, the
pipeline version and the source of sitegen's temporal and NLP modules, so a
change to the temporal rules re-parses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen import events as ev  # noqa: E402
from sitegen import keydates  # noqa: E402
from sitegen.model import Block, Sentence  # noqa: E402

DATA = Path("/work/shared/data/t17-dev")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sitegen-bench" / "timeline"
ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------- data


@dataclass(frozen=True)
class Reference:
    name: str
    days: dict[dt.date, list[str]]  # day -> sentences

    @property
    def k(self) -> int:
        return len(self.days)

    @property
    def sentences_per_day(self) -> int:
        n = sum(len(s) for s in self.days.values()) / max(1, len(self.days))
        return max(1, round(n))


@dataclass(frozen=True)
class Parsed:
    slug: str
    dct: dt.date
    sentences: tuple[Sentence, ...]
    timexes: tuple[object, ...]


_SPLIT = re.compile(r"(?<=[.!?])\s+(?=\S)")


def detokenise(text: str) -> str:
    """Undo the data set's Penn-Treebank tokenisation, lightly, for spaCy."""
    t = " " + text.strip() + " "
    t = t.replace("-LRB-", "(").replace("-RRB-", ")").replace("-LSB-", "[").replace("-RSB-", "]")
    t = re.sub(r"``\s*", '"', t)
    t = re.sub(r"\s*''", '"', t)
    t = re.sub(r" ([.,;:!?%)\]])", r"\1", t)
    t = re.sub(r"([(\[$]) ", r"\1", t)
    t = re.sub(r" (n't|'s|'re|'ve|'m|'ll|'d)\b", r"\1", t, flags=re.I)
    return t.strip()


def reference_sentences(text: str) -> list[str]:
    """A reference day's text split into sentences (it comes tokenised)."""
    return [s.strip() for s in re.split(r"(?<= [.!?]) +", text.strip()) if s.strip()]


def load_references(topic: Path) -> list[Reference]:
    out = []
    for path in sorted(topic.glob("*.timeline.json")):
        days: dict[dt.date, list[str]] = defaultdict(list)
        for item in json.loads(path.read_text()):
            days[dt.date.fromisoformat(item["date"][:10])].extend(reference_sentences(item["text"]))
        out.append(Reference(path.name.removesuffix(".timeline.json"), dict(days)))
    return out


def parse_topic(topic: Path, limit: int | None, use_cache: bool) -> tuple[list[Parsed], float, list[str]]:
    """Sentences and timexes of a topic's articles; seconds spent; failures.

    The spaCy parses are cached as a ``DocBin`` keyed by the texts and the
    pipeline version; sentences and timexes are recomputed on every run, so a
    change to the temporal rules shows at once.
    """
    from spacy.tokens import DocBin

    from sitegen import nlp
    from sitegen.temporal import extract_timexes

    articles = json.loads((topic / "articles.json").read_text())
    articles.sort(key=lambda a: (a["dct"], a["uid"]))
    if limit:
        articles = articles[:limit]
    texts = [detokenise(a["text"]) for a in articles]
    pipeline = nlp.load_pipeline()
    key = hashlib.sha256("\0".join([nlp.pipeline_version(), *texts]).encode()).hexdigest()[:20]
    cache_file = CACHE / f"{topic.name}-{key}.spacy"
    t0 = time.perf_counter()
    if use_cache and cache_file.exists():
        docs = list(DocBin().from_bytes(cache_file.read_bytes()).get_docs(pipeline.vocab))
    else:
        docs = list(nlp.parse_many(texts))
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_bytes(DocBin(store_user_data=False, docs=docs).to_bytes())
        os.replace(tmp, cache_file)
    out: list[Parsed] = []
    failures: list[str] = []
    for a, text, doc in zip(articles, texts, docs, strict=True):
        dct = dt.date.fromisoformat(a["dct"][:10])
        slug = f"{topic.name}-{a['uid']}"
        sentences = nlp.sentences_of(doc, [Block("paragraph", text, 0, len(text))])
        try:
            timexes = extract_timexes(doc, dct)
        except Exception as exc:  # the bench reports a tagger crash rather than dying on it
            failures.append(f"{slug}: {exc.__class__.__name__}: {exc}")
            timexes = ()
        out.append(Parsed(slug, dct, sentences, timexes))
    return out, time.perf_counter() - t0, failures


# ------------------------------------------------------------------ scoring


class Rouge1:
    """ROUGE-1 counts as tilse takes them from ROUGE-1.5.5 (``-s``, stemmed)."""

    def __init__(self) -> None:
        from nltk.stem import porter
        from rouge_score import tokenizers
        from spacy.lang.en.stop_words import STOP_WORDS

        self._tokenizer = tokenizers.DefaultTokenizer(use_stemmer=False)
        self._stemmer = porter.PorterStemmer()
        self._stop = STOP_WORDS
        self._memo: dict[str, tuple[str, ...]] = {}

    def tokens(self, text: str) -> tuple[str, ...]:
        if text not in self._memo:
            words = [w for w in self._tokenizer.tokenize(text) if w not in self._stop]
            # rouge-score stems words longer than three letters only
            self._memo[text] = tuple(self._stemmer.stem(w) if len(w) > 3 else w for w in words)
        return self._memo[text]

    def counts(self, pred: Sequence[str], ref: Sequence[str]) -> tuple[float, int, int]:
        """(hits, predicted unigrams, reference unigrams)."""
        p: Counter[str] = Counter()
        r: Counter[str] = Counter()
        for s in pred:
            p.update(self.tokens(s))
        for s in ref:
            r.update(self.tokens(s))
        return sum(min(c, r[w]) for w, c in p.items()), sum(p.values()), sum(r.values())


def f1(prec: float, rec: float) -> float:
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def date_f1(pred: dict[dt.date, list[str]], ref: Reference) -> float:
    both = len(set(pred) & set(ref.days))
    return f1(both / len(pred), both / len(ref.days)) if pred else 0.0


def rouge_concat(r1: Rouge1, pred: dict[dt.date, list[str]], ref: Reference) -> float:
    h, p, m = r1.counts([s for d in sorted(pred) for s in pred[d]], [s for d in sorted(ref.days) for s in ref.days[d]])
    return f1(h / p if p else 0.0, h / m if m else 0.0)


def rouge_agreement(r1: Rouge1, pred: dict[dt.date, list[str]], ref: Reference) -> float:
    hp = hr = pd = md = 0.0
    for d in set(pred) | set(ref.days):
        h, p, m = r1.counts(pred.get(d, []), ref.days.get(d, []))
        if d in pred:
            hp += h
            pd += p
        if d in ref.days:
            hr += h
            md += m
    return f1(hp / pd if pd else 0.0, hr / md if md else 0.0)


def _approx_rouge(r1: Rouge1, pred: Sequence[str], ref: Sequence[str]) -> float:
    h, p, m = r1.counts(pred, ref)
    return f1(h / p if p else 0.0, h / m if m else 0.0)


def rouge_align_m1(r1: Rouge1, pred: dict[dt.date, list[str]], ref: Reference) -> float:
    """tilse's ``align_date_content_costs_many_to_one`` ('align+ m:1')."""
    pred_dates, ref_dates = sorted(pred), sorted(ref.days)
    if not pred_dates:
        return 0.0

    def cost(dp: dt.date, dr: dt.date) -> float:
        date_factor = 1 - 1 / (abs(dp.toordinal() - dr.toordinal()) + 1)
        return date_factor * (1 - _approx_rouge(r1, pred[dp], ref.days[dr]))

    prec_num = prec_den = rec_num = rec_den = 0.0
    for dp in pred_dates:  # precision: each predicted day to its cheapest reference day
        dr = min(ref_dates, key=lambda d: cost(dp, d))
        h, p, _ = r1.counts(pred[dp], ref.days[dr])
        prec_num += h / (abs(dp.toordinal() - dr.toordinal()) + 1)
        prec_den += p
    for dr in ref_dates:  # recall: each reference day to its cheapest predicted day
        dp = min(pred_dates, key=lambda d: cost(d, dr))
        h, _, m = r1.counts(pred[dp], ref.days[dr])
        rec_num += h / (abs(dp.toordinal() - dr.toordinal()) + 1)
        rec_den += m
    return f1(prec_num / prec_den if prec_den else 0.0, rec_num / rec_den if rec_den else 0.0)


# ------------------------------------------------------------------ systems

System = Callable[[Sequence[ev.TimelineEvent], dict[str, dt.date], Reference], dict[dt.date, list[str]]]


def _days_in_range(events: Sequence[ev.TimelineEvent], ref: Reference) -> dict[dt.date, list[ev.TimelineEvent]]:
    lo, hi = min(ref.days), max(ref.days)
    by_day: dict[dt.date, list[ev.TimelineEvent]] = defaultdict(list)
    for e in events:
        if e.precision == "day" and lo <= e.start <= hi and not e.background:
            by_day[e.start].append(e)
    return by_day


def _first_reported(events: Sequence[ev.TimelineEvent], n: int) -> list[str]:
    """The baselines' sentences: the events reported by most sources, then in order."""
    ranked = sorted(events, key=lambda e: (-len(e.sources), e.id))
    return [e.text for e in ranked[:n]]


def system_sitegen(events: Sequence[ev.TimelineEvent], published: dict[str, dt.date], ref: Reference) -> dict[dt.date, list[str]]:
    tl = keydates.timeline(events, ref.k, ref.sentences_per_day, published=published,
                           start=min(ref.days), end=max(ref.days))
    return {d: [e.text for e in chosen] for d, chosen in tl if chosen}


def system_mentions(events: Sequence[ev.TimelineEvent], published: dict[str, dt.date], ref: Reference) -> dict[dt.date, list[str]]:
    by_day = _days_in_range(events, ref)
    count = {d: sum(1 for e in es for s in e.sources if s.anchor == "text") for d, es in by_day.items()}
    days = sorted(by_day, key=lambda d: (-count[d], d))[:ref.k]
    return {d: _first_reported(by_day[d], ref.sentences_per_day) for d in days}


def system_pubcount(events: Sequence[ev.TimelineEvent], published: dict[str, dt.date], ref: Reference) -> dict[dt.date, list[str]]:
    by_day = _days_in_range(events, ref)
    lo, hi = min(ref.days), max(ref.days)
    count = Counter(d for d in published.values() if lo <= d <= hi)
    days = sorted(count, key=lambda d: (-count[d], d))[:ref.k]
    return {d: _first_reported(by_day.get(d, []), ref.sentences_per_day) for d in days if by_day.get(d)}


def system_oracle(events: Sequence[ev.TimelineEvent], published: dict[str, dt.date], ref: Reference) -> dict[dt.date, list[str]]:
    """The ceiling of date selection on these events: the reference's days
    among the candidate days first, then sitegen's order; sitegen's sentences."""
    lo, hi = min(ref.days), max(ref.days)
    ranked = keydates.rank_dates(events, published=published, start=lo, end=hi, days_only=True)
    days = sorted((d.start for d in ranked), key=lambda d: d not in ref.days)[:ref.k]
    by_day = _days_in_range(events, ref)
    idf = keydates.idf_of(events)
    topic = keydates.centroid_of(events, idf)
    return {d: [e.text for e in keydates.date_summary(by_day[d], ref.sentences_per_day, idf=idf, topic=topic)]
            for d in days}


SYSTEMS: dict[str, System] = {"sitegen": system_sitegen, "mentions": system_mentions, "pubcount": system_pubcount,
                              "oracle": system_oracle}


# ------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--topics", help="comma-separated topic folder names (default: all)")
    ap.add_argument("--limit", type=int, help="first N articles of each topic (by publication date)")
    ap.add_argument("--no-cache", action="store_true", help="parse again rather than reuse cached parses")
    ap.add_argument("--show", action="store_true", help="print each generated timeline")
    args = ap.parse_args(argv)
    topics = sorted(p for p in DATA.iterdir() if p.is_dir())
    if args.topics:
        wanted = set(args.topics.split(","))
        topics = [t for t in topics if t.name in wanted]
    r1 = Rouge1()
    failed = articles = 0
    rows: list[tuple[str, str, float, float, float, float, float, float]] = []
    for topic in topics:
        parsed, parse_seconds, failures = parse_topic(topic, args.limit, not args.no_cache)
        for f in failures:
            print(f"warning: temporal tagger failed on {f}", file=sys.stderr)
        failed += len(failures)
        articles += len(parsed)
        t0 = time.perf_counter()
        per_article = [(p.slug, ev.article_events(p.sentences, p.timexes, p.dct), p.sentences) for p in parsed]
        merged = ev.merge_events(per_article, corpus_start=min(p.dct for p in parsed))
        shared_seconds = parse_seconds + time.perf_counter() - t0
        published = {p.slug: p.dct for p in parsed}
        for ref in load_references(topic):
            for name, system in SYSTEMS.items():
                t1 = time.perf_counter()
                pred = system(merged, published, ref)
                seconds = time.perf_counter() - t1
                rows.append((f"{topic.name}/{ref.name}", name, date_f1(pred, ref), rouge_concat(r1, pred, ref),
                             rouge_agreement(r1, pred, ref), rouge_align_m1(r1, pred, ref), seconds,
                             shared_seconds))
                if args.show and name == "sitegen":
                    print(f"== {topic.name}/{ref.name} (k={ref.k}, n={ref.sentences_per_day})")
                    for d in sorted(pred):
                        print(f"  {d} {'GOLD' if d in ref.days else '    '}")
                        for s in pred[d]:
                            print(f"      - {s[:160]}")
    print_table(rows)
    print(f"{articles} articles; the temporal tagger failed on {failed} of them (no dates from those; see stderr).")
    return 0


def print_table(rows: Sequence[tuple[str, str, float, float, float, float, float, float]]) -> None:
    """One row per (timeline, system); ``select s`` is the system's own time,
    ``pipeline s`` the shared parse (or cache load), tagging and merging."""
    header = (f"{'timeline':<44} {'system':<9} {'Date-F1':>7} {'R1 concat':>9} {'R1 agree':>8} "
              f"{'R1 align+m:1':>12} {'select s':>8} {'pipeline s':>10}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r[0][:44]:<44} {r[1]:<9} {r[2]:>7.3f} {r[3]:>9.3f} {r[4]:>8.3f} {r[5]:>12.3f} {r[6]:>8.2f} "
              f"{r[7]:>10.1f}")
    print("-" * len(header))
    for name in dict.fromkeys(r[1] for r in rows):
        mine = [r for r in rows if r[1] == name]
        mean = [sum(r[i] for r in mine) / len(mine) for i in range(2, 8)]
        print(f"{'mean (' + str(len(mine)) + ' timelines)':<44} {name:<9} {mean[0]:>7.3f} {mean[1]:>9.3f} "
              f"{mean[2]:>8.3f} {mean[3]:>12.3f} {mean[4]:>8.2f} {mean[5]:>10.1f}")
    print("Published Date-F1 on all of Timeline17 (19 timelines): DATEWISE 0.544.")


if __name__ == "__main__":
    raise SystemExit(main())
