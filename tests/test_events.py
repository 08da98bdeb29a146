"""Events and the timeline: dating sentences, merging reports, key dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from sitegen.events import Event, article_events, key_dates, merge_events, value_interval
from sitegen.model import Sentence

D = dt.date


@pytest.mark.parametrize("value,expected", [
    ("2024-03-07", (D(2024, 3, 7), D(2024, 3, 7), "day")),
    ("2024-W13", (D(2024, 3, 25), D(2024, 3, 31), "week")),
    ("2025-W01", (D(2024, 12, 30), D(2025, 1, 5), "week")),
    ("2024-02", (D(2024, 2, 1), D(2024, 2, 29), "month")),
    ("2024-SP", (D(2024, 3, 1), D(2024, 5, 31), "season")),
    ("2023-WI", (D(2023, 12, 1), D(2024, 2, 29), "season")),
    ("2024-Q2", (D(2024, 4, 1), D(2024, 6, 30), "quarter")),
    ("2020", (D(2020, 1, 1), D(2020, 12, 31), "year")),
    ("199", (D(1990, 1, 1), D(1999, 12, 31), "decade")),
    ("PRESENT_REF", None),
    ("P6M", None),
])
def test_value_interval(value: str, expected: object) -> None:
    assert value_interval(value) == expected


@dataclass(frozen=True)
class T:
    """A timex as sitegen.temporal makes them (duck-typed)."""
    text: str
    start: int
    end: int
    type: str = "DATE"
    value: str | None = None
    resolved: bool = True


def sentences(*texts: str) -> tuple[Sentence, ...]:
    out, pos = [], 0
    for i, text in enumerate(texts, start=1):
        out.append(Sentence(f"s{i}", i, text, pos, pos + len(text), 0,
                            tuple(w.strip(".,").lower() for w in text.split() if len(w) > 3)))
        pos += len(text) + 1
    return tuple(out)


def test_sentence_dated_by_its_most_precise_expression() -> None:
    ss = sentences("Talks began in March and ended on March 7 in Cairo.", "Nothing is dated here at all.")
    t1 = T("March", 15, 20, value="2024-03")
    t2 = T("March 7", 34, 41, value="2024-03-07")
    events = article_events(ss, [t1, t2], D(2024, 3, 26))
    assert [(e.sentence, e.value, e.precision) for e in events] == [("s1", "2024-03-07", "day")]


def test_lead_without_date_takes_publication_date_others_do_not() -> None:
    ss = sentences("The council voted to end the strike.", "Workers cheered outside the hall.")
    events = article_events(ss, [], D(2024, 2, 9))
    assert [(e.sentence, e.value, e.anchor) for e in events] == [("s1", "2024-02-09", "publication")]


def test_undated_article_never_guesses() -> None:
    ss = sentences("The council voted yesterday to end the strike.", "It was founded in 2020 by workers.")
    events = article_events(ss, [T("yesterday", 18, 27, value=None, resolved=False),
                                 T("2020", ss[1].start + 17, ss[1].start + 21, value="2020")], None)
    assert [(e.sentence, e.value) for e in events] == [("s2", "2020")]


def test_durations_and_references_are_not_anchors() -> None:
    ss = sentences("The war has lasted six months and goes on now.")
    events = article_events(ss, [T("six months", 20, 30, type="DURATION", value="P6M"),
                                 T("now", 42, 45, value="PRESENT_REF")], None)
    assert events == ()


def ev(sid: str, text: str, value: str, anchor: str = "text", timex: str = "x") -> Event:
    start, end, precision = value_interval(value)
    return Event(sid, text, value, precision, start, end, timex, anchor)


ABSTAIN_A = "Last week, the administration abstained from a Security Council resolution demanding a ceasefire."
ABSTAIN_B = "Tension rose after the abstention from a Security Council resolution on the ceasefire."
OTHER = "Russia and China vetoed a Security Council resolution on the ceasefire sponsored by Washington."


def terms(text: str) -> tuple[str, ...]:
    return tuple(w.strip(".,").lower() for w in text.split() if len(w) > 3)


def sent(sid: str, text: str) -> Sentence:
    return Sentence(sid, int(sid[1:]), text, 0, len(text), 0, terms(text))


def test_same_event_from_two_sources_is_shown_once() -> None:
    timeline = merge_events([
        ("a", [ev("s4", ABSTAIN_A, "2024-W13", timex="Last week")], [sent("s4", ABSTAIN_A)]),
        ("b", [ev("s1", ABSTAIN_B, "2024-03-26", anchor="publication")], [sent("s1", ABSTAIN_B)]),
    ])
    assert len(timeline) == 1
    event = timeline[0]
    assert {s.article for s in event.sources} == {"a", "b"}
    assert event.value == "2024-W13"  # the date the text gives beats the publication date


def test_different_events_on_nearby_dates_stay_apart() -> None:
    timeline = merge_events([
        ("a", [ev("s4", ABSTAIN_A, "2024-W13")], [sent("s4", ABSTAIN_A)]),
        ("c", [ev("s2", OTHER, "2024-03-22")], [sent("s2", OTHER)]),
    ])
    assert len(timeline) == 2


def test_similar_words_on_incompatible_dates_stay_apart() -> None:
    timeline = merge_events([
        ("a", [ev("s4", ABSTAIN_A, "2024-03-25")], [sent("s4", ABSTAIN_A)]),
        ("b", [ev("s1", ABSTAIN_B, "2024-04-02")], [sent("s1", ABSTAIN_B)]),
    ])
    assert len(timeline) == 2


def test_background_and_order() -> None:
    old = "The treaty was signed in the mid-1990s after long talks."
    timeline = merge_events([
        ("a", [ev("s4", ABSTAIN_A, "2024-W13"), ev("s9", old, "199")], [sent("s4", ABSTAIN_A), sent("s9", old)]),
    ], corpus_start=D(2024, 3, 1))
    assert [e.value for e in timeline] == ["199", "2024-W13"]
    assert [e.background for e in timeline] == [True, False]


def test_memo_keeps_each_articles_terms_between_merges(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import events
    from sitegen.cache import IdentityMemo

    a = ("a", [ev("s4", ABSTAIN_A, "2024-W13", timex="Last week")], (sent("s4", ABSTAIN_A),))
    b = ("b", [ev("s1", ABSTAIN_B, "2024-03-26", anchor="publication")], (sent("s1", ABSTAIN_B),))
    c = ("c", [ev("s2", OTHER, "2024-03-22")], (sent("s2", OTHER),))
    derived = []
    real = events.sentence_terms
    monkeypatch.setattr(events, "sentence_terms", lambda ss: derived.append(ss[0].id) or real(ss))
    memo = IdentityMemo()
    first = merge_events([a, b, c], memo=memo)
    assert sorted(derived) == ["s1", "s2", "s4"]
    edited = ("b", b[1], (sent("s1", ABSTAIN_B + " Again."),))  # the edited article: new sentences
    again = merge_events([a, edited, c], memo=memo)
    assert sorted(derived) == ["s1", "s1", "s2", "s4"]  # only the edited article's terms derived again
    assert again == merge_events([a, edited, c]) and first == merge_events([a, b, c])
    assert len(first) == 2 and len(first[0].sources) + len(first[1].sources) == 3


def test_key_dates_prefer_dates_reported_by_more_sources() -> None:
    timeline = merge_events([
        ("a", [ev("s1", ABSTAIN_A, "2024-W13"), ev("s2", "The minister resigned over the budget dispute.",
                                                   "2024-03-02")],
         [sent("s1", ABSTAIN_A), sent("s2", "The minister resigned over the budget dispute.")]),
        ("b", [ev("s1", ABSTAIN_B, "2024-03-26", anchor="publication"),
               ev("s3", "Floods closed the northern roads for days.", "2024-02-10")],
         [sent("s1", ABSTAIN_B), sent("s3", "Floods closed the northern roads for days.")]),
    ])
    keys = key_dates(timeline, 1)
    assert [e.value for e in timeline if e.id in keys] == ["2024-W13"]


@pytest.mark.slow
def test_seed_timeline_merges_the_abstention(tmp_path: Path) -> None:
    from sitegen.analyse import analyse
    from sitegen.assemble import assemble
    from sitegen.build import load_articles
    from sitegen.config import load_config

    from .conftest import ROOT

    config = load_config(ROOT / "sitegen.yaml")
    articles, _, _ = load_articles(config, drafts=False)
    briefing = assemble([analyse(a, config.analysis_key) for a in articles], data_dir=tmp_path,
                        overview_sentences=6)
    abstention = [e for e in briefing.timeline if "abstain" in e.text.lower() and e.value == "2024-W13"]
    assert len(abstention) == 1
    assert len({s.article for s in abstention[0].sources}) == 2
    dated = {e.value for e in briefing.timeline}
    for value in ("2024-03-07", "2024-03-14", "2024-04-04", "2024-01-24", "2023-10-07"):
        assert value in dated
    assert all(e.actors for e in briefing.timeline if e.value == "2024-03-14")


def test_an_event_that_fits_two_clusters_equally_joins_the_later_one() -> None:
    # Both day clusters share all their (equally weighted) terms with the week's
    # sentence: a tie, which the cluster created later wins (as when candidates
    # were sorted by creation and the last of the best kept).
    timeline = merge_events([
        ("a", [ev("s1", "Ministers budget.", "2024-03-05")], [sent("s1", "Ministers budget.")]),
        ("b", [ev("s1", "Farmers roads.", "2024-03-06")], [sent("s1", "Farmers roads.")]),
        ("c", [ev("s1", "Ministers budget farmers roads.", "2024-W10")],
         [sent("s1", "Ministers budget farmers roads.")]),
    ])
    assert sorted(tuple(s.article for s in e.sources) for e in timeline) == [("a",), ("b", "c")]


def test_serve_document_frequency_follows_the_articles_exactly() -> None:
    from sitegen.cache import IdentityMemo
    from sitegen.events import _count, _document_frequency

    def article(*sentences: str) -> dict[str, frozenset[str]]:
        return {f"s{i}": frozenset(s.split()) for i, s in enumerate(sentences)}

    arts = [article("a b", "b c"), article("c d"), article("e f", "f"), article("g")] + [
        article("a z") for _ in range(12)]
    memo = IdentityMemo()
    edited = article("c d x")  # replaces arts[1]: x comes, nothing goes
    unique = article("only here", "here")  # comes, then goes: its terms must leave no zero count
    for corpus in (arts, arts, [arts[0], edited] + arts[2:], [arts[0], edited, unique] + arts[2:],
                   [arts[0], edited] + arts[2:], [arts[0], arts[0], edited] + arts[3:],  # one twice, one gone
                   arts[:3], arts):  # most gone, then back: counted afresh
        df = _document_frequency(corpus, memo)
        assert dict(df) == dict(_count(corpus))


def test_idf_weights_are_summed_the_same_in_any_order() -> None:
    """Term sets iterate in an order that changes from process to process (string
    hashes): merge_events sums their idf weights exactly rounded, so two clusters
    that tie in one build tie in every build."""
    from sitegen.events import _weight_sum

    weights = [1.0] + [1e-16] * 10  # a plain sum starting at 1.0 loses every small term
    assert _weight_sum(weights) == _weight_sum(reversed(weights)) == _weight_sum(sorted(weights))
    assert _weight_sum(weights) > 1.0


def test_serve_merge_gives_back_the_last_builds_event_for_a_cluster_of_the_same_events() -> None:
    from sitegen.cache import IdentityMemo

    a = ("a", [ev("s4", ABSTAIN_A, "2024-W13", timex="Last week")], (sent("s4", ABSTAIN_A),))
    b = ("b", [ev("s1", ABSTAIN_B, "2024-03-26", anchor="publication")], (sent("s1", ABSTAIN_B),))
    c = ("c", [ev("s2", OTHER, "2024-03-22")], (sent("s2", OTHER),))
    memo = IdentityMemo()
    first = merge_events([a, b, c], {("c", "x"): "russia"}, memo=memo)
    edited = ("a", [ev("s4", ABSTAIN_A + " Again.", "2024-W13", timex="Last week")], a[2])
    again = merge_events([edited, b, c], {("c", "x"): "russia"}, memo=memo)
    assert again == merge_events([edited, b, c], {("c", "x"): "russia"})
    by_text = {e.sources[-1].sentence: e for e in first}
    assert [e is by_text.get(e.sources[-1].sentence) for e in again] == [True, False]  # c's event kept
    # The same events with other corpus actors, or another corpus start: made again.
    c_actor = ("c", [replace(c[1][0], actors=("x",))], c[2])
    moved = merge_events([edited, b, c_actor], {("c", "x"): "russia"}, memo=memo)
    assert moved[0].actors == ("russia",) and moved[0] is not again[0]
    assert merge_events([edited, b, c_actor], {("c", "x"): "russia"}, memo=memo)[0] is moved[0]
    later = merge_events([edited, b, c_actor], {("c", "x"): "russia"}, corpus_start=D(2026, 1, 1), memo=memo)
    assert later[0].background and later == merge_events([edited, b, c_actor], {("c", "x"): "russia"},
                                                         corpus_start=D(2026, 1, 1))


@pytest.mark.parametrize("seed", range(6))
def test_clusters_of_a_busy_day_found_by_term_merge_as_a_scan_of_them_all(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past a number of clusters on one period, merge_events finds them through their
    best event's terms; the timeline must be the one a scan of every cluster gives,
    also when a cluster's best event (and so its terms) changes on the same day."""
    import random

    from sitegen import events

    rnd = random.Random(seed)
    words = [f"word{i}" for i in range(40)]
    corpus = []
    for k in range(60):
        evs, ss = [], []
        for j in range(rnd.randint(1, 3)):
            text = " ".join(rnd.sample(words, rnd.randint(2, 6)))
            sid = f"s{j + 1}"
            day = f"2024-03-0{rnd.randint(4, 6)}" if rnd.random() < 0.9 else "2024-W10"
            evs.append(ev(sid, text, day, anchor=rnd.choice(("text", "publication"))))
            ss.append(sent(sid, text))
        corpus.append((f"a{k:02d}", evs, tuple(ss)))
    scanned = merge_events(corpus)
    monkeypatch.setattr(events, "_INDEXED", 2)
    assert merge_events(corpus) == scanned
    assert len(scanned) < sum(len(e) for _, e, _ in corpus)  # some merged


