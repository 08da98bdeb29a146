"""Finding the mentions of actors in one parsed article.

Each PERSON, ORG, GPE, LOC or NORP entity in a paragraph sentence becomes a
:class:`RawMention` with a canonical name, a type vote and (for people) the
roles the parse attaches to it.  What is not a name is dropped here:

* entities in page furniture that survived cleaning: newsletter prompts,
  "[Read: …]" cross-links, photo credits "(Hannah McKay / Reuters)";
* strings that are not names (no capital, numbers, dates, "State of the
  Union");
* the portfolio word of a title ("Defense" in "Defense Minister", "State" in
  "Secretary of State") that NER tags as an organisation.

A mention's vote is its NER label turned into an actor type, corrected by
context where the small model is known to slip: a PERSON after "in"/"into" or
modifying a place noun ("the Rafah operation", "the Khan Younis training
center") votes for a place; a name with a title or an affiliation ("Natan
Sachs of the Brookings Institution", tagged ORG) votes twice for a person.
Demonyms used as adjectives vote for their country ("Israeli officials" ->
Israel); plural demonyms are groups ("Palestinians").

Tokens are spaCy tokens, used duck-typed: this module does not import spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .aliases import (
    COUNTRIES,
    COUNTRY,
    DEMONYMS,
    GROUP,
    GROUP_ADJECTIVES,
    ORGANISATION,
    PERSON,
    PLACE,
    PLACE_ADJECTIVES,
    alias_key,
    canonical,
    clean_name,
    looks_like_name,
    slugify,
)
from .model import Sentence
from .roles import ROLE_HEADS, TITLE_QUALIFIERS, roles_of

LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP"})

# Page furniture: a sentence matching this names no actor.
CHROME = re.compile(
    r"\b(?:become a member|subscribe|newsletter|sign up|get the best offers|what'?s your reaction"
    r"|all rights reserved|follow us on|click here|share this|advertisement|cookie policy)\b"
    r"|^\s*\[?\s*read(?: more)?\s*:|^\s*reference\(s\)",
    re.IGNORECASE,
)
# "(Hannah McKay / Reuters)", "(Photo: AP)", "[Read: …]"
CREDIT = re.compile(
    r"\((?:[^()]{2,80}\s/\s[^()]{2,60}"
    r"|\s*(?:photo|image|picture|credit|getty|ap photo|afp|reuters)\b[^()]{0,80})\)",
    re.IGNORECASE,
)
CROSS_LINK = re.compile(r"\[\s*(?:read|related|see also|watch|listen)\b[^\]]*\]", re.IGNORECASE)

# Prepositions after which a "PERSON" is really a place ("into Rafah").
LOCATIVE = frozenset({"in", "into", "inside", "near", "outside", "around", "across", "throughout"})
# Nouns a place name modifies ("the Rafah operation", "Khan Younis training center").
PLACE_NOUNS = frozenset(
    """
    operation offensive crossing border center centre camp hospital airport port city region
    area province district governorate strip incursion invasion assault residents
    municipality neighborhood neighbourhood village town refugee checkpoint
    """.split()
)
# Nouns an organisation-tagged name modifies when it is really a place
# ("the Kerem Shalom crossing"); narrower than PLACE_NOUNS, since "the Hamas
# operation" is an organisation's.
ORG_PLACE_NOUNS = frozenset("crossing checkpoint border city town village airport port".split())
# Words that make a name an organisation's, never a person's.
ORG_WORDS = frozenset(
    """
    institution institute council department ministry agency administration committee
    company inc corp group news union association authority center centre foundation bank
    court army forces party university college school office house senate congress
    parliament commission organisation organization network times post press
    """.split()
)
# Portfolios of ministers and secretaries: inside a title they are not actors.
PORTFOLIOS = frozenset(
    """
    defense defence state foreign interior treasury justice finance energy health education
    commerce labor labour agriculture transportation security war economy trade
    environment culture communications intelligence
    """.split()
) | {"foreign affairs", "homeland security", "national security", "security policy"}


@dataclass(frozen=True)
class RawMention:
    """One entity of the article, cleaned and voted on."""

    text: str  # the cleaned surface string ("U.S.", "Israeli", "Netanyahu")
    name: str  # the canonical name it stands for ("United States", "Israel")
    key: str  # slug of name
    start: int  # characters
    end: int
    first: int  # tokens [first, last)
    last: int
    sentence: str
    label: str
    vote: str
    weight: int = 1
    roles: tuple[str, ...] = ()
    role_spans: tuple[tuple[int, int], ...] = ()
    subject: bool = False


def _furniture(sentences: Sequence[Sentence]) -> list[tuple[int, int]]:
    """Character ranges whose entities are page furniture, not actors."""
    out = []
    for s in sentences:
        if CHROME.search(s.text):
            out.append((s.start, s.end))
        for pattern in (CREDIT, CROSS_LINK):
            for m in pattern.finditer(s.text):
                out.append((s.start + m.start(), s.start + m.end()))
    return out


def _trim(doc: Any, start: int, end: int, label: str) -> tuple[int, int]:
    """Token range of the name itself: no article, possessive or title."""
    while start < end and (doc[start].lower_ in ("the", "a", "an") or doc[start].is_punct):
        start += 1
    while end > start and (
        doc[end - 1].tag_ == "POS" or doc[end - 1].text in ("'s", "’s", "'", "’", ",", "-", "—")
    ):
        end -= 1
    if label == "ORG":
        # "the European Union's High Representative for ..." -> "European Union"
        for k in range(start, end):
            if doc[k].tag_ == "POS" and any(t.lower_ in ROLE_HEADS for t in doc[k + 1 : end]):
                end = k
                break
    if label == "PERSON":
        # "President Biden" -> "Biden"; the title is read as a role
        while end - start > 1 and (
            doc[start].lower_ in ROLE_HEADS or doc[start].lower_ in TITLE_QUALIFIERS
        ):
            start += 1
    return start, end


def _name_head(doc: Any, start: int, end: int) -> Any:
    for k in range(start, end):
        if not (start <= doc[k].head.i < end) or doc[k].head.i == k:
            return doc[k]
    return doc[end - 1]


def is_subject(tok: Any) -> bool:
    """The token is a clause's subject, or the owner of one ("Netanyahu's approach suggests")."""
    if tok.dep_ in ("nsubj", "nsubjpass"):
        return True
    return tok.dep_ == "poss" and tok.head.dep_ in ("nsubj", "nsubjpass")


