"""Merging the articles' actors into the corpus's actors.

Runs once over the whole corpus, after every article is analysed: actors are
merged by id (slug of the canonical name), a surname alone joins the one full
name that ends with it, each type is voted over every mention, the editor's
``data/actors.yaml`` is applied and related actors are ranked by the
sentences they share.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain, permutations
from operator import attrgetter
from typing import Any

from .actor_model import (
    Actor,
    ActorIdError,
    ActorMention,
    ActorQuote,
    ActorRole,
    ArticleActor,
    decide_type,
)
from .actor_overrides import ActorOverride, Overrides
from .aliases import PERSON, alias_key, slugify
from .cache import IdentityMemo, by_identity, remembered

MAX_RELATED = 20


@dataclass
class _Pool:
    """The article actors that make one corpus actor, while merging.

    ``parts`` only ever grow (append, extend) or are replaced by a subset
    (a split), so their count tells whether the type and name voted over
    them must be voted again: both are asked for several times per pool
    (a third of the merge's time at 1,000 articles when always recounted).
    """

    key: str
    parts: list[tuple[str, ArticleActor]] = field(default_factory=list)
    pinned: bool = False  # placed by the editor: never merged by surname
    forced_type: str | None = None
    _voted: tuple[int, str] | None = field(default=None, repr=False, compare=False)
    _named: tuple[int, str | None, str] | None = field(default=None, repr=False, compare=False)

    @property
    def votes(self) -> Counter[str]:
        return Counter(self._totals())

    def _totals(self) -> dict[str, int]:
        """The parts' type votes summed (what ``votes`` counts, in a plain dict:
        Counter.update checks its argument against the Mapping ABC each call)."""
        totals: dict[str, int] = {}
        get = totals.get
        for _, a in self.parts:
            if a.votes:
                for t, w in dict(a.votes).items():
                    totals[t] = get(t, 0) + w
            else:
                totals[a.type] = get(a.type, 0) + 1
        return totals

    @property
    def type(self) -> str:
        if self.forced_type:
            return self.forced_type
        if self._voted is None or self._voted[0] != len(self.parts):
            self._voted = (len(self.parts), decide_type(self._totals()))
        return self._voted[1]

    @property
    def name(self) -> str:
        if self._named is None or self._named[:2] != (len(self.parts), self.forced_type):
            self._named = (len(self.parts), self.forced_type, self._vote_name())
        return self._named[2]

    def _vote_name(self) -> str:
        names: dict[str, int] = {}
        for _, a in self.parts:
            names[a.name] = names.get(a.name, 0) + len(a.mentions)
        if len(names) == 1:  # most actors go by one name
            return next(iter(names))
        if self.type == PERSON:
            return max(sorted(names), key=lambda n: (len(n.split()), names[n]))
        return max(sorted(names), key=lambda n: (names[n], len(n)))


def _apply_splits(pools: dict[str, _Pool], overrides: Overrides) -> None:
    """Move the article actors an editor's ``split`` names into their own actor.

    Splits run after all automatic merging, so they can undo any of it; the
    actors they make are never merged again.
    """
    for key in list(pools):
        entry = overrides.get(key)
        if entry is None or not entry.splits:
            continue
        keep = []
        for slug, a in pools[key].parts:
            texts = {alias_key(m.text) for m in a.mentions} | {alias_key(a.name)}
            split = next(
                (
                    s
                    for s in entry.splits
                    if slug in s.articles or texts & {alias_key(x) for x in s.aliases}
                ),
                None,
            )
            if split is None:
                keep.append((slug, a))
                continue
            target = pools.setdefault(slugify(split.name), _Pool(slugify(split.name)))
            target.parts.append((slug, replace(a, name=split.name)))
            target.pinned = True
            if split.type:
                target.forced_type = split.type
        pools[key].parts = keep
        if not keep:
            del pools[key]


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
    for item in overrides.actors:
        for alias in item.aliases:
            redirect[slugify(alias)] = item.key

    pools: dict[str, _Pool] = {}
    for slug, actors in per_article:
        for a in actors:
            key = redirect.get(a.id, a.id)
            pool = pools.get(key)
            if pool is None:  # not setdefault: a _Pool made per article actor cost 30 ms at 1,000 articles
                pool = pools[key] = _Pool(key)
            pool.parts.append((slug, a))
            pool.pinned = pool.pinned or key != a.id
    _votes_again(pools, remembered("actor-votes"))
    _merge_corpus_surnames(pools)
    _apply_splits(pools, overrides)

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
                "to merge them list one under the other's 'aliases' in "
                f"{overrides.path or 'data/actors.yaml'}"
            )
        final[new_id] = (pool, entry, name)

    hidden = {i for i, (_, e, _) in final.items() if e is not None and e.hide}
    related = _co_mentions(final, hidden, remembered("actor-co-mentions"))
    out = []
    built = by_identity("corpus-actor")  # inside sitegen serve: the actors of the last build
    for actor_id, (pool, entry, name) in final.items():
        if actor_id in hidden:
            continue
        if built is None:
            out.append(_build(actor_id, name, pool, entry, related.get(actor_id, ())))
        else:
            out.append(_build_again(built, actor_id, name, pool, entry, related.get(actor_id, ())))
    return tuple(sorted(out, key=lambda a: (-a.mention_count, a.id)))


def _votes_again(pools: dict[str, _Pool], last: dict[str, Any] | None) -> None:
    """Inside ``sitegen serve`` (``last``: what the last build voted), a pool made of
    the same parts as the last build's pool of its key gets that pool's type and name
    without voting again (voting every pool was a third of the merge at 1,000
    articles; an edit changes a few pools).  Both are functions of the parts only
    (no type is forced yet).  Parts are compared as tuples, in C: an unchanged
    article gives the very same article actors, which compare by identity first.
    """
    if last is None:
        return
    now = {}
    for key, pool in pools.items():
        parts = tuple(pool.parts)
        hit = last.get(key)
        if hit is not None and hit[0] == parts:
            pool._voted = (len(parts), hit[1])
            pool._named = (len(parts), None, hit[2])
        now[key] = (parts, pool.type, pool.name)
    last.clear()
    last.update(now)


def _merge_corpus_surnames(pools: dict[str, _Pool]) -> None:
    """Across articles, "Biden" alone joins "Joe Biden" when only one person fits.

    A pool's name is costly (it votes over all its parts), so each person's
    name words are computed once and again only when the pool grows; the
    full names a surname may end are found through an index of every proper
    word suffix of every name, not by comparing every pair of people (which
    took minutes at a few thousand articles).  Same result as the pairwise
    ``ends_with`` test.
    """
    people = {k: p for k, p in pools.items() if p.type == PERSON}
    words_of: dict[str, tuple[str, ...]] = {}
    ending: dict[tuple[str, ...], set[str]] = defaultdict(set)

    def index(k: str) -> None:
        words = tuple(alias_key(people[k].name).split())
        words_of[k] = words
        for i in range(1, len(words)):  # proper suffixes: ends_with needs a longer name
            ending[words[i:]].add(k)

    def unindex(k: str) -> None:
        words = words_of.pop(k)
        for i in range(1, len(words)):
            ending[words[i:]].discard(k)

    names = {k: p.name for k, p in people.items()}
    for k in people:
        index(k)
    for key, pool in sorted(people.items(), key=lambda kv: (len(names[kv[0]].split()), kv[0])):
        if pool.pinned or key not in pools:
            continue
        words = words_of[key]
        fits = [k for k in ending.get(words, ()) if k != key and k in pools]
        if len(fits) == 1:
            pools[fits[0]].parts.extend(pool.parts)
            del pools[key]
            unindex(key)
            unindex(fits[0])
            index(fits[0])


def _co_mentions(
    final: Mapping[str, tuple[_Pool, Any, str]], hidden: set[str], last: dict[str, Any] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Actors named in the same sentences, most shared sentences first.

    A sentence belongs to one article, so the pairs are counted per article and
    summed.  Inside ``sitegen serve`` (``last``: the counts the last build kept)
    only the articles whose actors or their corpus ids changed are counted again,
    their old counts taken away, and only the actors whose counts moved ranked
    again: the same integers, the same ranking.
    """
    # Each article's actors with the corpus actor they went to, in pool order.
    by_slug: dict[str, list[tuple[ArticleActor, str]]] = {}
    for actor_id, (pool, _, _) in final.items():
        if actor_id in hidden:
            continue
        for slug, a in pool.parts:
            got = by_slug.get(slug)
            if got is None:
                by_slug[slug] = [(a, actor_id)]
            else:
                got.append((a, actor_id))
    state = last if last is not None else {}
    articles: dict[str, tuple[frozenset[tuple[int, str]], list[Any], Counter[tuple[str, str]]]] = (
        state.get("articles", {}))
    pairs: dict[str, Counter[str]] = state.get("pairs", {})
    ranked: dict[str, tuple[str, ...]] = state.get("ranked", {})
    now = {}
    touched: set[str] = set()
    for slug, owned in by_slug.items():
        # The article actors are held with the signature, so their ids stay theirs.
        signature = frozenset([(id(a), actor_id) for a, actor_id in owned])
        was = articles.get(slug)
        if was is not None and was[0] == signature:
            now[slug] = was
            continue
        counted = _article_pairs(slug, owned)
        if was is not None:
            _add_pairs(pairs, was[2], -1, touched)
        _add_pairs(pairs, counted, 1, touched)
        now[slug] = (signature, owned, counted)
    for slug, was in articles.items():
        if slug not in by_slug:
            _add_pairs(pairs, was[2], -1, touched)
    for x in touched:
        counts = pairs.get(x)
        if counts:
            ranked[x] = tuple(y for _, y in sorted([(-c, y) for y, c in counts.items()])[:MAX_RELATED])
        else:
            pairs.pop(x, None)
            ranked.pop(x, None)
    if last is not None:
        last.update(articles=now, pairs=pairs, ranked=ranked)
    return dict(ranked)