def _merge_state(memo) -> tuple:  # type: ignore[no-untyped-def]
    """The steps a merge kept for the next (sitegen.events._Merged), term numbers as the terms."""
    from sitegen import events

    m = memo.state(events._MERGED, events._Merged)
    names = m.terms

    def groups(start, items) -> list[frozenset[str]]:  # type: ignore[no-untyped-def]
        return [frozenset(names[t] for t in items[start[k]:start[k + 1]]) for k in range(len(start) - 1)]

    return (list(m.decisions), groups(m.event_start, m.event_terms), m.candidate_start.tolist(), m.order.tolist(),
            m.best.tolist(), m.bonus.tolist(), groups(m.shared_start, m.shared_terms))


def test_serve_merge_replays_the_last_builds_steps_for_events_the_edit_left_alone() -> None:
    """Inside sitegen serve the merge replays the last build's candidates for every event
    of the last build whose candidates are as they were (scores computed again with the
    new idf): before the edited article and after it; every timeline equals a merge
    without a memo, and the steps kept for the next build equal a fresh merge's."""
    import random

    from sitegen import events
    from sitegen.cache import IdentityMemo

    rnd = random.Random(3)
    words = [f"word{i}" for i in range(30)]

    def article(k: int, n: int) -> tuple[str, list[Event], tuple[Sentence, ...]]:
        evs, ss = [], []
        for j in range(n):
            text = " ".join(rnd.sample(words, rnd.randint(2, 6)))
            day = f"2024-03-{rnd.randint(4, 9):02d}" if rnd.random() < 0.8 else "2024-W10"
            evs.append(ev(f"s{j + 1}", text, day, anchor=rnd.choice(("text", "publication"))))
            ss.append(sent(f"s{j + 1}", text))
        return (f"a{k:02d}", evs, tuple(ss))

    corpus = [article(k, rnd.randint(1, 3)) for k in range(40)]
    memo = IdentityMemo()

    def merged(per_article) -> int:
        got = merge_events(per_article, memo=memo)
        assert got == merge_events(per_article)
        fresh = IdentityMemo()
        merge_events(per_article, memo=fresh)
        assert _merge_state(memo) == _merge_state(fresh)
        return memo.state(events._MERGED, events._Merged).replayed  # events replayed

    mergeable = sum(len(evs) for _, evs, _ in corpus)
    assert merged(corpus) == 0
    assert merged(corpus) == mergeable  # nothing changed: every step replayed
    # A build that reused the whole briefing, while sitegen serve's warming used the memo:
    # the sweeps leave the merge's state alone.
    memo.sweep()
    memo.get(corpus[0][2], events.sentence_terms)
    memo.sweep()
    assert merged(corpus) == mergeable
    # The newest article analysed again (new objects, the same text: equal events): all replayed.
    slug, evs, ss = corpus[-1]
    corpus[-1] = (slug, [replace(e) for e in evs], tuple(replace(s) for s in ss))
    assert merged(corpus) == mergeable
    corpus[-1] = article(39, 3)  # edited: the weights move, the replay goes on while decisions hold
    assert merged(corpus) > 0
    corpus[0] = article(0, 2)  # the oldest: the events after it replay unless it touched them
    assert merged(corpus) > 0
    for k in (20, 7, 33):
        corpus[k] = article(k, rnd.randint(1, 3))
        merged(corpus)
    del corpus[12]
    merged(corpus)
    merged(corpus[:30] + [article(50, 2)] + corpus[30:])
    for step in range(60):  # edits, additions, removals and moves at random, each checked as above
        k = rnd.randrange(len(corpus))
        what = rnd.random()
        if what < 0.5:
            corpus[k] = article(int(corpus[k][0][1:]), rnd.randint(0, 3))
        elif what < 0.65 and len(corpus) > 20:
            del corpus[k]
        elif what < 0.8:
            corpus.insert(k, article(100 + step, rnd.randint(1, 3)))
        else:
            corpus.insert(rnd.randrange(len(corpus)), corpus.pop(k))
        merged(corpus)


