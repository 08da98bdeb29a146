"""Actors: the people, organisations, countries, places and groups of a corpus.

Two stages, following the build's two phases:

* :func:`article_actors` runs in the per-article analysis stage (cached by
  content hash): it reads one parsed article and returns plain frozen data --
  one :class:`ArticleActor` per actor with its mentions, roles, quotes and the
  type votes of its mentions.  No spaCy object survives it.
* :func:`merge_actors` runs once over the whole corpus: it merges the
  articles' actors by id, merges surnames into full names, decides each type
  by voting over every mention in the corpus, applies ``data/actors.yaml``
  and ranks related actors.

Ids are slugs of canonical names and actors are merged *by id*: two actors
whose names give the same slug are one actor by construction ("Hamas" in two
articles), so ids never collide during merging.  The editor separates actors
that should not have merged with ``split``; a rename that would give an id
already taken by another actor is an error naming both (:class:`ActorIdError`).

See ``docs/actors.md`` for the whole method.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .actor_mentions import RawMention, find_mentions
from .actor_merge import merge_actors
from .actor_model import (
    Actor,
    ActorIdError,
    ActorMention,
    ActorQuote,
    ActorRole,
    ArticleActor,
    Mention,
    Quote,
    Role,
    decide_type,
)
from .actor_overrides import Overrides, OverridesError, load_overrides, parse_overrides
from .aliases import PERSON, alias_key, ends_with, slugify
from .model import Sentence
from .quotes import find_quotes

__all__ = [
    "ANALYSIS_VERSION",
    "Actor",
    "ActorIdError",
    "ActorMention",
    "ActorQuote",
    "ActorRole",
    "ArticleActor",
    "Mention",
    "Overrides",
    "OverridesError",
    "Quote",
    "Role",
    "article_actors",
    "decide_type",
    "load_overrides",
    "merge_actors",
    "parse_overrides",
]

# Part of the per-article cache key: bump when article_actors' output changes.
ANALYSIS_VERSION = "actors-1"
PRONOUN_LOOKBACK = 3  # sentences searched for the person "he said" refers to


# -- per article -------------------------------------------------------------


@dataclass
class _Group:
    """Mentions of one actor inside one article while they are being merged."""

    key: str
    mentions: list[RawMention]
    votes: Counter[str] = field(default_factory=Counter)

    @property
    def type(self) -> str:
        return decide_type(self.votes)

    @property
    def name(self) -> str:
        names = Counter(m.name for m in self.mentions)
        # a person is called by their fullest name; anything else by its most usual one
        if self.type == PERSON:
            return max(names, key=lambda n: (len(n.split()), names[n], -self._first(n)))
        return max(names, key=lambda n: (names[n], -self._first(n)))

    def _first(self, name: str) -> int:
        return min(m.start for m in self.mentions if m.name == name)


def _merge_surnames(groups: dict[str, _Group]) -> None:
    """Merge "Netanyahu" into "Benjamin Netanyahu" when only one person fits.

    A person's name that is the last word(s) of exactly one longer person
    name is that person.  With two candidates ("Harris" with Kamala and Kris
    Harris) nothing is merged: guessing would be worse than leaving it.
    """
    people = {k: g for k, g in groups.items() if g.type == PERSON}
    for key, g in sorted(people.items(), key=lambda kv: len(kv[1].name.split())):
        words = alias_key(g.name).split()
        fits = [
            k
            for k, other in people.items()
            if k != key and k in groups and ends_with(alias_key(other.name).split(), words)
        ]
        if len(fits) == 1 and key in groups:
            target = groups[fits[0]]
            target.mentions.extend(g.mentions)
            target.votes.update(g.votes)
            del groups[key]


def _resolve_pronoun(
    quote_start: int,
    sentence_index: int,
    sentences: Sequence[Sentence],
    people: list[RawMention],
    quote_spans: list[tuple[int, int]],
) -> RawMention | None:
    """The person "he"/"she" most likely refers to: the nearest person
    subject, else the nearest person mention, in this or the previous few
    sentences (never one inside a quotation)."""
    for back in range(PRONOUN_LOOKBACK + 1):
        k = sentence_index - back
        if k < 0:
            break
        sid = sentences[k].id
        found = [
            m
            for m in people
            if m.sentence == sid
            and m.start < quote_start
            and not any(a <= m.start < b for a, b in quote_spans)
        ]
        if found:
            subjects = [m for m in found if m.subject]
            return (subjects or found)[-1]
    return None


def article_actors(doc: Any, sentences: Sequence[Sentence]) -> tuple[ArticleActor, ...]:
    """The actors of one parsed article, in order of first mention.

    ``doc`` is the spaCy parse of the cleaned text and ``sentences`` its
    paragraph sentences (:func:`sitegen.nlp.sentences_of`); headings and page
    furniture are not looked at.
    """
    raw = find_mentions(doc, sentences)
    groups: dict[str, _Group] = {}
    for m in raw:
        g = groups.setdefault(m.key, _Group(m.key, []))
        g.mentions.append(m)
        g.votes[m.vote] += m.weight
    _merge_surnames(groups)
    owner = {id(m): g for g in groups.values() for m in g.mentions}

    quotes: dict[str, list[Quote]] = defaultdict(list)
    found = find_quotes(doc, sentences)
    spans = [(q.start, q.end) for q in found]
    index_of = {s.id: i for i, s in enumerate(sentences)}
    people = sorted(
        (m for g in groups.values() if g.type == PERSON for m in g.mentions), key=lambda m: m.start
    )
    for q in found:
        speaker: RawMention | None
        if q.pronoun:
            speaker = _resolve_pronoun(q.start, index_of[q.sentence], sentences, people, spans)
        else:
            speaker = next((m for m in raw if m.first <= q.speaker < m.last), None)
        if speaker is not None and id(speaker) in owner:
            quotes[owner[id(speaker)].key].append(Quote(q.text, q.sentence))

    out = []
    for g in sorted(groups.values(), key=lambda g: min(m.start for m in g.mentions)):
        name = g.name
        roles: list[Role] = []
        for m in sorted(g.mentions, key=lambda m: m.start):
            for text in m.roles:
                if Role(text, m.sentence) not in roles:
                    roles.append(Role(text, m.sentence))
        mentions = tuple(
            Mention(m.text, m.start, m.end, m.sentence)
            for m in sorted(g.mentions, key=lambda m: m.start)
        )
        out.append(
            ArticleActor(
                id=slugify(name),
                name=name,
                type=g.type,
                roles=tuple(roles),
                mentions=mentions,
                quotes=tuple(quotes.get(g.key, ())),
                votes=tuple(sorted(g.votes.items())),
            )
        )
    return _unique_ids(out)


def _unique_ids(actors: list[ArticleActor]) -> tuple[ArticleActor, ...]:
    """Merge article actors whose names gave one slug after surname merging."""
    by_id: dict[str, ArticleActor] = {}
    for a in actors:
        if a.id in by_id:
            b = by_id[a.id]
            votes: Counter[str] = Counter(dict(b.votes))
            votes.update(dict(a.votes))
            by_id[a.id] = ArticleActor(
                id=b.id,
                name=b.name,
                type=decide_type(votes),
                roles=b.roles + tuple(r for r in a.roles if r not in b.roles),
                mentions=tuple(sorted(b.mentions + a.mentions, key=lambda m: m.start)),
                quotes=b.quotes + a.quotes,
                votes=tuple(sorted(votes.items())),
            )
        else:
            by_id[a.id] = a
    return tuple(by_id.values())
