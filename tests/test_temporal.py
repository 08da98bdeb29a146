"""Temporal expressions: table-driven normalisation with fixed creation dates,
plus extraction through spaCy on a real article."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.temporal import Timex, extract_timexes, normalise, tense_of

D = dt.date(2024, 4, 5)  # a Friday, ISO week 14

# (text, dct, future, type, value, granularity, mod)
CASES = [
    # days relative to the DCT
    ("today", D, False, "DATE", "2024-04-05", "day", None),
    ("yesterday", D, False, "DATE", "2024-04-04", "day", None),
    ("tomorrow", D, True, "DATE", "2024-04-06", "day", None),
    ("Wednesday", D, False, "DATE", "2024-04-03", "day", None),
    ("Wednesday", D, True, "DATE", "2024-04-10", "day", None),
    ("Friday", D, False, "DATE", "2024-04-05", "day", None),  # the DCT itself counts
    ("last Friday", D, False, "DATE", "2024-03-29", "day", None),
    ("next Monday", D, False, "DATE", "2024-04-08", "day", None),
    ("this morning", D, False, "TIME", "2024-04-05TMO", "time", None),
    ("Friday morning", D, False, "TIME", "2024-04-05TMO", "time", None),
    ("last night", D, False, "TIME", "2024-04-04TNI", "time", None),
    ("10 p.m. Wednesday", D, False, "TIME", "2024-04-03T22:00", "time", None),
    ("10:30 a.m.", D, False, "TIME", "2024-04-05T10:30", "time", None),
    # weeks, months, years, seasons, quarters
    ("this week", D, False, "DATE", "2024-W14", "week", None),
    ("last week", D, False, "DATE", "2024-W13", "week", None),
    ("Last week", D, False, "DATE", "2024-W13", "week", None),
    ("next week", D, False, "DATE", "2024-W15", "week", None),
    ("last month", D, False, "DATE", "2024-03", "month", None),
    ("this year", D, False, "DATE", "2024", "year", None),
    ("next year", D, False, "DATE", "2025", "year", None),
    ("early next year", D, False, "DATE", "2025", "year", "START"),
    ("March 7", D, False, "DATE", "2024-03-07", "day", None),
    ("October 7", D, False, "DATE", "2023-10-07", "day", None),
    ("early January", D, False, "DATE", "2024-01", "month", "START"),
    ("late November", D, False, "DATE", "2023-11", "month", "END"),
    ("the spring", D, False, "DATE", "2024-SP", "season", None),
    ("early summer", D, True, "DATE", "2024-SU", "season", "START"),
    ("last fall", D, False, "DATE", "2023-FA", "season", None),
    ("the third quarter", D, True, "DATE", "2024-Q3", "quarter", None),
    ("the third quarter", D, False, "DATE", "2023-Q3", "quarter", None),
    ("the weekend", D, False, "DATE", "2024-W13-WE", "week", None),
    ("the weekend", D, True, "DATE", "2024-W14-WE", "week", None),
    ("two weeks ago", D, False, "DATE", "2024-W12", "week", None),
    ("a year ago", D, False, "DATE", "2023", "year", None),
    ("Christmas", D, False, "DATE", "2023-12-25", "day", None),
    # absolute dates resolve without help
    ("March 7, 2024", D, False, "DATE", "2024-03-07", "day", None),
    ("7 March 2024", D, False, "DATE", "2024-03-07", "day", None),
    ("2024-03-07", D, False, "DATE", "2024-03-07", "day", None),
    ("March 2024", D, False, "DATE", "2024-03", "month", None),
    ("2020", D, False, "DATE", "2020", "year", None),
    ("9/11", D, False, "DATE", "2001-09-11", "day", None),
    ("the 1990s", D, False, "DATE", "199", "decade", None),
    ("the mid-1990s", D, False, "DATE", "199", "decade", "MID"),
    ("the late '70s", D, False, "DATE", "197", "decade", "END"),
    ("the 20th century", D, False, "DATE", "19", "century", None),
    ("spring 2023", D, False, "DATE", "2023-SP", "season", None),
    ("the fourth quarter of 1989", D, False, "DATE", "1989-Q4", "quarter", None),
    # reference points
    ("now", D, False, "DATE", "PRESENT_REF", None, None),
    ("currently", D, False, "DATE", "PRESENT_REF", None, None),
    ("recently", D, False, "DATE", "PAST_REF", None, None),
    ("the future", D, False, "DATE", "FUTURE_REF", None, None),
    # durations
    ("two years", D, False, "DURATION", "P2Y", "year", None),
    ("months", D, False, "DURATION", "PXM", "month", None),
    ("less than six months", D, False, "DURATION", "P6M", "month", "LESS_THAN"),
    ("more than a year", D, False, "DURATION", "P1Y", "year", "MORE_THAN"),
    ("about two weeks", D, False, "DURATION", "P2W", "week", "APPROX"),
    ("the past 24 hours", D, False, "DURATION", "PT24H", "time", None),
    ("10-day", D, False, "DURATION", "P10D", "day", None),
    ("two decades", D, False, "DURATION", "P20Y", "decade", None),
    ("several years", D, False, "DURATION", "PXY", "year", None),
    # sets
    ("every Monday", D, False, "SET", "XXXX-WXX-1", "day", None),
    ("daily", D, False, "SET", "P1D", "day", None),
    ("every two years", D, False, "SET", "P2Y", "year", None),
    # year boundaries
    ("December 28", dt.date(2024, 1, 3), False, "DATE", "2023-12-28", "day", None),
    ("January 5", dt.date(2023, 12, 20), True, "DATE", "2024-01-05", "day", None),
    ("last week", dt.date(2024, 1, 3), False, "DATE", "2023-W52", "week", None),
    ("this week", dt.date(2024, 12, 30), False, "DATE", "2025-W01", "week", None),
    ("last month", dt.date(2024, 1, 15), False, "DATE", "2023-12", "month", None),
    ("December", dt.date(2024, 1, 15), False, "DATE", "2023-12", "month", None),
    ("January", dt.date(2023, 12, 15), True, "DATE", "2024-01", "month", None),
    ("Monday", dt.date(2024, 1, 3), False, "DATE", "2024-01-01", "day", None),
    ("Friday", dt.date(2024, 1, 3), False, "DATE", "2023-12-29", "day", None),
    ("Friday", dt.date(2023, 12, 30), True, "DATE", "2024-01-05", "day", None),
    ("yesterday", dt.date(2024, 1, 1), False, "DATE", "2023-12-31", "day", None),
    ("the winter", dt.date(2024, 12, 20), False, "DATE", "2024-WI", "season", None),
]


@pytest.mark.parametrize("text,dct,future,type_,value,gran,mod", CASES, ids=[f"{c[0]}@{c[1]}{'+' if c[2] else ''}" for c in CASES])
def test_normalise(text: str, dct: dt.date, future: bool, type_: str, value: str, gran: str | None, mod: str | None) -> None:
    t = normalise(text, dct, future=future)
    assert t is not None, text
    assert (t.type, t.value, t.granularity, t.mod, t.resolved) == (type_, value, gran, mod, True)
    assert (t.text, t.start, t.end) == (text, 0, len(text))


@pytest.mark.parametrize(
    "text,dct,value",
    [
        ("Nov. 16", dt.date(1989, 10, 30), "1989-11-16"),  # "payable Nov. 16": nearest
        ("Dec. 28", dt.date(2024, 1, 3), "2023-12-28"),
        ("Jan. 2", dt.date(1989, 11, 2), "1990-01-02"),
        ("March 30", dt.date(1998, 2, 13), "1998-03-30"),
    ],
)
def test_unmarked_tense_takes_the_nearest(text: str, dct: dt.date, value: str) -> None:
    t = normalise(text, dct, tense="unmarked")
    assert t is not None and t.value == value


def test_unmarked_weekday_counts_as_past() -> None:
    # weekdays in clauses without tense are mostly past in news (see tense_of)
    t = normalise("Monday", dt.date(2024, 4, 5), tense="unmarked")
    assert t is not None and t.value == "2024-04-01"


@pytest.mark.parametrize(
    "text,type_",
    [("yesterday", "DATE"), ("last week", "DATE"), ("March 7", "DATE"), ("Wednesday", "DATE"),
     ("the spring", "DATE"), ("this morning", "TIME"), ("two weeks ago", "DATE"), ("October", "DATE")],
)
def test_undated_article_keeps_relative_expressions_unresolved(text: str, type_: str) -> None:
    t = normalise(text, None)
    assert t is not None
    assert (t.type, t.value, t.resolved) == (type_, None, False)


@pytest.mark.parametrize(
    "text,value",
    [("March 7, 2024", "2024-03-07"), ("2020", "2020"), ("the mid-1990s", "199"), ("two years", "P2Y"),
     ("every Monday", "XXXX-WXX-1"), ("now", "PRESENT_REF"), ("9/11", "2001-09-11")],
)
def test_undated_article_still_resolves_absolute_expressions(text: str, value: str) -> None:
    t = normalise(text, None)
    assert t is not None and t.value == value and t.resolved


@pytest.mark.parametrize("text", ["May I help", "the march", "2,020 people", "$2020", "Section 9", "a 6-year-old boy"])
def test_non_expressions(text: str) -> None:
    assert normalise(text, D) is None


def test_timex_is_frozen_and_serialises() -> None:
    t = normalise("yesterday", D)
    assert isinstance(t, Timex)
    with pytest.raises(AttributeError):
        t.value = "x"  # type: ignore[misc]
    assert t.as_json() == {"text": "yesterday", "start": 0, "end": 9, "type": "DATE", "value": "2024-04-04"}


# ----------------------------------------------------------------- through spaCy

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture(scope="module")
def parse():  # type: ignore[no-untyped-def]
    nlp = pytest.importorskip("sitegen.nlp")
    try:
        nlp.load_pipeline()
    except nlp.PipelineError as exc:
        pytest.skip(str(exc))
    return nlp.parse


def _by_text(timexes: tuple[Timex, ...]) -> dict[str, list[Timex]]:
    out: dict[str, list[Timex]] = {}
    for t in timexes:
        out.setdefault(t.text, []).append(t)
    return out


@pytest.mark.slow
def test_seed_article_002(parse) -> None:  # type: ignore[no-untyped-def]
    files = sorted(SEED.glob("002_*.txt"))
    if not files:
        pytest.skip(f"seed article 002 not found under {SEED}")
    text = files[0].read_text(encoding="utf-8")
    doc = parse(text)
    found = _by_text(extract_timexes(doc, dt.date(2024, 4, 5)))
    expected = {
        "yesterday": "2024-04-04",
        "this week": "2024-W14",
        "Last week": "2024-W13",
        "March 7": "2024-03-07",
        "March 14": "2024-03-14",
        "October 7": "2023-10-07",
        "the mid-1990s": "199",
        "2020": "2020",
        "the spring": "2024-SP",
        "early summer": "2024-SU",
        "early January": "2024-01",
    }
    for text_, value in expected.items():
        assert text_ in found, f"{text_!r} not found; found {sorted(found)}"
        assert {t.value for t in found[text_]} == {value}, (text_, found[text_])
    assert found["the mid-1990s"][0].mod == "MID"
    for t in (t for ts in found.values() for t in ts):
        assert doc.text[t.start : t.end] == t.text


@pytest.mark.slow
@pytest.mark.parametrize(
    "sentence,expression,value",
    [
        ("The minister will visit Cairo on January 5.", "January 5", "2024-01-05"),
        ("The minister visited Cairo on December 28.", "December 28", "2022-12-28"),
        ("The minister visited Cairo on December 18.", "December 18", "2023-12-18"),
        ("Officials said Monday they plan to meet again Friday.", "Friday", "2023-12-22"),
        ("Officials said Monday they plan to meet again Friday.", "Monday", "2023-12-18"),
        ("The dividend is payable Jan. 2 to holders of record.", "Jan. 2", "2024-01-02"),
        ("The Times said in an editorial on Monday, Jan. 8:", "Monday, Jan. 8", "2024-01-08"),
        ("Net income rose in the third quarter from $5 million a year earlier.", "a year earlier", "2022-Q3"),
        ("It was founded in nineteen ninety-six.", "nineteen ninety-six", "1996"),
        ("Talks have continued since December 28.", "December 28", "2022-12-28"),
    ],
)
def test_tense_decides_direction(parse, sentence: str, expression: str, value: str) -> None:  # type: ignore[no-untyped-def]
    doc = parse(sentence)
    found = _by_text(extract_timexes(doc, dt.date(2023, 12, 20)))  # a Wednesday
    assert [t.value for t in found[expression]] == [value]


@pytest.mark.slow
def test_undated_doc_through_spacy(parse) -> None:  # type: ignore[no-untyped-def]
    doc = parse("Yesterday the talks, first held on March 7, 2024, resumed for two days.")
    found = _by_text(extract_timexes(doc, None))
    assert found["Yesterday"][0].value is None and not found["Yesterday"][0].resolved
    assert found["March 7, 2024"][0].value == "2024-03-07"
    assert found["two days"][0].value == "P2D"


def test_tense_without_parse_is_past() -> None:
    assert tense_of(object(), 0, 3) == "past"


def test_day_month_order_is_read() -> None:
    """British order: "On 3 May" (a pattern without a modifier group)."""
    from sitegen.temporal import normalise

    t = normalise("3 May", dt.date(2009, 5, 10))
    assert t is not None and t.value == "2009-05-03"
