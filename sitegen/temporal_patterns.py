"""The rule table of the temporal tagger: one pattern and one reading per rule.

Rules are tried all at once over the text; :mod:`sitegen.temporal` keeps the
longest non-overlapping matches, so a rule may freely match a part of what a
longer rule matches ("March 7" inside "March 7, 2024").  See
:mod:`sitegen.temporal_rules` for sources and the value forms.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.easter import easter

from sitegen.temporal_rules import (
    DAYNUM,
    DECADE_WORDS,
    DMOD,
    MONTH,
    MONTHS,
    NUM,
    ORDINALS,
    PART_OF_DAY,
    PMOD,
    SEASON,
    SEASON_ORDER,
    SEASONS,
    FUTURE,
    PAST,
    THE,
    UNIT,
    WEEKDAY,
    WEEKDAYS,
    YEAR,
    Ctx,
    Reading,
    duration_value,
    mod_of,
    month_day,
    need,
    number,
    quarter_of,
    relative_unit,
    season_of,
    shift_year,
    week_value,
    weekday_date,
)

Handler = Callable[[re.Match[str], Ctx], Reading]
Guard = Callable[[str, int, int], bool]


@dataclass(frozen=True)
class Rule:
    """A pattern, the handler that reads its match, and an optional context guard."""

    name: str
    pattern: re.Pattern[str]
    handler: Handler
    guard: Guard | None = None


RULES: list[Rule] = []


def rule(name: str, pattern: str, guard: Guard | None = None) -> Callable[[Handler], Handler]:
    """Register a handler for ``pattern`` (case-insensitive unless scoped ``(?-i:)``)."""

    def register(handler: Handler) -> Handler:
        # word boundaries that also refuse to split hyphenated words ("10-K")
        compiled = re.compile(r"(?<![\w'-])(?:" + pattern + r")(?!\w|-\w)", re.IGNORECASE)
        RULES.append(Rule(name, compiled, handler, guard))
        return handler

    return register


def words_before(text: str, start: int, n: int = 1) -> list[str]:
    """The ``n`` words before ``start``, lower-cased."""
    return re.findall(r"[\w$%']+", text[max(0, start - 60) : start].lower())[-n:]


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _weekday(name: str) -> int:
    return WEEKDAYS[name.lower().rstrip("s")]


def _day(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _year2(text: str, ctx: Ctx) -> int:
    """A two-digit year: the century that puts it nearest before the DCT (else 19xx)."""
    yy = int(text)
    base = (ctx.dct.year if ctx.dct else 1999) // 100 * 100
    return base + yy if base + yy <= (ctx.dct.year if ctx.dct else 1999) + 10 else base - 100 + yy


# ----------------------------------------------------------------- absolute dates


@rule("full_date", rf"(?P<m>{MONTH})\s*(?P<d>{DAYNUM}),?\s+(?P<y>{YEAR})")
def _full_date(m: re.Match[str], ctx: Ctx) -> Reading:
    return Reading("DATE", f"{m['y']}-{_month(m['m']):02d}-{_day(m['d']):02d}", "day")


@rule("full_date_dmy", rf"(?P<d>{DAYNUM})\s+(?:of\s+)?(?P<m>{MONTH}),?\s+(?P<y>{YEAR})")
def _full_date_dmy(m: re.Match[str], ctx: Ctx) -> Reading:
    return _full_date(m, ctx)


@rule("iso_date", r"(?P<y>(?:1\d|20)\d\d)-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])")
def _iso_date(m: re.Match[str], ctx: Ctx) -> Reading:
    return Reading("DATE", f"{m['y']}-{m['m']}-{m['d']}", "day")


@rule("us_numeric", r"(?P<m>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])/(?P<y>(?:19|20)?\d\d)")
def _us_numeric(m: re.Match[str], ctx: Ctx) -> Reading:
    year = int(m["y"]) if len(m["y"]) == 4 else _year2(m["y"], ctx)
    return Reading("DATE", f"{year:04d}-{int(m['m']):02d}-{int(m['d']):02d}", "day")


# "9/11" names the 2001 attacks; other M/D without a year read as fractions/scores.
@rule("nine_eleven", r"9/11")
def _nine_eleven(m: re.Match[str], ctx: Ctx) -> Reading:
    return Reading("DATE", "2001-09-11", "day")


@rule("month_year", rf"{THE}(?:(?P<pm>{PMOD})[\s-]*)?(?P<m>{MONTH}),?\s+(?:of\s+)?(?P<y>{YEAR})")
def _month_year(m: re.Match[str], ctx: Ctx) -> Reading:
    return Reading("DATE", f"{m['y']}-{_month(m['m']):02d}", "month", mod_of(m["pm"]))


@rule(
    "year",
    rf"(?:(?P<pm>{PMOD})[\s-]*|(?P<fy>fiscal(?:\s+year)?)\s+|(?P<the>the\s+year)\s+)?(?P<y>{YEAR})"
    r"(?!\s*(?:%|percent|per\s*cent|to\s+\d|[-/]\d|,\d|\.\d))",
    guard=lambda text, s, e: not re.search(r"(?:\$|€|£|No\.?\s*|#)\s*$", text[max(0, s - 5) : s]),
)
def _year(m: re.Match[str], ctx: Ctx) -> Reading:
    return Reading("DATE", m["y"], "year", mod_of(m["pm"]))


_TENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
         "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}  # fmt: skip
_ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


@rule(
    "spoken_year",
    r"(?:the\s+year\s+)?(?:nineteen[\s-]+(?P<t>(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen)|two\s+thousand(?:\s+and)?(?:\s+(?P<o>one|two|three|four|five|six|seven|eight|nine|ten))?)",
    guard=lambda t, s, e: not re.match(r"\s*(?:people|dollars|percent|troops|years|miles)", t[e : e + 12], re.I),
)
def _spoken_year(m: re.Match[str], ctx: Ctx) -> Reading:
    # broadcast transcripts spell years out: "nineteen ninety-six", "two thousand"
    if m["t"]:
        parts = re.split(r"[\s-]+", m["t"].lower())
        year = 1900 + _TENS[parts[0]] + (_ONES[parts[1]] if len(parts) > 1 else 0)
    else:
        year = 2000 + ({**_ONES, "ten": 10}[m["o"].lower()] if m["o"] else 0)
    return Reading("DATE", str(year), "year")


@rule("end_of_unit", r"(?P<pm>the\s+(?:end|beginning|start|middle)\s+of)\s+(?P<rel>the|this|last|next)\s+(?P<u>week|month|year|quarter)|(?P<ye>year[\s-]end)")
def _end_of_unit(m: re.Match[str], ctx: Ctx) -> Reading:
    if m["ye"]:
        value, gran = relative_unit("year", 0, need(ctx, "DATE", "year"))
        return Reading("DATE", value, gran, "END")
    unit = m["u"].lower()
    offset = {"last": -1, "next": 1}.get(m["rel"].lower(), 0)
    value, gran = relative_unit(unit, offset, need(ctx, "DATE", unit))
    return Reading("DATE", value, gran, mod_of(m["pm"]))


@rule("two_digit_year", r"(?:(?P<pm>early|mid|late)[\s-]*)?'(?P<y>\d\d)(?!s)")
def _two_digit_year(m: re.Match[str], ctx: Ctx) -> Reading:
    return Reading("DATE", str(_year2(m["y"], ctx)), "year", mod_of(m["pm"]))


@rule("decade", rf"{THE}(?:(?P<pm>{PMOD})[\s-]*)?(?:(?P<y>1\d\d|20\d)0|'?(?P<yy>\d)0)'?s")
def _decade(m: re.Match[str], ctx: Ctx) -> Reading:
    if m["y"]:
        value = m["y"]
    else:
        value = str(_year2(m["yy"] + "0", ctx))[:3]
    return Reading("DATE", value, "decade", mod_of(m["pm"]))


@rule(
    "decade_word",
    rf"{THE}(?:(?P<pm>{PMOD})[\s-]*)?(?:(?P<c>nineteen|twenty)[\s-]+)?(?P<w>"
    + "|".join(DECADE_WORDS)
    + ")",
)
def _decade_word(m: re.Match[str], ctx: Ctx) -> Reading:
    century = {"nineteen": 19, "twenty": 20}.get((m["c"] or "nineteen").lower(), 19)
    return Reading("DATE", f"{century}{DECADE_WORDS[m['w'].lower()]}", "decade", mod_of(m["pm"]))


@rule(
    "century",
    rf"{THE}(?:(?P<pm>{PMOD})[\s-]*)?(?P<n>\d{{1,2}}(?:st|nd|rd|th)|"
    + "|".join(ORDINALS)
    + r")[\s-]+century",
)
def _century(m: re.Match[str], ctx: Ctx) -> Reading:
    n = ORDINALS.get(m["n"].lower()) or int(re.sub(r"\D", "", m["n"]))
    return Reading("DATE", f"{n - 1:02d}", "century", mod_of(m["pm"]))


# ----------------------------------------------------------------- months, days


@rule("month_day", rf"(?:(?P<pm>early|mid|late)[\s-]*)?(?P<m>{MONTH})\s*(?P<d>{DAYNUM})(?!\d|:\d|\s*,?\s*\d{{4}})")
def _month_day(m: re.Match[str], ctx: Ctx) -> Reading:
    # Not every pattern routed here has a modifier group ("3 May" has none).
    modifier = m.groupdict().get("pm")
    return Reading("DATE", month_day(_month(m["m"]), _day(m["d"]), ctx), "day", mod_of(modifier))


@rule("weekday_month_day", rf"(?P<w>{WEEKDAY}),?\s+(?P<m>{MONTH})\s*(?P<d>{DAYNUM})(?!\d|:\d|\s*,?\s*\d{{4}})")
def _weekday_month_day(m: re.Match[str], ctx: Ctx) -> Reading:
    # "Monday, Oct. 26": the weekday tells the year (the nearest year that fits)
    dct = need(ctx, "DATE", "day")
    month, day, weekday = _month(m["m"]), _day(m["d"]), _weekday(m["w"])
    fits = []
    for year in range(dct.year - 6, dct.year + 7):
        try:
            d = dt.date(year, month, day)
        except ValueError:
            continue
        if d.isoweekday() == weekday:
            fits.append(d)
    if fits:
        best = min(fits, key=lambda d: abs((d - dct).days))
        if abs((best - dct).days) < 300:
            return Reading("DATE", best.isoformat(), "day")
    return Reading("DATE", month_day(month, day, ctx), "day")


@rule("day_month", rf"(?:the\s+)?(?P<d>{DAYNUM})\s+(?:of\s+)?(?P<m>{MONTH})(?!\s*,?\s*\d)")
def _day_month(m: re.Match[str], ctx: Ctx) -> Reading:
    return _month_day(m, ctx)


def _month_context(text: str, start: int, end: int) -> bool:
    # A bare month name needs a temporal preposition or modifier before it: "in
    # May", "early January", "last March"; never the modal "May".
    before = words_before(text, start)
    if text[start:end].split()[0].lower() in {"in", "since", "until", "by", "during"}:
        return True
    return bool(before) and before[0] in {
        "in", "since", "until", "till", "by", "from", "through", "during", "of", "before",
        "after", "between", "and", "to", "or", "early", "mid", "late", "last", "next",
        "this", "that", "each", "every", "for", "around", "on", "throughout", "end", "as",
        "within", "into", "starting", "beginning", "till", "at",
    }  # fmt: skip


_REL_TENSE = {"next": FUTURE, "coming": FUTURE, "last": PAST, "past": PAST, "previous": PAST}


@rule(
    "month",
    rf"(?:(?P<rel>last|next|this|(?:the\s+)?(?:past|previous|coming))\s+|{THE}(?P<pm>{PMOD})[\s-]*)?(?P<m>{MONTH})",
    guard=lambda t, s, e: not t[s:e].lower().startswith("may") or _month_context(t, s, e),
)
def _month_alone(m: re.Match[str], ctx: Ctx) -> Reading:
    month = _month(m["m"])
    dct = need(ctx, "DATE", "month")
    rel = (m["rel"] or "").lower().split()[-1:] or [""]
    if rel[0] == "this":
        year = dct.year
    else:
        tense = _REL_TENSE.get(rel[0], ctx.tense)
        year = shift_year(month, dct.month, dct.year, tense, period=12, strict=rel[0] in _REL_TENSE)
    return Reading("DATE", f"{year:04d}-{month:02d}", "month", mod_of(m["pm"]))


@rule("weekday", rf"(?:(?P<rel>last|next|this(?:\s+coming)?|(?:the\s+)?(?:past|previous|coming))\s+)?(?P<w>{WEEKDAY})(?:\s+(?P<pod>morning|afternoon|evening|night))?")
def _weekday_rule(m: re.Match[str], ctx: Ctx) -> Reading:
    rel = (m["rel"] or "").lower().split()[-1:] or [None]
    relation = {"past": "last", "previous": "last", "coming": "next"}.get(rel[0] or "", rel[0])
    pod = (m["pod"] or "").lower()
    need(ctx, "TIME" if pod else "DATE", "time" if pod else "day")
    day = weekday_date(_weekday(m["w"]), ctx, relation=relation)
    if pod:
        return Reading("TIME", f"{day.isoformat()}T{PART_OF_DAY[pod]}", "time")
    return Reading("DATE", day.isoformat(), "day")


@rule("weekday_set", rf"(?:(?:every|each)\s+(?P<w1>{WEEKDAY})|(?-i:(?P<w2>Mondays|Tuesdays|Wednesdays|Thursdays|Fridays|Saturdays|Sundays)))")
def _weekday_set(m: re.Match[str], ctx: Ctx) -> Reading:
    return Reading("SET", f"XXXX-WXX-{_weekday(m['w1'] or m['w2'])}", "day")


_DEICTIC = {"today": 0, "yesterday": -1, "tomorrow": 1, "tonight": 0}


@rule(
    "deictic_day",
    r"(?P<w>the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow|today|yesterday|tomorrow|tonight|last\s+night)"
    r"(?:\s+(?P<pod>morning|afternoon|evening|night))?",
)
def _deictic(m: re.Match[str], ctx: Ctx) -> Reading:
    w = re.sub(r"\s+", " ", m["w"].lower())
    pod = (m["pod"] or "").lower()
    if w in ("tonight", "last night"):
        pod = "night"
    offset = {"the day before yesterday": -2, "the day after tomorrow": 2, "last night": -1}.get(w)
    if offset is None:
        offset = _DEICTIC[w]
    if pod:
        d = need(ctx, "TIME", "time") + dt.timedelta(days=offset)
        return Reading("TIME", f"{d.isoformat()}T{PART_OF_DAY[pod]}", "time")
    d = need(ctx, "DATE", "day") + dt.timedelta(days=offset)
    return Reading("DATE", d.isoformat(), "day")


@rule("this_part_of_day", r"this\s+(?P<pod>morning|afternoon|evening)")
def _this_pod(m: re.Match[str], ctx: Ctx) -> Reading:
    d = need(ctx, "TIME", "time")
    return Reading("TIME", f"{d.isoformat()}T{PART_OF_DAY[m['pod'].lower()]}", "time")


# ----------------------------------------------------------------- times of day

_ZONE = r"(?:\s+(?:\(?(?-i:[ECMP][SD]T|ET|GMT|UTC|BST|CET)\)?|local\s+time))?"
_TIME_DATE = rf"(?:,?\s+(?:on\s+)?(?P<date>{WEEKDAY}|today|yesterday|tomorrow|{MONTH}\s*{DAYNUM}(?:,?\s+{YEAR})?))?"


@rule(
    "clock_time",
    r"(?:(?P<h>[01]?\d|2[0-3])(?:[:.](?P<mi>[0-5]\d))?\s*(?P<ap>a\.m\.|p\.m\.|a\.m|p\.m|am|pm)(?!\w)"
    r"|(?P<noon>noon|midnight|midday))" + _ZONE + _TIME_DATE,
)
def _clock(m: re.Match[str], ctx: Ctx) -> Reading:
    if m["noon"]:
        hh, mi = (12, None) if m["noon"].lower() in ("noon", "midday") else (24, None)
    else:
        hh, mi = int(m["h"]), m["mi"]
        pm = m["ap"].lower().startswith("p")
        if pm and hh < 12:
            hh += 12
        if not pm and hh == 12:
            hh = 0
    clock = f"{hh:02d}:{mi}" if mi else f"{hh:02d}:00"
    if m["date"]:
        day = normalise_text(m["date"], ctx)
        if day is None or day.value is None:
            return Reading("TIME", None, "time")
        return Reading("TIME", f"{day.value}T{clock}", "time")
    d = need(ctx, "TIME", "time")
    return Reading("TIME", f"{d.isoformat()}T{clock}", "time")


# ----------------------------------------------------------------- weeks, months, years relative to the DCT

_REL = {"last": -1, "past": -1, "previous": -1, "this": 0, "current": 0, "next": 1,
        "coming": 1, "following": 1}  # fmt: skip


@rule(
    "relative_unit",
    rf"(?:(?P<pm>{PMOD}|earlier|later)[\s-]+)?(?P<rel>last|this|next|the\s+(?:current|coming|previous|past)|the\s+following)"
    r"\s+(?P<u>week(?:end)?|month|quarter|year|decade|century)",
)
def _relative_unit(m: re.Match[str], ctx: Ctx) -> Reading:
    rel = m["rel"].lower().split()[-1]
    unit = m["u"].lower()
    if rel in ("past", "previous") and unit != "weekend":
        # "the past year" is the year-long stretch before now (a duration)
        value, gran = duration_value(1, unit)
        return Reading("DURATION", value, gran)
    dct = need(ctx, "DATE", "week" if unit == "weekend" else unit)
    value, gran = relative_unit(unit, _REL[rel], dct)
    return Reading("DATE", value, gran, mod_of(m["pm"]))


@rule("the_weekend", r"the\s+weekend")
def _the_weekend(m: re.Match[str], ctx: Ctx) -> Reading:
    dct = need(ctx, "DATE", "week")
    weekend_passed = dct.isoweekday() < 6  # Mon-Fri: the nearest past weekend is last week's
    offset = 0 if ctx.future or not weekend_passed else -1
    if ctx.future and dct.isoweekday() == 7:
        offset = 1
    return Reading("DATE", relative_unit("weekend", offset, dct)[0], "week")


@rule("ago", rf"(?:(?P<dm>{DMOD})\s+)?(?P<n>{NUM})[\s-]+(?P<u>{UNIT})s?\s+(?:ago|earlier)")
def _ago(m: re.Match[str], ctx: Ctx) -> Reading:
    n = number(m["n"])
    unit = m["u"].lower().rstrip("s")
    if unit in ("centurie", "night"):
        unit = {"centurie": "century", "night": "day"}[unit]
    if n is None:
        need(ctx, "DATE", None)
        return Reading("DATE", "PAST_REF", None)
    dct = need(ctx, "DATE", unit)
    n = int(n)
    if unit in ("second", "minute", "hour"):
        delta = dt.timedelta(**{unit + "s": n})
        return Reading("TIME", (dt.datetime.combine(dct, dt.time()) - delta).date().isoformat(), "time")
    if unit == "decade":
        value, gran = relative_unit("year", -10 * n, dct)
        return Reading("DATE", value[:3], "decade")
    if unit == "century":
        return Reading("DATE", relative_unit("century", -n, dct)[0], "century")
    value, gran = relative_unit(unit, -n, dct)
    return Reading("DATE", value, gran)


@rule("units_ago_vague", r"(?:years|months|weeks|days|decades)\s+ago")
def _vague_ago(m: re.Match[str], ctx: Ctx) -> Reading:
    return Reading("DATE", "PAST_REF", None)


@rule("year_earlier", r"(?:a|the)\s+(?:year|month)\s+(?:earlier|before)|(?:the\s+)?(?:previous|prior)\s+year|year-(?:earlier|ago)")
def _year_earlier(m: re.Match[str], ctx: Ctx) -> Reading:
    unit = "month" if "month" in m[0].lower() else "year"
    value, gran = relative_unit(unit, -1, need(ctx, "DATE", unit))
    return Reading("DATE", value, gran)


@rule("quarter", rf"{THE}(?:(?:fiscal|calendar)\s+)?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(?:fiscal\s+)?quarter(?:\s+of\s+(?:(?:fiscal|the\s+year|the\s+fiscal\s+year)\s+)?(?P<y>{YEAR}))?")
def _quarter(m: re.Match[str], ctx: Ctx) -> Reading:
    q = ORDINALS[m["q"].lower()]
    if m["y"]:
        return Reading("DATE", f"{m['y']}-Q{q}", "quarter")
    dct = need(ctx, "DATE", "quarter")
    year = shift_year(q, quarter_of(dct), dct.year, ctx.tense, period=4)
    return Reading("DATE", f"{year}-Q{q}", "quarter")


@rule("the_quarter", r"the\s+(?:latest|most\s+recent|recent|just-ended|just\s+ended)?\s*quarter(?!\s+of|ly|-)")
def _the_quarter(m: re.Match[str], ctx: Ctx) -> Reading:
    # in news "the quarter" is the one being reported: the last completed one
    return Reading("DATE", relative_unit("quarter", -1, need(ctx, "DATE", "quarter"))[0], "quarter")


@rule("half", rf"{THE}(?P<h>first|second)\s+half(?:\s+of\s+(?P<y>{YEAR}|(?:this|last|next)\s+year))?")
def _half(m: re.Match[str], ctx: Ctx) -> Reading:
    h = 1 if m["h"].lower() == "first" else 2
    y = m["y"]
    if y and y[0].isdigit():
        return Reading("DATE", f"{y}-H{h}", "half")
    dct = need(ctx, "DATE", "half")
    year = dct.year + _REL[y.split()[0].lower()] if y else dct.year
    if not y:
        year = shift_year(h, 1 if dct.month <= 6 else 2, dct.year, ctx.tense, period=2)
    return Reading("DATE", f"{year}-H{h}", "half")


@rule("season", rf"(?:(?P<rel>last|this|next|(?:the\s+)?(?:past|coming|previous))\s+|{THE}(?:(?P<pm>{PMOD})[\s-]*)?)(?P<s>{SEASON})(?:\s+(?:of\s+)?(?P<y>{YEAR}))?")
def _season(m: re.Match[str], ctx: Ctx) -> Reading:
    s = SEASONS[m["s"].lower()]
    if m["y"]:
        return Reading("DATE", f"{m['y']}-{s}", "season", mod_of(m["pm"]))
    dct = need(ctx, "DATE", "season")
    rel = (m["rel"] or "").lower().split()[-1:] or [""]
    idx, cur = SEASON_ORDER.index(s), SEASON_ORDER.index(season_of(dct))
    if dct.month == 12 and s != "WI":
        cur = 4  # December belongs to the winter at the end of the year
    if rel[0] == "this":
        year = dct.year
    else:
        tense = _REL_TENSE.get(rel[0], ctx.tense)
        year = shift_year(idx + 1, cur + 1, dct.year, tense, period=4, strict=rel[0] in _REL_TENSE)
    return Reading("DATE", f"{year}-{s}", "season", mod_of(m["pm"]))


def _bare_season(text: str, start: int, end: int) -> bool:
    # "spring" alone needs a temporal preposition: "in spring", "by summer"
    if re.match(r"(?i)(?:last|this|next|the|past|coming|previous|early|mid|late)\b", text[start:end]):
        return True
    return bool(set(words_before(text, start)) & {"in", "by", "until", "since", "during", "this", "through"})


RULES[-1] = Rule(RULES[-1].name, RULES[-1].pattern, RULES[-1].handler, _bare_season)

_HOLIDAYS: dict[str, Callable[[int], dt.date]] = {
    "christmas eve": lambda y: dt.date(y, 12, 24),
    "christmas day": lambda y: dt.date(y, 12, 25),
    "christmas": lambda y: dt.date(y, 12, 25),
    "new year's eve": lambda y: dt.date(y, 12, 31),
    "new year's day": lambda y: dt.date(y, 1, 1),
    "halloween": lambda y: dt.date(y, 10, 31),
    "valentine's day": lambda y: dt.date(y, 2, 14),
    "independence day": lambda y: dt.date(y, 7, 4),
    "easter": easter,
    "easter sunday": easter,
    # US Thanksgiving: the fourth Thursday of November
    "thanksgiving": lambda y: dt.date(y, 11, 22 + (3 - dt.date(y, 11, 1).weekday()) % 7),
    "thanksgiving day": lambda y: dt.date(y, 11, 22 + (3 - dt.date(y, 11, 1).weekday()) % 7),
}


@rule("holiday", r"(?-i:Christmas(?:\s+(?:Eve|Day))?|New\s+Year's\s+(?:Eve|Day)|Halloween|Valentine's\s+Day|Easter(?:\s+Sunday)?|Thanksgiving(?:\s+Day)?)" + rf"(?:,?\s+(?P<y>{YEAR}))?")
def _holiday(m: re.Match[str], ctx: Ctx) -> Reading:
    name = re.sub(r"\s+", " ", m[0].lower().split(",")[0])
    name = re.sub(r"\s*\d{4}$", "", name).replace("’", "'")
    fn = _HOLIDAYS[name]
    if m["y"]:
        return Reading("DATE", fn(int(m["y"])).isoformat(), "day")
    dct = need(ctx, "DATE", "day")
    options = [fn(dct.year - 1), fn(dct.year), fn(dct.year + 1)]
    if ctx.tense == FUTURE:
        day = min(d for d in options if d >= dct)
    elif ctx.tense == PAST:
        day = max(d for d in options if d <= dct)
    else:
        day = min(options, key=lambda d: (abs((d - dct).days), d))
    return Reading("DATE", day.isoformat(), "day")


# ----------------------------------------------------------------- normalisation of a string


def normalise_text(text: str, ctx: Ctx) -> Reading | None:
    """The reading of ``text`` as one whole expression, or None if no rule takes it all."""
    from sitegen.temporal_rules import Unanchored

    text = text.strip()
    for r in sorted(RULES, key=lambda r: PRIORITY.get(r.name, 50)):
        m = r.pattern.fullmatch(text)
        if m is None:
            continue
        try:
            return r.handler(m, ctx)
        except Unanchored as exc:
            return Reading(exc.type, None, exc.granularity)
        except (ValueError, KeyError):
            continue
    return None


# Lower runs first when two rules match the same span (extraction prefers
# longer spans whatever the priority).
PRIORITY = {"full_date": 0, "month_year": 1, "quarter": 2, "ago": 3, "relative_unit": 4, "reference": 90, "duration": 60, "bare_plural": 70, "set_per": 80}

__all__ = ["PRIORITY", "RULES", "Rule", "normalise_text", "week_value"]

# the duration, set and reference rules register themselves into RULES
from sitegen import temporal_durations  # noqa: E402,F401
