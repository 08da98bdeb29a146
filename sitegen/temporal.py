"""Temporal expressions: find them in an article and normalise them TimeML-style.

Every date, time, duration and set ("March 7", "last week", "the mid-1990s",
"for months", "every Monday") becomes a :class:`Timex` with a TIMEX3 ``type``
and ``value`` resolved against the article's publication date (the document
creation time, DCT).

Why our own rules: no well-kept Python library does TIMEX3 normalisation.
HeidelTime (Strötgen & Gertz 2013) and SUTime (Chang & Manning 2012) are the
reference systems but run on the JVM (HeidelTime is GPL-3); ``dateparser`` and
``python-dateutil`` parse absolute dates only.  The rules, written after
HeidelTime's English resources, live in :mod:`sitegen.temporal_patterns`; the
calendar arithmetic in :mod:`sitegen.temporal_rules`.  spaCy's DATE/TIME
entities are used only as extra candidates for spans the rules do not cover.

Direction: an expression that names a point without its year or week ("Friday",
"March 7", "the spring") is read by the tense of the clause that governs it
(:func:`tense_of`): past tense, the latest such point at or before the DCT;
future (``will``, a modal, "plans to"), the earliest at or after it; no tense
at all ("payable Dec. 7", "Congress reconvenes Jan. 24"), the nearest one.

Undated articles (``dct=None``) keep every expression; absolute ones ("March 7,
2024", "2020") still resolve, relative ones get ``value=None`` and
``resolved=False`` rather than a guess.

This module does not import spaCy: :func:`extract_timexes` takes a parsed
``Doc`` duck-typed (``text``, ``ents``, ``char_span``, tokens' ``tag_``,
``lemma_``, ``dep_``, ``head``, ``children``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from sitegen.temporal_patterns import PRIORITY, RULES, Rule, normalise_text
from sitegen.temporal_rules import FUTURE, PAST, UNMARKED, Ctx, Reading, Unanchored
from sitegen.model import compact

log = logging.getLogger(__name__)

TYPES = ("DATE", "TIME", "DURATION", "SET")


@compact
@dataclass(frozen=True, slots=True)
class Timex:
    """One temporal expression of a text (TimeML TIMEX3).

    ``start``/``end`` are character offsets into the parsed text; ``value`` is
    the TIMEX3 value (``2024-03-07``, ``2024-W12``, ``199``, ``P6M``,
    ``XXXX-WXX-1``, ``PRESENT_REF``) or None when the expression is relative
    and the article has no date (then ``resolved`` is False).  ``granularity``
    is one of day, week, month, season, quarter, half, year, decade, century,
    time, or None for reference points (``PRESENT_REF``); ``mod`` is a TimeML
    modifier (START, MID, END, LESS_THAN, MORE_THAN, EQUAL_OR_LESS,
    EQUAL_OR_MORE, APPROX).
    """

    text: str
    start: int
    end: int
    type: str
    value: str | None
    granularity: str | None
    mod: str | None = None
    resolved: bool = True

    def as_json(self) -> dict[str, Any]:
        """The fields of ``sitegen analyze --json``'s ``timexes`` entries."""
        return {"text": self.text, "start": self.start, "end": self.end, "type": self.type, "value": self.value}


def normalise(
    text: str, dct: dt.date | None, *, future: bool = False, tense: str | None = None
) -> Timex | None:
    """Read ``text`` as one temporal expression (no spaCy needed).

    The clause is taken to be in the past tense unless ``future`` is true;
    ``tense`` (``"past"``, ``"future"``, ``"unmarked"``) overrides both.

    >>> normalise("last week", dt.date(2024, 4, 5)).value
    '2024-W13'

    Returns None if no rule covers the whole of ``text``.
    """
    reading = normalise_text(text, Ctx(dct, tense or (FUTURE if future else PAST)))
    if reading is None:
        return None
    stripped = text.strip()
    offset = text.index(stripped) if stripped else 0
    return _timex(stripped, offset, offset + len(stripped), reading)


def find_spans(text: str) -> list[tuple[int, int, Rule]]:
    """Candidate spans of ``text``: the longest non-overlapping rule matches."""
    found: list[tuple[int, int, Rule]] = []
    for r in RULES:
        for m in r.pattern.finditer(text):
            if m.end() > m.start() and (r.guard is None or r.guard(text, m.start(), m.end())):
                found.append((m.start(), m.end(), r))
    # Longest first, then the more specific rule: "March 7, 2024" beats both
    # "March 7" and "2024"; "two years ago" beats "two years".
    found.sort(key=lambda f: (f[0] - f[1], PRIORITY.get(f[2].name, 50), f[0]))
    taken: list[tuple[int, int, Rule]] = []
    for start, end, r in found:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, r))
    return sorted(taken, key=lambda f: f[0])


def extract_timexes(doc: Any, dct: dt.date | None, *, use_entities: bool = True) -> tuple[Timex, ...]:
    """Every temporal expression of the parsed ``doc``, in text order.

    ``dct`` is the article's publication date (None: undated, see module doc).
    ``use_entities`` adds spaCy DATE/TIME entities that no rule found but that
    a rule can read once trimmed ("the summer of 2020" spelled oddly etc.).
    """
    text: str = doc.text
    out: list[Timex] = []
    for start, end, r in find_spans(text):
        m = r.pattern.match(text, start, end)
        if m is None or m.end() != end:  # a guard-dependent rematch; cannot happen, be safe
            continue
        ctx = Ctx(dct, tense_of(doc, start, end))
        try:
            reading = r.handler(m, ctx)
        except Unanchored as exc:
            reading = Reading(exc.type, None, exc.granularity)
        except (ValueError, KeyError, OverflowError) as exc:
            log.debug("no reading for %r (%s): %s", text[start:end], r.name, exc)
            continue
        out.append(_timex(text[start:end], start, end, reading))
    if use_entities:
        out.extend(_from_entities(doc, dct, out))
    out.sort(key=lambda t: t.start)
    return tuple(_same_period_a_year_earlier(text, out))


