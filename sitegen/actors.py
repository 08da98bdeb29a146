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

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .actor_mentions import RawMention, find_mentions, is_subject
from .actor_overrides import ActorOverride, Overrides, OverridesError, load_overrides, parse_overrides
from .aliases import COUNTRY, GROUP, ORGANISATION, PERSON, PLACE, TYPES, alias_key, slugify
from .model import Sentence
from .quotes import find_quotes

__all__ = [
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

# When votes tie, the first of these wins.  spaCy's small model more often
# tags an unfamiliar place as a person ("Rafah") than the reverse, and a person
# as an organisation ("Natan Sachs") than the reverse.
TIE_ORDER = (COUNTRY, PLACE, PERSON, ORGANISATION, GROUP)
PRONOUN_LOOKBACK = 3  # sentences searched for the person "he said" refers to
MAX_RELATED = 20


class ActorIdError(ValueError):
    """Two different actors would get the same id."""


# -- per-article data ------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """A role or title found in the text, with the id of its sentence."""

    text: str
    sentence: str


@dataclass(frozen=True)
class Mention:
    """One naming of an actor: the cleaned surface text and its place."""

    text: str
    start: int  # character offsets into the article's cleaned text
    end: int
    sentence: str


@dataclass(frozen=True)
class Quote:
    """A direct quotation attributed to the actor."""

    text: str
    sentence: str


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class ActorRole:
    text: str
    article: str  # article slug
    sentence: str  # sentence id in that article


@dataclass(frozen=True)
class ActorQuote:
    text: str
    article: str
    sentence: str


@dataclass(frozen=True)
class ActorMention:
    article: str
    sentence: str
    text: str


@dataclass(frozen=True)
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
            "roles": [{"text": r.text, "article": r.article, "sentence": r.sentence} for r in self.roles],
            "mention_count": self.mention_count,
            "articles": list(self.articles),
            "quotes": [{"text": q.text, "article": q.article, "sentence": q.sentence} for q in self.quotes],
            "related": list(self.related),
        }


def decide_type(votes: Mapping[str, int] | Iterable[tuple[str, int]]) -> str:
    """The type with the most votes; ties go by :data:`TIE_ORDER`."""
    totals: Counter[str] = Counter()
    for t, w in votes.items() if isinstance(votes, Mapping) else votes:
        totals[t] += w
    if not totals:
        return ORGANISATION
    return max(TIE_ORDER, key=lambda t: (totals[t], -TIE_ORDER.index(t)))


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
            if k != key and k in groups and _ends_with(alias_key(other.name).split(), words)
        ]
        if len(fits) == 1 and key in groups:
            target = groups[fits[0]]
            target.mentions.extend(g.mentions)
            target.votes.update(g.votes)
            del groups[key]


def _ends_with(longer: list[str], shorter: list[str]) -> bool:
    return len(longer) > len(shorter) and longer[-len(shorter) :] == shorter


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
    for back in range(0, PRONOUN_LOOKBACK + 1):
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
            Mention(m.text, m.start, m.end, m.sentence) for m in sorted(g.mentions, key=lambda m: m.start)
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


# -- corpus ------------------------------------------------------------------


@dataclass
class _Pool:
    """The article actors that make one corpus actor, while merging."""

    key: str
    parts: list[tuple[str, ArticleActor]] = field(default_factory=list)
    pinned: bool = False  # placed by the editor: never merged by surname
    forced_type: str | None = None

    @property
    def votes(self) -> Counter[str]:
        c: Counter[str] = Counter()
        for _, a in self.parts:
            c.update(dict(a.votes) or {a.type: 1})
        return c

    @property
    def type(self) -> str:
        return self.forced_type or decide_type(self.votes)

    @property
    def name(self) -> str:
        names: Counter[str] = Counter()
        for _, a in self.parts:
            names[a.name] += len(a.mentions)
        if self.type == PERSON:
            return max(sorted(names), key=lambda n: (len(n.split()), names[n]))
        return max(sorted(names), key=lambda n: (names[n], len(n)))


def _split_for(entry: ActorOverride | None, slug: str, actor: ArticleActor) -> Any:
    if entry is None:
        return None
    texts = {alias_key(m.text) for m in actor.mentions} | {alias_key(actor.name)}
    for split in entry.splits:
        if slug in split.articles or texts & {alias_key(a) for a in split.aliases}:
            return split
    return None