def _adjectival(tok: Any) -> bool:
    return tok.pos_ == "ADJ" or tok.tag_ == "JJ" or tok.dep_ in ("amod", "compound", "nmod")


def _person_shaped(doc: Any, start: int, end: int) -> bool:
    """Two or three capitalised words with no organisation word: "Natan Sachs"."""
    words = [doc[k] for k in range(start, end)]
    return (
        2 <= len(words) <= 3
        and all(w.text[:1].isupper() and w.is_alpha for w in words)
        and not any(w.lower_ in ORG_WORDS for w in words)
    )


def _place_context(head: Any, nouns: frozenset[str] = PLACE_NOUNS, locative: bool = True) -> bool:
    if locative and head.dep_ == "pobj" and head.head.lower_ in LOCATIVE:
        return True
    tok = head
    for _ in range(3):  # "Khan Younis training center": compound -> compound -> noun
        if tok.dep_ != "compound" or tok.head.i == tok.i:
            break
        tok = tok.head
        if tok.lemma_.lower() in nouns or tok.lower_ in nouns:
            return True
    return False


def _norp(
    doc: Any, start: int, end: int, text: str, norp_tokens: set[int]
) -> tuple[str, str] | None:
    """(name, type) a NORP mention stands for, or None to drop it."""
    head = _name_head(doc, start, end)
    key = alias_key(text)
    adjectival = _adjectival(head)
    if adjectival and head.head.i in norp_tokens and head.head.i != head.i:
        return None  # "Orthodox Jews", "Jewish Americans": the group is the noun
    if adjectival and key in DEMONYMS:
        return DEMONYMS[key], COUNTRY
    if adjectival and key in PLACE_ADJECTIVES:
        return PLACE_ADJECTIVES[key], PLACE
    if key in GROUP_ADJECTIVES:
        return GROUP_ADJECTIVES[key], GROUP
    return text, GROUP