_YEAR_BACK = re.compile(r"(?i)(?:a|one)\s+year\s+(?:ago|earlier|before)|year-(?:earlier|ago)")
_PERIOD = re.compile(r"^(\d{4})(-(?:Q[1-4]|H[12]|0[1-9]|1[0-2]))$")
ANAPHOR_REACH = 300  # characters: the comparison sits in the same or the previous sentence


def _same_period_a_year_earlier(text: str, timexes: list[Timex]) -> list[Timex]:
    """ "Profit rose in the third quarter from $5 million a year earlier": the
    anaphoric "a year earlier/ago" compares the same period one year back, so
    it takes the granularity of the quarter, half or month just mentioned."""
    out: list[Timex] = []
    for i, t in enumerate(timexes):
        if t.resolved and _YEAR_BACK.fullmatch(t.text):
            for prev in reversed(timexes[:i]):
                if t.start - prev.end > ANAPHOR_REACH:
                    break
                m = _PERIOD.match(prev.value or "")
                if m and prev.type == "DATE":
                    t = replace(t, value=f"{int(m[1]) - 1:04d}{m[2]}", granularity=prev.granularity)
                    break
        out.append(t)
    return out


def _from_entities(doc: Any, dct: dt.date | None, found: list[Timex]) -> list[Timex]:
    extra: list[Timex] = []
    for ent in getattr(doc, "ents", ()):
        if ent.label_ not in ("DATE", "TIME"):
            continue
        s, e = ent.start_char, ent.end_char
        if any(not (e <= t.start or s >= t.end) for t in found):
            continue
        words = ent.text
        lead = len(words) - len(words.lstrip())
        reading = normalise_text(words, Ctx(dct, tense_of(doc, s, e)))
        if reading is not None:
            extra.append(_timex(words.strip(), s + lead, s + lead + len(words.strip()), reading))
    return extra


def _timex(text: str, start: int, end: int, r: Reading) -> Timex:
    return Timex(text, start, end, r.type, r.value, r.granularity, r.mod, r.value is not None)


# ----------------------------------------------------------------- tense

# Verbs whose complement is about the future: "plans to meet Friday",
# "scheduled a news conference Thursday" (whatever their own tense).
FUTURE_VERBS = frozenset(
    "plan schedule intend slate propose promise vow pledge threaten postpone delay "
    "adjourn reschedule".split()
)
FUTURE_AUX = frozenset({"will", "shall", "'ll", "wo", "ll"})
# Other modals speak of what is yet to happen ("could come as soon as Tuesday")
# unless a perfect follows ("would have met Friday").
MODALS = frozenset({"would", "could", "might", "may", "should", "must", "can", "'d"})
PAST_PREPOSITIONS = frozenset({"since", "ago"})
OPEN_PREPOSITIONS = frozenset({"until", "till", "through", "by", "before", "to", "from", "effective", "payable"})
NON_FINITE = frozenset({"VB", "VBG", "VBN", "TO"})


def tense_of(doc: Any, start: int, end: int) -> str:
    """``"past"``, ``"future"`` or ``"unmarked"``: how the clause governing the span speaks.

    Follows the dependency tree up from the expression to its verb; future if
    that verb has a ``will``/``shall``/modal auxiliary, is "going to", or is a
    verb of planning; past if it is in the past tense or perfect; otherwise
    (present tense, no verb) unmarked.  A non-finite verb ("expected to meet
    Friday") defers to the verb above it.  "since March 7" is always past; after
    "until"/"by"/"to" ("extended to Nov. 16") the verb's tense says nothing
    about the date, so it is unmarked.  Without a parse it is past.
    """
    try:
        span = doc.char_span(start, end, alignment_mode="expand")
    except (AttributeError, TypeError):
        return PAST
    if span is None or not len(span):
        return PAST
    first = span[0]
    prev = doc[first.i - 1].lower_ if first.i > 0 else ""
    if prev in PAST_PREPOSITIONS:
        return PAST
    tok = span.root
    for _ in range(12):  # climb to the governing verb
        if tok.tag_.startswith("VB") or tok.tag_ == "MD" or tok.head is tok:
            break
        tok = tok.head
    for _ in range(5):  # the verb, then, while non-finite, the verb above
        if not (tok.tag_.startswith("VB") or tok.tag_ == "MD"):
            return UNMARKED
        verdict = _verb_tense(tok)
        if verdict is not None:
            if verdict == PAST and prev in OPEN_PREPOSITIONS:
                return UNMARKED
            return verdict
        if tok.tag_ not in NON_FINITE or tok.head is tok or any(c.dep_ in ("aux", "auxpass") and c.tag_ != "TO" for c in tok.children):
            break
        tok = tok.head
    return UNMARKED


def _verb_tense(tok: Any) -> str | None:
    if tok.lower_ in FUTURE_AUX or tok.lemma_.lower() in FUTURE_VERBS:
        return FUTURE
    aux = [c for c in tok.children if c.dep_ in ("aux", "auxpass")]
    words = {c.lower_ for c in aux}
    if words & FUTURE_AUX or "going" in words:
        return FUTURE
    if words & MODALS and "have" not in words:
        return FUTURE
    if tok.tag_ == "VBD" or "have" in {c.lemma_.lower() for c in aux} or any(c.tag_ == "VBD" for c in aux):
        return PAST
    if tok.tag_ == "VBN" and not aux:  # a participle clause: "the ruling, announced Wednesday"
        return PAST
    return None
