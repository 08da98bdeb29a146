"""Key dates and their sentences (sitegen.keydates), on synthetic timelines."""

from __future__ import annotations

import datetime as dt

import pytest

from sitegen.events import Source, TimelineEvent, key_dates
from sitegen.keydates import date_summary, rank_dates, timeline

D = dt.date


def event(eid: str, day: dt.date, text: str, *sources: tuple[str, str], end: dt.date | None = None,
          background: bool = False) -> TimelineEvent:
    """An event on ``day`` reported by ``sources``: (article slug, anchor)."""
    srcs = tuple(Source(slug, f"s{i}", text, "" if anchor == "publication" else "that day", anchor)
                 for i, (slug, anchor) in enumerate(sources, start=1))
    precision = "day" if end is None else "week"
    return TimelineEvent(eid, day.isoformat(), precision, day, end or day, text, srcs, (), background)


def text(*slugs: str) -> tuple[tuple[str, str], ...]:
    return tuple((s, "text") for s in slugs)


QUAKE = "An earthquake struck the coastal city, destroying hundreds of homes overnight."
VOTE = "Parliament voted to extend the state of emergency for another month."
RAIN = "Heavy rain delayed the rescue teams working in the northern districts."


def corpus() -> list[TimelineEvent]:
    return [
        event("e1", D(2024, 3, 1), RAIN, *text("a")),
        event("e2", D(2024, 3, 4), QUAKE, *text("a", "b", "c", "d")),
        event("e3", D(2024, 3, 9), VOTE, *text("b", "c")),
        event("e4", D(2023, 1, 5), "The city was last hit by a quake in the 1990s.", *text("a", "b", "c", "d", "e"),
              background=True),
    ]


def test_the_most_reported_date_wins() -> None:
    ranked = rank_dates(corpus())
    assert [d.start for d in ranked] == [D(2024, 3, 4), D(2024, 3, 9), D(2024, 3, 1)]
    assert ranked[0].reports == 4
    assert key_dates(corpus(), 1) == {"e2"}


def test_a_date_reported_by_more_articles_beats_one_repeated_by_one_article() -> None:
    events = [
        event("e1", D(2024, 3, 1), RAIN, *text("a", "a", "a", "a")),
        event("e2", D(2024, 3, 2), VOTE, *text("b", "c")),
    ]
    assert rank_dates(events)[0].start == D(2024, 3, 2)


def test_publications_break_a_tie_in_reports() -> None:
    events = [
        event("e1", D(2024, 3, 1), RAIN, *text("a", "b")),
        event("e2", D(2024, 3, 2), VOTE, *text("c", "d")),
    ]
    published = {"a": D(2024, 3, 5), "b": D(2024, 3, 5), "c": D(2024, 3, 2), "d": D(2024, 3, 2)}
    assert rank_dates(events, published=published)[0].start == D(2024, 3, 2)


def test_dates_outside_the_range_are_excluded() -> None:
    ranked = rank_dates(corpus(), start=D(2024, 3, 5), end=D(2024, 3, 31))
    assert [d.start for d in ranked] == [D(2024, 3, 9)]
    # and a period must lie wholly inside the range
    week = event("e5", D(2024, 3, 4), QUAKE, *text("x", "y", "z"), end=D(2024, 3, 10))
    assert all(d.start != D(2024, 3, 4) for d in rank_dates([*corpus(), week], start=D(2024, 3, 5)))


def test_background_is_never_key() -> None:
    assert all(d.start.year == 2024 for d in rank_dates(corpus()))
    assert "e4" not in key_dates(corpus(), 12)


def test_days_only_leaves_out_longer_periods() -> None:
    week = event("e5", D(2024, 3, 11), VOTE, *text("a", "b", "c", "d", "e"), end=D(2024, 3, 17))
    assert rank_dates([*corpus(), week])[0].end == D(2024, 3, 17)
    assert all(d.start == d.end for d in rank_dates([*corpus(), week], days_only=True))


def test_at_most_a_third_of_the_dates_are_key() -> None:
    events = [event(f"e{i}", D(2024, 3, i), RAIN, *text("a")) for i in range(1, 7)]
    assert len(key_dates(events, 12)) == 2


def test_sentence_for_a_date_prefers_an_explicit_mention() -> None:
    day = D(2024, 3, 4)
    lead = event("e1", day, "The earthquake struck the coastal city overnight, officials reported.",
                 ("a", "publication"), ("b", "publication"))
    stated = event("e2", day, "On March 4 an earthquake struck the coastal city, officials said.", *text("c"))
    assert [e.id for e in date_summary([lead, stated], 1)] == ["e2"]