def find_mentions(doc: Any, sentences: Sequence[Sentence]) -> list[RawMention]:
    """The actor mentions of ``doc`` inside ``sentences``, in text order."""
    furniture = _furniture(sentences)
    orgs = frozenset(t.i for e in doc.ents if e.label_ == "ORG" for t in e)
    orgish = frozenset(t.i for e in doc.ents if e.label_ in ("ORG", "GPE", "NORP") for t in e)
    norp_tokens = {t.i for e in doc.ents if e.label_ == "NORP" for t in e}
    out: list[RawMention] = []
    k = 0
    for ent in doc.ents:
        if ent.label_ not in LABELS:
            continue
        while k < len(sentences) and sentences[k].end <= ent.start_char:
            k += 1
        if k >= len(sentences) or ent.start_char < sentences[k].start:
            continue  # a heading, or outside the paragraphs
        if any(a <= ent.start_char < b for a, b in furniture):
            continue
        m = _mention(doc, ent, sentences[k].id, orgs, orgish, norp_tokens)
        if m is not None:
            out.append(m)
    return _drop_portfolios(doc, out)


def _mention(
    doc: Any,
    ent: Any,
    sid: str,
    orgs: frozenset[int],
    orgish: frozenset[int],
    norp_tokens: set[int],
) -> RawMention | None:
    label = ent.label_
    start, end = _trim(doc, ent.start, ent.end, label)
    if start >= end:
        return None
    span = doc[start:end]
    text = clean_name(span.text)
    if not looks_like_name(text):
        return None
    head = _name_head(doc, start, end)
    weight = 1
    roles: list[tuple[str, int, int]] = []
    if label == "NORP":
        got = _norp(doc, start, end, text, norp_tokens)
        if got is None:
            return None
        name, vote = got
    else:
        name = PLACE_ADJECTIVES.get(alias_key(text)) or canonical(text)
        if alias_key(text) in PLACE_ADJECTIVES:
            vote = PLACE
        elif label == "GPE":
            vote = COUNTRY if name in COUNTRIES else PLACE
        elif label == "LOC":
            vote = PLACE
        elif label == "ORG":
            vote = ORGANISATION
            # the parse may read "crossing" as a verb, so the next word is checked too
            if _place_context(head, ORG_PLACE_NOUNS, locative=False) or (
                end < len(doc) and doc[end].lower_ in ORG_PLACE_NOUNS
            ):
                vote = PLACE
            elif _person_shaped(doc, start, end):
                roles = roles_of(doc, start, end, orgs, orgish)
                if roles:
                    vote, weight = PERSON, 2
        else:  # PERSON
            if _place_context(head):
                vote = PLACE
            else:
                vote = PERSON
                roles = roles_of(doc, start, end, orgs, orgish)
                if roles:
                    weight = 2
    key = slugify(name)
    if not key:
        return None
    return RawMention(
        text=text,
        name=name,
        key=key,
        start=span.start_char,
        end=span.end_char,
        first=start,
        last=end,
        sentence=sid,
        label=label,
        vote=vote,
        weight=weight,
        roles=tuple(r[0] for r in roles),
        role_spans=tuple((r[1], r[2]) for r in roles),
        subject=is_subject(head),
    )


def _drop_portfolios(doc: Any, mentions: list[RawMention]) -> list[RawMention]:
    """Leave out "Defense" of "Defense Minister": part of a title, not an actor."""
    spans = [s for m in mentions for s in m.role_spans]

    def inside_title(m: RawMention) -> bool:
        return any(a <= m.first and m.last <= b for a, b in spans)

    return [
        m
        for m in mentions
        if not (m.label == "ORG" and alias_key(m.text) in PORTFOLIOS and inside_title(m))
    ]