def merge_actors(
    per_article: Sequence[tuple[str, tuple[ArticleActor, ...]]],
    overrides: Overrides | None = None,
) -> tuple[Actor, ...]:
    """Merge the articles' actors into the corpus's actors.

    ``per_article`` is ``(article slug, its actors)`` in corpus order.  The
    result is sorted by mention count (most named first), then id.
    """
    overrides = overrides or Overrides()
    redirect: dict[str, str] = {}
    for entry in overrides.actors:
        for alias in entry.aliases:
            redirect[slugify(alias)] = entry.key

    pools: dict[str, _Pool] = {}
    for slug, actors in per_article:
        for a in actors:
            key = redirect.get(a.id, a.id)
            pinned = key != a.id
            split = _split_for(overrides.get(key), slug, a)
            if split is not None:
                key, pinned = slugify(split.name), True
            pool = pools.setdefault(key, _Pool(key))
            pool.parts.append((slug, a))
            pool.pinned = pool.pinned or pinned
            if split is not None and split.type:
                pool.forced_type = split.type
    _merge_corpus_surnames(pools)

    # the editor's type, name, role, description, visibility
    final: dict[str, tuple[_Pool, ActorOverride | None, str]] = {}
    for key, pool in pools.items():
        entry = overrides.get(key)
        if entry is not None and entry.type:
            pool.forced_type = entry.type
        name = entry.name if entry is not None and entry.name else pool.name
        new_id = slugify(name) if entry is not None and entry.name else key
        if new_id in final:
            other = final[new_id][0]
            where = f" ({entry.where})" if entry is not None else ""
            raise ActorIdError(
                f"actors '{key}' and '{other.key}' would both get the id '{new_id}'{where}; "
                f"to merge them list one under the other's 'aliases' in {overrides.path or 'data/actors.yaml'}"
            )
        final[new_id] = (pool, entry, name)

    hidden = {i for i, (_, entry, _) in final.items() if entry is not None and entry.hide}
    related = _co_mentions(final, hidden)
    out = []
    for actor_id, (pool, entry, name) in final.items():
        if actor_id in hidden:
            continue
        out.append(_build(actor_id, name, pool, entry, related.get(actor_id, ())))
    return tuple(sorted(out, key=lambda a: (-a.mention_count, a.id)))


def _merge_corpus_surnames(pools: dict[str, _Pool]) -> None:
    """Across articles, "Biden" alone joins "Joe Biden" when only one person fits."""
    people = {k: p for k, p in pools.items() if p.type == PERSON}
    for key, pool in sorted(people.items(), key=lambda kv: (len(kv[1].name.split()), kv[0])):
        if pool.pinned or key not in pools:
            continue
        words = alias_key(pool.name).split()
        fits = [k for k, o in people.items() if k != key and k in pools and _ends_with(alias_key(o.name).split(), words)]
        if len(fits) == 1:
            pools[fits[0]].parts.extend(pool.parts)
            del pools[key]


def _co_mentions(final: Mapping[str, tuple[_Pool, Any, str]], hidden: set[str]) -> dict[str, tuple[str, ...]]:
    """Actors named in the same sentences, most shared sentences first."""
    in_sentence: dict[tuple[str, str], set[str]] = defaultdict(set)
    for actor_id, (pool, _, _) in final.items():
        if actor_id in hidden:
            continue
        for slug, a in pool.parts:
            for m in a.mentions:
                in_sentence[(slug, m.sentence)].add(actor_id)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for ids in in_sentence.values():
        for a in ids:
            for b in ids:
                if a != b:
                    counts[a][b] += 1
    return {
        a: tuple(b for b, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_RELATED])
        for a, c in counts.items()
    }


def _build(actor_id: str, name: str, pool: _Pool, entry: ActorOverride | None, related: tuple[str, ...]) -> Actor:
    role_count: Counter[str] = Counter()
    first_role: dict[str, ActorRole] = {}
    spellings: Counter[str] = Counter()
    mentions: list[ActorMention] = []
    quotes: list[ActorQuote] = []
    articles: list[str] = []
    for slug, a in pool.parts:
        if slug not in articles:
            articles.append(slug)
        for r in a.roles:
            k = _role_key(r.text)
            role_count[k] += 1
            first_role.setdefault(k, ActorRole(r.text, slug, r.sentence))
        for m in a.mentions:
            spellings[m.text] += 1
            mentions.append(ActorMention(slug, m.sentence, m.text))
        for q in a.quotes:
            if all(q.text != o.text for o in quotes):
                quotes.append(ActorQuote(q.text, slug, q.sentence))
    order = sorted(first_role, key=lambda k: -role_count[k])  # stable: first found wins ties
    roles = tuple(first_role[k] for k in order)
    role = entry.role if entry is not None and entry.role else (roles[0].text if roles else None)
    aliases = tuple(
        s for s in sorted(spellings, key=lambda s: (-spellings[s], s)) if alias_key(s) != alias_key(name)
    )
    return Actor(
        id=actor_id,
        name=name,
        type=pool.type,
        description=entry.description if entry is not None else None,
        role=role,
        aliases=aliases,
        roles=roles,
        mention_count=len(mentions),
        articles=tuple(articles),
        quotes=tuple(quotes),
        related=related,
        mentions=tuple(mentions),
    )


def _role_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "'")).strip()


assert set(TIE_ORDER) == set(TYPES)
