"""Roles and titles of people, read from the dependency parse.

Four constructions give a role (examples from the seed articles):

* a title before the name, attached to it by ``compound``/``nmod``/``amod``/
  ``poss`` arcs: "Israeli Prime Minister Benjamin Netanyahu", "Senate Majority
  Leader Chuck Schumer", "U.S. Secretary of State Antony Blinken",
  "Israel's Defense Minister Yoav Gallant";
* an apposition after the name: "Josep Borrell, the European Union's High
  Representative for Foreign Affairs and Security Policy";
* an apposition before the name: "the country's top diplomat, Antony Blinken";
* an affiliation: "Natan Sachs of the Brookings Institution".

The parse decides which words belong to the name's phrase; a small lexicon
decides which of them are title words (lower-case words must be known role
words, so "conservative Minister Gideon Saar" gives "Minister" and "first Vice
President Kamala Harris" gives "Vice President").  A phrase is only a role if
it contains a role head ("minister", "spokesperson", ...) or is an
affiliation with an organisation.

Tokens are spaCy tokens, used duck-typed: this module does not import spaCy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Words that make a phrase a role.  Compared lower-cased.
ROLE_HEADS = frozenset(
    """
    president minister secretary spokesperson spokesman spokeswoman leader senator sen
    representative rep ambassador envoy chief director adviser advisor official chancellor
    king queen prince princess emir sheikh general gen commander governor mayor speaker
    chairman chairwoman chair head negotiator analyst fellow professor correspondent
    diplomat coordinator premier counsel attorney judge justice candidate lawmaker
    congressman congresswoman ayatollah pope cardinal rabbi imam founder ceo executive
    officer editor reporter journalist expert researcher scholar economist strategist
    lieutenant colonel admiral captain sergeant commissioner ministers president-elect
    monarch dictator crown sultan mufti cleric commentator columnist author
    """.split()
)

# Lower-case words allowed inside a title before a name besides role heads.
TITLE_QUALIFIERS = frozenset(
    """
    former acting deputy vice prime foreign defense defence interior finance state
    security national senior top chief assistant under associate principal press
    military top-ranking longtime then-president then-vice then and of for the 's ’s '
    """.split()
)

# Arcs by which a title word hangs on the name (or on another title word).
_TITLE_ARCS = frozenset(
    {"compound", "nmod", "amod", "poss", "case", "prep", "pobj", "cc", "conj", "det", "punct"}
)

MAX_ROLE_TOKENS = 16


def _is_title_token(tok: Any, orgish: frozenset[int]) -> bool:
    text = tok.text
    low = tok.lower_
    if low in ROLE_HEADS or low in TITLE_QUALIFIERS:
        return True
    if tok.i in orgish:  # part of a GPE/NORP/ORG entity: "U.S.", "Israeli", "Senate"
        return True
    if text[:1].isupper() and tok.pos_ in ("PROPN", "NOUN", "ADJ"):
        return True
    return False


def _strip_edges(tokens: list[Any]) -> list[Any]:
    """Drop function words and punctuation at either end of a role phrase."""
    edge = {"of", "for", "and", "the", "a", "an", "'s", "’s", "'", ",", "—", "-", "–"}
    while tokens and (tokens[0].lower_ in edge or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and (tokens[-1].lower_ in edge or tokens[-1].is_punct):
        tokens = tokens[:-1]
    return tokens


def _has_role_head(tokens: Sequence[Any]) -> bool:
    return any(t.lower_.rstrip(".") in ROLE_HEADS for t in tokens)


def _text(doc: Any, tokens: Sequence[Any]) -> str:
    return doc[tokens[0].i : tokens[-1].i + 1].text


def _ancestor_in(tok: Any, lo: int, hi: int) -> bool:
    """Whether ``tok``'s chain of heads reaches a token in ``[lo, hi)``."""
    seen = 0
    while tok.head.i != tok.i and seen < 40:
        tok = tok.head
        if lo <= tok.i < hi:
            return True
        seen += 1
    return False


def title_before(doc: Any, start: int, end: int, orgish: frozenset[int]) -> tuple[int, int] | None:
    """Token range of a title right before the name at tokens ``[start, end)``.

    Walks left from the name while each word hangs (directly or through other
    title words) on the name and is a title word.
    """
    i = start - 1
    first = start
    while i >= 0 and start - i <= MAX_ROLE_TOKENS:
        tok = doc[i]
        if tok.is_space or "\n" in tok.text:
            break
        if tok.dep_ not in _TITLE_ARCS or not _ancestor_in(tok, first, end):
            break
        if not _is_title_token(tok, orgish):
            break
        first = i
        i -= 1
    tokens = _strip_edges([doc[k] for k in range(first, start)])
    if not tokens or not _has_role_head(tokens):
        return None
    return tokens[0].i, tokens[-1].i + 1


def _span_tokens(doc: Any, lo: int, hi: int) -> list[Any]:
    return [doc[k] for k in range(lo, hi)]


def roles_of(
    doc: Any, start: int, end: int, orgs: frozenset[int], orgish: frozenset[int]
) -> list[tuple[str, int, int]]:
    """Roles of the name at tokens ``[start, end)`` as ``(text, first, end)`` token ranges.

    ``orgs`` are the token indices inside ORG entities (for affiliations),
    ``orgish`` those inside ORG/GPE/NORP entities (allowed in titles).
    """
    out: list[tuple[str, int, int]] = []
    before = title_before(doc, start, end, orgish)
    if before:
        out.append((_text(doc, _span_tokens(doc, *before)), *before))
    head = _name_head(doc, start, end)
    # "Josep Borrell, the European Union's High Representative ..."
    for child in head.children:
        if child.dep_ == "appos" and child.i >= end:
            tokens = _strip_edges(list(child.subtree))
            if tokens and len(tokens) <= MAX_ROLE_TOKENS and _has_role_head(tokens):
                out.append((_text(doc, tokens), tokens[0].i, tokens[-1].i + 1))
        # "Natan Sachs of the Brookings Institution"
        if child.dep_ == "prep" and child.lower_ in ("of", "at", "from") and child.i == end:
            objs = [c for c in child.children if c.dep_ == "pobj"]
            if objs and objs[0].i in orgs:
                tokens = [t for t in child.subtree if not t.is_punct or t.text in ("'s", "’s")]
                tokens = [t for t in tokens if t.i >= child.i]
                if tokens and len(tokens) <= MAX_ROLE_TOKENS:
                    out.append((_text(doc, tokens), tokens[0].i, tokens[-1].i + 1))
    # "the country's top diplomat, Antony Blinken": the role's head noun stands
    # right before the comma, and is singular (not "members of the cabinet, notably X")
    if head.dep_ == "appos" and head.head.i < start:
        role_head = head.head
        lo = before[0] if before else start
        comma = lo - 1
        if (
            comma > 0
            and doc[comma].text == ","
            and role_head.i == comma - 1
            and role_head.tag_ not in ("NNS", "NNPS")
        ):
            tokens = _strip_edges([t for t in role_head.subtree if t.i <= role_head.i])
            if tokens and len(tokens) <= MAX_ROLE_TOKENS and _has_role_head(tokens):
                out.append((_text(doc, tokens), tokens[0].i, tokens[-1].i + 1))
    return out


def _name_head(doc: Any, start: int, end: int) -> Any:
    """The token of ``[start, end)`` whose head lies outside the span."""
    for k in range(start, end):
        tok = doc[k]
        if not (start <= tok.head.i < end) or tok.head.i == tok.i:
            return tok
    return doc[end - 1]
