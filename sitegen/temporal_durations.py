"""Rules for durations, sets and reference points ("two years", "every Monday", "now").

Split from :mod:`sitegen.temporal_patterns` (dates and times), whose rule table
these register into; that module imports this one at its end.
"""

from __future__ import annotations

import re

from sitegen.temporal_patterns import rule, words_before
from sitegen.temporal_rules import DMOD, NUM, PART_OF_DAY, UNIT, Ctx, Reading, duration_value, mod_of, number

# ----------------------------------------------------------------- durations



@rule(
    "duration",
    rf"(?:(?P<dm>{DMOD})\s+)?(?:the\s+)?(?:(?:past|last|next|first|coming|previous|following|latest|final|remaining|initial)\s+)?"
    rf"(?P<n>{NUM})(?:\s+(?:more|additional|further|full|straight|consecutive|long))?[\s-]+(?P<u>{UNIT})s?(?:\s+(?:or\s+so|long))?",
    guard=lambda t, s, e: (
        not re.match(r"(?i)(?:a|an|one)\s+(?:day|week|month|year|quarter)\b", t[s:e])
        or not re.match(r"\s*(?:after|before|later|earlier)\b", t[e : e + 8])
    )
    and not re.search(r"(?i)\w-quarters$", t[s:e]),  # "three-quarters" is a fraction
)
def _duration(m: re.Match[str], ctx: Ctx) -> Reading:
    value, gran = duration_value(number(m["n"]), m["u"])
    return Reading("DURATION", value, gran, mod_of(m["dm"]))


@rule("half_unit", r"(?:half\s+an?\s+(?P<u1>hour|day|year|century)|an?\s+(?P<u2>hour|year|day)\s+and\s+a\s+half)")
def _half_unit(m: re.Match[str], ctx: Ctx) -> Reading:
    unit = (m["u1"] or m["u2"]).lower()
    if m["u1"]:
        table = {"hour": "PT30M", "day": "PT12H", "year": "P6M", "century": "P50Y"}
        return Reading("DURATION", table[unit], "time" if unit in ("hour", "day") else "month")
    return Reading("DURATION", {"hour": "PT1.5H", "year": "P1.5Y", "day": "P1.5D"}[unit], unit if unit != "hour" else "time")


def _bare_plural_context(text: str, start: int, end: int) -> bool:
    # bare "months"/"years" are durations after "for", "in", "over"... ("for
    # months"); elsewhere ("years of war") too often not an annotated timex
    before = words_before(text, start)
    return bool(before) and before[0] in {"for", "over", "within", "in", "after", "took", "lasted", "last", "spent", "ago", "since", "than"}


@rule("bare_plural", r"(?P<u>hours|days|weeks|months|years|decades|centuries)", guard=_bare_plural_context)
def _bare_plural(m: re.Match[str], ctx: Ctx) -> Reading:
    value, gran = duration_value(None, m["u"].lower().rstrip("s").replace("ie", "y") if m["u"].lower() == "centuries" else m["u"].lower().rstrip("s"))
    return Reading("DURATION", value, gran)


@rule("vague_span", r"(?:the\s+)?(?:past|last|next|coming|recent|first)\s+(?:few|several|many|couple\s+of)\s+(?P<u>hours|days|weeks|months|years|decades)")
def _vague_span(m: re.Match[str], ctx: Ctx) -> Reading:
    value, gran = duration_value(None, m["u"].lower().rstrip("s"))
    return Reading("DURATION", value, gran)


# ----------------------------------------------------------------- sets

_ADVERB_SET = {"daily": "P1D", "nightly": "P1D", "weekly": "P1W", "monthly": "P1M",
               "quarterly": "P3M", "yearly": "P1Y", "annually": "P1Y", "hourly": "PT1H"}  # fmt: skip


# "quarterly" is left out: in news it is nearly always an adjective ("quarterly profit")
@rule("set_adverb", r"(?P<w>daily|nightly|weekly|monthly|yearly|annually|hourly)")
def _set_adverb(m: re.Match[str], ctx: Ctx) -> Reading:
    value = _ADVERB_SET[m["w"].lower()]
    return Reading("SET", value, duration_value(1, {"P1D": "day", "P1W": "week", "P1M": "month", "P3M": "quarter", "P1Y": "year", "PT1H": "hour"}[value])[1])


