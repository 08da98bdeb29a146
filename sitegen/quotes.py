"""Direct quotations and the words that attribute them, from the dependency parse.

A quoted span is a quote of a speaker when the parse links it to a speech verb
("said", "declared", "claimed", ...) that has a subject outside the quotation,
and one of these holds:

* the quotation sits next to the verb: ``"…," Blinken said``, ``"…," he
  declared``, ``Blinken said, "…"``, ``he told reporters: "…"``;
* the quotation is a clause of its own (it has its own subject), introduced by
  the verb: ``Borrell claimed that "Hamas was financed …"``.

Quoted words that are neither (``an "ironclad" commitment``, ``turn Israel
into "a pariah"``, ``Netanyahu has "lost his way"`` inside a sentence whose
verb is not next to it) are scare quotes or fragments and are left out: they
do not say who spoke them.

Resolving a pronoun subject ("he said") to a person is done by the caller,
which knows the article's people (see :func:`sitegen.actors.article_actors`).

Tokens are spaCy tokens, used duck-typed: this module does not import spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .model import Sentence

SPEECH_VERBS = frozenset(
    """
    say tell declare state add note claim insist warn write announce argue ask explain
    reply respond assert affirm stress emphasize emphasise acknowledge admit deny urge
    caution suggest predict vow pledge promise comment remark observe contend complain
    tweet post conclude testify recall quip concede reiterate repeat proclaim allege
    threaten demand accuse criticize criticise counter retort put describe continue
    agree confirm report yell shout whisper mutter
    """.split()
)

PRONOUNS = frozenset({"he", "she"})

# Curly quotes pair unambiguously; straight quotes pair left to right within a
# line.  A quotation never runs across a paragraph break.
_QUOTE = re.compile(r"“([^“”\n]{1,1500})”|\"([^\"\n]{1,1500})\"")
_NEXT_TO = 6  # how many tokens may separate a quotation from its verb


@dataclass(frozen=True)
class FoundQuote:
    """A quotation and the token that names its speaker."""

    text: str
    sentence: str  # id of the sentence the quotation opens in
    start: int  # character offset of the opening quote mark
    end: int
    speaker: int  # token index of the speech verb's subject
    pronoun: bool  # the subject is "he"/"she": the caller resolves it


def _sentence_of(sentences: Sequence[Sentence], start: int, end: int) -> Sentence | None:
    for s in sentences:
        if s.start <= start < s.end:
            return s
    for s in sentences:  # the opening mark was left before the sentence start
        if start < s.start < end:
            return s
    return None


def _token_range(doc: Any, start: int, end: int) -> tuple[int, int]:
    """Indices of the first and one-past-last token inside characters [start, end)."""
    first = last = None
    for tok in doc:
        if tok.idx >= start and tok.idx + len(tok.text) <= end:
            if first is None:
                first = tok.i
            last = tok.i
        elif tok.idx >= end:
            break
    if first is None or last is None:
        return 0, 0
    return first, last + 1


def _speech_verbs(doc: Any, lo: int, hi: int) -> list[Any]:
    """Speech verbs the quotation [lo, hi) hangs on, nearest first."""
    out = []
    for k in range(lo, hi):
        tok = doc[k]
        if tok.is_punct or tok.head.i == tok.i:
            if tok.head.i == tok.i:  # a root inside the quote: look at its children
                for c in tok.children:
                    if not lo <= c.i < hi and c.dep_ in ("parataxis", "ccomp", "advcl", "conj"):
                        out.append(c)
            continue
        if not lo <= tok.head.i < hi:
            out.append(tok.head)
            for c in tok.children:
                if not lo <= c.i < hi and c.dep_ in ("parataxis", "advcl"):
                    out.append(c)
    return [v for v in out if v.lemma_.lower() in SPEECH_VERBS]


def _subject(verb: Any, lo: int, hi: int) -> Any | None:
    for c in verb.children:
        if c.dep_ in ("nsubj", "nsubjpass") and not lo <= c.i < hi:
            if c.lower_ in ("who", "that") and verb.dep_ == "relcl":
                return verb.head  # "Blinken, who said "…""
            return c
    if verb.dep_ == "conj":  # "He paused and said, "…""
        return _subject(verb.head, lo, hi)
    return None


def _is_clause(doc: Any, lo: int, hi: int) -> bool:
    """Whether the quoted tokens [lo, hi) contain a subject and its verb."""
    return any(
        doc[k].dep_ in ("nsubj", "nsubjpass", "csubj", "expl") and lo <= doc[k].head.i < hi
        for k in range(lo, hi)
    )


def _next_to(doc: Any, verb: Any, subject: Any, lo: int, hi: int, text: str) -> bool:
    """Whether the verb (with its subject) stands right before or after the quotation."""
    if verb.i >= hi:  # after: ""…," Blinken said" / ""…," said Blinken"
        return text.rstrip()[-1:] in (",", "?", "!", "—", "-") and verb.i - hi <= _NEXT_TO
    if verb.i < lo:  # before: "Blinken said, "…"" / "he told reporters: "…""
        mark = lo - 1
        while mark >= 0 and doc[mark].is_punct and doc[mark].text in ("“", '"', "``", "''", "‘"):
            mark -= 1
        return mark >= 0 and doc[mark].text in (",", ":") and lo - verb.i <= _NEXT_TO
    return False


def find_quotes(doc: Any, sentences: Sequence[Sentence]) -> list[FoundQuote]:
    """The attributed quotations in the paragraph sentences of ``doc``."""
    out: list[FoundQuote] = []
    text = doc.text
    for m in _QUOTE.finditer(text):
        body = m.group(1) if m.group(1) is not None else m.group(2)
        body_start = m.start() + 1
        sentence = _sentence_of(sentences, m.start(), m.end())
        if sentence is None or not body.strip():
            continue
        lo, hi = _token_range(doc, body_start, body_start + len(body))
        if lo >= hi:
            continue
        clause = _is_clause(doc, lo, hi)
        for verb in _speech_verbs(doc, lo, hi):
            subject = _subject(verb, lo, hi)
            if subject is None:
                continue
            if not (clause or _next_to(doc, verb, subject, lo, hi, body)):
                continue
            quote = body.strip().rstrip(",").strip()
            out.append(
                FoundQuote(
                    text=quote,
                    sentence=sentence.id,
                    start=m.start(),
                    end=m.end(),
                    speaker=subject.i,
                    pronoun=subject.lower_ in PRONOUNS,
                )
            )
            break
    return out