def _article_pairs(slug: str, owned: list[tuple[ArticleActor, str]]) -> Counter[tuple[str, str]]:
    """Every ordered pair of corpus actors that share one of the article's sentences,
    with how many they share (counted in C)."""
    in_sentence: dict[str, set[str]] = defaultdict(set)
    for a, actor_id in owned:
        for m in a.mentions:
            in_sentence[m.sentence].add(actor_id)
    return Counter(chain.from_iterable(permutations(ids, 2) for ids in in_sentence.values() if len(ids) > 1))


def _add_pairs(pairs: dict[str, Counter[str]], counted: Counter[tuple[str, str]], sign: int,
               touched: set[str]) -> None:
    for (x, y), count in counted.items():
        counts = pairs.get(x)
        if counts is None:
            counts = pairs[x] = Counter()
        left = counts[y] + sign * count
        if left:
            counts[y] = left
        else:
            del counts[y]
        touched.add(x)


def _build_again(
    built: IdentityMemo, actor_id: str, name: str, pool: _Pool, entry: ActorOverride | None,
    related: tuple[str, ...],
) -> Actor:
    """:func:`_build`, or the actor it built in the last build from the very same
    article actors (by identity, with the same slugs) and the same other inputs.

    Inside ``sitegen serve`` an edit leaves most corpus actors' parts as they
    were; building them again (every mention made an ActorMention) was a third
    of the merge.  The memo is found by the pool's first article actor.
    """
    parts = pool.parts
    inputs = (actor_id, name, pool.type, related,
              None if entry is None else (entry.role, entry.description))
    box = built.get(parts[0][1], _new_box)
    last = box[0]
    # The parts compared as tuples, in C (article actors by identity first, equal values
    # build an equal actor).
    parts_now = tuple(parts)
    if last is not None and last[0] == inputs and last[1] == parts_now:
        return last[2]
    actor = _build(actor_id, name, pool, entry, related)
    box[0] = (inputs, parts_now, actor)
    return actor


