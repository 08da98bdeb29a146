"""Hand-written recognition and normalisation rules for temporal expressions.

This module knows nothing about spaCy: it turns strings into TimeML TIMEX3
readings (``type``, ``value``, granularity, ``mod``) given a document creation
time (DCT) and a tense direction.  :mod:`sitegen.temporal` finds the spans in
a parsed document and decides the direction from the sentence's grammar.

Why hand-written rules: no maintained Python library normalises to TIMEX3
(SUTime and HeidelTime are JVM programs; ``dateparser``/``dateutil`` parse
absolute dates but know neither ISO weeks, seasons, quarters, durations,
``PRESENT_REF`` nor tense).  The rule inventory follows HeidelTime's English
resources (Strötgen & Gertz 2013, "Multilingual and cross-domain temporal
tagging", LRE 47(2)) and the value forms of the TimeML TIMEX3 guidelines
(TimeML 1.2.1, Saurí et al. 2006); the code is our own.

This module holds the lexicon, the patterns' building blocks and the calendar
arithmetic; :mod:`sitegen.temporal_patterns` holds the rule table.  Handlers
that need the DCT call :func:`need`, which raises
:class:`Unanchored` when there is none: the caller then keeps the expression
with value ``None`` instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

# --------------------------------------------------------------------------- lexicon

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
    "saturday": 6, "sunday": 7,
}  # fmt: skip
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
SEASON_ORDER = ["WI", "SP", "SU", "FA"]  # order within a calendar year (winter = Jan/Feb)
ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
    "4th": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "twenty-first": 21,
}  # fmt: skip
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "a hundred": 100, "a couple of": 2, "a couple": 2, "a dozen": 12, "dozen": 12,
}  # fmt: skip
VAGUE = {"several", "a few", "few", "many", "some", "a number of", "numerous"}
DECADE_WORDS = {
    "twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6,
    "seventies": 7, "eighties": 8, "nineties": 9,
}  # fmt: skip
# unit -> (TIMEX3 duration letter, is a time unit (goes after "T"), multiplier)
UNITS = {
    "second": ("S", True, 1), "minute": ("M", True, 1), "hour": ("H", True, 1),
    "day": ("D", False, 1), "night": ("D", False, 1), "week": ("W", False, 1),
    "month": ("M", False, 1), "quarter": ("Q", False, 1), "year": ("Y", False, 1),
    "decade": ("Y", False, 10), "century": ("Y", False, 100), "centurie": ("Y", False, 100),
}  # fmt: skip
GRANULARITY = {"S": "time", "H": "time", "D": "day", "W": "week", "Q": "quarter", "Y": "year"}
PART_OF_DAY = {
    "morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "midday": "MI",
}  # fmt: skip
MOD_PREFIX = {
    "early": "START", "beginning": "START", "start": "START", "mid": "MID",
    "middle": "MID", "late": "END", "end": "END",
}  # fmt: skip
DURATION_MOD = {
    "less than": "LESS_THAN", "fewer than": "LESS_THAN", "under": "LESS_THAN",
    "more than": "MORE_THAN", "over": "MORE_THAN", "nearly": "EQUAL_OR_LESS",
    "almost": "EQUAL_OR_LESS", "up to": "EQUAL_OR_LESS", "no more than": "EQUAL_OR_LESS",
    "at least": "EQUAL_OR_MORE", "no less than": "EQUAL_OR_MORE", "about": "APPROX",
    "around": "APPROX", "roughly": "APPROX", "approximately": "APPROX", "some": "APPROX",
}  # fmt: skip

# --------------------------------------------------------------------------- patterns


def _alt(words: object) -> str:
    """A regex alternation of ``words``, longest first (so "a few" beats "a")."""
    items = sorted((str(w) for w in words), key=len, reverse=True)  # type: ignore[attr-defined]
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items)


# Month and weekday names are matched case-sensitively: "may", "march", "sat"
# are ordinary words in lower case.
MONTH = (
    r"(?-i:Jan(?:uary|\.)|Feb(?:ruary|\.)|Mar(?:ch|\.)|Apr(?:il|\.)|May|June|Jun\.|July|"
    r"Jul\.|Aug(?:ust|\.)|Sep(?:tember|t\.|\.|t\b)|Oct(?:ober|\.)|Nov(?:ember|\.)|"
    r"Dec(?:ember|\.)|JANUARY|FEBRUARY|MARCH|APRIL|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|"
    r"NOVEMBER|DECEMBER)"
)
WEEKDAY = r"(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?:1[0-9]\d\d|20\d\d)"
NUM_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(?:one|two|three|four|"
    r"five|six|seven|eight|nine)|" + _alt(NUMBERS) + r")"
)
NUM = r"(?:\d+(?:\.\d+)?|" + NUM_WORD + r"|" + _alt(VAGUE) + r")"
UNIT = r"(?:second|minute|hour|day|night|week|month|quarter|year|decade|century|centurie)"
SEASON = r"(?:spring|summer|fall|autumn|winter)"
PMOD = r"(?:early|mid|late|the\s+(?:beginning|start|middle|end)\s+of|(?:beginning|end)\s+of)"
DMOD = _alt(DURATION_MOD)
THE = r"(?:the\s+)?"


# --------------------------------------------------------------------------- readings


@dataclass(frozen=True)
class Reading:
    """What a rule makes of a match (``value`` None: relative, and no DCT)."""

    type: str
    value: str | None
    granularity: str | None
    mod: str | None = None


class Unanchored(Exception):
    """A relative expression met a document without a creation time."""

    def __init__(self, type_: str, granularity: str | None) -> None:
        super().__init__(type_)
        self.type = type_
        self.granularity = granularity


PAST, FUTURE, UNMARKED = "past", "future", "unmarked"


@dataclass(frozen=True)
class Ctx:
    """The anchor and direction a handler resolves against.

    ``tense`` is ``"past"``, ``"future"`` or ``"unmarked"`` (no tense decides,
    as in "payable Dec. 7": the nearest occurrence wins).
    """

    dct: dt.date | None
    tense: str = PAST

    @property
    def future(self) -> bool:
        return self.tense == FUTURE


def need(ctx: Ctx, type_: str, granularity: str | None) -> dt.date:
    if ctx.dct is None:
        raise Unanchored(type_, granularity)
    return ctx.dct


def number(text: str) -> float | None:
    """``"two"`` -> 2, ``"twenty-four"`` -> 24, ``"18"`` -> 18; vague words -> None."""
    t = re.sub(r"\s+", " ", text.lower().strip())
    if t in VAGUE:
        return None
    if t in NUMBERS:
        return NUMBERS[t]
    if "-" in t:
        a, _, b = t.partition("-")
        if a in NUMBERS and b in NUMBERS:
            return NUMBERS[a] + NUMBERS[b]
    try:
        return float(t)
    except ValueError:
        return None


def duration_value(n: float | None, unit: str) -> tuple[str, str]:
    """TIMEX3 duration value and granularity for ``n`` ``unit``s (n None: vague ``X``)."""
    letter, is_time, mult = UNITS[unit.lower().rstrip("s")]
    if n is None:
        amount = "X"
    else:
        v = n * mult
        amount = str(int(v)) if v == int(v) else f"{v:g}"
    gran = "decade" if mult == 10 else "century" if mult == 100 else GRANULARITY.get(letter)
    if letter == "M":
        gran = "time" if is_time else "month"
    return ("PT" if is_time else "P") + amount + letter, gran or "time"


def week_value(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def quarter_of(d: dt.date) -> int:
    return (d.month - 1) // 3 + 1


def season_of(d: dt.date) -> str:
    return "WI" if d.month in (12, 1, 2) else "SP" if d.month <= 5 else "SU" if d.month <= 8 else "FA"


def shift_year(
    index: int, current: int, year: int, tense: str, *, period: int, strict: bool = False
) -> int:
    """The year of a cyclic unit (month, quarter, season, half) named without one.

    ``index``/``current`` are the positions (1..``period``) of the named unit
    and of the DCT's unit in the year.  Past: the latest occurrence not after
    the DCT's unit; future: the earliest not before it; unmarked: the nearest
    (a tie goes to the past).  ``strict`` excludes the DCT's own unit ("last
    March" said in March means a year ago).
    """
    if tense == FUTURE:
        return year + 1 if index < current or (strict and index == current) else year
    if tense == PAST:
        return year - 1 if index > current or (strict and index == current) else year
    return min((year - 1, year, year + 1), key=lambda y: (abs((y - year) * period + index - current), y))


def month_day(month: int, day: int, ctx: Ctx) -> str:
    """A month-day without a year, by tense: latest past, next, or nearest occurrence."""
    dct = need(ctx, "DATE", "day")
    candidates = []
    for year in (dct.year - 1, dct.year, dct.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:  # Feb 29 outside leap years
            continue
    if not candidates:
        raise ValueError(f"no day {month}-{day}")
    if ctx.tense == FUTURE:
        pick = min((c for c in candidates if c >= dct), default=candidates[-1])
    elif ctx.tense == PAST:
        pick = max((c for c in candidates if c <= dct), default=candidates[0])
    else:
        pick = min(candidates, key=lambda c: (abs((c - dct).days), c))
    return pick.isoformat()


def weekday_date(weekday: int, ctx: Ctx, *, relation: str | None = None) -> dt.date:
    """The date a weekday name refers to.

    ``relation``: ``"last"``/``"next"`` force strictly before/after the DCT,
    ``"this"`` means the day in the DCT's ISO week; otherwise the tense
    decides, and the DCT itself counts (news says "said Friday" on the Friday
    it happened).  Unmarked counts as past: on TempEval-3's news, weekdays in
    clauses without tense are past or the DCT itself four times in five.
    """
    dct = need(ctx, "DATE", "day")
    diff = weekday - dct.isoweekday()
    if relation == "this":
        return dct + dt.timedelta(days=diff)
    back = (-diff) % 7 or (7 if relation == "last" else 0)
    ahead = diff % 7 or (7 if relation == "next" else 0)
    if relation == "next" or (relation is None and ctx.tense == FUTURE):
        return dct + dt.timedelta(days=ahead)
    return dct - dt.timedelta(days=back)


def relative_unit(unit: str, offset: int, dct: dt.date) -> tuple[str, str]:
    """The calendar unit ``offset`` steps from the DCT's: ("2024-W13", "week")."""
    if unit == "day":
        return (dct + dt.timedelta(days=offset)).isoformat(), "day"
    if unit == "week":
        return week_value(dct + dt.timedelta(weeks=offset)), "week"
    if unit == "weekend":
        return week_value(dct + dt.timedelta(weeks=offset)) + "-WE", "week"
    if unit == "month":
        d = dct + relativedelta(months=offset)
        return f"{d.year:04d}-{d.month:02d}", "month"
    if unit == "quarter":
        q = dct.year * 4 + quarter_of(dct) - 1 + offset
        return f"{q // 4:04d}-Q{q % 4 + 1}", "quarter"
    if unit == "year":
        return f"{dct.year + offset:04d}", "year"
    if unit == "decade":
        return f"{dct.year // 10 + offset:03d}", "decade"
    if unit == "century":
        return f"{dct.year // 100 + offset:02d}", "century"
    raise KeyError(unit)


def mod_of(text: str | None) -> str | None:
    if not text:
        return None
    t = re.sub(r"\s+", " ", text.lower())
    for word, mod in MOD_PREFIX.items():
        if re.search(rf"\b{word}\b", t) or t == word:
            return mod
    return DURATION_MOD.get(t.strip())