@rule("set_every", rf"(?:every|each)\s+(?:(?P<other>other)\s+)?(?:(?P<n>{NUM})\s+)?(?P<u>{UNIT}|morning|evening|weekend)s?")
def _set_every(m: re.Match[str], ctx: Ctx) -> Reading:
    unit = m["u"].lower().rstrip("s")
    if unit in PART_OF_DAY:
        return Reading("SET", f"XXXX-XX-XXT{PART_OF_DAY[unit]}", "time")
    if unit == "weekend":
        return Reading("SET", "XXXX-WXX-WE", "week")
    n = number(m["n"]) if m["n"] else 1
    if m["other"]:
        n = (n or 1) * 2
    value, gran = duration_value(n, unit)
    return Reading("SET", value, gran)


@rule(
    "set_per",
    r"(?:a|per)\s+(?P<u>year|month|week|day|hour)",
    guard=lambda t, s, e: bool(re.search(r"(?:\d|%|percent|once|twice|times|dollars|cents)\W*$", t[max(0, s - 25) : s], re.I)),
)
def _set_per(m: re.Match[str], ctx: Ctx) -> Reading:
    value, gran = duration_value(1, m["u"])
    return Reading("SET", value, gran)


# ----------------------------------------------------------------- reference points

_REFS = {
    "now": "PRESENT_REF", "right now": "PRESENT_REF", "currently": "PRESENT_REF",
    "current": "PRESENT_REF", "nowadays": "PRESENT_REF", "these days": "PRESENT_REF",
    "the present": "PRESENT_REF", "at present": "PRESENT_REF", "presently": "PRESENT_REF",
    "recently": "PAST_REF", "lately": "PAST_REF", "recent": "PAST_REF", "the past": "PAST_REF",
    "previously": "PAST_REF", "formerly": "PAST_REF", "in the past": "PAST_REF",
    "recent years": "PAST_REF", "recent months": "PAST_REF", "recent weeks": "PAST_REF",
    "recent days": "PAST_REF", "soon": "FUTURE_REF", "the future": "FUTURE_REF",
    "future": "FUTURE_REF", "the coming days": "FUTURE_REF", "the coming weeks": "FUTURE_REF",
    "the coming months": "FUTURE_REF", "the coming years": "FUTURE_REF",
    "coming days": "FUTURE_REF", "coming weeks": "FUTURE_REF", "coming months": "FUTURE_REF",
    "coming years": "FUTURE_REF", "the near future": "FUTURE_REF",
}  # fmt: skip


@rule(
    "reference",
    r"(?:the\s+)?(?:coming|recent)\s+(?:days|weeks|months|years)|the\s+(?:near\s+)?future|the\s+past(?!\s+(?:\w+\s+)?(?:days?|weeks?|months?|years?|decades?|hours?|quarters?|centur))"
    r"|nowadays|these\s+days|currently|recently|lately|presently|at\s+present|the\s+present|now|current|recent",
    guard=lambda t, s, e: _ref_ok(t, s, e),
)
def _reference(m: re.Match[str], ctx: Ctx) -> Reading:
    key = re.sub(r"\s+", " ", m[0].lower())
    return Reading("DATE", _REFS[key], None)


def _ref_ok(text: str, start: int, end: int) -> bool:
    word = text[start:end].lower()
    after = text[end : end + 20].lower()
    before = words_before(text, start)
    if word == "now" and (re.match(r"\s*(?:that|,?\s*then)\b", after) or before[-1:] in (["by"], ["until"], ["from"], ["just"])):
        return word == "now" and before[-1:] != ["from"]  # "by now" is still a timex
    if word in ("current", "future", "recent"):
        # adjectives count only before nouns that are not themselves measures
        return not re.match(r"\s*(?:account|accounts|events|affairs|tense|value|prices|dollars)", after)
    return True