def _new_box(_: object) -> list[Any]:
    return [None]


def _build(
    actor_id: str, name: str, pool: _Pool, entry: ActorOverride | None, related: tuple[str, ...]
) -> Actor:
    role_count: Counter[str] = Counter()
    first_role: dict[str, ActorRole] = {}
    texts: list[str] = []
    mentions: list[ActorMention] = []
    quotes: list[ActorQuote] = []
    quoted: set[str] = set()
    articles: dict[str, None] = {}  # slugs in order, once each
    for slug, a in pool.parts:
        articles[slug] = None
        for r in a.roles:
            k = _role_key(r.text)
            role_count[k] += 1
            if k not in first_role:
                first_role[k] = ActorRole(r.text, slug, r.sentence)
        texts.extend(map(_text, a.mentions))
        mentions.extend([ActorMention(slug, m.sentence, m.text) for m in a.mentions])
        for q in a.quotes:
            if q.text not in quoted:
                quoted.add(q.text)
                quotes.append(ActorQuote(q.text, slug, q.sentence))
    order = sorted(first_role, key=lambda k: -role_count[k])  # stable: first found wins ties
    roles = tuple(first_role[k] for k in order)
    role = entry.role if entry is not None and entry.role else (roles[0].text if roles else None)
    spellings = Counter(texts)
    own = alias_key(name)
    aliases = tuple(
        s
        for s in sorted(spellings, key=lambda s: (-spellings[s], s))
        if alias_key(s) != own
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


_text = attrgetter("text")


@lru_cache(maxsize=1 << 14)
def _role_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "'")).strip()