def test_sentence_for_a_date_is_the_central_one_and_not_repeated() -> None:
    day = D(2024, 3, 4)
    events = [
        event("e1", day, QUAKE, *text("a", "b")),
        event("e2", day, "An earthquake struck the coastal city, destroying hundreds of homes.", *text("c")),
        event("e3", day, "The football match was cancelled because the stadium lights failed.", *text("d")),
        event("e4", day, "Rescuers searched the homes destroyed by the earthquake in the coastal city.", *text("e")),
    ]
    chosen = [e.id for e in date_summary(events, 2)]
    assert chosen[0] == "e1"
    assert "e2" not in chosen  # repeats e1
    assert "e3" not in chosen  # off the date's topic


def test_timeline_gives_k_days_in_date_order_with_n_sentences() -> None:
    tl = timeline(corpus(), 2, 1)
    assert [d for d, _ in tl] == [D(2024, 3, 4), D(2024, 3, 9)]
    assert [[e.id for e in es] for _, es in tl] == [["e2"], ["e3"]]


def test_a_timeline_page_without_key_dates_does_not_open_on_them() -> None:
    """A year page of a split timeline may hold no key date: filtering on them by
    default would open it empty ("0 events shown")."""
    from dataclasses import replace

    from sitegen.assemble import Briefing
    from sitegen.pages import KEY_DATES_FROM, timeline_context

    events = tuple(TimelineEvent(f"e{i}", f"2015-01-{i % 28 + 1:02d}", "day", D(2015, 1, i % 28 + 1),
                                 D(2015, 1, i % 28 + 1), f"Event {i}.", (), ()) for i in range(KEY_DATES_FROM + 5))
    briefing = Briefing(analyses=(), actors=(), overview=(), timeline=events)
    page = timeline_context(briefing, {}, events[5:10], first=False)
    assert page["key_count"] == 0 and page["key_first"] is False
    keyed = (*events[:6], replace(events[6], key=True), *events[7:])
    page = timeline_context(replace(briefing, timeline=keyed), {}, keyed[5:10], first=False)
    assert page["key_count"] == 1 and page["key_first"] is True


def test_the_key_dates_filter_is_offered_only_on_a_page_with_key_dates(tmp_path) -> None:
    """'Key dates only (0 of 400 events)' was offered on a year page without any."""
    from dataclasses import replace

    from sitegen.assemble import Briefing
    from sitegen.config import load_config
    from sitegen.pages import KEY_DATES_FROM, site_context, timeline_context
    from sitegen.render import Renderer, environment

    events = tuple(TimelineEvent(f"e{i}", f"2015-01-{i % 28 + 1:02d}", "day", D(2015, 1, i % 28 + 1),
                                 D(2015, 1, i % 28 + 1), f"Event {i}.", (), ()) for i in range(KEY_DATES_FROM + 5))
    keyed = (*events[:6], replace(events[6], key=True), *events[7:])
    renderer = Renderer(environment(None), site_context(load_config(root=tmp_path), 1))
    for timeline, offered in ((events, False), (keyed, True)):
        context = timeline_context(Briefing(analyses=(), actors=(), overview=(), timeline=timeline), {},
                                   timeline[5:10], first=False)
        html = renderer.page("timeline.html", "timeline/by-year/2015.html", section="timeline", pager=None, **context).decode()
        assert ('id="filter-key"' in html) is offered
        assert "Key dates only (0 of" not in html


def _pagerank_loop(edges, iterations=50):
    """The plain power iteration _pagerank replaced (its reference: the same floats)."""
    from collections import defaultdict

    from sitegen.keydates import DAMPING

    nodes = sorted({n for e in edges for n in e})
    if not nodes:
        return {}
    out_weight = defaultdict(float)
    for (a, _), w in edges.items():
        out_weight[a] += w
    rank = dict.fromkeys(nodes, 1.0 / len(nodes))
    for _ in range(iterations):
        dangling = sum(rank[n] for n in nodes if not out_weight.get(n))
        new = dict.fromkeys(nodes, (1.0 - DAMPING) / len(nodes) + DAMPING * dangling / len(nodes))
        for (a, b), w in edges.items():
            new[b] += DAMPING * rank[a] * w / out_weight[a]
        rank = new
    return rank


@pytest.mark.parametrize("seed", range(5))
def test_pagerank_gives_the_plain_loops_floats_exactly(seed: int) -> None:
    import random

    from sitegen.keydates import _pagerank

    rnd = random.Random(seed)
    days = [(dt.date(2024, 1, 1) + dt.timedelta(d),) * 2 for d in range(60)]
    edges = {}
    for _ in range(rnd.randint(1, 400)):
        edges[(rnd.choice(days[:40]), rnd.choice(days))] = rnd.randint(1, 5)
    assert _pagerank(edges) == _pagerank_loop(edges)  # equal floats, not just close
    assert _pagerank({}) == {}
