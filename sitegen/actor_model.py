"""The data of the actor analysis: per-article results and corpus actors.

:class:`ArticleActor` and its parts are what the cached per-article stage
returns (plain frozen data, picklable, no spaCy objects); :class:`Actor` is
one actor of the whole corpus as the pages show it.  Field names of the
``to_json`` forms are a public interface (``docs/actors.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import compact
from .aliases import COUNTRY, GROUP, ORGANISATION, PERSON, PLACE, TYPES

# When votes tie, the first of these wins.  spaCy's small model more often
# tags an unfamiliar place as a person ("Rafah") than the reverse, and a person
# as an organisation ("Natan Sachs") than the reverse.
TIE_ORDER = (COUNTRY, PLACE, PERSON, ORGANISATION, GROUP)


class ActorIdError(ValueError):
    """Two different actors would get the same id."""


# -- per-article data ------------------------------------------------------


@compact
@dataclass(frozen=True, slots=True)
class Role:
    """A role or title found in the text, with the id of its sentence."""

    text: str
    sentence: str


@compact(interned=("text", "sentence"))
@dataclass(frozen=True, slots=True)
class Mention:
    """One naming of an actor: the cleaned surface text and its place."""

    text: str
    start: int  # character offsets into the article's cleaned text
    end: int
    sentence: str


@compact
@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation attributed to the actor."""

    text: str
    sentence: str


@compact
@dataclass(frozen=True, slots=True)
class ArticleActor:
    """An actor as one article names it (output of the cached per-article stage)."""

    id: str
    name: str
    type: str
    roles: tuple[Role, ...] = ()
    mentions: tuple[Mention, ...] = ()
    quotes: tuple[Quote, ...] = ()
    votes: tuple[tuple[str, int], ...] = ()  # (type, weight): corpus-level voting

    def to_json(self) -> dict[str, Any]:
        """The form used by ``sitegen analyze --json``."""
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "roles": [{"text": r.text, "sentence": r.sentence} for r in self.roles],
            "mentions": [{"text": m.text, "start": m.start, "end": m.end} for m in self.mentions],
            "quotes": [{"text": q.text, "sentence": q.sentence} for q in self.quotes],
        }


# -- corpus-level data -------------------------------------------------------


@compact
@dataclass(frozen=True, slots=True)
class ActorRole:
    text: str
    article: str  # article slug
    sentence: str  # sentence id in that article


@compact
@dataclass(frozen=True, slots=True)
class ActorQuote:
    text: str
    article: str
    sentence: str


@compact
@dataclass(frozen=True, slots=True)
class ActorMention:
    article: str
    sentence: str
    text: str


@compact
@dataclass(frozen=True, slots=True)
class Actor:
    """An actor of the whole corpus, after merging and the editor's overrides."""

    id: str
    name: str
    type: str
    description: str | None = None
    role: str | None = None  # the headline role: the editor's, else the most frequent
    aliases: tuple[str, ...] = ()  # other spellings found in the text
    roles: tuple[ActorRole, ...] = ()  # distinct roles, most frequent first
    mention_count: int = 0
    articles: tuple[str, ...] = ()  # slugs, in corpus order
    quotes: tuple[ActorQuote, ...] = ()
    related: tuple[str, ...] = ()  # ids, most co-mentioned first
    mentions: tuple[ActorMention, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "role": self.role,
            "aliases": list(self.aliases),
            "roles": [
                {"text": r.text, "article": r.article, "sentence": r.sentence} for r in self.roles
            ],
            "mention_count": self.mention_count,
            "articles": list(self.articles),
            "quotes": [
                {"text": q.text, "article": q.article, "sentence": q.sentence} for q in self.quotes
            ],
            "related": list(self.related),
        }


def decide_type(votes: Mapping[str, int] | Iterable[tuple[str, int]]) -> str:
    """The type with the most votes; ties go by :data:`TIE_ORDER`."""
    totals: dict[str, int] = {}
    get = totals.get
    for t, w in votes.items() if isinstance(votes, Mapping) else votes:
        totals[t] = get(t, 0) + w
    if not totals:
        return ORGANISATION
    # The first of TIE_ORDER with the most votes (run once per actor and corpus actor:
    # a plain loop, not max() over (votes, -position) keys).
    best = TIE_ORDER[0]
    top = get(best, 0)
    for t in TIE_ORDER[1:]:
        if get(t, 0) > top:
            best, top = t, get(t, 0)
    return best


assert set(TIE_ORDER) == set(TYPES)