def test_serve_merge_replays_most_of_a_large_corpus_after_one_edit() -> None:
    """One article edited in the middle of 200: the events after it are replayed too,
    but for those near the edited ones in date and wording."""
    import random

    from sitegen import events
    from sitegen.cache import IdentityMemo

    rnd = random.Random(11)
    words = [f"word{i}" for i in range(400)]

    def article(k: int) -> tuple[str, list[Event], tuple[Sentence, ...]]:
        evs, ss = [], []
        for j in range(3):
            text = " ".join(rnd.sample(words, 6))
            evs.append(ev(f"s{j + 1}", text, f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"))
            ss.append(sent(f"s{j + 1}", text))
        return (f"a{k:03d}", evs, tuple(ss))

    corpus = [article(k) for k in range(200)]
    memo = IdentityMemo()
    merge_events(corpus, memo=memo)
    corpus[100] = article(100)
    assert merge_events(corpus, memo=memo) == merge_events(corpus)
    replayed = memo.state(events._MERGED, events._Merged).replayed
    assert replayed >= 600 - 3 - 30, replayed  # was 300: the events before the edited article's only


def test_serve_merge_stops_replaying_once_a_decision_changes() -> None:
    """An article added after the others moves the idf weights: b no longer joins a's
    event, so c, which shares a term with b only, must now find b's own event (the
    last build's steps had no candidate for c)."""
    from sitegen.cache import IdentityMemo

    a = ("a", [ev("s1", "xxxx yyyy", "2024-03-05")], (sent("s1", "xxxx yyyy"),))
    b = ("b", [ev("s1", "xxxx zzzz", "2024-03-05")], (sent("s1", "xxxx zzzz"),))
    c = ("c", [ev("s1", "zzzz wwww", "2024-03-05")], (sent("s1", "zzzz wwww"),))
    d = ("d", [], tuple(sent(f"s{i}", "xxxx filler" if i < 90 else "other words") for i in range(1, 101)))
    memo = IdentityMemo()
    before = merge_events([a, b, c], memo=memo)
    assert sorted(tuple(s.article for s in e.sources) for e in before) == [("a", "b"), ("c",)]
    after = merge_events([a, b, c, d], memo=memo)
    assert sorted(tuple(s.article for s in e.sources) for e in after) == [("a",), ("b", "c")]
    assert after == merge_events([a, b, c, d])


@pytest.mark.parametrize("seed", range(4))
def test_weights_summed_at_once_are_fsums(seed: int) -> None:
    """Replaying a merge sums idf weights as integers (numpy): the very floats fsum gives."""
    import math
    import random

    import numpy as np

    from sitegen.events import _exact_sums

    rnd = random.Random(seed)
    weights = np.array([math.log(1 + rnd.randint(1, 50_000) / rnd.randint(1, 100)) for _ in range(300)])
    weights[:5] = [math.log(2), 15.999, 0.5, 1.0 + 2 ** -52, 3.0]
    counts = [rnd.randint(0, 63) for _ in range(200)] + [0, 1, 63]
    terms = np.array([rnd.randrange(len(weights)) for _ in range(sum(counts))], dtype=np.intp)
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
    got = _exact_sums(weights, terms, start).tolist()
    want = [math.fsum(weights[terms[start[k]:start[k + 1]]].tolist()) for k in range(len(counts))]
    assert got == want
    assert got != [float(sum(weights[terms[start[k]:start[k + 1]]].tolist())) for k in range(len(counts))]
    # Beyond what adds up exactly in 64 bits (a sum of 64, a weight of 16 or below 0.5): fsum itself.
    for odd in (np.append(weights, 16.5), np.append(weights, 0.25)):
        assert _exact_sums(odd, terms, start).tolist() == want
    long = np.zeros(64, dtype=np.intp)
    assert _exact_sums(weights, long, np.array([0, 64])).tolist() == [math.fsum([weights[0]] * 64)]
